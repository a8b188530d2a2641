/**
 * Byte-level JSON text helpers for big outputs: each takes the output buffer (as a DataView `d`) and
 * position and returns the new position, so the caller keeps its position in a local. They write
 * whole 32-bit words where they can and may leave up to 3 junk bytes past the position they return:
 * the next write overwrites them, so the buffer needs a few bytes of slack past the last write and
 * only `[0, position)` is output. Names are copied straight from the BTF string table (escaped as
 * JSON requires when a name has such bytes); numbers are written as digits without making strings.
 */

const HEX = '0123456789abcdef';

/**
 * Literals live in one pool of little-endian packed words, each starting on a word boundary; a
 * literal is a number: word index << 8 | length (at most 255 bytes).
 */
const POOL_WORDS = 4096;
const pool = new Uint32Array(POOL_WORDS);
let poolLen = 0;
const interned = new Map<string, number>();

/** Interns an ASCII literal (at most 255 bytes) and returns its handle. */
export function lit(s: string): number {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  const n = Math.min(s.length, 255);
  const words = (n + 3) >>> 2;
  if (poolLen + words > POOL_WORDS) throw new RangeError('json-bytes: literal pool full');
  const start = poolLen;
  for (let i = 0; i < n; i++) pool[start + (i >>> 2)]! |= (s.charCodeAt(i) & 0xff) << ((i & 3) * 8);
  poolLen += words;
  const handle = start * 256 + n;
  interned.set(s, handle);
  return handle;
}

/** Writes a literal (whole words: up to 3 junk bytes past the returned position). */
export function putLit(d: DataView, p: number, handle: number): number {
  const e = p + (handle & 0xff);
  for (let s = handle >>> 8; p < e; p += 4) d.setUint32(p, pool[s++]!, true);
  return e;
}

/** Two ASCII digits per value 0..99, first digit in the low byte. */
const PAIRS = new Uint16Array(100);
for (let i = 0; i < 100; i++) PAIRS[i] = (0x30 + ((i / 10) | 0)) | ((0x30 + (i % 10)) << 8);

/** A non-negative integer below 2^53. */
export function putUint(d: DataView, p: number, v: number): number {
  if (v < 10) { d.setUint8(p, 0x30 + v); return p + 1; }
  if (v > 0x7fffffff) return putAscii(d, p, String(v));
  let x = v | 0;
  const len = x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7
    : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
  let q = p + len;
  while (x >= 100) {
    const y = (x / 100) | 0;
    q -= 2;
    d.setUint16(q, PAIRS[x - y * 100]!, true);
    x = y;
  }
  if (x >= 10) d.setUint16(q - 2, PAIRS[x]!, true);
  else d.setUint8(q - 1, 0x30 + x);
  return p + len;
}

/** An integer in [-2^53, 2^53]. */
export function putInt(d: DataView, p: number, v: number): number {
  if (v < 0) { d.setUint8(p, 0x2d); return putUint(d, p + 1, -v); }
  return putUint(d, p, v);
}

export function putAscii(d: DataView, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) d.setUint8(p++, s.charCodeAt(i));
  return p;
}

/**
 * The NUL-terminated string at `off` of the table `strs` (`sv` views the same bytes, `end` is its
 * length), without quotes: copied four bytes at a time while no byte needs JSON escaping, else
 * written again by putEscaped. Up to 3 junk bytes past the result; the caller guarantees room for
 * 6 * length bytes.
 */
export function putName(d: DataView, p: number, sv: DataView, off: number, end: number, strs: Uint8Array): number {
  const p0 = p, o0 = off;
  for (; off + 4 <= end; off += 4, p += 4) {
    const x = sv.getUint32(off, true);
    d.setUint32(p, x, true);
    // Bit 7 of a byte is set here when the byte is below 0x20 (NUL included), a quote or a
    // backslash; exact for the lowest such byte (borrows only mark bytes above it).
    const q = x ^ 0x22222222, b = x ^ 0x5c5c5c5c;
    const m = (((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080;
    if (m !== 0) {
      const k = (31 - Math.clz32(m & -m)) >>> 3;
      return ((x >>> (k * 8)) & 0xff) === 0 ? p + k : putEscaped(d, p0, strs, o0);
    }
  }
  for (;; off++, p++) {
    const c = sv.getUint8(off);
    if (c === 0) return p;
    if (c < 0x20 || c === 0x22 || c === 0x5c) return putEscaped(d, p0, strs, o0);
    d.setUint8(p, c);
  }
}

/**
 * The NUL-terminated string at `off`, escaped for JSON, without quotes. The caller guarantees room
 * for 6 * length bytes.
 */
export function putEscaped(d: DataView, p: number, strs: Uint8Array, off: number): number {
  for (let i = off; ; i++) {
    const c = strs[i]!;
    if (c === 0) break;
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) { d.setUint8(p++, c); continue; }
    d.setUint8(p++, 0x5c);
    if (c === 0x22 || c === 0x5c) d.setUint8(p++, c);
    else {
      d.setUint32(p, 0x30303075, true);
      d.setUint8(p + 3, HEX.charCodeAt(c >> 4));
      d.setUint8(p + 4, HEX.charCodeAt(c & 15));
      p += 5;
    }
  }
  return p;
}
