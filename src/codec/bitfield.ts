/**
 * Bitfield storage. Field.offset is the byte holding the first bit, bitOffset counts in memory bit
 * order (from the LSB for little-endian objects, from the MSB for big-endian ones). The covering
 * bytes are read as one integer in the object's byte order, masked and shifted.
 */
import type { ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail } from './fail.js';
import { intBitConv, type BitConv } from './int-codec.js';
import { enumBitConv } from './enum-codec.js';
import { readWord, writeWord } from './words.js';
import type { Compiled } from './types.js';

function bitConv(type: TypeNode, width: number): BitConv {
  if (type.kind === 'int') return intBitConv(type, width);
  if (type.kind === 'enum') return enumBitConv(type, width);
  throw new Fail(`a bitfield of kind ${type.kind} is not supported`, ERROR_CODE.SCHEMA_INVALID);
}

/** `size` of the result is the number of covering bytes (for struct bookkeeping only). */
export function compileBitfield(type: TypeNode, bitOffset: number, bitSize: number, order: ByteOrder): Compiled {
  if (!(bitSize >= 1 && bitSize <= 64 && bitOffset >= 0 && bitOffset <= 7)) {
    throw new Fail(`bitfield with bit offset ${bitOffset} and size ${bitSize} is not supported`, ERROR_CODE.SCHEMA_INVALID);
  }
  const conv = bitConv(type, bitSize);
  const little = order === 'little';
  const nbytes = Math.ceil((bitOffset + bitSize) / 8);
  const shift = BigInt(little ? bitOffset : 8 * nbytes - bitOffset - bitSize);
  const mask = (1n << BigInt(bitSize)) - 1n;
  const clear = ~(mask << shift);
  return {
    size: nbytes,
    usesView: false,
    enc(input, _dv, u8, off) {
      const raw = conv.toRaw(input);
      const w = readWord(u8, off, nbytes, little);
      writeWord(u8, off, nbytes, little, (w & clear) | (raw << shift));
    },
    dec(_dv, u8, off) {
      return conv.fromRaw((readWord(u8, off, nbytes, little) >> shift) & mask);
    },
  };
}
