/**
 * A growable table of fixed-size records in one Uint8Array: how apply holds a million encoded keys or
 * values without a million objects. Records are appended zero-filled; `at(i)` is a view, not a copy.
 */
import { adviseHugePages } from '../map/index.js';

export class ByteTable {
  readonly recordSize: number;
  count = 0;
  bytes: Uint8Array;
  /**
   * Bytes past the records may have been written (records dropped by lowering `count`) up to here;
   * past it they are still zero, as allocated.
   */
  private dirty = 0;

  constructor(recordSize: number, capacity = 1024) {
    this.recordSize = recordSize;
    this.bytes = adviseHugePages(new Uint8Array(Math.max(1, capacity) * Math.max(1, recordSize)));
  }

  /** Removes the last record (its bytes are cleared when the slot is used again). */
  pop(): void {
    this.dirty = Math.max(this.dirty, this.count * this.recordSize);
    this.count--;
  }

  /** Appends a zero-filled record; returns its byte offset in `bytes` (valid until the next append). */
  append(): number {
    const need = (this.count + 1) * this.recordSize;
    if (need > this.bytes.byteLength) this.reserve(Math.max(this.count + 1, Math.ceil((this.bytes.byteLength * 2) / this.recordSize)));
    const off = this.count * this.recordSize;
    const end = off + this.recordSize;
    if (off < this.dirty) {
      const b = this.bytes;
      for (let i = off; i < end; i++) b[i] = 0;
    }
    this.count++;
    return off;
  }

  /** Makes room for `n` records in all. */
  reserve(n: number): void {
    const need = n * this.recordSize;
    if (need <= this.bytes.byteLength) return;
    const next = adviseHugePages(new Uint8Array(need));
    next.set(this.bytes.subarray(0, this.count * this.recordSize));
    this.bytes = next;
  }

  /** Appends a copy of `src` (exactly recordSize bytes). */
  push(src: Uint8Array): number {
    const off = this.append();
    this.bytes.set(src, off);
    return off;
  }

  /** A view of record i. */
  at(i: number): Uint8Array {
    return this.bytes.subarray(i * this.recordSize, (i + 1) * this.recordSize);
  }

  /** A view of records [from, to). */
  range(from: number, to: number): Uint8Array {
    return this.bytes.subarray(from * this.recordSize, to * this.recordSize);
  }
}

/** A growable list of int32 (entry indices, line numbers). */
export class IntList {
  count = 0;
  items: Int32Array;
  constructor(capacity = 1024) {
    this.items = adviseHugePages(new Int32Array(Math.max(1, capacity)));
  }
  push(v: number): void {
    if (this.count === this.items.length) this.reserve(this.items.length * 2);
    this.items[this.count++] = v;
  }
  reserve(n: number): void {
    if (n <= this.items.length) return;
    const next = adviseHugePages(new Int32Array(n));
    next.set(this.items.subarray(0, this.count));
    this.items = next;
  }
  get(i: number): number {
    return this.items[i]!;
  }
}

