import { recoverAll, recoverMigrations, DEFAULT_JOURNAL_DIR } from '../../src/index.js';
import { recoverText } from '../../src/apply/recover.js';
import { migrationRecoveryText } from '../../src/migrate/journal.js';
import { EXIT, exitCodeFor } from '../exit-codes.js';
import type { MigrationRecovery, RecoverReport } from '../../src/index.js';
import { print } from '../output.js';
import { oneLine } from '../report.js';
import { writeText } from '../sink.js';
import { lockOptions, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

interface Args extends GlobalArgs {
  journal?: string;
}

/** Rolls back every unfinished apply journal in the directory, then every unfinished migration. */
export function runRecover(a: Args): (RecoverReport | MigrationRecovery)[] {
  const dir = a.journal ?? DEFAULT_JOURNAL_DIR;
  // Each map is written under its lock (BPFMAP_LOCK_DIR), as apply and update write it.
  return [...recoverAll(dir, lockOptions({})), ...recoverMigrations(dir)];
}

const textOf = (r: RecoverReport | MigrationRecovery) => ('pinRoot' in r ? migrationRecoveryText(r) : recoverText(r));

export const recoverCommand = defineCommand({
  command: 'recover',
  describe: 'roll back the applies and migrations a crash or SIGKILL left unfinished (their journals); apply and migrate do it by themselves first',
  options: {
    journal: { type: 'string', describe: `the journal directory (default ${DEFAULT_JOURNAL_DIR})` },
  },
  examples: [
    ['$0 recover', 'roll back every unfinished apply journaled in /run/bpfmap'],
    ['$0 recover --journal /var/lib/bpfmap --json', 'one JSON object per journal: {journal, mapId, map, outcome, restored, conflicts, problems, pid}'],
  ],
  handler: (a) => {
    const reports = runRecover(a);
    if (a.json) print(reports, true);
    else writeText(reports.length === 0 ? 'nothing to recover: no unfinished apply or migration journal\n' : reports.map((r) => `${oneLine(textOf(r))}\n`).join(''));
    // A journal kept because it could not be rolled back needs a person first; then a partial rollback.
    const refused = reports.find((r): r is RecoverReport => r.outcome === 'refused');
    if (refused) process.exitCode = exitCodeFor(refused.code ?? 'INTERNAL');
    else if (reports.some((r) => r.outcome === 'rollback partial')) process.exitCode = EXIT.ROLLBACK_PARTIAL;
  },
});
