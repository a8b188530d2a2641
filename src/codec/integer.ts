/**
 * The one range-checked integer conversion: number, bigint, or a decimal / `0x` string, checked
 * against a width and signedness. Everything in the codec that takes an integer goes through here.
 */
import { ERROR_CODE, ValueError } from '../errors.js';
import { Fail, describe } from './fail.js';

const DEC = /^[+-]?\d+$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;

/**
 * Why an integer text with a leading zero (`0123`) is refused, or null when it has none or means the
 * same either way (`007`): C reads it as octal (83), YAML 1.2 and JSON-minded users as decimal (123).
 */
export function leadingZero(text: string): string | null {
  const m = /^([+-]?)0+([0-9]+)$/.exec(text.trim());
  if (!m || BigInt(m[2]!) < 8n) return null;
  const [, sign, digits] = m;
  const octal = /^[0-7]+$/.test(digits!) ? `, or 0x${BigInt('0o' + digits).toString(16)} for the octal (C's 0${digits})` : '';
  return `${text.trim()} has a leading zero (C would read octal, YAML decimal): write ${sign === '-' ? '-' : ''}${digits} for the decimal${octal}`;
}

/** `u16`, `s32`, ... (the kernel's __u16 / __s32 naming). */
export function intLabel(bits: number, signed: boolean): string {
  return `${signed ? 's' : 'u'}${bits}`;
}

export interface IntRange {
  readonly min: bigint;
  readonly max: bigint;
  /** `u16 0..65535` */
  readonly text: string;
}

const ranges = new Map<string, IntRange>();

export function intRange(bits: number, signed: boolean, label = intLabel(bits, signed)): IntRange {
  const k = `${bits}:${signed}:${label}`;
  let r = ranges.get(k);
  if (!r) {
    const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    r = { min, max, text: `${label} ${min}..${max}` };
    ranges.set(k, r);
  }
  return r;
}

/** Parses an integer input without range checks; throws a Fail (no path) when it is not an integer. */
export function toBigInt(input: unknown, expected: string): bigint {
  switch (typeof input) {
    case 'bigint':
      return input;
    case 'number':
      if (Number.isInteger(input)) {
        if (Number.isSafeInteger(input)) return BigInt(input);
        throw new Fail(`expected ${expected}, got ${BigInt(input)} (a number beyond 2^53 is not exact: write it as a string or bigint)`);
      }
      break;
    case 'string': {
      const s = input.trim();
      if (DEC.test(s)) {
        const why = leadingZero(s);
        if (why) throw new Fail(`expected ${expected}, got ${describe(input)}: ${why}`);
        return BigInt(s);
      }
      const m = HEX.exec(s);
      if (m) {
        const v = BigInt(`0x${m[2]}`);
        return m[1] === '-' ? -v : v;
      }
      break;
    }
  }
  throw new Fail(`expected ${expected}, got ${describe(input)}`);
}

/** Range-checked integer as bigint; throws a Fail without path. */
export function checkBigInt(input: unknown, r: IntRange): bigint {
  const v = toBigInt(input, r.text);
  if (v < r.min || v > r.max) throw new Fail(`expected ${r.text}, got ${describe(input)}`, ERROR_CODE.VALUE_RANGE);
  return v;
}

/** Range-checked integer of at most 32 bits as a number; the fast path takes plain numbers. */
export function checkSmallInt(input: unknown, min: number, max: number, r: IntRange): number {
  if (typeof input === 'number' && Number.isInteger(input) && input >= min && input <= max) return input;
  return Number(checkBigInt(input, r));
}

/**
 * Public form: range-checks `input` as a `bits`-wide integer and returns it as bigint.
 * Throws ValueError (`<path>: expected u16 0..65535, got 70000`) with code VALUE_RANGE or VALUE_INVALID.
 */
export function parseInteger(input: unknown, bits: number, signed: boolean, path: string): bigint {
  if (!Number.isInteger(bits) || bits < 1 || bits > 1024) {
    throw new ValueError(path, `expected an integer width 1..1024, got ${bits}`);
  }
  try {
    return checkBigInt(input, intRange(bits, signed));
  } catch (e) {
    if (e instanceof Fail) throw e.toValueError(path);
    throw e;
  }
}
