/**
 * Many entries written or deleted in one go: MAP_UPDATE_BATCH / MAP_DELETE_BATCH in chunks where the
 * kernel has the batch op for the map, else one element at a time. The one place that decides the
 * fallback, for LiveMap.updateBatch / updateBatchRaw / deleteBatch and for apply.
 *
 * A batch write the kernel refuses as a whole (no batch op for this map type, or a kernel without the
 * command: NOT_SUPPORTED or EINVAL, with nothing written) before any batch write to the map went in
 * makes this writer go one by one from then on. Once a batch went in, the same error is a real
 * failure; so is any error after some entries of a batch went in (a key missing from a delete, say,
 * must not be redone from the start). A thrown error's `done` tells how many entries of the call went
 * in before it; with `twoThreads` (a big write from two threads) it is the index of the entry that
 * failed, and entries after it may have gone in too.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { batchThreadUseful, mapDeleteBatch, mapUpdateBatch, mapUpdateBatchShared, startBatchThread } from '../syscall/index.js';
import type { UpdateFlag } from './live-map.js';

/** Entries per batch call. */
const CHUNK = 16384;
/** Entries left to write from which a `twoThreads` write uses the second thread (fast-batch-thread.ts). */
const TWO_THREADS_MIN = 4 * CHUNK;

/**
 * A write of `count` entries with `twoThreads` is about to come: the worker thread is started now, so
 * that it has loaded by then (it loads on the other core while the caller plans).
 */
export function prepareWrites(count: number): void {
  if (count >= TWO_THREADS_MIN && batchThreadUseful()) startBatchThread();
}

/** Copies src's records [start, start + n) packed into keys and values. */
function pack(src: EntrySource, start: number, n: number, keys: Uint8Array, values: Uint8Array, ks: number, vs: number): void {
  if (src.gather) src.gather(start, n, keys, values);
  else for (let i = 0; i < n; i++) { keys.set(src.key(start + i), i * ks); values.set(src.value(start + i), i * vs); }
}

/** The keys of a delete: record i's key. */
export interface KeySource {
  readonly count: number;
  key(i: number): Uint8Array;
}

/** The entries of a write: record i's key and value (the kernel's raw value bytes). */
export interface EntrySource extends KeySource {
  value(i: number): Uint8Array;
  /** Copies records [start, start + n) packed into keys / values (no per-record views). */
  gather?(start: number, n: number, keys: Uint8Array, values: Uint8Array): void;
  /** Records [start, start + n) as views of memory where they already lie packed, if they do (no copy). */
  packed?(start: number, n: number): { keys: Uint8Array; values: Uint8Array } | null;
  /** Every record's key and value size, when the source knows them (checked against the map's before a write). */
  readonly recordSizes?: { key: number; value: number };
}

/** The bpf() writes a BatchWriter makes. */
export type WriteCall = 'updateBatch' | 'updateElem' | 'deleteBatch' | 'deleteElem';

export interface WriteOptions {
  /** Flags of each element: `any` (default), `noexist`, `exist`. */
  flags?: UpdateFlag;
  /**
   * The caller knows the flags hold for every entry (apply's plan: each key absent for noexist,
   * present for exist), so batches may carry them; the kernel's batch update takes no NOEXIST /
   * EXIST, so without this only `any` goes in batches.
   */
  flagsHold?: boolean;
  /**
   * The caller undoes a failed write from everything it meant to write, not from `done` (apply): a
   * big batch write may then run on two threads (fast-batch-thread.ts), and a thrown error's `done`
   * is the index of the entry that failed, with entries after it possibly written too.
   */
  twoThreads?: boolean;
  /** Hears of every bpf() call before it is made (failed ones included); `worker`: made by the second thread (told after the fact). */
  onCall?: (call: WriteCall, worker?: boolean) => void;
  /** Entries the kernel took: a batch's count, 1 per element, on a failure those that went in before it. */
  onDone?: (n: number) => void;
  /** After each chunk of up to 16384 entries (a two-thread write: the second thread's entries at once, after the writes; 0 when it wrote none). */
  onChunk?: (n: number) => void;
}

