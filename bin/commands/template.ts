import { templateYaml, mapCodecs } from '../../src/index.js';
import { schemaOf } from '../live-schema.js';
import { print } from '../output.js';
import { defineCommand } from '../spec.js';

export const templateCommand = defineCommand({
  command: 'template',
  describe: 'print a YAML skeleton of a key and a value with every field, ready to fill in (use with encode/update -f)',
  positionals: {
    object: { required: true },
    map: { required: true },
  },
  examples: [
    ['$0 template fixtures/firewall.bpfel.o ingress_node_firewall_table_map > rule.yaml', 'then edit rule.yaml and run update -f rule.yaml'],
    ['$0 template pinned /sys/fs/bpf/ingress_node_firewall_table_map', 'a live map, typed by its own BTF (also: id N, name NAME)'],
  ],
  handler: (a) => {
    const src = schemaOf(a.object, a.map);
    const map = src.map!;
    if (a.json) {
      // The same skeleton as data: every field present, all zero (comments need YAML).
      const c = mapCodecs(map, src.schema.byteOrder);
      const zero = (size: number) => new Uint8Array(size);
      const key = map.keySize ? c.key.decode(zero(c.key.size), 0, { compact: false }) : null;
      // An LPM key's prefix length is left out: a 0 kept would contradict the CIDR filled in.
      const first = map.type === 'lpm_trie' && map.key?.kind === 'struct' ? map.key.fields[0] : undefined;
      if (first && first.offset === 0 && typeof key === 'object' && key !== null) delete (key as Record<string, unknown>)[first.name];
      print({ key, value: map.valueSize ? c.value.decode(zero(c.value.size), 0, { compact: false }) : null }, true);
      return;
    }
    print(templateYaml(map), false);
  },
});
