/**
 * Packet crafting for XDP tests: Ethernet frames carrying IPv4 or IPv6 with ICMP echo, ICMPv6 echo,
 * TCP SYN or UDP, with valid IP, ICMP, TCP and UDP checksums. The address family follows the
 * addresses ('198.18.0.2' or '2001:db8::2').
 */

export const ETH_P_IP = 0x0800;
export const ETH_P_IPV6 = 0x86dd;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

const ETH_HLEN = 14;
const IPV4_HLEN = 20;
const IPV6_HLEN = 40;
const SRC_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
const DST_MAC = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

/** Dotted quad to 4 bytes in network order. */
export function parseIpv4(addr: string): Uint8Array {
  const parts = addr.split('.');
  if (parts.length !== 4) throw new TypeError(`packets: expected an IPv4 address a.b.c.d, got '${addr}'`);
  return Uint8Array.from(parts.map((p) => {
    const n = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
    if (!(n >= 0 && n <= 255)) throw new TypeError(`packets: expected an IPv4 address a.b.c.d, got '${addr}'`);
    return n;
  }));
}

/** IPv6 text (with at most one '::') to 16 bytes in network order. */
export function parseIpv6(addr: string): Uint8Array {
  const bad = (): never => { throw new TypeError(`packets: expected an IPv6 address, got '${addr}'`); };
  const halves = addr.split('::');
  if (halves.length > 2) bad();
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : bad())));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) bad();
  const words = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

export function isIpv6(addr: string): boolean {
  return addr.includes(':');
}

/** RFC 1071 checksum of the concatenated parts (each part is summed as if it started on an even byte). */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) sum += (p[i]! << 8) | (i + 1 < p.length ? p[i + 1]! : 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function be16(n: number): Uint8Array {
  return Uint8Array.of((n >> 8) & 0xff, n & 0xff);
}

function be32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.length; }
  return out;
}

function ethernet(proto: number, payload: Uint8Array): Uint8Array {
  return concat(Uint8Array.from(DST_MAC), Uint8Array.from(SRC_MAC), be16(proto), payload);
}

function ipv4(src: string, dst: string, proto: number, l4: Uint8Array): Uint8Array {
  const h = new Uint8Array(IPV4_HLEN);
  h[0] = 0x45; // version 4, ihl 5
  h.set(be16(IPV4_HLEN + l4.length), 2);
  h.set(be16(0x1234), 4); // id
  h.set(be16(0x4000), 6); // don't fragment
  h[8] = 64; // ttl
  h[9] = proto;
  h.set(parseIpv4(src), 12);
  h.set(parseIpv4(dst), 16);
  h.set(be16(internetChecksum(h)), 10);
  return ethernet(ETH_P_IP, concat(h, l4));
}

function ipv6(src: string, dst: string, nextHeader: number, l4: Uint8Array): Uint8Array {
  const h = new Uint8Array(IPV6_HLEN);
  h[0] = 0x60;
  h.set(be16(l4.length), 4);
  h[6] = nextHeader;
  h[7] = 64; // hop limit
  h.set(parseIpv6(src), 8);
  h.set(parseIpv6(dst), 24);
  return ethernet(ETH_P_IPV6, concat(h, l4));
}

/** The pseudo header TCP, UDP and ICMPv6 checksums cover. */
function pseudoHeader(src: string, dst: string, proto: number, length: number): Uint8Array {
  if (isIpv6(src)) return concat(parseIpv6(src), parseIpv6(dst), be32(length), Uint8Array.of(0, 0, 0, proto));
  return concat(parseIpv4(src), parseIpv4(dst), Uint8Array.of(0, proto), be16(length));
}

function sameFamily(src: string, dst: string): void {
  if (isIpv6(src) !== isIpv6(dst)) throw new TypeError(`packets: source '${src}' and destination '${dst}' are of different families`);
}

function ip(src: string, dst: string, proto: number, l4: Uint8Array): Uint8Array {
  return isIpv6(src) ? ipv6(src, dst, proto, l4) : ipv4(src, dst, proto, l4);
}

export interface IcmpOptions {
  type?: number;
  code?: number;
  id?: number;
  seq?: number;
  payload?: Uint8Array;
}

/** ICMP echo request (type 8) over IPv4, or ICMPv6 echo request (type 128) over IPv6. */
export function icmpEcho(src: string, dst: string, opts: IcmpOptions = {}): Uint8Array {
  sameFamily(src, dst);
  const v6 = isIpv6(src);
  const payload = opts.payload ?? new TextEncoder().encode('bpfmap-ping-0123456789abcdef');
  const msg = new Uint8Array(8 + payload.length);
  msg[0] = opts.type ?? (v6 ? 128 : 8);
  msg[1] = opts.code ?? 0;
  msg.set(be16(opts.id ?? 0x4242), 4);
  msg.set(be16(opts.seq ?? 1), 6);
  msg.set(payload, 8);
  const proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  const sum = v6 ? internetChecksum(pseudoHeader(src, dst, proto, msg.length), msg) : internetChecksum(msg);
  msg.set(be16(sum), 2);
  return ip(src, dst, proto, msg);
}

/** TCP SYN from sport to dport. */
export function tcpSyn(src: string, dst: string, dport: number, sport = 40000): Uint8Array {
  sameFamily(src, dst);
  const seg = new Uint8Array(20);
  seg.set(be16(sport), 0);
  seg.set(be16(dport), 2);
  seg.set(be32(0x01020304), 4); // seq
  seg[12] = 5 << 4; // data offset 5 words
  seg[13] = 0x02; // SYN
  seg.set(be16(64240), 14); // window
  seg.set(be16(internetChecksum(pseudoHeader(src, dst, IPPROTO_TCP, seg.length), seg)), 16);
  return ip(src, dst, IPPROTO_TCP, seg);
}

/** UDP datagram from sport to dport. */
export function udp(src: string, dst: string, dport: number, sport = 40000, payload: Uint8Array = new TextEncoder().encode('bpfmap')): Uint8Array {
  sameFamily(src, dst);
  const dgram = new Uint8Array(8 + payload.length);
  dgram.set(be16(sport), 0);
  dgram.set(be16(dport), 2);
  dgram.set(be16(dgram.length), 4);
  dgram.set(payload, 8);
  const sum = internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, dgram.length), dgram);
  dgram.set(be16(sum === 0 ? 0xffff : sum), 6);
  return ip(src, dst, IPPROTO_UDP, dgram);
}

/** Offsets of the layers in a frame built here (for tests that check the bytes). */
export function layers(frame: Uint8Array): { ethProto: number; ipOffset: number; l4Offset: number; proto: number } {
  const ethProto = (frame[12]! << 8) | frame[13]!;
  if (ethProto === ETH_P_IP) return { ethProto, ipOffset: ETH_HLEN, l4Offset: ETH_HLEN + (frame[ETH_HLEN]! & 0x0f) * 4, proto: frame[ETH_HLEN + 9]! };
  return { ethProto, ipOffset: ETH_HLEN, l4Offset: ETH_HLEN + IPV6_HLEN, proto: frame[ETH_HLEN + 6]! };
}
