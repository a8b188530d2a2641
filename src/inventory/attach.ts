/**
 * Where loaded programs are attached: every bpf link (LINK_GET_NEXT_ID, LINK_GET_FD_BY_ID,
 * OBJ_GET_INFO_BY_FD), and the XDP programs rtnetlink lists on the interfaces of this network
 * namespace (attached without a link, as `ip link set dev X xdp ...` does). Interface names are
 * those of the network namespace bpfmap runs in: a link's ifindex is named only when this namespace
 * confirms that the program is attached there (rtnetlink for XDP, PROG_QUERY for tcx / netkit);
 * otherwise its name is null (the device is in another namespace). Cgroups are named by their path
 * under the cgroup2 mount (the directory whose inode number is the cgroup id). Tracing links name
 * their target function when it is in vmlinux's BTF (read only when there is such a link: about
 * half a second).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadBtf, type Btf } from '../btf/index.js';
import {
  attachTypeNumber, closeFd, linkGetFdById, linkGetInfoByFd, linkGetNextId, netInterfaces, progQuery, mapSysfsFile,
} from '../syscall/index.js';
import type { LinkInfo, NetInterfaces } from '../syscall/index.js';

/** One place a program is attached. Fields beyond kind / link / attachType depend on the kind. */
export interface AttachPoint {
  /**
   * xdp, tcx, netkit, cgroup, tracing, raw_tracepoint, kprobe, kretprobe, uprobe, uretprobe,
   * tracepoint, perf_event, kprobe_multi, uprobe_multi, netns, netfilter, struct_ops, sockmap, iter, link.
   */
  readonly kind: string;
  /** The bpf link's id; null when attached without a link (XDP set through rtnetlink). */
  readonly link: number | null;
  /** The kernel's attach type where it says one (`tcx_ingress`, `cgroup_inet_egress`, `trace_fentry`). */
  readonly attachType?: string;
  readonly ifindex?: number;
  /** The interface in this network namespace; null when the device is not in it. */
  readonly ifname?: string | null;
  /** XDP: driver, generic or offload; null when this namespace does not show it. */
  readonly mode?: 'driver' | 'generic' | 'offload' | null;
  readonly cgroupId?: bigint;
  /** The cgroup's directory; null when it is not found under the cgroup2 mount. */
  readonly cgroup?: string | null;
  /** The function, tracepoint or probe the kernel names; null where it names only ids. */
  readonly target?: string | null;
  /** tracing: the BTF object and type id of the target, as the kernel gives them. */
  readonly targetObjId?: number;
  readonly targetBtfId?: number;
}

const MAX_DEPTH = 32;
const MAX_DIRS = 100_000;

