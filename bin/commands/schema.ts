import type { CommandModule } from 'yargs';
import { loadSource, findMap, seedFormat, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { ObjectSchema } from '../../src/index.js';
import { print } from '../output.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  object: string;
  map?: string;
  format?: string;
}

export function runSchema(a: Args): unknown {
  const src = loadSource(a.object);
  if (a.format === 'seed') {
    if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: --format seed needs a BPF object file`);
    const doc = seedFormat(src.object) as { maps: { name: string }[] };
    return a.map ? { ...doc, maps: doc.maps.filter((m) => m.name === findMap(src.schema, a.map!).name) } : doc;
  }
  const schema: ObjectSchema = a.map ? { ...src.schema, maps: [findMap(src.schema, a.map)] } : src.schema;
  const unusable = !a.map && schema.unusable ? { unusable: schema.unusable } : {};
  return { object: schema.object, byteOrder: schema.byteOrder, maps: schema.maps, ...unusable };
}

export const schemaCommand: CommandModule<GlobalArgs, Args> = {
  command: 'schema <object>',
  describe: 'print the maps of an object and the exact layout of their keys and values',
  builder: (y) =>
    y
      .positional('object', { type: 'string', demandOption: true, describe: 'BPF object file' })
      .option('map', { type: 'string', describe: 'only this map' })
      .option('format', { type: 'string', choices: ['bpfmap', 'seed'], default: 'bpfmap', describe: "document format; 'seed' is the old Python tool's parsed-BTF JSON" })
      .example('$0 schema fixtures/firewall.bpfel.o', 'every map, as YAML')
      .example('$0 schema fixtures/firewall.bpfel.o --map ingress_node_firewall_table_map --json', 'one map, as JSON')
      .example('$0 schema fixtures/firewall-seed.bpfel.o --format seed', "the seed tool's format") as never,
  handler: (a) => print(runSchema(a), a.json || a.format === 'seed'),
};