/** What the writer needs of its map. */
export interface ElementWrites {
  readonly fd: number;
  readonly subject: string;
  readonly keySize: number;
  /** The kernel's value buffer size (per-CPU: stride * possible CPUs). */
  readonly rawValueSize: number;
  /** The map takes batch updates at all (not a queue, stack, bloom filter, or map of fds). */
  readonly batchUpdates: boolean;
  /** The map takes batch deletes at all. */
  readonly batchDeletes: boolean;
  updateElem(key: Uint8Array, value: Uint8Array, flags: UpdateFlag): void;
  deleteElem(key: Uint8Array): void;
}

type Mode = 'unknown' | 'batch' | 'single';

/**
 * The records must have the live map's sizes (every record of a source has one size): packed at
 * another stride, each value would take bytes of the next one (a schema forced onto a map with
 * other sizes). Nothing is written then.
 */
function sameSizes(m: ElementWrites, src: KeySource & Partial<EntrySource>, ks: number, vs: number | null): void {
  if (src.count === 0) return;
  let k: number, v: number | undefined;
  if (src.recordSizes) ({ key: k, value: v } = src.recordSizes);
  else if (src.gather || src.packed) return; // a source that packs its records itself, sizes unknown: no per-record view asked for
  else { k = src.key(0).byteLength; v = src.value?.(0).byteLength; }
  if (vs === null) v = undefined;
  if (k !== ks) throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `${m.subject}: keys of ${k} bytes, but the live map's are ${ks}: it does not match the object (--force does not make the sizes fit); nothing written`);
  if (v !== undefined && v !== vs) throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `${m.subject}: values of ${v} bytes, but the live map's are ${vs}: it does not match the object (--force does not make the sizes fit); nothing written`);
}
const UPDATE_CALLS = ['updateBatch', 'updateElem'] as const;
const DELETE_CALLS = ['deleteBatch', 'deleteElem'] as const;

export class BatchWriter {
  private updates: Mode = 'unknown';
  private deletes: Mode = 'unknown';
  private keys = new Uint8Array(0);
  private values = new Uint8Array(0);

  constructor(private readonly map: ElementWrites) {}

  /** Writes src[0, count); throws with `done` on an error. */
  update(src: EntrySource, opts: WriteOptions = {}): void {
    const m = this.map;
    const flags = opts.flags ?? 'any';
    const ks = m.keySize, vs = m.rawValueSize;
    sameSizes(m, src, ks, vs);
    const batch = m.batchUpdates && (flags === 'any' || opts.flagsHold === true);
    this.chunks('updates', src.count, UPDATE_CALLS, !batch ? null : {
      pack: (start, n) => {
        if (this.keys.byteLength < n * ks) this.keys = new Uint8Array(n * ks);
        if (this.values.byteLength < n * vs) this.values = new Uint8Array(n * vs);
        pack(src, start, n, this.keys, this.values, ks, vs);
      },
      write: (n) => { mapUpdateBatch(m.fd, this.keys.subarray(0, n * ks), this.values.subarray(0, n * vs), n, 0, m.subject); },
    }, (i) => m.updateElem(src.key(i), src.value(i), flags), opts, (start) => {
      if (!(batch && this.updates === 'batch' && opts.twoThreads === true && src.count - start >= TWO_THREADS_MIN && batchThreadUseful())) return false;
      this.updateTwoThreads(src, start, opts);
      return true;
    });
  }

