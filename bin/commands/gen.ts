import type { CommandModule } from 'yargs';
import { basename } from 'node:path';
import { stdoutSink } from '../sink.js';
import { loadSource, generateTypeScript, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { UsageError, type GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  language: string;
  object: string;
  from?: string;
}

/** The generated module's text. */
export function runGen(a: Args): string {
  if (a.language !== 'ts') throw new UsageError(`gen: unknown language '${a.language}'; expected ts`);
  const src = loadSource(a.object);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: gen needs a BPF object file, not a ${src.kind}`);
  return generateTypeScript(src.schema, {
    ...(a.from !== undefined ? { from: a.from } : {}),
    path: a.object,
    command: `bpfmap gen ts ${basename(a.object)}`,
  });
}

export const genCommand: CommandModule<GlobalArgs, Args> = {
  command: 'gen <language> <object>',
  describe: 'generate code for an object\'s maps: `gen ts` writes TypeScript types of every key and value and a typed opener',
  builder: (y) =>
    y
      .positional('language', { type: 'string', choices: ['ts'], demandOption: true, describe: 'ts: TypeScript' })
      .positional('object', { type: 'string', demandOption: true, describe: 'BPF object file' })
      .option('from', { type: 'string', describe: 'module the generated code imports BpfObject from (default: bpfmap)' })
      .example('$0 gen ts fixtures/firewall.bpfel.o > maps.ts', 'interfaces for every map\'s key and value, and openObject()') as never,
  handler: (a) => {
    const sink = stdoutSink();
    sink.write(runGen(a));
    sink.end();
  },
};
