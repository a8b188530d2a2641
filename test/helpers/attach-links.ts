// Run as a script inside a test's private bpffs and network namespace (nsenter ... node --import tsx
// test/helpers/attach-links.ts DEV CGROUP_DIR): makes three bpf links and pins them next to the
// firewall program, so that they outlive this process and go away with the private bpffs:
//   xdp_link  the pinned firewall program (/sys/fs/bpf/fw_prog) on DEV, through LINK_CREATE
//   tcx_link  a tiny sched_cls program using the firewall's rule table, on DEV's tcx ingress
//   cg_link   a tiny cgroup_skb program using the same map, on CGROUP_DIR's inet egress
//   rtp_link  a tiny raw_tracepoint program using the same map, on the sys_enter tracepoint
//             (RAW_TRACEPOINT_OPEN, cmd 17: name u64 @0, prog_fd u32 @8)
// Prints {"ifindex", "xdp", "tcx", "cgroup", "rawTp", "tcxProg", "cgroupProg", "rawTpProg"} (link and program ids).
import { openSync, closeSync } from 'node:fs';
import { Attr } from '../../src/syscall/attr.js';
import { addressOf, bpf } from '../../src/syscall/binding.js';
import {
  BPF_ATTACH_TYPE, closeFd, linkCreate, linkGetInfoByFd, netInterfaces, objGet, objPin, progGetInfoByFd, progLoad,
} from '../../src/syscall/index.js';
import { os } from '../../src/syscall/native-endian.js';

const [dev, cgroupDir] = process.argv.slice(2);
if (!dev || !cgroupDir) throw new Error('usage: attach-links.ts DEV CGROUP_DIR');

const BPF_PROG_TYPE_SCHED_CLS = 3;
const BPF_PROG_TYPE_CGROUP_SKB = 8;
const BPF_PROG_TYPE_RAW_TRACEPOINT = 17;
const BPF_RAW_TRACEPOINT_OPEN = 17;

/** r1 = map (BPF_PSEUDO_MAP_FD); r0 = ret; exit. The verifier records the map as used. */
function usesMap(mapFd: number, ret: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  b[0] = 0x18; b[1] = 0x11; v.setInt32(4, mapFd, os.little);
  b[16] = 0xb7; v.setInt32(20, ret, os.little);
  b[24] = 0x95;
  return b;
}

const net = netInterfaces();
const ifindex = [...net.names].find(([, n]) => n === dev)?.[0];
if (ifindex === undefined) throw new Error(`${dev}: no such interface in this network namespace`);

const fw = objGet('/sys/fs/bpf/fw_prog');
const table = objGet('/sys/fs/bpf/ingress_node_firewall_table_map');
const pin = (fd: number, name: string): number => {
  objPin(fd, `/sys/fs/bpf/${name}`);
  const id = linkGetInfoByFd(fd).id;
  closeFd(fd);
  return id;
};
const xdp = pin(linkCreate(fw, ifindex, BPF_ATTACH_TYPE.XDP), 'xdp_link');
const tcxProgFd = progLoad({ progType: BPF_PROG_TYPE_SCHED_CLS, insns: usesMap(table, 0), name: 'tcx_user' });
const tcxProg = progGetInfoByFd(tcxProgFd).id;
const tcx = pin(linkCreate(tcxProgFd, ifindex, BPF_ATTACH_TYPE.TCX_INGRESS), 'tcx_link');
const cgProgFd = progLoad({ progType: BPF_PROG_TYPE_CGROUP_SKB, insns: usesMap(table, 1), name: 'cg_user' });
const cgroupProg = progGetInfoByFd(cgProgFd).id;
const cg = openSync(cgroupDir, 'r');
const cgroup = pin(linkCreate(cgProgFd, cg, BPF_ATTACH_TYPE.CGROUP_INET_EGRESS), 'cg_link');
closeSync(cg);
const rawTpProgFd = progLoad({ progType: BPF_PROG_TYPE_RAW_TRACEPOINT, insns: usesMap(table, 0), name: 'rtp_user' });
const rawTpProg = progGetInfoByFd(rawTpProgFd).id;
const tpName = new TextEncoder().encode('sys_enter\0');
const rtpFd = bpf(BPF_RAW_TRACEPOINT_OPEN, new Attr(16).u64(0, addressOf(tpName)).u32(8, rawTpProgFd));
if (rtpFd < 0) throw new Error('RAW_TRACEPOINT_OPEN sys_enter failed');
const rawTp = pin(rtpFd, 'rtp_link');
process.stdout.write(`${JSON.stringify({ ifindex, xdp, tcx, cgroup, rawTp, tcxProg, cgroupProg, rawTpProg })}\n`);
