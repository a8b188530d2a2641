import { schemaOf } from '../live-schema.js';
import type { ObjectSchema } from '../../src/index.js';
import { print, table } from '../output.js';
import { mapRow } from '../describe.js';
import type { GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

interface Args extends GlobalArgs {
  object: string;
  map?: string;
}

export function runMaps(a: Args) {
  const src = schemaOf(a.object, a.map);
  return mapRows(src.map ? { ...src.schema, maps: [src.map], unusable: [] } : src.schema);
}

/** One row per map, then one per map the object defines but bpfmap cannot use (with its reason). */
function mapRows(schema: ObjectSchema) {
  const bad = (schema.unusable ?? []).map((u) => ({
    name: u.name, section: u.section, unusable: true, code: u.code, reason: u.reason,
    row: [u.name, 'unusable', '-', '-', '-', '-', '-'],
  }));
  return [...schema.maps.map((m) => ({
    name: m.name,
    kernelName: m.kernelName,
    type: m.type,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries,
    flags: m.flags,
    pinPath: m.pinPath,
    row: mapRow(m),
  })), ...bad];
}

export const mapsCommand = defineCommand({
  command: 'maps',
  describe: 'list the maps of an object: type, key -> value types, sizes, max entries, flags, pin path',
  positionals: {
    object: { describe: "BPF object file; or bpftool's handle word (pinned, id, name) for a live map", required: true },
    map: { describe: "only this map; after a handle word: the live map's path, id or name" },
  },
  examples: [
    ['$0 maps fixtures/firewall.bpfel.o', 'a table for people'],
    ['$0 maps pinned /sys/fs/bpf/ingress_node_firewall_table_map', 'a live map, typed by its own BTF (also: id N, name NAME)'],
    ['$0 maps fixtures/coverage.bpfel.o --json', 'the same as JSON'],
  ],
  handler: (a) => {
    const rows = runMaps(a);
    if (a.json) print(rows.map(({ row: _row, ...m }) => m), true);
    else {
      const reasons = rows.flatMap((r) => ('reason' in r ? [`  ${r.reason}`] : []));
      const text = table(['NAME', 'TYPE', 'KEY -> VALUE', 'SIZES', 'MAX', 'FLAGS', 'PIN'], rows.map((r) => r.row));
      print(reasons.length ? `${text}\nunusable (commands naming these maps fail):\n${reasons.join('\n')}\n` : text, false);
    }
  },
});
