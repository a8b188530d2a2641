/**
 * The BTF string table. Stage 2 of validation: it must start and end with NUL. Names are decoded lazily
 * and cached by offset; a pure-ASCII table is decoded once (latin1, on the first name asked for) and sliced.
 */
import { isAscii } from 'node:buffer';
import { BtfError } from '../errors.js';

export class StringTable {
  readonly bytes: Uint8Array;
  /** The whole table as a string when it is all ASCII (null: it is not), made on the first get(). */
  private ascii: string | null | undefined = undefined;
  private readonly cache = new Map<number, string>();
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    if (bytes.byteLength === 0) throw new BtfError('BTF strings: expected a string section starting with NUL, got an empty one');
    if (bytes[0] !== 0) throw new BtfError(`BTF strings: expected the first byte to be NUL, got 0x${bytes[0]!.toString(16)} (split BTF, such as a kernel module's, starts without it and needs its base BTF)`);
    if (bytes[bytes.byteLength - 1] !== 0) throw new BtfError('BTF strings: expected the string section to end with NUL');
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  isValid(off: number): boolean {
    return off < this.bytes.byteLength;
  }

  /** The NUL-terminated string at `off` (callers validated `off` in the references stage). */
  get(off: number): string {
    if (off === 0) return '';
    if (this.ascii === undefined) this.ascii = isAscii(this.bytes) ? latin1(this.bytes) : null;
    if (this.ascii !== null) {
      const end = this.ascii.indexOf('\0', off);
      return this.ascii.slice(off, end);
    }
    let s = this.cache.get(off);
    if (s === undefined) {
      const end = this.bytes.indexOf(0, off);
      s = this.decoder.decode(this.bytes.subarray(off, end));
      this.cache.set(off, s);
    }
    return s;
  }
}

/** The table as a string, one character per byte (only for an all-ASCII table, where that is the text). */
function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}
