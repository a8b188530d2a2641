/**
 * How many entries a live map holds. Arrays always hold max_entries. Other maps are counted with
 * MAP_LOOKUP_BATCH (the values are read and dropped; the chunk is sized so that they take at most
 * 4 MiB), or, where the map type has no batch lookup, by walking the keys with GET_NEXT_KEY (keys
 * only). Arrays of fds (prog_array, array_of_maps) count their filled slots. Maps without keys
 * (ring buffers, perf event arrays, queues, stacks, bloom filters, local storage) are not counted,
 * nor is a map the kernel refuses to walk (the count is then null, never an error).
 */
import type { MapInfo } from '../syscall/index.js';
import { mapGetNextKey, mapLookupBatch, mapLookupElem, perCpuValueSize } from '../syscall/index.js';
import { PERCPU_MAP_TYPES } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';

const ALWAYS_FULL: ReadonlySet<string> = new Set(['array', 'percpu_array']);
const SLOTS: ReadonlySet<string> = new Set(['prog_array', 'array_of_maps']);
const NO_BATCH: ReadonlySet<string> = new Set(['hash_of_maps', 'prog_array', 'array_of_maps']);
const NOT_COUNTED: ReadonlySet<string> = new Set(['ringbuf', 'user_ringbuf', 'perf_event_array', 'queue', 'stack',
  'bloom_filter', 'struct_ops', 'sk_storage', 'inode_storage', 'task_storage', 'cgrp_storage', 'arena',
  'cgroup_array']);

const BATCH_BYTES = 4 << 20;

/** How the count was made: `max_entries` (arrays), `batch`, `walk`, or null when not counted. */
export type CountMethod = 'max_entries' | 'batch' | 'walk';

export interface EntryCount {
  readonly entries: number | null;
  readonly method: CountMethod | null;
}

/** Counts the entries of the map behind `fd`; a kernel refusal gives `{ entries: null }`, never an error. */
export function countEntries(fd: number, info: MapInfo): EntryCount {
  const type = info.typeName;
  if (ALWAYS_FULL.has(type)) return { entries: info.maxEntries, method: 'max_entries' };
  if (NOT_COUNTED.has(type) || info.keySize === 0) return { entries: null, method: null };
  const subject = `map id ${info.id}`;
  if (!NO_BATCH.has(type)) {
    let n: number | null;
    try { n = countBatch(fd, info, subject); } catch { return { entries: null, method: null }; }
    if (n !== null) return { entries: n, method: 'batch' };
  }
  try {
    return { entries: countWalk(fd, info, subject, SLOTS.has(type)), method: 'walk' };
  } catch {
    return { entries: null, method: null };
  }
}

function countBatch(fd: number, info: MapInfo, subject: string): number | null {
  const vs = PERCPU_MAP_TYPES.has(info.typeName) ? perCpuValueSize(info.valueSize) : info.valueSize;
  let size = Math.max(1, Math.min(info.maxEntries || 1, Math.floor(BATCH_BYTES / Math.max(vs, 1))));
  let cursor: Uint8Array | null = null;
  let n = 0;
  for (;;) {
    let r;
    try {
      r = mapLookupBatch(fd, cursor, size, info.keySize, vs, subject);
    } catch (e) {
      const err = e as { code?: string; errnoName?: string };
      // ENOSPC: a hash bucket holds more entries than fit in the batch; retry with a larger one.
      if (err.errnoName === 'ENOSPC' && size < 1 << 20) { size *= 2; continue; }
      if (cursor === null) return null; // no batch lookup for this map type: walk instead
      throw e;
    }
    n += r.count;
    if (r.next === null) return n;
    cursor = r.next;
  }
}

function countWalk(fd: number, info: MapInfo, subject: string, slots: boolean): number {
  let key: Uint8Array | null = null;
  let n = 0;
  for (;;) {
    const next = mapGetNextKey(fd, key, info.keySize, subject);
    if (next === null) return n;
    if (!slots) n++;
    else {
      try {
        mapLookupElem(fd, next, info.valueSize, 0, subject);
        n++;
      } catch (e) {
        if ((e as { code?: string }).code !== ERROR_CODE.KEY_NOT_FOUND) throw e;
      }
    }
    key = next;
  }
}
