/**
 * Integers (incl. bool, char, __be16/__be32/__be64; pointers are in misc-codec.ts): fast paths for
 * 1/2/4/8 bytes, a generic bigint path for other sizes and for BTF ints narrower than their storage.
 */
import type { ByteOrder } from '../bytes.js';
import type { IntNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail } from './fail.js';
import { checkBigInt, checkSmallInt, intLabel, intRange, type IntRange } from './integer.js';
import { readWord, writeWord } from './words.js';
import { generateIntCodec, inlineInt } from './fast-codegen.js';
import type { Compiled } from './types.js';

function isBool(n: IntNode): boolean {
  return n.encoding === 'bool';
}

/** Maps true/false to 1/0 for bool types; other inputs unchanged. */
function boolIn(input: unknown): unknown {
  return input === true ? 1 : input === false ? 0 : input;
}

/** BTF ints are at most 16 bytes (__int128); larger sizes come only from damaged input. */
const MAX_INT_SIZE = 16;

/** `generated`: plain 1/2/4-byte ints as generated code (fast-codegen.ts) rather than through a DataView. */
export function compileInt(node: IntNode, order: ByteOrder, generated = true): Compiled {
  const size = node.size;
  if (!Number.isInteger(size) || size < 1 || size > MAX_INT_SIZE) {
    throw new Fail(`${node.name || 'int'}: unsupported int size ${size}; expected 1..${MAX_INT_SIZE} bytes`, ERROR_CODE.SCHEMA_INVALID);
  }
  const little = node.byteOrder === 'big' ? false : order === 'little';
  const bits = node.bits !== undefined && node.bits < size * 8 ? node.bits : size * 8;
  const signed = node.signed;
  const bool = isBool(node);
  const r = intRange(bits, signed, bool ? `bool (true, false) or ${intLabel(bits, signed)}` : intLabel(bits, signed));

  if (bits === size * 8 && (size === 1 || size === 2 || size === 4)) {
    const min = Number(r.min), max = Number(r.max);
    const set = size === 1 ? (signed ? DataView.prototype.setInt8 : DataView.prototype.setUint8)
      : size === 2 ? (signed ? DataView.prototype.setInt16 : DataView.prototype.setUint16)
      : (signed ? DataView.prototype.setInt32 : DataView.prototype.setUint32);
    const get = size === 1 ? (signed ? DataView.prototype.getInt8 : DataView.prototype.getUint8)
      : size === 2 ? (signed ? DataView.prototype.getInt16 : DataView.prototype.getUint16)
      : (signed ? DataView.prototype.getInt32 : DataView.prototype.getUint32);
    const inl = generated ? inlineInt(node, order) : null;
    if (inl) {
      // Straight on the bytes (no DataView): generated once per int type (fast-codegen.ts).
      const gen = generateIntCodec(inl, r);
      return { size, usesView: false, enc: gen.enc, dec: gen.dec };
    }
    return {
      size,
      usesView: true,
      enc(input, dv, _u8, off) {
        set.call(dv, off, checkSmallInt(bool ? boolIn(input) : input, min, max, r), little);
      },
      dec(dv, _u8, off) {
        const v = get.call(dv, off, little) as number;
        return bool && (v === 0 || v === 1) ? v === 1 : v;
      },
    };
  }

  if (bits === 64 && size === 8) {
    return {
      size,
      usesView: true,
      enc(input, dv, _u8, off) {
        const v = checkBigInt(bool ? boolIn(input) : input, r);
        if (signed) dv.setBigInt64(off, v, little);
        else dv.setBigUint64(off, v, little);
      },
      dec(dv, _u8, off) {
        const v = signed ? dv.getBigInt64(off, little) : dv.getBigUint64(off, little);
        return bool && (v === 0n || v === 1n) ? v === 1n : v;
      },
    };
  }

  return compileWideInt(size, bits, signed, little, bool, r);
}

/** Any size, value width `bits` <= size * 8; the unused high bits are written as zero. */
function compileWideInt(size: number, bits: number, signed: boolean, little: boolean, bool: boolean, r: IntRange): Compiled {
  const asNumber = size <= 4;
  const mask = (1n << BigInt(bits)) - 1n;
  return {
    size,
    usesView: false,
    enc(input, _dv, u8, off) {
      const v = checkBigInt(bool ? boolIn(input) : input, r);
      writeWord(u8, off, size, little, BigInt.asUintN(bits, v));
    },
    dec(_dv, u8, off) {
      const raw = readWord(u8, off, size, little) & mask;
      const v = signed ? BigInt.asIntN(bits, raw) : raw;
      if (bool && (v === 0n || v === 1n)) return v === 1n;
      return asNumber ? Number(v) : v;
    },
  };
}

/** Value conversion for a bitfield of an int type: input -> unsigned raw bits, raw bits -> output. */
export interface BitConv {
  toRaw(input: unknown): bigint;
  fromRaw(raw: bigint): unknown;
}

export function intBitConv(node: IntNode, width: number): BitConv {
  const bool = isBool(node);
  const signed = node.signed;
  const r = intRange(width, signed, `${width}-bit ${signed ? 'signed' : 'unsigned'} bitfield`);
  const asNumber = node.size <= 4;
  return {
    toRaw(input) {
      return BigInt.asUintN(width, checkBigInt(bool ? boolIn(input) : input, r));
    },
    fromRaw(raw) {
      const v = signed ? BigInt.asIntN(width, raw) : raw;
      if (bool && (v === 0n || v === 1n)) return v === 1n;
      return asNumber ? Number(v) : v;
    },
  };
}
