/** Bitfield geometry of a struct or union member, read from BTF. */
import type { Btf } from './btf.js';
import { BTF_KIND as K } from './kinds.js';

/**
 * A member's bit offset and bitfield size (0 when it is not a bitfield) in either encoding: from a
 * kind_flag member offset, or (older encoding, `bitfieldSize` 0) from the INT itself, whose bit
 * offset adds to the member's and whose nr_bits is the width.
 */
export function memberBits(btf: Btf, typeId: number, bitOffset: number, bitfieldSize: number): [number, number] {
  if (bitfieldSize !== 0) return [bitOffset, bitfieldSize];
  const r = btf.resolve(typeId);
  if (btf.kind(r) === K.INT) {
    const t = btf.type(r);
    if (t.intOffset !== 0 || t.intBits !== t.size! * 8) return [bitOffset + t.intOffset, t.intBits];
  }
  return [bitOffset, 0];
}
