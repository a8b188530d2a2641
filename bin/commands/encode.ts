import { loadSource, findMap, mapCodecs, toHex } from '../../src/index.js';
import { print } from '../output.js';
import { writeText } from '../sink.js';
import { IFINDEX, UsageError, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { ifindexFields } from '../target.js';
import { readEntryInput } from './codec-args.js';

interface Args extends GlobalArgs {
  object: string;
  map: string;
  key?: string;
  value?: string;
  file?: string;
  'ifindex-field'?: string[];
}

export function runEncode(a: Args): { key?: string; value?: string } {
  const src = loadSource(a.object);
  const map = ifindexFields(findMap(src.schema, a.map), a['ifindex-field']);
  const input = readEntryInput(a, map);
  if (!input.hasKey && !input.hasValue) throw new UsageError('give --key, --value or -f FILE');
  const codecs = mapCodecs(map, src.schema.byteOrder);
  const out: { key?: string; value?: string } = {};
  // Encode both before printing anything: a bad value produces no output at all.
  if (input.hasKey) out.key = toHex(codecs.key.encode(input.key, 'key'));
  if (input.hasValue) out.value = toHex(codecs.value.encode(input.value, 'value'));
  return out;
}

export const encodeCommand = defineCommand({
  command: 'encode',
  describe: "turn a typed key and/or value into the exact bytes the program sees (lowercase hex)",
  positionals: {
    object: { required: true },
    map: { required: true },
  },
  options: {
    ...IFINDEX,
    key: { type: 'string', describe: 'key as YAML flow or JSON' },
    value: { type: 'string', describe: 'value as YAML flow or JSON' },
    file: { alias: 'f', type: 'string', describe: "YAML/JSON document {key: ..., value: ...} (or the seed tool's template); - for stdin" },
  },
  examples: [
    ["$0 encode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'", 'an LPM key from a CIDR'],
    ["$0 encode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --value '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 2}}}'", 'a 1200-byte rule set with slot 0 filled'],
    ["$0 encode fixtures/addresses.bpfel.o dev_redirect --key '{dev: lo, queue: 0}' --ifindex-field key.dev", 'an interface name in a field declared an interface index'],
  ],
  handler: (a) => {
    const r = runEncode(a);
    if (a.json) print(r, true);
    else writeText(`${r.key !== undefined ? `key: ${r.key}\n` : ''}${r.value !== undefined ? `value: ${r.value}\n` : ''}`);
  },
});
