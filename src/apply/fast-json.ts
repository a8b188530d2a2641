/**
 * A schema-directed JSON reader for the common NDJSON record: it walks the line's bytes and writes
 * integers straight into the encoded key and value, without JSON.parse and without one object per
 * entry. It only takes what it can do exactly like the codec: structs of named, non-bitfield
 * members, arrays, plain decimal integers within range (64-bit ones up to 15 digits), and address
 * strings for the fields that take them (parsed by the codec's parser). Anything
 * else (other strings, prefix lengths, floats, enums, unions, per-CPU lists, null, escapes, big or out-of-range
 * numbers, unknown fields, a member given twice) makes it give up on the line, which then goes the general way
 * (exact parse + codec) and gets the codec's value or error.
 */
import type { TypeNode } from '../schema/types.js';
import { addressShape, parseAddressFor } from '../codec/address-field.js';
import type { ByteOrder } from '../bytes.js';

/** `addr`: the node also takes an address string of that many bytes (address-field.ts decides which). */
export type FastNode =
  | { readonly k: 'int'; readonly size: number; readonly min: number; readonly max: number; readonly little: boolean; readonly addr?: 4 | 6 | 16 }
  | { readonly k: 'struct'; readonly names: readonly Uint8Array[]; readonly offsets: readonly number[]; readonly nodes: readonly FastNode[]; readonly addr?: 4 | 6 | 16 }
  | { readonly k: 'array'; readonly n: number; readonly es: number; readonly elem: FastNode; readonly addr?: 4 | 6 | 16 };

/** The node's plan with the address bytes it takes, when it takes addresses. */
function withAddr<T extends FastNode>(node: TypeNode, f: T): T {
  const shape = addressShape(node);
  return shape ? { ...f, addr: shape.bytes } : f;
}

/** The fast reader's plan for a type, or null when the type needs the general codec. */
export function compileFast(node: TypeNode | null, order: ByteOrder, depth = 0): FastNode | null {
  if (!node || depth > 16) return null;
  switch (node.kind) {
    case 'int': {
      if (node.encoding !== undefined || node.bits !== undefined || ![1, 2, 4, 8].includes(node.size)) return null;
      const little = node.byteOrder === 'big' ? false : order === 'little';
      if (node.size === 8) return { k: 'int', size: 8, min: node.signed ? -(2 ** 53 - 1) : 0, max: 2 ** 53 - 1, little };
      const bits = node.size * 8;
      return withAddr(node, { k: 'int', size: node.size, min: node.signed ? -(2 ** (bits - 1)) : 0, max: node.signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1, little });
    }
    case 'struct': {
      const names: Uint8Array[] = [], offsets: number[] = [], nodes: FastNode[] = [];
      for (const f of node.fields) {
        if (f.name === '' || f.bitSize !== undefined || !/^[\x20-\x7e]*$/.test(f.name) || f.name.includes('"') || f.name.includes('\\')) return null;
        const c = compileFast(f.type, order, depth + 1);
        if (!c) return null;
        names.push(Buffer.from(f.name, 'latin1')); offsets.push(f.offset); nodes.push(c);
      }
      return withAddr(node, { k: 'struct', names, offsets, nodes });
    }
    case 'array': {
      const elem = compileFast(node.element, order, depth + 1);
      if (!elem || node.length === 0 || node.element.size === 0) return null; // the codec takes no elements of no bytes
      return withAddr(node, { k: 'array', n: node.length, es: node.element.size, elem });
    }
    default:
      return null;
  }
}

/** Reads one JSON value at b[pos] into out[off..]; returns the position after it, or -1 to give up. */
export function readFast(n: FastNode, b: Uint8Array, pos: number, end: number, out: Uint8Array, off: number): number {
  pos = ws(b, pos, end);
  if (b[pos] === 0x22 /* " */) return n.addr === undefined ? -1 : readAddress(n, b, pos + 1, end, out, off);
  if (n.k === 'int') return readInt(n, b, pos, end, out, off);
  if (n.k === 'array') {
    if (b[pos] !== 0x5b /* [ */) return -1;
    pos = ws(b, pos + 1, end);
    if (b[pos] === 0x5d) return pos + 1;
    for (let i = 0; ; i++) {
      if (i >= n.n) return -1;
      pos = readFast(n.elem, b, pos, end, out, off + i * n.es);
      if (pos < 0) return -1;
      pos = ws(b, pos, end);
      const c = b[pos];
      if (c === 0x2c) { pos++; continue; }
      if (c === 0x5d) return pos + 1;
      return -1;
    }
  }
  if (b[pos] !== 0x7b /* { */) return -1;
  pos = ws(b, pos + 1, end);
  if (b[pos] === 0x7d) return pos + 1;
  // Members seen so far: one given twice would leave bytes of its first value behind where the
  // codec (after JSON.parse) takes only the last, so that line goes the general way.
  let seen = 0;
  let seenHigh: Uint8Array | null = null;
  for (;;) {
    if (b[pos] !== 0x22) return -1;
    const s = pos + 1;
    let e = s;
    while (e < end && b[e] !== 0x22) { if (b[e] === 0x5c) return -1; e++; }
    if (e >= end) return -1;
    const f = field(n.names, b, s, e);
    if (f < 0) return -1;
    if (f < 32) {
      if (seen & (1 << f)) return -1;
      seen |= 1 << f;
    } else {
      seenHigh ??= new Uint8Array(n.names.length);
      if (seenHigh[f]) return -1;
      seenHigh[f] = 1;
    }
    pos = ws(b, e + 1, end);
    if (b[pos] !== 0x3a) return -1;
    pos = readFast(n.nodes[f]!, b, pos + 1, end, out, off + n.offsets[f]!);
    if (pos < 0) return -1;
    pos = ws(b, pos, end);
    const c = b[pos];
    if (c === 0x2c) { pos = ws(b, pos + 1, end); continue; }
    if (c === 0x7d) return pos + 1;
    return -1;
  }
}

