/**
 * Source snippets for reading and writing plain 1/2/4-byte integers straight from the byte array,
 * used by the generated struct encoders/decoders (no DataView, no call per field on the hot path).
 */
import type { ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';

export interface InlineInt {
  readonly min: number;
  readonly max: number;
  /** Expression reading the value at byte index expression `o`. */
  read(o: string): string;
  /** Statements writing number expression `v` (already range-checked) at `o`. */
  write(v: string, o: string): string;
}

/** Inline form of an int node, or null when it needs the general path (bool, 64-bit, narrow, __be32). */
export function inlineInt(t: TypeNode, order: ByteOrder): InlineInt | null {
  if (t.kind !== 'int' || t.encoding === 'bool') return null;
  const size = t.size;
  if (size !== 1 && size !== 2 && size !== 4) return null;
  if (t.bits !== undefined && t.bits !== size * 8) return null;
  if (t.byteOrder === 'big' && size === 4) return null; // takes IPv4 strings and prints them pretty
  const little = t.byteOrder === 'big' ? false : order === 'little';
  const signed = t.signed;
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  // Byte i (0 = lowest address) holds value bits at this shift.
  const shift = (i: number) => (little ? i * 8 : (size - 1 - i) * 8);
  return {
    min,
    max,
    read(o) {
      if (size === 1) return signed ? `((u8[${o}] << 24) >> 24)` : `u8[${o}]`;
      const parts: string[] = [];
      for (let i = 0; i < size; i++) parts.push(`(u8[${o} + ${i}] << ${shift(i)})`);
      const x = `(${parts.join(' | ')})`;
      if (size === 2) return signed ? `((${x} << 16) >> 16)` : x;
      return signed ? `(${x} | 0)` : `(${x} >>> 0)`;
    },
    write(v, o) {
      let s = '';
      for (let i = 0; i < size; i++) s += `u8[${o} + ${i}] = ${shift(i) === 0 ? v : `${v} >>> ${shift(i)}`};`;
      return s;
    },
  };
}
