import { basename } from 'node:path';
import { stdoutSink } from '../sink.js';
import { loadSource, generateTypeScript, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { UsageError, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

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

export const genCommand = defineCommand({
  command: 'gen',
  describe: 'generate code for an object\'s maps: `gen ts` writes TypeScript types of every key and value and a typed opener',
  positionals: {
    language: { choices: ['ts'], describe: 'ts: TypeScript', required: true },
    object: { describe: 'BPF object file', required: true },
  },
  options: {
    from: { type: 'string', describe: 'module the generated code imports BpfObject from (default: bpfmap)' },
  },
  examples: [
    ['$0 gen ts fixtures/firewall.bpfel.o > maps.ts', 'interfaces for every map\'s key and value, and openObject()'],
  ],
  handler: (a) => {
    if (a.json) throw new UsageError('--json: gen writes TypeScript source, which has no JSON form (bpfmap schema OBJ --json gives the maps\' types as JSON)');
    const sink = stdoutSink();
    sink.write(runGen(a));
    sink.end();
  },
});
