import type { CommandModule } from 'yargs';
import { loadSource, createMaps, DEFAULT_PIN_ROOT, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { CreateResult } from '../../src/index.js';
import { print, table } from '../output.js';
import type { GlobalArgs } from '../options.js';

interface Args extends GlobalArgs {
  object: string;
  maps?: string[];
  'pin-root'?: string;
}

export function runCreate(a: Args): CreateResult[] {
  const src = loadSource(a.object);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: create needs a BPF object file (for its BTF), not a ${src.kind}`);
  return createMaps(src.object, { names: a.maps, pinRoot: a['pin-root'] });
}

export const createCommand: CommandModule<GlobalArgs, Args> = {
  command: 'create <object> [maps...]',
  describe: 'create the maps of an object (with their BTF) and pin them at PIN-ROOT/<name>; compatible existing pins are reused',
  builder: (y) =>
    y
      .positional('object', { type: 'string', demandOption: true, describe: 'BPF object file' })
      .positional('maps', { type: 'string', array: true, describe: 'only these maps (default: all)' })
      .option('pin-root', { type: 'string', describe: `bpffs directory to pin in (default ${DEFAULT_PIN_ROOT}, where libbpf looks for maps pinned by name)` })
      .example('$0 create fixtures/firewall.bpfel.o --pin-root /sys/fs/bpf/fw', 'pre-provision the firewall maps under a private root')
      .example('$0 create fixtures/firewall.bpfel.o ingress_node_firewall_table_map', 'one map, at /sys/fs/bpf/<name> for libbpf to reuse') as never,
  handler: (a) => {
    const r = runCreate(a);
    if (a.json) print(r, true);
    else print(table(['NAME', 'STATUS', 'ID', 'BTF', 'PIN', 'NOTE'], r.map((x) => [x.name, x.status, String(x.id), x.btf ? 'yes' : 'no', x.pinPath ?? '-', x.note ?? ''])), false);
  },
};
