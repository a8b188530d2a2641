/**
 * The apply's view of a live map: everything it reads and writes goes through the LiveMap. Reads every
 * entry for planning through LiveMap.batches() (MAP_LOOKUP_BATCH, or key by key where the kernel has
 * no batch lookup for the map type); per-CPU values come back with their padding zeroed, so they
 * compare by bytes. Writes go through the LiveMap's batch writer (src/map/batch-writer.ts).
 */
import type { EntrySource, KeySource, LiveMap, ReadCall, WriteOptions } from '../map/index.js';
import { perCpuStride } from '../map/index.js';
import type { ApplyStats } from './stats.js';

export interface LiveTarget {
  readonly subject: string;
  /** The kernel's id of the map (names its journal). */
  readonly mapId?: number;
  readonly keySize: number;
  readonly valueSize: number;
  /** The kernel value buffer size (per-CPU: stride * possible CPUs). */
  readonly rawValueSize: number;
  readonly perCpu: boolean;
  /** An LPM trie: keys name the same entry when their prefixes agree (host bits do not count). */
  readonly lpm?: boolean;
  /** The map's entries in batches (LiveMap.batches), telling `onCall` of each bpf() call; views valid until the next batch. */
  readonly batches: (onCall: (call: ReadCall) => void) => Iterable<{ count: number; keys: Uint8Array; values: Uint8Array }>;
  /** The kernel's value bytes of one key (LiveMap.lookupRaw). */
  readonly lookup: (key: Uint8Array) => Uint8Array;
  /** Writes entries in batches where the kernel has them, else one by one (LiveMap.writeEntries). */
  readonly write: (src: EntrySource, opts: WriteOptions) => void;
  /** Deletes keys likewise (LiveMap.deleteEntries). */
  readonly remove: (src: KeySource, opts: WriteOptions) => void;
}

/** The apply's view of an open live map. */
export function liveTarget(live: LiveMap): LiveTarget {
  return { subject: live.subject, mapId: live.info.id, keySize: live.info.keySize, valueSize: live.info.valueSize,
    rawValueSize: live.rawValueSize, perCpu: live.perCpu, lpm: live.info.typeName === 'lpm_trie', batches: (onCall) => live.batches(undefined, onCall),
    lookup: (key) => live.lookupRaw(key), write: (src, opts) => live.writeEntries(src, opts), remove: (src, opts) => live.deleteEntries(src, opts) };
}

/** Calls `each(keys, values, count)` per batch; the views are valid only during the call. */
export function readMap(t: LiveTarget, stats: ApplyStats,
  each: (keys: Uint8Array, values: Uint8Array, count: number) => void): void {
  for (const b of t.batches((call) => { stats[call]++; })) {
    if (t.perCpu) zeroPadding(b.values, b.count, t);
    each(b.keys, b.values, b.count);
  }
}

function zeroPadding(values: Uint8Array, count: number, t: LiveTarget): void {
  const stride = perCpuStride(t.valueSize);
  if (stride === t.valueSize) return;
  for (let off = 0; off < count * t.rawValueSize; off += stride) values.fill(0, off + t.valueSize, off + stride);
}