  /**
   * Entries [0, count) in chunks of CHUNK: a batch call a chunk (packed first) while this kind of
   * write goes in batches, else one call an entry. A batch refused as a whole with nothing written,
   * before any batch of this kind went in, makes this kind go one by one from then on (the chunk is
   * then written so); any other failure throws with `done`. `rest` may take over the entries from a
   * chunk's start on (true: it wrote them).
   */
  private chunks(kind: 'updates' | 'deletes', count: number, calls: readonly [WriteCall, WriteCall],
    batch: { pack(start: number, n: number): void; write(n: number): void } | null,
    one: (i: number) => void, opts: WriteOptions, rest?: (start: number) => boolean): void {
    for (let start = 0; start < count; start += CHUNK) {
      const n = Math.min(CHUNK, count - start);
      if (rest?.(start)) return;
      if (batch && this[kind] !== 'single') {
        batch.pack(start, n);
        try {
          opts.onCall?.(calls[0]);
          batch.write(n);
          this[kind] = 'batch';
          opts.onDone?.(n);
          opts.onChunk?.(n);
          continue;
        } catch (e) {
          const done = doneOf(e, n);
          if (done === 0 && this[kind] === 'unknown' && refused(e)) this[kind] = 'single';
          else { opts.onDone?.(done); throw withDone(e, start + done); }
        }
      }
      for (let i = 0; i < n; i++) {
        try {
          opts.onCall?.(calls[1]);
          one(start + i);
          opts.onDone?.(1);
        } catch (e) { throw withDone(e, start + i); }
      }
      opts.onChunk?.(n);
    }
  }

  /** Writes src[start, count) in batches from this thread and the worker thread. */
  private updateTwoThreads(src: EntrySource, start: number, opts: WriteOptions): void {
    const m = this.map;
    const ks = m.keySize, vs = m.rawValueSize, n = src.count - start;
    // The worker writes from the addresses of packed keys and values: where they lie, or a packed copy.
    let { keys, values } = src.packed?.(start, n) ?? { keys: new Uint8Array(0), values: new Uint8Array(0) };
    if (keys.byteLength !== n * ks || values.byteLength !== n * vs) {
      keys = new Uint8Array(n * ks);
      values = new Uint8Array(n * vs);
      pack(src, start, n, keys, values, ks, vs);
    }
    try {
      mapUpdateBatchShared(m.fd, keys, values, n, ks, vs, CHUNK, m.subject, {
        onCall: (worker) => opts.onCall?.('updateBatch', worker),
        onDone: (k) => { opts.onDone?.(k); opts.onChunk?.(k); },
      });
    } catch (e) {
      throw withDone(e, start + ((e as { failedAt?: number }).failedAt ?? 0));
    }
  }

  /** Deletes the keys src[0, count); throws with `done` on an error. */
  delete(src: KeySource, opts: WriteOptions = {}): void {
    const m = this.map;
    const ks = m.keySize;
    sameSizes(m, src, ks, null);
    this.chunks('deletes', src.count, DELETE_CALLS, !m.batchDeletes ? null : {
      pack: (start, n) => {
        if (this.keys.byteLength < n * ks) this.keys = new Uint8Array(n * ks);
        for (let i = 0; i < n; i++) this.keys.set(src.key(start + i), i * ks);
      },
      write: (n) => { mapDeleteBatch(m.fd, this.keys.subarray(0, n * ks), n, m.subject); },
    }, (i) => m.deleteElem(src.key(i)), opts);
  }
}

/**
 * Entries a failed batch wrote. The kernel writes the count back only once it has started on the
 * elements; an error before that (bad flags, no memory) leaves the count we passed in: nothing done.
 */
function doneOf(e: unknown, n: number): number {
  const d = (e as { done?: number }).done ?? 0;
  return d >= n ? 0 : d;
}

/** The kernel has no batch write for this map (type): ENOTSUPP / EOPNOTSUPP, or EINVAL from a kernel without the command. */
function refused(e: unknown): boolean {
  const x = e as { code?: string; errnoName?: string };
  return x.code === ERROR_CODE.NOT_SUPPORTED || x.errnoName === 'EINVAL';
}

function withDone(e: unknown, done: number): unknown {
  if (typeof e === 'object' && e !== null) (e as { done?: number }).done = done;
  return e;
}
