/**
 * UTF-8 checks for input text: bytes that are not UTF-8 are refused with their place, never turned
 * into U+FFFD (which would then be written into a char[] field as three other bytes).
 */
import { isUtf8 } from 'node:buffer';
import { ValueError } from '../errors.js';

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence, or -1. */
export function invalidUtf8At(b: Uint8Array, start = 0, end = b.byteLength): number {
  if (isUtf8(b.subarray(start, end))) return -1;
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) { i++; continue; }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0 || i + n >= end) return i;
    const c1 = b[i + 1]!;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/** Text of b[start, end) as UTF-8; invalid bytes are an error naming `where` and the byte's place. */
export function utf8Text(b: Uint8Array, where: string, start = 0, end = b.byteLength): string {
  const bad = invalidUtf8At(b, start, end);
  if (bad >= 0) {
    let line = 1, col = 1;
    for (let i = start; i < bad; i++) { if (b[i] === 0x0a) { line++; col = 1; } else col++; }
    const pos = where.includes(':') && /:\d+$/.test(where) ? `column ${col}` : `line ${line}, column ${col}`;
    throw new ValueError(where, `invalid UTF-8 at ${pos} (byte 0x${b[bad]!.toString(16).padStart(2, '0')}); text input must be UTF-8`);
  }
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8');
}
