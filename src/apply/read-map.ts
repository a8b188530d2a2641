/**
 * Reads every entry of a live map in batches (MAP_LOOKUP_BATCH; the cursor is opaque: a bucket index
 * for hash maps, a whole key for LPM tries), or key by key where the kernel has no batch lookup for
 * the map type. Per-CPU values come back with their padding zeroed, so they compare by bytes.
 */
import { ERROR_CODE } from '../errors.js';
import { mapGetNextKey, mapLookupBatch, mapLookupElem, perCpuStride } from '../syscall/index.js';
import type { ApplyStats } from './stats.js';

export interface LiveTarget {
  readonly fd: number;
  readonly subject: string;
  readonly keySize: number;
  readonly valueSize: number;
  /** The kernel value buffer size (per-CPU: stride * possible CPUs). */
  readonly rawValueSize: number;
  readonly perCpu: boolean;
}

const BATCH = 8192;

/** Calls `each(keys, values, count)` per batch; the views are valid only during the call. */
export function readMap(t: LiveTarget, stats: ApplyStats,
  each: (keys: Uint8Array, values: Uint8Array, count: number) => void): void {
  let cursor: Uint8Array | null = null;
  let first = true;
  let size = BATCH;
  for (;;) {
    let r;
    try {
      stats.lookupBatch++;
      r = mapLookupBatch(t.fd, cursor, size, t.keySize, t.rawValueSize, t.subject);
    } catch (e) {
      const code = (e as { code?: string; errnoName?: string }).code;
      const errno = (e as { errnoName?: string }).errnoName;
      if (errno === 'ENOSPC' && size < 1 << 20) { size *= 4; continue; } // a hash bucket larger than the batch
      if (first && (code === ERROR_CODE.NOT_SUPPORTED || errno === 'EINVAL')) { readOneByOne(t, stats, each); return; }
      throw e;
    }
    first = false;
    if (r.count > 0) {
      if (t.perCpu) zeroPadding(r.values, r.count, t);
      each(r.keys, r.values, r.count);
    }
    if (r.next === null) return;
    cursor = r.next;
  }
}

function readOneByOne(t: LiveTarget, stats: ApplyStats, each: (keys: Uint8Array, values: Uint8Array, count: number) => void): void {
  let key: Uint8Array | null = null;
  for (;;) {
    stats.getNextKey++;
    const next = mapGetNextKey(t.fd, key, t.keySize, t.subject);
    if (next === null) return;
    let value: Uint8Array;
    try {
      stats.lookupElem++;
      value = mapLookupElem(t.fd, next, t.rawValueSize, 0, t.subject);
    } catch (e) {
      if ((e as { code?: string }).code === ERROR_CODE.KEY_NOT_FOUND) { key = next; continue; }
      throw e;
    }
    if (t.perCpu) zeroPadding(value, 1, t);
    each(next, value, 1);
    key = next;
  }
}

function zeroPadding(values: Uint8Array, count: number, t: LiveTarget): void {
  const stride = perCpuStride(t.valueSize);
  if (stride === t.valueSize) return;
  for (let off = 0; off < count * t.rawValueSize; off += stride) values.fill(0, off + t.valueSize, off + stride);
}
