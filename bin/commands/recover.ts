import type { CommandModule } from 'yargs';
import { recoverAll, recoverText, DEFAULT_JOURNAL_DIR, EXIT } from '../../src/index.js';
import type { RecoverReport } from '../../src/index.js';
import { print } from '../output.js';
import { oneLine } from '../report.js';
import { writeText } from '../sink.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  journal?: string;
}

/** Rolls back every unfinished apply journal in the directory. */
export function runRecover(a: Args): RecoverReport[] {
  return recoverAll(a.journal ?? DEFAULT_JOURNAL_DIR);
}

export const recoverCommand: CommandModule<object, Args> = {
  command: 'recover',
  describe: 'roll back the applies a crash or SIGKILL left unfinished (their journals); apply does it by itself before writing a map',
  builder: (y) =>
    y.option('journal', { type: 'string', describe: `the journal directory (default ${DEFAULT_JOURNAL_DIR})` })
      .example('$0 recover', 'roll back every unfinished apply journaled in /run/bpfmap')
      .example('$0 recover --journal /var/lib/bpfmap --json', 'one JSON object per journal: {journal, mapId, map, outcome, restored, conflicts, problems, pid}') as never,
  handler: (a) => {
    const reports = runRecover(a);
    if (a.json) print(reports, true);
    else writeText(reports.length === 0 ? 'nothing to recover: no unfinished apply journal\n' : reports.map((r) => `${oneLine(recoverText(r))}\n`).join(''));
    if (reports.some((r) => r.outcome === 'rollback partial')) process.exitCode = EXIT.ROLLBACK_PARTIAL;
  },
};
