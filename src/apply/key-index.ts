/**
 * An open-addressing hash index over the keys of a ByteTable: finds a key's record by its bytes
 * without building a string or object per key (a million keys cost a few MB of Int32Array).
 */
import type { ByteTable } from './byte-table.js';
import { equalBytes } from '../bytes.js';
import { adviseHugePages } from '../map/index.js';

function hashBytes(b: Uint8Array, off: number, n: number): number {
  let h = 0x811c9dc5;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = off + i;
    h = Math.imul(h ^ (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)), 0x01000193);
    h ^= h >>> 13;
  }
  for (; i < n; i++) h = Math.imul(h ^ b[off + i]!, 0x01000193);
  return finish(h);
}

/** The same hash as hashBytes for `n` whole little-endian words at w[at] (little-endian hosts). */
function hashWords(w: Int32Array, at: number, n: number): number {
  let h = 0x811c9dc5;
  for (let i = at, end = at + n; i < end; i++) {
    h = Math.imul(h ^ w[i]!, 0x01000193);
    h ^= h >>> 13;
  }
  return finish(h);
}

function finish(h: number): number {
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

const RUN = 8192;
/** The earlier record of the duplicate addWordRun found. */
let dupOf = -1;
/** Keys hashed ahead per group in addWordRun, and their home slots. */
const GROUP = 64;
const homes = new Int32Array(GROUP);
/** Where the slot loads of a group go (so that they are not optimised away). */
let touched = 0;

/**
 * Indexes records [from, to) of whole words (`nw` per record, in `w`) into `slots`; returns the
 * first record whose key is already there (dupOf: the earlier one), or -1. Keys go in groups: the
 * group's home slots are computed and loaded first, with no branch in between, so that the CPU
 * fetches those (mostly uncached) parts of the table at the same time instead of one per key.
 */
function addWordRun(slots: Int32Array, mask: number, w: Int32Array, nw: number, from: number, to: number): number {
  for (let g = from; g < to; g += GROUP) {
    const ge = Math.min(to, g + GROUP);
    for (let i = g, at = g * nw, k = 0; i < ge; i++, at += nw, k++) homes[k] = hashWords(w, at, nw) & mask;
    let acc = 0;
    for (let k = 0, e = ge - g; k < e; k++) acc |= slots[homes[k]!]!;
    touched ^= acc;
    for (let i = g, at = g * nw, k = 0; i < ge; i++, at += nw, k++) {
      let s = homes[k]!;
      for (;;) {
        const v = slots[s]!;
        if (v === 0) { slots[s] = i + 1; break; }
        let o = (v - 1) * nw, x = at;
        const end = at + nw;
        while (x < end && w[o] === w[x]) { o++; x++; }
        if (x === end) { dupOf = v - 1; return i; }
        s = (s + 1) & mask;
      }
    }
  }
  return -1;
}

const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export class KeyIndex {
  private slots: Int32Array;
  private mask: number;
  private size = 0;

  constructor(private readonly table: ByteTable, expected = 1024) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = adviseHugePages(new Int32Array(cap));
    this.mask = cap - 1;
  }

  /** Record index of the key at bytes[off, off + recordSize), or -1. */
  find(bytes: Uint8Array, off: number): number {
    const n = this.table.recordSize;
    const tb = this.table.bytes;
    let s = hashBytes(bytes, off, n) & this.mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (equalBytes(tb, (v - 1) * n, bytes, off, n)) return v - 1;
      s = (s + 1) & this.mask;
    }
  }

  /** Indexes record i; returns the index of an earlier record with the same key, or -1. */
  add(i: number): number {
    if ((this.size + 1) * 2 > this.slots.length) this.grow();
    const n = this.table.recordSize;
    const tb = this.table.bytes;
    let s = hashBytes(tb, i * n, n) & this.mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) { this.slots[s] = i + 1; this.size++; return -1; }
      if (equalBytes(tb, (v - 1) * n, tb, i * n, n)) return v - 1;
      s = (s + 1) & this.mask;
    }
  }

  /**
   * Indexes records [0, count) (an empty index sized for them); returns the first record whose key
   * an earlier one already has, with that earlier one, or null.
   */
  addAll(count: number): { at: number; dup: number } | null {
    const n = this.table.recordSize;
    const tb = this.table.bytes;
    if (!HOST_LE || (n & 3) !== 0 || (tb.byteOffset & 3) !== 0 || this.size !== 0 || count * 2 > this.slots.length) {
      for (let i = 0; i < count; i++) {
        const dup = this.add(i);
        if (dup >= 0) return { at: i, dup };
      }
      return null;
    }
    // Records of whole words, read as words, in runs: V8 optimises the run function after the first
    // few and every later run starts in the optimised code (one long loop would wait for a swap
    // in the middle of it).
    const nw = n >>> 2;
    const w = new Int32Array(tb.buffer, tb.byteOffset, (count * n) >>> 2);
    for (let from = 0; from < count; from += RUN) {
      const to = Math.min(count, from + RUN);
      const at = addWordRun(this.slots, this.mask, w, nw, from, to);
      if (at >= 0) { this.size = at; return { at, dup: dupOf }; }
    }
    this.size = count;
    return null;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.slots.length - 1;
    const n = this.table.recordSize;
    const tb = this.table.bytes;
    for (const v of old) {
      if (v === 0) continue;
      let s = hashBytes(tb, (v - 1) * n, n) & this.mask;
      while (this.slots[s] !== 0) s = (s + 1) & this.mask;
      this.slots[s] = v;
    }
  }
}
