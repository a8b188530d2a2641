import type { CommandModule } from 'yargs';
import { loadSource } from '../../src/index.js';
import { print, table } from '../output.js';
import { mapRow } from '../describe.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  object: string;
}

export function runMaps(a: Args) {
  const src = loadSource(a.object);
  return src.schema.maps.map((m) => ({
    name: m.name,
    kernelName: m.kernelName,
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    pinPath: m.pinPath,
    row: mapRow(m),
  }));
}

export const mapsCommand: CommandModule<GlobalArgs, Args> = {
  command: 'maps <object>',
  describe: 'list the maps of an object: type, key -> value types, sizes, max entries, flags, pin path',
  builder: (y) =>
    y
      .positional('object', { type: 'string', demandOption: true, describe: 'BPF object file' })
      .example('$0 maps fixtures/firewall.bpfel.o', 'a table for people')
      .example('$0 maps fixtures/coverage.bpfel.o --json', 'the same as JSON') as never,
  handler: (a) => {
    const rows = runMaps(a);
    if (a.json) print(rows.map(({ row: _row, ...m }) => m), true);
    else print(table(['NAME', 'TYPE', 'KEY -> VALUE', 'SIZES', 'MAX', 'FLAGS', 'PIN'], rows.map((r) => r.row)), false);
  },
};
