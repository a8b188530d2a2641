/**
 * Hand-built schema nodes for the codec tests and the benchmark. They mirror the C structs in
 * fixtures/src/firewall-types.h and test/oracle/oracle-types.h; the oracle test checks every size and
 * offset here against what gcc reports, so a mistake here fails the tests.
 */
import type {
  ArrayNode, EnumNode, Field, IntNode, MapSchema, StructNode, TypeNode, UnionNode,
} from '../../src/schema/types.js';
import { BPF_MAP_TYPE } from '../../src/uapi/map-constants.js';

export const int = (name: string, size: number, signed: boolean, extra: Partial<IntNode> = {}): IntNode =>
  ({ kind: 'int', name, size, signed, ...extra });
export const u8 = int('__u8', 1, false);
export const u16 = int('__u16', 2, false);
export const u32 = int('__u32', 4, false);
export const u64 = int('__u64', 8, false);
export const s8 = int('__s8', 1, true);
export const s16 = int('__s16', 2, true);
export const s32 = int('__s32', 4, true);
export const s64 = int('__s64', 8, true);
export const char = int('char', 1, true);
export const bool = int('_Bool', 1, false, { encoding: 'bool' });
export const be16 = int('__be16', 2, false, { byteOrder: 'big' });
export const be32 = int('__be32', 4, false, { byteOrder: 'big' });
export const be64 = int('__be64', 8, false, { byteOrder: 'big' });

export const arr = (element: TypeNode, length: number): ArrayNode =>
  ({ kind: 'array', name: '', size: element.size * length, length, element });
export const f = (name: string, offset: number, type: TypeNode, bits?: { bitOffset: number; bitSize: number }): Field =>
  ({ name, offset, type, ...(bits ?? {}) });
export const struct = (name: string, size: number, fields: Field[]): StructNode => ({ kind: 'struct', name, size, fields });
export const union = (name: string, size: number, fields: Field[]): UnionNode => ({ kind: 'union', name, size, fields });
export const enm = (name: string, size: number, signed: boolean, values: [string, number | bigint][]): EnumNode =>
  ({ kind: 'enum', name, size, signed, values: values.map(([n, v]) => ({ name: n, value: v })) });

/* fixtures/src/firewall-types.h */
export const lpmKey = struct('lpm_ip_key_st', 24, [f('prefixLen', 0, u32), f('ingress_ifindex', 4, u32), f('ip_data', 8, arr(u8, 16))]);
export const rule = struct('ruleType_st', 12, [
  f('ruleId', 0, u32), f('protocol', 4, u8), f('dstPortStart', 5, u16), f('dstPortEnd', 7, u16),
  f('icmpType', 9, u8), f('icmpCode', 10, u8), f('action', 11, u8),
]);
export const rulesVal = struct('rulesVal_st', 1200, [f('rules', 0, arr(rule, 100))]);
const stats = (name: string) => struct(name, 16, [f('packets', 0, u64), f('bytes', 8, u64)]);
export const ruleStats = struct('ruleStatistics_st', 32, [f('allow_stats', 0, stats('allow_stats_st')), f('deny_stats', 16, stats('deny_stats_st'))]);

export function mapOf(name: string, type: string, key: TypeNode | null, value: TypeNode | null, keySize = key?.size ?? 0, valueSize = value?.size ?? 0): MapSchema {
  return {
    name, kernelName: name.slice(0, 15), type, typeId: 0, keySize, valueSize, maxEntries: 1024, flags: [], mapFlags: 0,
    pinning: 'none', pinPath: null, perCpu: false, key, value, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0,
  };
}

export const firewallMap = mapOf('ingress_node_firewall_table_map', 'lpm_trie', lpmKey, rulesVal);
/** The seed's simplified map: a hash with one rule per key. */
export const seedMap = mapOf('ingress_node_firewall_table_map', 'hash', lpmKey, rule);
export const statsMap = mapOf('ingress_node_firewall_statistics_map', 'percpu_array', u32, ruleStats);

/**
 * A small IPv4 LPM trie, as the LPM tests and bench/lpm.ts create it by hand: `{ prefixlen, addr[4] }`
 * -> u32, no_prealloc (the kernel requires it of LPM tries).
 */
export function ipv4LpmMap(maxEntries: number): MapSchema {
  const key = struct('lpm_key', 8, [f('prefixlen', 0, u32), f('addr', 4, arr(u8, 4))]);
  return { ...mapOf('lpm', 'lpm_trie', key, u32), typeId: BPF_MAP_TYPE.LPM_TRIE, maxEntries, flags: ['no_prealloc'], mapFlags: 1 /* BPF_F_NO_PREALLOC */ };
}
