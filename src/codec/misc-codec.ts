/** Floats, pointers and opaque bytes. */
import type { ByteOrder } from '../bytes.js';
import type { FloatNode, PointerNode } from '../schema/types.js';
import { fromHex, toHex } from '../bytes.js';
import { numberHolds } from '../text/json.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe } from './fail.js';
import { checkBigInt, intRange, leadingZero, toBigInt } from './integer.js';
import { readWord, writeWord } from './words.js';
import type { Compiled } from './types.js';
import { isBytes } from './is-bytes.js';

/** A hex integer's text (the readers keep 0x literals as text, for the digits of maps without BTF). */
const HEX_TEXT = /^\s*[+-]?0[xX][0-9a-fA-F]+\s*$/;
/** A NaN given by its bits (`NaN:0x7fc00001`), as decode gives a NaN JavaScript would not write back. */
const NAN_BITS = /^\s*NaN:0x[0-9a-fA-F]{1,16}\s*$/;

/** Whether a decoded float is a NaN given by its bits (a string, where other NaNs are numbers). */
export function isNanBits(v: unknown): boolean {
  return typeof v === 'string' && NAN_BITS.test(v);
}
const FLOAT_TEXT = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|Infinity|NaN)\s*$/;

export function compileFloat(node: FloatNode, order: ByteOrder): Compiled {
  const size = node.size;
  if (size !== 4 && size !== 8) return compileBytes(size, `a hex string of ${size} bytes (float${size * 8})`);
  const little = order === 'little';
  const label = size === 4 ? 'float' : 'double';
  return {
    size,
    usesView: true,
    enc(input, dv, _u8, off) {
      let v: number;
      if (typeof input === 'string' && NAN_BITS.test(input)) {
        // A NaN with other bits than the one JavaScript makes, as decode gives it: those bits exactly.
        const bits = BigInt(input.trim().slice(4));
        const ok = size === 4
          ? bits <= 0xffffffffn && (bits & 0x7f800000n) === 0x7f800000n && (bits & 0x7fffffn) !== 0n
          : bits <= 0xffffffffffffffffn && (bits & 0x7ff0000000000000n) === 0x7ff0000000000000n && (bits & 0xfffffffffffffn) !== 0n;
        if (!ok) throw new Fail(`expected NaN:0x<bits> to hold a ${label} NaN (exponent all ones, fraction not zero), got ${describe(input)}`, ERROR_CODE.VALUE_RANGE);
        if (size === 4) dv.setUint32(off, Number(bits), little);
        else dv.setBigUint64(off, bits, little);
        return;
      }
      if (typeof input === 'number') v = input;
      else if (typeof input === 'bigint') v = Number(input);
      else if (typeof input === 'string' && FLOAT_TEXT.test(input)) {
        // The integer 010 is 8 in C, 10 to YAML: refused as an integer field refuses it (010.5 is decimal in both).
        const why = leadingZero(input);
        if (why) throw new Fail(`expected a ${label} number, got ${describe(input)}: ${why}`);
        v = Number(input);
      }
      else if (typeof input === 'string' && HEX_TEXT.test(input)) v = Number(toBigInt(input, `a ${label} number`));
      else throw new Fail(`expected a ${label} number, got ${describe(input)}`);
      // A finite value beyond the type's range would be stored as infinity: refused (NaN and
      // +-Infinity themselves are fine). A float takes what rounds to at most FLT_MAX.
      if (Number.isFinite(v) ? size === 4 && !Number.isFinite(Math.fround(v)) : typeof input === 'bigint' || (typeof input === 'string' && !/(Infinity|NaN)\s*$/.test(input))) {
        throw new Fail(`expected a ${label} within +-${size === 4 ? '3.4028234663852886e38' : '1.7976931348623157e308'} (or NaN, Infinity, -Infinity), got ${describe(input)}`, ERROR_CODE.VALUE_RANGE);
      }
      // A non-zero value too small for the type would be stored as zero: refused, not flushed. Text
      // such as '1e-400' is non-zero even where Number() gives 0.
      if ((v !== 0 || (typeof input === 'string' && !numberHolds(v, input))) && Number.isFinite(v) && (size === 4 ? Math.fround(v) : v) === 0) {
        throw new Fail(`expected a ${label} of magnitude at least ${size === 4 ? '1.401298464324817e-45' : '5e-324'} (or 0), got ${describe(input)}: it would be stored as 0`, ERROR_CODE.VALUE_RANGE);
      }
      if (size === 4) dv.setFloat32(off, v, little);
      else dv.setFloat64(off, v, little);
    },
    dec(dv, _u8, off) {
      const v = size === 4 ? dv.getFloat32(off, little) : dv.getFloat64(off, little);
      if (v === v) return v;
      // A NaN other than the one JavaScript writes back (a payload, the sign bit) is given as its bits,
      // which encode writes exactly: a dump applied back gives the same bytes.
      const bits = size === 4 ? BigInt(dv.getUint32(off, little)) : dv.getBigUint64(off, little);
      return bits === (size === 4 ? 0x7fc00000n : 0x7ff8000000000000n) ? v : `NaN:0x${bits.toString(16).padStart(size * 2, '0')}`;
    },
  };
}

export function compilePointer(node: PointerNode, order: ByteOrder): Compiled {
  const size = node.size;
  if (size !== 4 && size !== 8) throw new Fail(`pointer (${node.target} *): unsupported size ${size}; expected 4 or 8 bytes`, ERROR_CODE.SCHEMA_INVALID);
  const little = order === 'little';
  const r = intRange(size * 8, false, `pointer (${node.target} *) address u${size * 8}`);
  return {
    size,
    usesView: false,
    enc(input, _dv, u8, off) { writeWord(u8, off, size, little, checkBigInt(input, r)); },
    dec(_dv, u8, off) {
      const v = readWord(u8, off, size, little);
      return size >= 8 ? v : Number(v);
    },
  };
}

/** Opaque bytes: a hex string (or Uint8Array) of exactly `size` bytes. */
export function compileBytes(size: number, expected = `a hex string of ${size} bytes`): Compiled {
  return {
    size,
    usesView: false,
    enc(input, _dv, u8, off) {
      let b: Uint8Array | null = null;
      if (isBytes(input)) b = input;
      else if (typeof input === 'string') b = fromHex(input);
      // Hex digits that YAML or JSON read as a number (`1000000000000000`): exactly 2 * size digits
      // can only have been written as those digits.
      else if ((typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) || (typeof input === 'bigint' && input >= 0n)) {
        if (String(input).length === 2 * size) b = fromHex(String(input));
      }
      if (!b || b.byteLength !== size) {
        const got = b ? (isBytes(input) ? `${b.byteLength} bytes` : `${b.byteLength} bytes (${describe(input)})`) : describe(input);
        // `--key 1` reaches here as a number: say how to write bytes.
        const hint = typeof input === 'number' || typeof input === 'bigint' ? `; write all ${2 * size} hex digits (${'00'.repeat(size)})` : '';
        throw new Fail(`expected ${expected}, got ${got}${hint}`);
      }
      u8.set(b, off);
    },
    dec(_dv, u8, off) { return toHex(u8.subarray(off, off + size)); },
  };
}
