/**
 * Byte-level JSON text helpers for big outputs: each takes the output buffer and position and returns
 * the new position, so the caller keeps `buf`/`pos` in locals (no per-call property traffic). Names are
 * copied straight from the BTF string table and escaped as JSON requires; numbers are written as
 * decimal digits without making strings.
 */

const HEX = '0123456789abcdef';

/**
 * Literals live in one pool (one array type for every copy, which keeps the copy loop monomorphic);
 * a literal is a number: start << 8 | length.
 */
let pool = new Uint8Array(4096);
let poolLen = 0;
const interned = new Map<string, number>();

/** Interns an ASCII literal (at most 255 bytes) and returns its handle. */
export function lit(s: string): number {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (poolLen + s.length > pool.length) {
    const next = new Uint8Array(pool.length * 2);
    next.set(pool);
    pool = next;
  }
  const start = poolLen;
  for (let i = 0; i < s.length; i++) pool[poolLen++] = s.charCodeAt(i) & 0xff;
  const handle = start * 256 + Math.min(s.length, 255);
  interned.set(s, handle);
  return handle;
}

export function putLit(buf: Uint8Array, p: number, handle: number): number {
  const n = handle & 0xff;
  const s = (handle - n) / 256;
  const src = pool;
  for (let i = 0; i < n; i++) buf[p + i] = src[s + i]!;
  return p + n;
}

const PAIRS = new TextEncoder().encode(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));

/** An integer in [-2^53, 2^53]. */
export function putInt(buf: Uint8Array, p: number, v: number): number {
  if (v < 0) { buf[p++] = 0x2d; v = -v; }
  if (v < 10) { buf[p] = 0x30 + v; return p + 1; }
  if (v > 0x7fffffff) return putAscii(buf, p, String(v));
  let x = v | 0;
  const len = x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7
    : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10;
  let q = p + len;
  while (x >= 100) {
    const y = (x / 100) | 0;
    const r = (x - y * 100) << 1;
    buf[--q] = PAIRS[r + 1]!;
    buf[--q] = PAIRS[r]!;
    x = y;
  }
  if (x >= 10) { buf[--q] = PAIRS[(x << 1) + 1]!; buf[--q] = PAIRS[x << 1]!; }
  else buf[--q] = 0x30 + x;
  return p + len;
}

export function putAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

/** Length of the NUL-terminated string at `off`. */
export function cstrLen(strs: Uint8Array, off: number): number {
  let end = off;
  while (strs[end] !== 0) end++;
  return end - off;
}

const ANON = lit('"(anon)"');

/**
 * Quoted JSON string from the NUL-terminated bytes at `off`, `"(anon)"` when empty and `anon` is set.
 * The caller guarantees room for 6 * length + 8 bytes.
 */
export function putCstr(buf: Uint8Array, p: number, strs: Uint8Array, off: number, anon: boolean): number {
  if (strs[off] === 0 && anon) return putLit(buf, p, ANON);
  buf[p++] = 0x22;
  for (let i = off; ; i++) {
    const c = strs[i]!;
    if (c === 0) break;
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) { buf[p++] = c; continue; }
    buf[p++] = 0x5c;
    if (c === 0x22 || c === 0x5c) buf[p++] = c;
    else {
      buf[p++] = 0x75; buf[p++] = 0x30; buf[p++] = 0x30;
      buf[p++] = HEX.charCodeAt(c >> 4); buf[p++] = HEX.charCodeAt(c & 15);
    }
  }
  buf[p++] = 0x22;
  return p;
}
