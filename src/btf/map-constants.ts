/** BPF_MAP_TYPE_* and BPF_F_* map flags with the names the schema uses (lower case, no prefix). */

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

export function mapTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown_${type}`;
}

/** BPF_F_* bits valid in map_flags, in bit order. */
export const BPF_MAP_FLAGS: readonly (readonly [string, number])[] = [
  ['no_prealloc', 1 << 0], ['no_common_lru', 1 << 1], ['numa_node', 1 << 2], ['rdonly', 1 << 3],
  ['wronly', 1 << 4], ['stack_build_id', 1 << 5], ['zero_seed', 1 << 6], ['rdonly_prog', 1 << 7],
  ['wronly_prog', 1 << 8], ['clone', 1 << 9], ['mmapable', 1 << 10], ['preserve_elems', 1 << 11],
  ['inner_map', 1 << 12], ['link', 1 << 13], ['path_fd', 1 << 14], ['vtype_btf_obj_fd', 1 << 15],
  ['token_fd', 1 << 16], ['segv_on_fault', 1 << 17], ['no_user_conv', 1 << 18],
];

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
