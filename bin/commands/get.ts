import { getVariables, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { print } from '../output.js';
import { DECODE, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';
import { globalMaps, splitVar } from './globals.js';

interface Args extends TargetArgs {
  object: string;
  vars?: string[];
}

/** Reads global variables: all of every global-data map, or the named ones (`name` or `.bss.name`). */
export async function runGet(a: Args): Promise<Record<string, Record<string, unknown>>> {
  const groups = globalMaps(a.object, a.map, (a.vars ?? []).map(splitVar));
  const out: Record<string, Record<string, unknown>> = {};
  for (const [map, names] of groups) {
    out[map] = await withMap({ ...a, map }, (live) => getVariables(live, names.length ? names : undefined));
  }
  if (!Object.keys(out).length) throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND, `${a.object}: has no global data (.data, .bss, .rodata)`);
  return out;
}

export const getCommand = defineCommand({
  command: 'get',
  describe: "read global variables (.data, .bss, .rodata, .data.<name>) of a loaded program by name",
  positionals: {
    object: { ...TARGET_POSITIONALS.object, required: true },
    vars: { describe: 'variable names (default: all); qualify with the section when ambiguous: .bss.counter', variadic: true },
  },
  options: {
    ...TARGET, ...DECODE,
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 get fixtures/firewall.bpfel.o debug_lookup', 'one variable (the map is found among loaded maps by its kernel name)'],
    ['$0 get fixtures/coverage.bpfel.o --pin-root /sys/fs/bpf/cov --json', 'every variable of every section'],
  ],
  handler: async (a) => print(await runGet(a), a.json),
});
