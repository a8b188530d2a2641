/**
 * The firewall's key and value bytes packed by hand with DataView (little endian, as the bpfel object
 * on this host), independent of bpfmap's codec: tests use them as the expected side.
 */
import { parseIpv4, parseIpv6 } from './packets.js';

export interface Rule { ruleId: number; protocol?: number; dstPortStart?: number; dstPortEnd?: number; icmpType?: number; icmpCode?: number; action: number }

/** struct lpm_ip_key_st: u32 prefixLen (32 + address bits), u32 ingress_ifindex, u8 ip_data[16]. */
export function lpmKey(addr: string, bits: number, ifindex: number): Uint8Array {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 32 + bits, true);
  dv.setUint32(4, ifindex, true);
  b.set(addr.includes(':') ? parseIpv6(addr) : parseIpv4(addr), 8);
  return b;
}

/** struct rulesVal_st: 100 packed 12-byte struct ruleType_st, by slot (a list fills slots 0, 1, ...). */
export function rulesValue(slots: Record<number, Rule> | Rule[]): Uint8Array {
  const b = new Uint8Array(1200);
  const dv = new DataView(b.buffer);
  for (const [slot, r] of Object.entries(slots)) {
    const o = Number(slot) * 12;
    dv.setUint32(o, r.ruleId, true);
    dv.setUint8(o + 4, r.protocol ?? 0);
    dv.setUint16(o + 5, r.dstPortStart ?? 0, true);
    dv.setUint16(o + 7, r.dstPortEnd ?? 0, true);
    dv.setUint8(o + 9, r.icmpType ?? 0);
    dv.setUint8(o + 10, r.icmpCode ?? 0);
    dv.setUint8(o + 11, r.action);
  }
  return b;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
