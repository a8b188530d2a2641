/**
 * Kernel constants of maps from the bpf UAPI header, with their C names: BPF_MAP_TYPE_* and the BPF_F_*
 * map flags, and the names the schema uses for them (lower case, no prefix). A leaf: the object reader
 * and the syscall layer both take them from here, so a new map type or flag is added once.
 */

export const BPF_MAP_TYPE = {
  UNSPEC: 0, HASH: 1, ARRAY: 2, PROG_ARRAY: 3, PERF_EVENT_ARRAY: 4, PERCPU_HASH: 5, PERCPU_ARRAY: 6,
  STACK_TRACE: 7, CGROUP_ARRAY: 8, LRU_HASH: 9, LRU_PERCPU_HASH: 10, LPM_TRIE: 11, ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13, DEVMAP: 14, SOCKMAP: 15, CPUMAP: 16, XSKMAP: 17, SOCKHASH: 18, CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20, PERCPU_CGROUP_STORAGE: 21, QUEUE: 22, STACK: 23, SK_STORAGE: 24,
  DEVMAP_HASH: 25, STRUCT_OPS: 26, RINGBUF: 27, INODE_STORAGE: 28, TASK_STORAGE: 29, BLOOM_FILTER: 30,
  USER_RINGBUF: 31, CGRP_STORAGE: 32, ARENA: 33,
} as const;

const TYPE_NAMES: readonly string[] = Object.entries(BPF_MAP_TYPE)
  .sort((a, b) => a[1] - b[1]).map(([k]) => k.toLowerCase());

/** Every map type's name as mapTypeName gives it (`hash`, `lpm_trie`, ...), UNSPEC left out. */
export const MAP_TYPE_NAMES: readonly string[] = TYPE_NAMES.slice(1);

export function mapTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown_${type}`;
}

/** BPF_F_* bits valid in map_flags (map creation flags), in bit order. */
export const BPF_F = {
  NO_PREALLOC: 1 << 0, NO_COMMON_LRU: 1 << 1, NUMA_NODE: 1 << 2, RDONLY: 1 << 3, WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5, ZERO_SEED: 1 << 6, RDONLY_PROG: 1 << 7, WRONLY_PROG: 1 << 8, CLONE: 1 << 9,
  MMAPABLE: 1 << 10, PRESERVE_ELEMS: 1 << 11, INNER_MAP: 1 << 12, LINK: 1 << 13, PATH_FD: 1 << 14,
  VTYPE_BTF_OBJ_FD: 1 << 15, TOKEN_FD: 1 << 16, SEGV_ON_FAULT: 1 << 17, NO_USER_CONV: 1 << 18,
} as const;

/** The same bits with the schema's names (`no_prealloc`), in bit order. */
export const BPF_MAP_FLAGS: readonly (readonly [string, number])[] = Object.entries(BPF_F)
  .map(([k, bit]) => [k.toLowerCase(), bit] as const);

/** Flag names for a map_flags value; unknown bits as one "0x..." entry. */
export function mapFlagNames(flags: number): string[] {
  const out: string[] = [];
  let rest = flags >>> 0;
  for (const [name, bit] of BPF_MAP_FLAGS) {
    if (rest & bit) { out.push(name); rest = (rest & ~bit) >>> 0; }
  }
  if (rest) out.push(`0x${rest.toString(16)}`);
  return out;
}

/** Map types whose key is absent (no key_size) and whose value is pushed / peeked. */
export const KEYLESS_MAP_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE.QUEUE, BPF_MAP_TYPE.STACK, BPF_MAP_TYPE.BLOOM_FILTER]);
/** Map types with neither key nor value layout (ring buffers, arena, struct_ops holder). */
export const NO_KV_MAP_TYPES: ReadonlySet<number> = new Set([BPF_MAP_TYPE.RINGBUF, BPF_MAP_TYPE.USER_RINGBUF, BPF_MAP_TYPE.ARENA]);
