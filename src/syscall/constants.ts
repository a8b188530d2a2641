/** Kernel constants from the bpf UAPI header, with their C names. */

export const BPF_CMD = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_TEST_RUN: 10,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27,
} as const;

export type BpfCmdName = keyof typeof BPF_CMD;

export const BPF_MAP_TYPE = {
  UNSPEC: 0,
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  STACK_TRACE: 7,
  CGROUP_ARRAY: 8,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  DEVMAP: 14,
  SOCKMAP: 15,
  CPUMAP: 16,
  XSKMAP: 17,
  SOCKHASH: 18,
  CGROUP_STORAGE: 19,
  REUSEPORT_SOCKARRAY: 20,
  PERCPU_CGROUP_STORAGE: 21,
  QUEUE: 22,
  STACK: 23,
  SK_STORAGE: 24,
  DEVMAP_HASH: 25,
  STRUCT_OPS: 26,
  RINGBUF: 27,
  INODE_STORAGE: 28,
  TASK_STORAGE: 29,
  BLOOM_FILTER: 30,
  USER_RINGBUF: 31,
  CGRP_STORAGE: 32,
  ARENA: 33,
} as const;

/** Lower-case type name (`lpm_trie`) for a BPF_MAP_TYPE number; `type_N` when unknown. */
export function mapTypeName(id: number): string {
  for (const [k, v] of Object.entries(BPF_MAP_TYPE)) if (v === id) return k.toLowerCase();
  return `type_${id}`;
}

/** BPF_MAP_TYPE number for a lower-case name; undefined when unknown. */
export function mapTypeId(name: string): number | undefined {
  return (BPF_MAP_TYPE as Record<string, number>)[name.toUpperCase()];
}

/** Element update flags. */
export const BPF_UPDATE = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  F_LOCK: 4,
} as const;

/** Map creation flags (map_flags). */
export const BPF_F = {
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
} as const;

export const BPF_OBJ_NAME_LEN = 16;

/** Size of the bpf_attr buffer we pass: large enough for every command we use. */
export const BPF_ATTR_SIZE = 128;

/** sizeof(struct bpf_map_info) up to map_extra (the part we read). */
export const BPF_MAP_INFO_SIZE = 88;
/** struct bpf_prog_info up to name[16] (the part we read). */
export const BPF_PROG_INFO_SIZE = 80;

/** BPF_PROG_TYPE_* values used here. */
export const BPF_PROG_TYPE = {
  SOCKET_FILTER: 1,
  XDP: 6,
} as const;

/** sizeof(struct bpf_btf_info). */
export const BPF_BTF_INFO_SIZE = 32;
