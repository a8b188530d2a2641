import { loadSource, findMap, seedFormat, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { schemaOf } from '../live-schema.js';
import type { ObjectSchema } from '../../src/index.js';
import { print } from '../output.js';
import type { GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

interface Args extends GlobalArgs {
  object: string;
  map?: string;
  format?: string;
}

export function runSchema(a: Args): unknown {
  if (a.format !== 'seed') {
    // An object, or a live map by bpftool's handle (`schema pinned PATH`).
    const src = schemaOf(a.object, a.map);
    const schema: ObjectSchema = src.map ? { ...src.schema, maps: [src.map] } : src.schema;
    const unusable = !src.map && schema.unusable ? { unusable: schema.unusable } : {};
    return { object: schema.object, byteOrder: schema.byteOrder, maps: schema.maps, ...unusable };
  }
  const src = loadSource(a.object);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: --format seed needs a BPF object file`);
  const doc = seedFormat(src.object) as { maps: { name: string }[] };
  return a.map ? { ...doc, maps: doc.maps.filter((m) => m.name === findMap(src.schema, a.map!).name) } : doc;
}

export const schemaCommand = defineCommand({
  command: 'schema',
  describe: 'print the maps of an object and the exact layout of their keys and values',
  positionals: {
    object: { describe: 'BPF object file', required: true },
    map: { describe: "only this map (also --map); after bpftool's handle word (pinned, id, name) the live map's path, id or name" },
  },
  options: {
    map: { type: 'string', describe: 'only this map' },
    format: { type: 'string', choices: ['bpfmap', 'seed'], default: 'bpfmap', describe: "document format; 'seed' is the old Python tool's parsed-BTF JSON" },
  },
  examples: [
    ['$0 schema fixtures/firewall.bpfel.o', 'every map, as YAML'],
    ['$0 schema fixtures/firewall.bpfel.o --map ingress_node_firewall_table_map --json', 'one map, as JSON'],
    ['$0 schema fixtures/firewall-seed.bpfel.o --format seed', "the seed tool's format"],
    ['$0 schema pinned /sys/fs/bpf/ingress_node_firewall_table_map', 'a live map, typed by its own BTF'],
  ],
  handler: (a) => print(runSchema(a), a.json || a.format === 'seed'),
});
