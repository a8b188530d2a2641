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
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27,
  LINK_CREATE: 28,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
} as const;

export type BpfCmdName = keyof typeof BPF_CMD;

/** Element update flags. */
export const BPF_UPDATE = {
  ANY: 0,
  NOEXIST: 1,
  EXIST: 2,
  F_LOCK: 4,
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

/** BPF_PROG_TYPE_* names in the UAPI order (index = number), lower case as bpftool prints them. */
const PROG_TYPE_NAMES = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event', 'cgroup_skb',
  'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device', 'sk_msg', 'raw_tracepoint',
  'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport', 'flow_dissector', 'cgroup_sysctl',
  'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing', 'struct_ops', 'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
] as const;

/** Lower-case name of a BPF_PROG_TYPE_* number (`xdp`); `type N` for one this table does not know. */
export function progTypeName(type: number): string {
  return PROG_TYPE_NAMES[type] ?? `type ${type}`;
}
