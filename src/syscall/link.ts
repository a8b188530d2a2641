/**
 * bpf links: LINK_GET_NEXT_ID, LINK_GET_FD_BY_ID, OBJ_GET_INFO_BY_FD on a link fd, and LINK_CREATE.
 * attr of the id commands: start_id / link_id u32 @0, next_id u32 @4, open_flags u32 @8.
 * LINK_CREATE attr: prog_fd u32 @0, target_fd / target_ifindex u32 @4, attach_type u32 @8, flags u32 @12.
 *
 * struct bpf_link_info (include/uapi/linux/bpf.h, Linux 6.18): type u32 @0, id u32 @4, prog_id u32 @8,
 * then a union 8-aligned at @16:
 *   raw_tracepoint {tp_name u64 @16, tp_name_len u32 @24}
 *   tracing        {attach_type @16, target_obj_id @20, target_btf_id @24}
 *   cgroup         {cgroup_id u64 @16, attach_type u32 @24}
 *   netns          {netns_ino @16, attach_type @20}
 *   xdp            {ifindex @16}
 *   struct_ops     {map_id @16}
 *   netfilter      {pf @16, hooknum @20, priority s32 @24, flags @28}
 *   kprobe_multi   {addrs u64 @16, count u32 @24, flags @28, missed u64 @32, cookies u64 @40}
 *   uprobe_multi   {path u64 @16, offsets u64 @24, ref_ctr_offsets u64 @32, cookies u64 @40,
 *                   path_size u32 @48, count @52, flags @56, pid @60}
 *   perf_event     {type u32 @16, pad, union @24:
 *                     uprobe {file_name u64 @24, name_len u32 @32, offset u32 @36, cookie u64 @40}
 *                     kprobe {func_name u64 @24, name_len u32 @32, offset u32 @36, addr u64 @40, ...}
 *                     tracepoint {tp_name u64 @24, name_len u32 @32, ...}
 *                     event {config u64 @24, type u32 @32, ...}}
 *   tcx / netkit   {ifindex @16, attach_type @20}
 *   sockmap        {map_id @16, attach_type @20}
 * The kernel fills at most the length we pass and refuses non-zero bytes past its own size: we pass
 * 128 zeroed bytes, with the string pointers set on a second call when the first reported a length.
 */
import { Attr } from './attr.js';
import { bpf, Scratch } from './binding.js';
import { BPF_CMD } from './constants.js';
import { byId, nextId } from './ids.js';
import { getInfo } from './info.js';
import { fail } from './fail.js';
import { os } from './native-endian.js';

const LE = os.little;
const INFO_SIZE = 128;

/** BPF_LINK_TYPE_* names (index = number). */
const LINK_TYPE_NAMES = ['unspec', 'raw_tracepoint', 'tracing', 'cgroup', 'iter', 'netns', 'xdp', 'perf_event',
  'kprobe_multi', 'struct_ops', 'netfilter', 'tcx', 'uprobe_multi', 'netkit', 'sockmap'] as const;

/** BPF_LINK_TYPE_* numbers used here. */
export const BPF_LINK_TYPE = {
  RAW_TRACEPOINT: 1, TRACING: 2, CGROUP: 3, ITER: 4, NETNS: 5, XDP: 6, PERF_EVENT: 7, KPROBE_MULTI: 8,
  STRUCT_OPS: 9, NETFILTER: 10, TCX: 11, UPROBE_MULTI: 12, NETKIT: 13, SOCKMAP: 14,
} as const;

/** BPF_ATTACH_TYPE names in the UAPI order (index = number), lower case without the BPF_ prefix. */
const ATTACH_TYPE_NAMES = [
  'cgroup_inet_ingress', 'cgroup_inet_egress', 'cgroup_inet_sock_create', 'cgroup_sock_ops', 'sk_skb_stream_parser',
  'sk_skb_stream_verdict', 'cgroup_device', 'sk_msg_verdict', 'cgroup_inet4_bind', 'cgroup_inet6_bind',
  'cgroup_inet4_connect', 'cgroup_inet6_connect', 'cgroup_inet4_post_bind', 'cgroup_inet6_post_bind',
  'cgroup_udp4_sendmsg', 'cgroup_udp6_sendmsg', 'lirc_mode2', 'flow_dissector', 'cgroup_sysctl',
  'cgroup_udp4_recvmsg', 'cgroup_udp6_recvmsg', 'cgroup_getsockopt', 'cgroup_setsockopt', 'trace_raw_tp',
  'trace_fentry', 'trace_fexit', 'modify_return', 'lsm_mac', 'trace_iter', 'cgroup_inet4_getpeername',
  'cgroup_inet6_getpeername', 'cgroup_inet4_getsockname', 'cgroup_inet6_getsockname', 'xdp_devmap',
  'cgroup_inet_sock_release', 'xdp_cpumap', 'sk_lookup', 'xdp', 'sk_skb_verdict', 'sk_reuseport_select',
  'sk_reuseport_select_or_migrate', 'perf_event', 'trace_kprobe_multi', 'lsm_cgroup', 'struct_ops', 'netfilter',
  'tcx_ingress', 'tcx_egress', 'trace_uprobe_multi', 'cgroup_unix_connect', 'cgroup_unix_sendmsg',
  'cgroup_unix_recvmsg', 'cgroup_unix_getpeername', 'cgroup_unix_getsockname', 'netkit_primary', 'netkit_peer',
  'trace_kprobe_session', 'trace_uprobe_session',
] as const;