/**
 * An address string (`"10.0.0.1"`, `"fe80::1"`, `"aa:bb:cc:dd:ee:ff"`) for a field that takes one,
 * parsed by the codec's own parser into its wire bytes. Text with an escape, a prefix length (`/`)
 * or anything the parser does not take goes the general way (which words the error); so does a
 * string for an int field without '.' or ':' (ints take decimal strings, which the codec decides).
 */
export function readAddress(n: FastNode, b: Uint8Array, s: number, end: number, out: Uint8Array, off: number): number {
  if (n.addr !== 6) {
    const q = readIPv4(b, s, end, out, off);
    if (q >= 0) return q;
  }
  let e = s;
  while (e < end && b[e] !== 0x22) {
    const c = b[e]!;
    if (c === 0x5c || c === 0x2f || c < 0x20 || c > 0x7e) return -1;
    e++;
  }
  if (e >= end || e - s > 64) return -1;
  const text = latin1(b, s, e);
  if (n.k === 'int' && !/[.:]/.test(text)) return -1;
  const a = parseAddressFor(n.addr!, text);
  if (!a) return -1;
  out.set(a, off);
  return e + 1;
}

/**
 * A plain IPv4 address and its closing quote read straight from the bytes (1.9 s -> 1.7 s for the
 * million lines of `bench/apply.ts writings`, address string): four decimal parts of 1 to 3 digits,
 * each at most 255 and without a leading zero, as the codec's parseIPv4 takes them. -1 for anything
 * else, which the caller then gives to the codec's parser.
 */
function readIPv4(b: Uint8Array, p: number, end: number, out: Uint8Array, off: number): number {
  let word = 0;
  for (let i = 0; i < 4; i++) {
    if (i > 0) {
      if (b[p] !== 0x2e) return -1;
      p++;
    }
    const s = p;
    let v = 0;
    while (p < end && p - s < 4) {
      const c = b[p]! - 0x30;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      p++;
    }
    if (p === s || p - s > 3 || v > 255 || (p - s > 1 && b[s] === 0x30)) return -1;
    word = (word << 8) | v;
  }
  if (b[p] !== 0x22) return -1;
  out[off] = word >>> 24; out[off + 1] = (word >>> 16) & 255; out[off + 2] = (word >>> 8) & 255; out[off + 3] = word & 255;
  return p + 1;
}

function latin1(b: Uint8Array, s: number, e: number): string {
  let t = '';
  for (let i = s; i < e; i++) t += String.fromCharCode(b[i]!);
  return t;
}

function field(names: readonly Uint8Array[], b: Uint8Array, s: number, e: number): number {
  const len = e - s;
  outer: for (let i = 0; i < names.length; i++) {
    const nm = names[i]!;
    if (nm.length !== len) continue;
    for (let j = 0; j < len; j++) if (nm[j] !== b[s + j]) continue outer;
    return i;
  }
  return -1;
}

export function ws(b: Uint8Array, pos: number, end: number): number {
  while (pos < end) {
    const c = b[pos];
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) pos++;
    else break;
  }
  return pos;
}

function readInt(n: Extract<FastNode, { k: 'int' }>, b: Uint8Array, pos: number, end: number, out: Uint8Array, off: number): number {
  let neg = false;
  if (b[pos] === 0x2d) { neg = true; pos++; }
  const s = pos;
  let v = 0;
  while (pos < end) {
    const c = b[pos]! - 0x30;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
    pos++;
  }
  const digits = pos - s;
  if (digits === 0 || digits > 15 || (digits > 1 && b[s] === 0x30)) return -1;
  const c = b[pos];
  if (c === 0x2e || c === 0x65 || c === 0x45) return -1; // fraction or exponent: the codec decides
  if (neg) v = -v;
  if (v < n.min || v > n.max || (neg && v === 0)) return -1;
  const size = n.size;
  if (size === 8) { putInt64(out, off, v, n.little); return pos; }
  const u = v >>> 0; // two's complement for negative values of signed fields (range checked above)
  if (size === 1) out[off] = u & 0xff;
  else if (size === 2) {
    if (n.little) { out[off] = u & 0xff; out[off + 1] = (u >>> 8) & 0xff; } else { out[off] = (u >>> 8) & 0xff; out[off + 1] = u & 0xff; }
  } else if (n.little) {
    out[off] = u & 0xff; out[off + 1] = (u >>> 8) & 0xff; out[off + 2] = (u >>> 16) & 0xff; out[off + 3] = u >>> 24;
  } else {
    out[off] = u >>> 24; out[off + 1] = (u >>> 16) & 0xff; out[off + 2] = (u >>> 8) & 0xff; out[off + 3] = u & 0xff;
  }
  return pos;
}

/** A safe integer as 8 bytes, two's complement. */
export function putInt64(out: Uint8Array, off: number, v: number, little: boolean): void {
  let lo = v >>> 0;
  let hi = Math.floor(v / 4294967296) >>> 0;
  if (v < 0) { // two's complement of a safe negative integer
    const a = -v;
    lo = (~(a >>> 0) + 1) >>> 0;
    hi = (~Math.floor(a / 4294967296) + (lo === 0 ? 1 : 0)) >>> 0;
  }
  for (let i = 0; i < 4; i++) {
    out[off + (little ? i : 7 - i)] = (lo >>> (i * 8)) & 0xff;
    out[off + (little ? 4 + i : 3 - i)] = (hi >>> (i * 8)) & 0xff;
  }
}