function cgroup2Mount(): string | null {
  try {
    for (const line of readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2' && f[1]) return f[1].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    }
  } catch { /* no /proc */ }
  return null;
}

/** cgroup id -> directory, for the ids asked (a walk of the cgroup2 tree that stops when all are found). */
function cgroupPaths(ids: ReadonlySet<bigint>): Map<bigint, string> {
  const out = new Map<bigint, string>();
  const root = cgroup2Mount();
  if (!root || ids.size === 0) return out;
  let seen = 0;
  const walk = (dir: string, depth: number): void => {
    if (out.size === ids.size || depth > MAX_DEPTH || ++seen > MAX_DIRS) return;
    try {
      const ino = statSync(dir, { bigint: true }).ino;
      if (ids.has(ino)) out.set(ino, dir);
      for (const d of readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) walk(join(dir, d.name), depth + 1);
    } catch { /* gone, or not readable */ }
  };
  walk(root, 0);
  return out;
}

let vmlinux: Btf | null | undefined;

/**
 * The name of a function in vmlinux's BTF (tracing targets); null when it is elsewhere or unreadable.
 * The BTF is mapped where the kernel lets it be (fast-sysfs-map.ts), else read. Exported for tests.
 */
export function vmlinuxName(objId: number, typeId: number): string | null {
  if (vmlinux === undefined) {
    const path = '/sys/kernel/btf/vmlinux';
    try { vmlinux = loadBtf(mapSysfsFile(path) ?? readFileSync(path)); } catch { vmlinux = null; }
  }
  // The vmlinux BTF object is the first the kernel registers (id 1); module BTF is split from it.
  if (!vmlinux || objId !== 1) return null;
  try { return vmlinux.name(typeId) || null; } catch { return null; }
}

function onInterface(ifindex: number, progId: number, attachType: string, net: NetInterfaces | null): string | null {
  if (!net) return null;
  const name = net.names.get(ifindex);
  if (name === undefined) return null;
  try {
    return progQuery(ifindex, attachTypeNumber(attachType)).includes(progId) ? name : null;
  } catch {
    return null;
  }
}

function fromLink(l: LinkInfo, net: NetInterfaces | null, cgroups: Map<bigint, string>): AttachPoint {
  const d = l.detail;
  const link = l.id;
  switch (d.kind) {
    case 'xdp': {
      const seen = net?.xdp.find((x) => x.ifindex === d.ifindex && x.progId === l.progId);
      return { kind: 'xdp', link, attachType: 'xdp', ifindex: d.ifindex, ifname: seen ? net!.names.get(d.ifindex) ?? null : null, mode: seen?.mode ?? null };
    }
    case 'tcx':
    case 'netkit':
      return { kind: d.kind, link, attachType: d.attachType, ifindex: d.ifindex, ifname: onInterface(d.ifindex, l.progId, d.attachType, net) };
    case 'cgroup':
      return { kind: 'cgroup', link, attachType: d.attachType, cgroupId: d.cgroupId, cgroup: cgroups.get(d.cgroupId) ?? null };
    case 'tracing':
      return { kind: 'tracing', link, attachType: d.attachType, target: vmlinuxName(d.targetObjId, d.targetBtfId), targetObjId: d.targetObjId, targetBtfId: d.targetBtfId };
    case 'raw_tracepoint':
      return { kind: 'raw_tracepoint', link, target: d.name || null };
    case 'perf_event':
      return { kind: d.event === 'event' || d.event === 'unspec' ? 'perf_event' : d.event, link, target: d.name === null ? null : d.offset ? `${d.name}+0x${d.offset.toString(16)}` : d.name };
    case 'kprobe_multi':
    case 'uprobe_multi':
      return { kind: d.kind, link, target: `${d.count} ${d.kind === 'kprobe_multi' ? 'functions' : `offsets in ${d.path ?? '?'}`}` };
    case 'netns':
      return { kind: 'netns', link, attachType: d.attachType, target: `netns inode ${d.netnsIno}` };
    case 'netfilter':
      return { kind: 'netfilter', link, target: `pf ${d.pf} hook ${d.hooknum} priority ${d.priority}` };
    case 'struct_ops':
    case 'sockmap':
      return { kind: d.kind, link, target: `map id ${d.mapId}` };
    default:
      return { kind: l.typeName === 'iter' ? 'iter' : 'link', link };
  }
}

/** Program id -> where it is attached: its links, and the XDP attachments rtnetlink lists without one. */
export function attachPoints(): Map<number, AttachPoint[]> {
  const links: LinkInfo[] = [];
  for (let id = linkGetNextId(0); id !== null; id = linkGetNextId(id)) {
    let fd: number;
    try { fd = linkGetFdById(id); } catch { continue; }
    try { links.push(linkGetInfoByFd(fd, `link id ${id}`)); } catch { /* gone meanwhile */ } finally { closeFd(fd); }
  }
  let net: NetInterfaces | null = null;
  try { net = netInterfaces(); } catch { /* no rtnetlink: XDP without a link stays unseen */ }
  const cgroupIds = new Set<bigint>();
  for (const l of links) if (l.detail.kind === 'cgroup') cgroupIds.add(l.detail.cgroupId);
  const cgroups = cgroupPaths(cgroupIds);
  const out = new Map<number, AttachPoint[]>();
  const add = (prog: number, a: AttachPoint): void => {
    const list = out.get(prog);
    if (list) list.push(a); else out.set(prog, [a]);
  };
  for (const l of links) add(l.progId, fromLink(l, net, cgroups));
  for (const x of net?.xdp ?? []) {
    const viaLink = links.some((l) => l.detail.kind === 'xdp' && l.detail.ifindex === x.ifindex && l.progId === x.progId);
    if (!viaLink) add(x.progId, { kind: 'xdp', link: null, attachType: 'xdp', ifindex: x.ifindex, ifname: net!.names.get(x.ifindex) ?? null, mode: x.mode });
  }
  return out;
}