/** BPF_ATTACH_TYPE numbers used here. */
export const BPF_ATTACH_TYPE = {
  CGROUP_INET_INGRESS: 0, CGROUP_INET_EGRESS: 1, XDP: 37, TCX_INGRESS: 46, TCX_EGRESS: 47,
} as const;

/** Lower-case name of a BPF_LINK_TYPE_* number; `type N` for one this table does not know. */
export function linkTypeName(type: number): string {
  return LINK_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Lower-case name of a bpf_attach_type number (`tcx_ingress`); `attach type N` for an unknown one. */
export function attachTypeName(type: number): string {
  return ATTACH_TYPE_NAMES[type] ?? `attach type ${type}`;
}

/** BPF_PERF_EVENT_* (bpf_link_info.perf_event.type). */
const PERF_EVENT_NAMES = ['unspec', 'uprobe', 'uretprobe', 'kprobe', 'kretprobe', 'tracepoint', 'event'] as const;

/** A link as OBJ_GET_INFO_BY_FD describes it; `detail` holds the fields of its type (see the header). */
export interface LinkInfo {
  readonly id: number;
  /** BPF_LINK_TYPE_* number and its lower-case name (`tcx`). */
  readonly type: number;
  readonly typeName: string;
  readonly progId: number;
  readonly detail: LinkDetail;
}

export type LinkDetail =
  | { readonly kind: 'xdp'; readonly ifindex: number }
  | { readonly kind: 'tcx' | 'netkit'; readonly ifindex: number; readonly attachType: string }
  | { readonly kind: 'cgroup'; readonly cgroupId: bigint; readonly attachType: string }
  | { readonly kind: 'tracing'; readonly attachType: string; readonly targetObjId: number; readonly targetBtfId: number }
  | { readonly kind: 'raw_tracepoint'; readonly name: string }
  | { readonly kind: 'perf_event'; readonly event: string; readonly name: string | null; readonly offset: number }
  | { readonly kind: 'kprobe_multi' | 'uprobe_multi'; readonly count: number; readonly path?: string }
  | { readonly kind: 'netns'; readonly netnsIno: number; readonly attachType: string }
  | { readonly kind: 'netfilter'; readonly pf: number; readonly hooknum: number; readonly priority: number }
  | { readonly kind: 'struct_ops' | 'sockmap'; readonly mapId: number }
  | { readonly kind: 'other' };

/** The id of the next link after `startId` (0 for the first); null when there is none. */
export function linkGetNextId(startId: number): number | null {
  return nextId(BPF_CMD.LINK_GET_NEXT_ID, 'LINK_GET_NEXT_ID', 'link', startId);
}

export function linkGetFdById(id: number): number {
  return byId(BPF_CMD.LINK_GET_FD_BY_ID, 'LINK_GET_FD_BY_ID', 'link', id, 0);
}

/** Attaches program `progFd` to `target` (an ifindex for xdp/tcx, a cgroup fd for cgroup types); returns the link fd. */
export function linkCreate(progFd: number, target: number, attachType: number, flags = 0): number {
  const attr = new Attr(64).u32(0, progFd).u32(4, target).u32(8, attachType).u32(12, flags);
  const fd = bpf(BPF_CMD.LINK_CREATE, attr);
  if (fd < 0) fail('LINK_CREATE', { subject: `program fd ${progFd} (${attachTypeName(attachType)})` });
  return fd;
}

const text = new Scratch();

/** A string the kernel copies out: first call gives its length at `lenOff`, the second its bytes. */
function stringField(fd: number, subject: string, ptrOff: number, lenOff: number, len: number, pre?: (v: DataView) => void): string | null {
  if (len === 0) return null;
  const n = Math.min(len, 4096);
  const addr = text.ensure(n);
  text.bytes.fill(0, 0, n);
  getInfo(fd, INFO_SIZE, subject, (v) => {
    pre?.(v);
    v.setBigUint64(ptrOff, BigInt(addr), LE);
    v.setUint32(lenOff, n, LE);
  });
  let end = 0;
  while (end < n && text.bytes[end] !== 0) end++;
  return new TextDecoder().decode(text.bytes.subarray(0, end));
}

/** Information about the link behind `fd`. */
export function linkGetInfoByFd(fd: number, subject?: string): LinkInfo {
  const what = subject ?? `link fd ${fd}`;
  const v = getInfo(fd, INFO_SIZE, what);
  const type = v.getUint32(0, LE);
  const id = v.getUint32(4, LE);
  const progId = v.getUint32(8, LE);
  const u32 = (off: number): number => v.getUint32(off, LE);
  let detail: LinkDetail;
  switch (type) {
    case BPF_LINK_TYPE.XDP: detail = { kind: 'xdp', ifindex: u32(16) }; break;
    case BPF_LINK_TYPE.TCX:
    case BPF_LINK_TYPE.NETKIT:
      detail = { kind: type === BPF_LINK_TYPE.TCX ? 'tcx' : 'netkit', ifindex: u32(16), attachType: attachTypeName(u32(20)) };
      break;
    case BPF_LINK_TYPE.CGROUP: detail = { kind: 'cgroup', cgroupId: v.getBigUint64(16, LE), attachType: attachTypeName(u32(24)) }; break;
    case BPF_LINK_TYPE.TRACING:
      detail = { kind: 'tracing', attachType: attachTypeName(u32(16)), targetObjId: u32(20), targetBtfId: u32(24) };
      break;
    case BPF_LINK_TYPE.RAW_TRACEPOINT:
      detail = { kind: 'raw_tracepoint', name: stringField(fd, what, 16, 24, u32(24)) ?? '' };
      break;
    case BPF_LINK_TYPE.PERF_EVENT: {
      const ev = u32(16);
      const event = PERF_EVENT_NAMES[ev] ?? `perf event ${ev}`;
      const named = ev >= 1 && ev <= 5; // uprobe, uretprobe, kprobe, kretprobe, tracepoint carry a name
      const name = named ? stringField(fd, what, 24, 32, u32(32), (w) => w.setUint32(16, 0, LE)) : null;
      detail = { kind: 'perf_event', event, name, offset: named && ev !== 5 ? u32(36) : 0 };
      break;
    }
    case BPF_LINK_TYPE.KPROBE_MULTI: detail = { kind: 'kprobe_multi', count: u32(24) }; break;
    case BPF_LINK_TYPE.UPROBE_MULTI: {
      const path = stringField(fd, what, 16, 48, u32(48));
      detail = { kind: 'uprobe_multi', count: u32(52), ...(path === null ? {} : { path }) };
      break;
    }
    case BPF_LINK_TYPE.NETNS: detail = { kind: 'netns', netnsIno: u32(16), attachType: attachTypeName(u32(20)) }; break;
    case BPF_LINK_TYPE.NETFILTER: detail = { kind: 'netfilter', pf: u32(16), hooknum: u32(20), priority: v.getInt32(24, LE) }; break;
    case BPF_LINK_TYPE.STRUCT_OPS: detail = { kind: 'struct_ops', mapId: u32(16) }; break;
    case BPF_LINK_TYPE.SOCKMAP: detail = { kind: 'sockmap', mapId: u32(16) }; break;
    default: detail = { kind: 'other' };
  }
  return { id, type, typeName: linkTypeName(type), progId, detail };
}

/**
 * PROG_QUERY: ids of the programs attached to `target` (an ifindex for tcx / netkit, a cgroup fd)
 * for one attach type. attr: target_fd / target_ifindex u32 @0, attach_type @4, query_flags @8,
 * attach_flags @12, prog_ids u64 @16, prog_cnt u32 @24.
 */
export function progQuery(target: number, attachType: number, max = 64): number[] {
  const ids = new Scratch();
  const addr = ids.ensure(max * 4);
  const attr = new Attr(64).u32(0, target).u32(4, attachType).u64(16, addr).u32(24, max);
  if (bpf(BPF_CMD.PROG_QUERY, attr) < 0) fail('PROG_QUERY', { subject: `attach type ${attachTypeName(attachType)} of ${target}` });
  const n = Math.min(attr.getU32(24), max);
  const v = new DataView(ids.bytes.buffer, 0, n * 4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(v.getUint32(i * 4, LE));
  return out;
}

/** The bpf_attach_type number of a name from attachTypeName; -1 when unknown. */
export function attachTypeNumber(name: string): number {
  return (ATTACH_TYPE_NAMES as readonly string[]).indexOf(name);
}
