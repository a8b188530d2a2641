import type { CommandModule } from 'yargs';
import { getVariables, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { print } from '../output.js';
import { withTarget, withDecodeOptions, type TargetArgs } from '../options.js';
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

export const getCommand: CommandModule<object, Args> = {
  command: 'get <object> [vars...]',
  describe: "read global variables (.data, .bss, .rodata, .data.<name>) of a loaded program by name",
  builder: (y) =>
    withDecodeOptions(withTarget(y))
      .positional('vars', { type: 'string', array: true, describe: 'variable names (default: all); qualify with the section when ambiguous: .bss.counter' })
      .example('$0 get fixtures/firewall.bpfel.o debug_lookup', 'one variable (the map is found among loaded maps by its kernel name)')
      .example('$0 get fixtures/coverage.bpfel.o --pin-root /sys/fs/bpf/cov --json', 'every variable of every section') as never,
  handler: async (a) => print(await runGet(a), a.json),
};
