/**
 * Internal failure carrying a path built on the way out: encoders throw a Fail without any path, and
 * each struct/array level that the failure passes through prepends its segment. The public entry
 * points turn it into a ValueError with the full path (`value.rules[3].dstPortEnd`). Nothing is
 * concatenated on the success path.
 */
import { ERROR_CODE, ValueError, type ErrorCode } from '../errors.js';
import { isBytes } from './is-bytes.js';

export class Fail {
  /** Path segments in reverse order (innermost first): `.dstPortEnd`, `[3]`, `.rules`. */
  readonly segs: string[] = [];
  readonly msg: string;
  readonly code: ErrorCode;
  constructor(msg: string, code: ErrorCode = ERROR_CODE.VALUE_INVALID) {
    this.msg = msg;
    this.code = code;
  }
  /** Adds the segment of the level the failure passes through; returns this for `throw`. */
  at(seg: string): this {
    this.segs.push(seg);
    return this;
  }
  toValueError(root: string): ValueError {
    let p = root;
    for (let i = this.segs.length - 1; i >= 0; i--) p += this.segs[i];
    return new ValueError(p, this.msg, this.code);
  }
}

/** Rethrows `e` with `seg` added when it is a Fail; anything else passes unchanged. */
export function rethrowAt(e: unknown, seg: string): never {
  if (e instanceof Fail) e.at(seg);
  throw e;
}

/** A short description of a user-supplied input for messages: `70000`, `'abc'`, `a list of 3`. */
export function describe(input: unknown): string {
  if (input === null) return 'null';
  if (input === undefined) return 'nothing';
  switch (typeof input) {
    case 'number':
    case 'bigint':
    case 'boolean': {
      // A number literal of thousands of digits is quoted in part, its length counted.
      const t = String(input);
      return t.length > 80 ? `${t.slice(0, 60)}...(${t.length} characters)` : t;
    }
    case 'string': {
      const s = input.length > 60 ? `${input.slice(0, 57)}...` : input;
      return `'${s}'`;
    }
    case 'object':
      if (Array.isArray(input)) return `a list of ${input.length}`;
      if (isBytes(input)) return `${input.byteLength} bytes`;
      return 'an object';
    default:
      return typeof input;
  }
}

/** Path segment for an object key: `.name`, or `["odd key"]` when it is not an identifier. */
export function keySeg(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
}
