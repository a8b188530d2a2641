/**
 * The network interfaces of this network namespace and their XDP programs, from one rtnetlink dump
 * (RTM_GETLINK with NLM_F_DUMP on a NETLINK_ROUTE socket, as `ip link` does): index, name, and for
 * each attached XDP program its id and mode. This sees XDP programs attached without a bpf link
 * (`ip link set dev X xdp ...`, libbpf's bpf_xdp_attach), which LINK_GET_NEXT_ID cannot.
 *
 * Wire format (linux/netlink.h, linux/rtnetlink.h, linux/if_link.h; host byte order):
 *   nlmsghdr {len u32, type u16, flags u16, seq u32, pid u32} (16 bytes), payload 4-aligned;
 *   ifinfomsg {family u8, pad u8, type u16, index s32, flags u32, change u32} (16 bytes);
 *   rtattr {len u16, type u16} + data, 4-aligned. IFLA_IFNAME 3 (NUL-terminated), IFLA_XDP 43 (nested:
 *   IFLA_XDP_ATTACHED 2 u8, IFLA_XDP_PROG_ID 4, IFLA_XDP_DRV_PROG_ID 5, IFLA_XDP_SKB_PROG_ID 6,
 *   IFLA_XDP_HW_PROG_ID 7, u32 each). XDP_ATTACHED_DRV 1, SKB 2, HW 3, MULTI 4 (then the per-mode ids).
 */
import { addressOf, libcFunction } from './binding.js';
import { syscallError } from './errno.js';
import { closeFd } from './fd.js';
import { os } from './native-endian.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0x80000;
const NETLINK_ROUTE = 0;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 1;
const NLM_F_DUMP = 0x300;
const IFLA_IFNAME = 3;
const IFLA_XDP = 43;
const IFLA_XDP_ATTACHED = 2;
const IFLA_XDP_PROG_ID = 4;
const XDP_MODES = ['none', 'driver', 'generic', 'offload', 'multi'] as const;
/** IFLA_XDP_DRV_PROG_ID 5, SKB 6, HW 7 -> the mode they are for. */
const MODE_OF_ATTR: Readonly<Record<number, 'driver' | 'generic' | 'offload'>> = { 5: 'driver', 6: 'generic', 7: 'offload' };

const LE = os.little;
const BUF = 64 * 1024;

/** An XDP program on an interface, as rtnetlink reports it. */
export interface XdpAttachment {
  readonly ifindex: number;
  readonly progId: number;
  /** driver (native), generic (skb), offload (hardware). */
  readonly mode: 'driver' | 'generic' | 'offload';
}

export interface NetInterfaces {
  /** ifindex -> name, in this network namespace. */
  readonly names: ReadonlyMap<number, string>;
  readonly xdp: readonly XdpAttachment[];
}

let fns: { socket: ReturnType<typeof libcFunction>; send: ReturnType<typeof libcFunction>; recv: ReturnType<typeof libcFunction> } | undefined;

function attrs(v: DataView, start: number, end: number, fn: (type: number, off: number, len: number) => void): void {
  let off = start;
  while (off + 4 <= end) {
    const len = v.getUint16(off, LE);
    if (len < 4 || off + len > end) return;
    fn(v.getUint16(off + 2, LE) & 0x3fff, off + 4, len - 4);
    off += (len + 3) & ~3;
  }
}

/** One RTM_GETLINK dump of this network namespace. */
export function netInterfaces(): NetInterfaces {
  fns ??= {
    socket: libcFunction('int socket(int domain, int type, int protocol)'),
    send: libcFunction('intptr_t send(int fd, uintptr_t buf, uintptr_t len, int flags)'),
    recv: libcFunction('intptr_t recv(int fd, uintptr_t buf, uintptr_t len, int flags)'),
  };
  const fd = fns.socket.call(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE) as number;
  if (fd < 0) throw syscallError('socket', fns.socket.errno(), { subject: 'rtnetlink' });
  const names = new Map<number, string>();
  const xdp: XdpAttachment[] = [];
  try {
    const req = new Uint8Array(new ArrayBuffer(32));
    const rv = new DataView(req.buffer);
    rv.setUint32(0, 32, LE);
    rv.setUint16(4, RTM_GETLINK, LE);
    rv.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, LE);
    rv.setUint32(8, 1, LE); // seq
    if (Number(fns.send.call(fd, addressOf(req), 32, 0)) < 0) throw syscallError('send', fns.send.errno(), { subject: 'rtnetlink' });
    const buf = new Uint8Array(new ArrayBuffer(BUF));
    const bufAddr = addressOf(buf);
    const v = new DataView(buf.buffer);
    const text = new TextDecoder();
    for (;;) {
      const n = Number(fns.recv.call(fd, bufAddr, BUF, 0));
      if (n < 0) throw syscallError('recv', fns.recv.errno(), { subject: 'rtnetlink' });
      if (n === 0) return { names, xdp };
      let off = 0;
      while (off + 16 <= n) {
        const len = v.getUint32(off, LE);
        const type = v.getUint16(off + 4, LE);
        if (len < 16 || off + len > n) break;
        if (type === NLMSG_DONE) return { names, xdp };
        if (type === NLMSG_ERROR) {
          const err = -v.getInt32(off + 16, LE);
          if (err !== 0) throw syscallError('RTM_GETLINK', err, { subject: 'rtnetlink' });
        }
        if (type === RTM_NEWLINK && len >= 32) {
          const ifindex = v.getInt32(off + 20, LE);
          attrs(v, off + 32, off + len, (t, a, l) => {
            if (t === IFLA_IFNAME) {
              let e = a;
              while (e < a + l && buf[e] !== 0) e++;
              names.set(ifindex, text.decode(buf.subarray(a, e)));
            } else if (t === IFLA_XDP) {
              let attached = 0;
              let progId = 0;
              const perMode: XdpAttachment[] = [];
              attrs(v, a, a + l, (xt, xa, xl) => {
                if (xt === IFLA_XDP_ATTACHED && xl >= 1) attached = buf[xa]!;
                else if (xt === IFLA_XDP_PROG_ID && xl >= 4) progId = v.getUint32(xa, LE);
                else if (MODE_OF_ATTR[xt] && xl >= 4) perMode.push({ ifindex, progId: v.getUint32(xa, LE), mode: MODE_OF_ATTR[xt]! });
              });
              if (attached === 4) xdp.push(...perMode.filter((p) => p.progId !== 0));
              else if (attached >= 1 && attached <= 3 && progId !== 0) {
                xdp.push({ ifindex, progId, mode: XDP_MODES[attached] as XdpAttachment['mode'] });
              }
            }
          });
        }
        off += (len + 3) & ~3;
      }
    }
  } finally {
    closeFd(fd);
  }
}
