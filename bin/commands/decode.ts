import type { CommandModule } from 'yargs';
import { loadSource, findMap, mapCodecs, fromHex, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { print } from '../output.js';
import { UsageError, withDecodeOptions, decodeOptions, type GlobalArgs } from '../options.js';

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

export const decodeCommand: CommandModule<GlobalArgs, Args> = {
  command: 'decode <object> <map>',
  describe: 'turn key/value bytes (hex) back into typed values',
  builder: (y) =>
    withDecodeOptions(
      y
        .positional('object', { type: 'string', demandOption: true })
        .positional('map', { type: 'string', demandOption: true })
        .option('key', { type: 'string', describe: 'key bytes as hex' })
        .option('value', { type: 'string', describe: 'value bytes as hex' }),
    )
      .example('$0 decode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key 38000000060000000a0a0a00000000000000000000000000', 'a firewall key')
      .example('$0 decode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key 38000000060000000a0a0a00000000000000000000000000 --json', 'addresses as strings, JSON (--numeric: plain numbers)') as never,
  handler: (a) => print(runDecode(a), a.json),
};
