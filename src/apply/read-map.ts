/**
 * Reads every entry of a live map for planning, through LiveMap.batches() (MAP_LOOKUP_BATCH, or key
 * by key where the kernel has no batch lookup for the map type). Per-CPU values come back with their
 * padding zeroed, so they compare by bytes.
 */
import { perCpuStride } from '../syscall/index.js';
import type { ApplyStats } from './stats.js';

export interface LiveTarget {
  readonly fd: number;
  readonly subject: string;
  readonly keySize: number;
  readonly valueSize: number;
  /** The kernel value buffer size (per-CPU: stride * possible CPUs). */
  readonly rawValueSize: number;
  readonly perCpu: boolean;
  /** The map's entries in batches (LiveMap.batches); views valid until the next batch. */
  readonly batches: () => Iterable<{ count: number; keys: Uint8Array; values: Uint8Array }>;
}

/** Calls `each(keys, values, count)` per batch; the views are valid only during the call. */
export function readMap(t: LiveTarget, stats: ApplyStats,
  each: (keys: Uint8Array, values: Uint8Array, count: number) => void): void {
  for (const b of t.batches()) {
    stats.lookupBatch++; // batches read (a map without batch lookup yields one entry per batch)
    if (t.perCpu) zeroPadding(b.values, b.count, t);
    each(b.keys, b.values, b.count);
  }
}

function zeroPadding(values: Uint8Array, count: number, t: LiveTarget): void {
  const stride = perCpuStride(t.valueSize);
  if (stride === t.valueSize) return;
  for (let off = 0; off < count * t.rawValueSize; off += stride) values.fill(0, off + t.valueSize, off + stride);
}
