/**
 * Arrays: a list (shorter leaves the rest zero), an index map `{5: ...}`, a string for char arrays
 * (address strings for address arrays: address-field.ts). Decode: list; string for char text; index
 * map of non-zero struct elements with `compact`.
 */
import type { ArrayNode, TypeNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe, rethrowAt } from './fail.js';
import { addressShape } from './address-field.js';
import { typeName } from './type-name.js';
import { F_COMPACT, type Compiled } from './types.js';
import { isBytes } from './is-bytes.js';
import { leadingZero } from './integer.js';

const INDEX = /^\d+$/;
const utf8 = new TextEncoder();

export function isCharArray(n: TypeNode): boolean {
  if (n.kind !== 'array' || n.element.kind !== 'int' || n.element.size !== 1) return false;
  const e = n.element;
  return e.encoding === 'char' || e.name === 'char' || e.name === 'signed char';
}

function isByteArray(n: TypeNode): boolean {
  return n.kind === 'array' && n.element.kind === 'int' && n.element.size === 1 &&
    n.element.encoding !== 'bool' && !isCharArray(n);
}

/** No unpaired surrogate (String.prototype.isWellFormed, in every Node this package supports: >= 20). */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

function isZero(u8: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (u8[off + i] !== 0) return false;
  return true;
}

/** Text followed only by NULs (printable ASCII), else null. */
function charText(u8: Uint8Array, off: number, n: number): string | null {
  let end = 0;
  while (end < n && u8[off + end] !== 0) {
    const c = u8[off + end]!;
    if (c < 0x20 || c > 0x7e) return null;
    end++;
  }
  for (let i = end; i < n; i++) if (u8[off + i] !== 0) return null;
  let s = '';
  for (let i = 0; i < end; i++) s += String.fromCharCode(u8[off + i]!);
  return s;
}

export function compileArray(node: ArrayNode, compile: (n: TypeNode) => Compiled): Compiled {
  const elem = compile(node.element);
  const es = node.element.size;
  // Elements without bytes carry nothing: such an array is an empty list, whatever its declared
  // length (which no byte bounds, and which may be 2^32 - 1).
  const n = es === 0 ? 0 : node.length;
  const size = node.size;
  if (n * es > size) throw new Fail(`${typeName(node)}: ${n} elements of ${es} bytes do not fit in ${size} bytes`, ERROR_CODE.SCHEMA_INVALID);
  const chars = isCharArray(node);
  const bytes = isByteArray(node);
  const addr = addressShape(node)?.kinds ?? '';
  const structs = node.element.kind === 'struct' || node.element.kind === 'union';
  const title = typeName(node);
  const expected = `a list of at most ${n} ${typeName(node.element)}` +
    (chars ? ` or a string of at most ${n} bytes` : '') + (addr ? ` or ${addr}` : '') + ', or an index map';

  function encString(s: string, u8: Uint8Array, off: number): void {
    if (chars) {
      // A lone surrogate (from a JSON \ud800 escape) would become U+FFFD bytes: refused instead.
      if (!isWellFormed(s)) throw new Fail(`expected a string of valid Unicode for ${title}, got ${describe(s)} with an unpaired surrogate`);
      const b = utf8.encode(s);
      if (b.byteLength > n) throw new Fail(`expected a string of at most ${n} bytes for ${title}, got ${b.byteLength} bytes (${describe(s)})`, ERROR_CODE.VALUE_RANGE);
      u8.set(b, off);
      return;
    }
    throw new Fail(`expected ${expected}, got ${describe(s)}`);
  }

  return {
    size,
    usesView: elem.usesView,
    enc(input, dv, u8, off) {
      if (Array.isArray(input)) {
        if (input.length > n) throw new Fail(`expected at most ${n} elements for ${title}, got ${input.length}`, ERROR_CODE.VALUE_RANGE);
        let i = 0;
        try {
          for (; i < input.length; i++) elem.enc(input[i], dv, u8, off + i * es);
        } catch (e) { rethrowAt(e, `[${i}]`); }
        return;
      }
      if (typeof input === 'string') { encString(input, u8, off); return; }
      if (isBytes(input) && bytes) {
        if (input.byteLength > n) throw new Fail(`expected at most ${n} bytes for ${title}, got ${input.byteLength}`, ERROR_CODE.VALUE_RANGE);
        u8.set(input, off);
        return;
      }
      if (typeof input === 'object' && input !== null && !isBytes(input)) {
        const keys = Object.keys(input);
        // `{0: A, "00": B}` names element 0 twice: refused like a duplicate key, not last-one-wins.
        const seen = keys.length > 1 ? new Set<number>() : null;
        for (const k of keys) {
          if (!INDEX.test(k)) throw new Fail(`expected an index 0..${n - 1}, got ${describe(k)}`).at(`[${JSON.stringify(k.length > 40 ? `${k.slice(0, 37)}...` : k)}]`);
          const i = Number(k);
          if (i >= n) throw new Fail(`index out of range 0..${n - 1} (${title})`, ERROR_CODE.VALUE_RANGE).at(`[${k.length > 40 ? `${k.slice(0, 37)}...` : k}]`);
          // `{"010": ...}` (JSON keys are text): C reads 010 as 8, YAML refuses it unquoted; neither is guessed.
          if (leadingZero(k)) {
            const octal = /^[0-7]+$/.test(k) ? ` (C reads it as octal, ${parseInt(k, 8)})` : '';
            throw new Fail(`expected an index 0..${n - 1}, got ${describe(k)} with a leading zero${octal}: write ${i}${octal ? ` or ${parseInt(k, 8)}` : ''}`)
              .at(`[${JSON.stringify(k.length > 40 ? `${k.slice(0, 37)}...` : k)}]`);
          }
          if (seen) {
            if (seen.has(i)) throw new Fail(`element ${i} given twice (as '${k}' and as another spelling of the same index); each element may appear once`).at(`[${i}]`);
            seen.add(i);
          }
          try {
            elem.enc((input as Record<string, unknown>)[k], dv, u8, off + i * es);
          } catch (e) { rethrowAt(e, `[${i}]`); }
        }
        return;
      }
      throw new Fail(`expected ${expected}, got ${describe(input)}`);
    },
    dec(dv, u8, off, flags) {
      if (chars) {
        const s = charText(u8, off, n);
        if (s !== null) return s;
      }
      if (bytes && es === 1 && node.element.kind === 'int' && !node.element.signed) {
        const a = new Array<number>(n);
        for (let i = 0; i < n; i++) a[i] = u8[off + i]!;
        return a;
      }
      if (structs && (flags & F_COMPACT) !== 0) {
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const at = off + i * es;
          if (!isZero(u8, at, es)) o[i] = elem.dec(dv, u8, at, flags);
        }
        return o;
      }
      const a = new Array<unknown>(n);
      for (let i = 0; i < n; i++) a[i] = elem.dec(dv, u8, off + i * es, flags);
      return a;
    },
  };
}
