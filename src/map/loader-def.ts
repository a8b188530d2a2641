/**
 * What a loader (libbpf) hands MAP_CREATE for a map of the object, which is not always what the object
 * declares: ring buffers take no key or value (key_size and value_size 0) and a size that is a
 * power-of-2 multiple of the page size (libbpf's adjust_ringbuf_sz), perf event arrays take 4-byte keys
 * and values and, when the object says max_entries 0, one entry per possible CPU; neither takes BTF
 * key/value types, nor do the other types in NO_BTF_TYPES (libbpf's list). Used to create maps
 * (create.ts) and to compare live maps with the object (compare.ts, discover.ts).
 */
import { readFileSync } from 'node:fs';
import type { MapSchema } from '../schema/types.js';
import { possibleCpus } from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';

export interface LoaderDef {
  keySize: number;
  valueSize: number;
  /** 0 when the object leaves the size to its loader and there is no default (see needsSize). */
  maxEntries: number;
  /** Whether BTF key/value type ids go into MAP_CREATE. */
  types: boolean;
}

/** Types libbpf creates without BTF key/value types: the kernel takes none for them. */
export const NO_BTF_TYPES: ReadonlySet<string> = new Set(['perf_event_array', 'cgroup_array', 'stack_trace', 'array_of_maps',
  'hash_of_maps', 'devmap', 'devmap_hash', 'cpumap', 'xskmap', 'sockmap', 'sockhash', 'queue', 'stack', 'arena',
  'ringbuf', 'user_ringbuf']);

/** Types whose max_entries the kernel requires to be 0 (storage attached to another object). */
const SIZELESS: ReadonlySet<string> = new Set(['cgroup_storage', 'percpu_cgroup_storage', 'sk_storage', 'inode_storage',
  'task_storage', 'cgrp_storage', 'struct_ops']);

const RINGBUF: ReadonlySet<string> = new Set(['ringbuf', 'user_ringbuf']);

let page: number | undefined;

/** The page size, from AT_PAGESZ (6) in /proc/self/auxv; 4096 when it cannot be read. */
export function pageSize(): number {
  if (page !== undefined) return page;
  page = 4096;
  try {
    const b = readFileSync('/proc/self/auxv');
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let o = 0; o + 16 <= b.length; o += 16) {
      const type = v.getBigUint64(o, os.little);
      if (type === 0n) break;
      if (type === 6n) { page = Number(v.getBigUint64(o + 8, os.little)); break; }
    }
  } catch { /* not Linux, or /proc not mounted: keep 4096 */ }
  return page;
}

/** libbpf's adjust_ringbuf_sz: the size itself when it is a power-of-2 multiple of the page size, else the next one up. */
export function ringbufSize(size: number, pageSz = pageSize()): number {
  if (size === 0) return 0;
  const pages = size / pageSz;
  if (Number.isInteger(pages) && (pages & (pages - 1)) === 0) return size;
  for (let mul = 1; mul * pageSz <= 0xffffffff; mul *= 2) if (mul * pageSz > size) return mul * pageSz;
  return size;
}

/** The map as a loader creates it; `maxEntries` overrides the object's size (libbpf's bpf_map__set_max_entries). */
export function loaderDef(m: MapSchema, maxEntries?: number): LoaderDef {
  const size = maxEntries ?? m.maxEntries;
  if (RINGBUF.has(m.type)) return { keySize: 0, valueSize: 0, maxEntries: ringbufSize(size), types: false };
  if (m.type === 'perf_event_array') return { keySize: 4, valueSize: 4, maxEntries: size === 0 ? possibleCpus() : size, types: false };
  return { keySize: m.keySize, valueSize: m.valueSize, maxEntries: size, types: !NO_BTF_TYPES.has(m.type) };
}

/** Whether the map cannot be created without a size from the caller (max_entries 0 and no loader default). */
export function needsSize(m: MapSchema, maxEntries?: number): boolean {
  return (maxEntries ?? m.maxEntries) === 0 && m.type !== 'perf_event_array' && !SIZELESS.has(m.type);
}
