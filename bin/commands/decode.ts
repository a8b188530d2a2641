import { loadSource, findMap, mapCodecs, fromHex, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { print } from '../output.js';
import { DECODE, UsageError, decodeOptions, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

interface Args extends GlobalArgs {
  object: string;
  map: string;
  key?: string;
  value?: string;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  full?: boolean;
}

function bytesArg(hex: string, what: string, size: number): Uint8Array {
  const b = fromHex(hex);
  if (!b) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${what}: expected hex digits, got '${hex.length > 40 ? `${hex.slice(0, 40)}...` : hex}'`);
  if (b.length !== size) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${what}: expected ${size} bytes (${size * 2} hex digits), got ${b.length}`);
  return b;
}

export function runDecode(a: Args): { key?: unknown; value?: unknown } {
  if (a.key === undefined && a.value === undefined) throw new UsageError('give --key HEX and/or --value HEX');
  const src = loadSource(a.object);
  const map = findMap(src.schema, a.map);
  const codecs = mapCodecs(map, src.schema.byteOrder);
  const opts = decodeOptions(a);
  const out: { key?: unknown; value?: unknown } = {};
  if (a.key !== undefined) out.key = codecs.key.decode(bytesArg(a.key, 'key', codecs.key.size), 0, opts);
  if (a.value !== undefined) out.value = codecs.value.decode(bytesArg(a.value, 'value', codecs.value.size), 0, opts);
  return out;
}

export const decodeCommand = defineCommand({
  command: 'decode',
  describe: 'turn key/value bytes (hex) back into typed values',
  positionals: {
    object: { required: true },
    map: { required: true },
  },
  options: {
    ...DECODE,
    key: { type: 'string', describe: 'key bytes as hex' },
    value: { type: 'string', describe: 'value bytes as hex' },
  },
  examples: [
    ['$0 decode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key 38000000060000000a0a0a00000000000000000000000000', 'a firewall key'],
    ['$0 decode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key 38000000060000000a0a0a00000000000000000000000000 --json', 'addresses as strings, JSON (--numeric: plain numbers)'],
  ],
  handler: (a) => print(runDecode(a), a.json),
});
