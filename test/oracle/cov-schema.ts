/** Hand-built nodes mirroring test/oracle/oracle-types.h (checked against gcc by the oracle test). */
import { arr, be16, be32, be64, bool, char, enm, f, s16, s32, s8, struct, u16, u32, u64, u8, union } from './schemas.js';

export const verdict = enm('verdict', 4, false, [['V_DROP', 0], ['V_PASS', 1], ['V_REDIRECT', 2]]);
export const double = { kind: 'float', name: 'double', size: 8 } as const;

export const padded = struct('padded', 80, [
  f('a', 0, u8), f('b', 2, s16), f('c', 4, u32), f('d', 8, u64), f('port', 16, be16), f('addr', 20, be32),
  f('name', 24, arr(char, 8)), f('mac', 32, arr(u8, 6)), f('ip6', 38, arr(u8, 16)), f('verdict', 56, verdict),
  f('flag', 60, bool), f('e', 61, s8), f('ratio', 64, double), f('big', 72, be64),
]);

/** Little-endian bitfield positions (gcc x86-64). */
export const bitsLE = struct('bits', 16, [
  f('x', 0, u32, { bitOffset: 0, bitSize: 3 }), f('y', 0, u32, { bitOffset: 3, bitSize: 5 }),
  f('z', 1, s32, { bitOffset: 0, bitSize: 12 }), f('w', 2, u32, { bitOffset: 4, bitSize: 12 }),
  f('tail', 4, u8), f('q', 8, u64, { bitOffset: 0, bitSize: 40 }), f('r', 13, u64, { bitOffset: 0, bitSize: 24 }),
]);

export const packedS = struct('packed_s', 15, [f('a', 0, u8), f('b', 1, u32), f('c', 5, u16), f('d', 7, u64)]);

const half = struct('', 4, [f('lo', 0, u16), f('hi', 2, u16)]);
export const unionU = union('u', 4, [f('word', 0, u32), f('bytes', 0, arr(u8, 4)), f('half', 0, half)]);

export const withAnon = struct('with_anon', 24, [
  f('kind', 0, u32),
  f('', 4, union('', 16, [f('ip4', 0, u32), f('ip6', 0, arr(u8, 16))])),
  f('', 20, struct('', 4, [f('sport', 0, u16), f('dport', 2, u16)])),
]);

export { s8, s16, s32, u8, u16, u32, u64, be16, be32, be64, bool, char };
