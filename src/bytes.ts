/**
 * Bounds-checked little/big-endian reading over a Uint8Array. Every read checks its own bounds and
 * throws the caller-supplied error kind (ELF or BTF) naming the offset; a DataView RangeError never
 * escapes.
 */
import { BpfmapError, ERROR_CODE, type ErrorCode } from './errors.js';

export type ByteOrder = 'little' | 'big';

export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly what: string;
  readonly errorCode: ErrorCode;

  /**
   * @param what  names the thing being read, for messages ("ELF", "BTF")
   */
  constructor(bytes: Uint8Array, order: ByteOrder, what: string, errorCode: ErrorCode = ERROR_CODE.ELF_MALFORMED) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = order === 'little';
    this.what = what;
    this.errorCode = errorCode;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  fail(message: string): never {
    throw new BpfmapError(this.errorCode, `${this.what}: ${message}`);
  }

  /** Throws unless [offset, offset+size) lies inside the buffer. */
  check(offset: number, size: number, field: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(size) || offset < 0 || size < 0 ||
        offset + size > this.bytes.byteLength) {
      this.fail(`${field} at offset ${offset} (+${size}) is outside the ${this.bytes.byteLength}-byte input`);
    }
  }

  u8(offset: number, field = 'u8'): number {
    this.check(offset, 1, field);
    return this.bytes[offset]!;
  }
  u16(offset: number, field = 'u16'): number {
    this.check(offset, 2, field);
    return this.view.getUint16(offset, this.littleEndian);
  }
  u32(offset: number, field = 'u32'): number {
    this.check(offset, 4, field);
    return this.view.getUint32(offset, this.littleEndian);
  }
  i32(offset: number, field = 'i32'): number {
    this.check(offset, 4, field);
    return this.view.getInt32(offset, this.littleEndian);
  }
  u64big(offset: number, field = 'u64'): bigint {
    this.check(offset, 8, field);
    return this.view.getBigUint64(offset, this.littleEndian);
  }
  /** A u64 that must fit in a JS number (offsets, sizes): above 2^53 is malformed input. */
  u64(offset: number, field = 'u64'): number {
    const v = this.u64big(offset, field);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${field} at offset ${offset} is too large (${v})`);
    return Number(v);
  }
  /** A view of [offset, offset+size), bounds-checked, no copy. */
  slice(offset: number, size: number, field = 'range'): Uint8Array {
    this.check(offset, size, field);
    return this.bytes.subarray(offset, offset + size);
  }
  /** NUL-terminated string starting at offset (bounded by the buffer end). */
  cstring(offset: number, field = 'string'): string {
    this.check(offset, 0, field);
    let end = offset;
    const b = this.bytes;
    while (end < b.byteLength && b[end] !== 0) end++;
    if (end >= b.byteLength) this.fail(`${field} at offset ${offset} is not NUL-terminated`);
    return latin1OrUtf8(b, offset, end);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false });

function latin1OrUtf8(b: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) if (b[i]! >= 0x80) { ascii = false; break; }
  if (ascii) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  return decoder.decode(b.subarray(start, end));
}

/** Growable little/big-endian writer (used to build BTF blobs and syscall attrs in tests). */
export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;
  readonly littleEndian: boolean;

  constructor(order: ByteOrder = 'little', initial = 256) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
    this.littleEndian = order === 'little';
  }
  get length(): number {
    return this.len;
  }
  private ensure(n: number): void {
    if (this.len + n <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): this { this.ensure(1); this.view.setUint8(this.len, v); this.len += 1; return this; }
  u16(v: number): this { this.ensure(2); this.view.setUint16(this.len, v, this.littleEndian); this.len += 2; return this; }
  u32(v: number): this { this.ensure(4); this.view.setUint32(this.len, v >>> 0, this.littleEndian); this.len += 4; return this; }
  i32(v: number): this { this.ensure(4); this.view.setInt32(this.len, v, this.littleEndian); this.len += 4; return this; }
  u64(v: bigint): this { this.ensure(8); this.view.setBigUint64(this.len, v, this.littleEndian); this.len += 8; return this; }
  bytes(b: Uint8Array): this { this.ensure(b.byteLength); this.buf.set(b, this.len); this.len += b.byteLength; return this; }
  zeros(n: number): this { this.ensure(n); this.buf.fill(0, this.len, this.len + n); this.len += n; return this; }
  align(n: number): this { while (this.len % n) this.u8(0); return this; }
  /** Overwrite a u32 at an earlier position. */
  patchU32(at: number, v: number): this { this.view.setUint32(at, v >>> 0, this.littleEndian); return this; }
  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.byteLength; i++) s += HEX[b[i]!];
  return s;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Parses lowercase/uppercase hex, optional `0x` prefix, optional spaces; null when not hex. */
export function fromHex(s: string): Uint8Array | null {
  let t = s.trim();
  if (t.startsWith('0x') || t.startsWith('0X')) t = t.slice(2);
  t = t.replace(/[\s:]/g, '');
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) return null;
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Whether the `n` bytes of `a` from `aOff` equal those of `b` from `bOff`. */
export function equalBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aOff + i] !== b[bOff + i]) return false;
  return true;
}
