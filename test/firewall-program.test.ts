// The firewall fixture's XDP program behaves as its rules say, checked with the kernel's
// BPF_PROG_TEST_RUN through bpftool (no bpfmap code involved). The program pins its maps by name, so
// every load happens in a private mount namespace with its own bpffs: nothing leaks into the host's
// /sys/fs/bpf, and killing the namespace's only process releases the program, the maps and the pins.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { withPrivateBpffs, ROOT, TABLE, XDP_DROP, XDP_PASS, type PrivateBpffs } from './helpers/private-bpffs.js';
import {
  icmpEcho, internetChecksum, layers, parseIpv4, parseIpv6, tcpSyn, udp,
  ETH_P_IP, ETH_P_IPV6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
} from './helpers/packets.js';
import { lpmKey, rulesValue } from './helpers/firewall-bytes.js';

const OBJECT = join(ROOT, 'fixtures/firewall.bpfel.o');

// ---------------------------------------------------------------------------------------------
// Packet helpers (no kernel needed)

/** A checksum computed over data that includes its own correct checksum folds to 0. */
function verifies(...parts: Uint8Array[]): boolean {
  return internetChecksum(...parts) === 0;
}

function pseudo(frame: Uint8Array): Uint8Array {
  const l = layers(frame);
  const l4len = frame.length - l.l4Offset;
  if (l.ethProto === ETH_P_IP) {
    return Uint8Array.of(...frame.subarray(l.ipOffset + 12, l.ipOffset + 20), 0, l.proto, l4len >> 8, l4len & 0xff);
  }
  return Uint8Array.of(...frame.subarray(l.ipOffset + 8, l.ipOffset + 40), 0, 0, l4len >> 8, l4len & 0xff, 0, 0, 0, l.proto);
}

const P = suite('packets');

P('parseIpv4 and parseIpv6 accept valid text and refuse the rest', () => {
  assert.equal([...parseIpv4('198.18.0.2')], [198, 18, 0, 2]);
  const v6: [string, number[]][] = [
    ['2001:db8::2', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]],
    ['::1', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
    ['::', new Array<number>(16).fill(0)],
    ['fe80::1:2', [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2]],
    ['1:2:3:4:5:6:7:8', [0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]],
  ];
  for (const [text, bytes] of v6) assert.equal([...parseIpv6(text)], bytes, text);
  for (const bad of ['1.2.3', '1.2.3.256', 'a.b.c.d']) assert.throws(() => parseIpv4(bad), /expected an IPv4 address/, bad);
  for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', 'g::1', '1:2:3:4::5:6:7:8']) {
    assert.throws(() => parseIpv6(bad), /expected an IPv6 address/, bad);
  }
});

P('internetChecksum gives the known answer for a textbook IPv4 header', () => {
  const hdr = Uint8Array.from([0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7]);
  assert.is(internetChecksum(hdr), 0xb861);
  assert.is(internetChecksum(Uint8Array.of(0x01)), 0xfeff, 'odd length pads with a zero byte');
});

P('icmpEcho builds an IPv4 echo request with valid header and ICMP checksums', () => {
  const f = icmpEcho('198.18.0.2', '198.18.0.1');
  const l = layers(f);
  assert.is(l.ethProto, ETH_P_IP);
  assert.is(l.proto, IPPROTO_ICMP);
  assert.is(f.length, 14 + 20 + 8 + 28);
  assert.is((f[16]! << 8) | f[17]!, f.length - 14, 'ip total length');
  assert.equal([...f.subarray(26, 30)], [198, 18, 0, 2], 'source address');
  assert.equal([...f.subarray(30, 34)], [198, 18, 0, 1], 'destination address');
  assert.ok(verifies(f.subarray(14, 34)), 'ip header checksum');
  assert.is(f[l.l4Offset], 8, 'echo request');
  assert.ok(verifies(f.subarray(l.l4Offset)), 'icmp checksum');
  assert.ok(!verifies(f.subarray(14, 34).map((b, i) => (i === 19 ? b ^ 1 : b))), 'a changed byte breaks the checksum');
});

P('icmpEcho builds an ICMPv6 echo request with the pseudo-header checksum', () => {
  const f = icmpEcho('2001:db8::2', '2001:db8::1', { type: 128, code: 0 });
  const l = layers(f);
  assert.is(l.ethProto, ETH_P_IPV6);
  assert.is(l.proto, IPPROTO_ICMPV6);
  assert.is((f[18]! << 8) | f[19]!, f.length - 54, 'payload length');
  assert.is(f[l.l4Offset], 128);
  assert.ok(verifies(pseudo(f), f.subarray(l.l4Offset)), 'icmpv6 checksum');
});

P('tcpSyn and udp carry the destination port and a valid checksum in both families', () => {
  const cases: [string, Uint8Array, number, number][] = [
    ['tcp v4', tcpSyn('198.18.0.2', '198.18.0.1', 80), IPPROTO_TCP, 80],
    ['tcp v6', tcpSyn('2001:db8::2', '2001:db8::1', 65535), IPPROTO_TCP, 65535],
    ['udp v4', udp('198.18.0.2', '198.18.0.1', 53), IPPROTO_UDP, 53],
    ['udp v6', udp('2001:db8::2', '2001:db8::1', 1), IPPROTO_UDP, 1],
  ];
  for (const [name, f, proto, port] of cases) {
    const l = layers(f);
    assert.is(l.proto, proto, name);
    assert.is((f[l.l4Offset + 2]! << 8) | f[l.l4Offset + 3]!, port, `${name} dport`);
    assert.ok(verifies(pseudo(f), f.subarray(l.l4Offset)), `${name} checksum`);
    if (proto === IPPROTO_TCP) assert.is(f[l.l4Offset + 13], 0x02, `${name} SYN flag`);
    if (l.ethProto === ETH_P_IP) assert.ok(verifies(f.subarray(14, 34)), `${name} ip checksum`);
  }
  assert.throws(() => udp('198.18.0.2', '2001:db8::1', 53), /different families/);
});

P.run();

// ---------------------------------------------------------------------------------------------
// Map bytes, written by hand (little endian: the test loads the bpfel object on this host)

/** Runs body with the firewall (or another object) loaded in a private bpffs. */
function withFirewall(body: (ns: PrivateBpffs) => void, object = OBJECT): () => Promise<void> {
  return withPrivateBpffs(body, { load: object });
}

// ---------------------------------------------------------------------------------------------

const F = suite('ingress_node_firewall_process');
const IFINDEX = 1; // BPF_PROG_TEST_RUN runs XDP programs as if the packet came in on ifindex 1
const SRC = '198.18.0.2';
const DST = '198.18.0.1';

F('an ICMP echo from 198.18.0.2 passes, is dropped by a deny rule, passes again with allow or delete, and is counted', withFirewall((ns) => {
  const ping = icmpEcho(SRC, DST);
  const len = BigInt(ping.length);
  const key = lpmKey(SRC, 32, IFINDEX);

  assert.is(ns.run(ping), XDP_PASS, 'empty table');

  ns.setRules(key, rulesValue({ 0: { ruleId: 7, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 0, action: 1 } }));
  assert.is(ns.run(ping), XDP_DROP, 'deny rule');
  assert.equal(ns.stats(7), { allowPackets: 0n, allowBytes: 0n, denyPackets: 1n, denyBytes: len });
  assert.is(ns.run(ping), XDP_DROP, 'deny rule, second packet');
  assert.equal(ns.stats(7).denyPackets, 2n);

  ns.setRules(key, rulesValue({ 0: { ruleId: 7, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 0, action: 2 } }));
  assert.is(ns.run(ping), XDP_PASS, 'allow rule');
  assert.equal(ns.stats(7), { allowPackets: 1n, allowBytes: len, denyPackets: 2n, denyBytes: 2n * len });

  ns.setRules(key, rulesValue({ 0: { ruleId: 7, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 0, action: 1 } }));
  assert.is(ns.run(ping), XDP_DROP, 'deny again');
  ns.deleteRules(key);
  assert.is(ns.run(ping), XDP_PASS, 'after delete');
  assert.is(ns.stats(7).denyPackets, 3n, 'no count without a matching entry');
}));

F('rules match by protocol, port, range, ICMP type and code, slot order, longest prefix, interface and IPv6', withFirewall((ns) => {
  // 198.18.0.0/24 on ifindex 1: several rules, one in slot 57.
  ns.setRules(lpmKey('198.18.0.0', 24, IFINDEX), rulesValue({
    2: { ruleId: 10, protocol: IPPROTO_TCP, dstPortStart: 80, dstPortEnd: 90, action: 1 },
    3: { ruleId: 11, protocol: IPPROTO_TCP, dstPortStart: 85, action: 2 }, // shadowed by slot 2
    4: { ruleId: 12, protocol: IPPROTO_UDP, dstPortStart: 53, action: 1 },
    5: { ruleId: 13, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 1, action: 1 }, // code 1 only
    57: { ruleId: 57, protocol: IPPROTO_UDP, dstPortStart: 5000, dstPortEnd: 5100, action: 1 },
  }));
  // 198.18.0.9/32 inside it: everything passes there (protocol 0 = any).
  ns.setRules(lpmKey('198.18.0.9', 32, IFINDEX), rulesValue({ 0: { ruleId: 20, protocol: 0, action: 2 } }));
  // The same /24 on another interface drops everything: never used under test run (ifindex 1).
  ns.setRules(lpmKey('198.18.0.0', 24, 6), rulesValue({ 0: { ruleId: 30, protocol: 0, action: 1 } }));
  // IPv6 /64: ICMPv6 echo requests dropped, TCP 443 passes explicitly.
  ns.setRules(lpmKey('2001:db8::', 64, IFINDEX), rulesValue({
    0: { ruleId: 40, protocol: IPPROTO_ICMPV6, icmpType: 128, action: 1 },
    1: { ruleId: 41, protocol: IPPROTO_TCP, dstPortStart: 443, action: 2 },
  }));

  const cases: [string, Uint8Array, number, number | undefined][] = [
    ['tcp 80, range start', tcpSyn(SRC, DST, 80), XDP_DROP, 10],
    ['tcp 85, first match wins over slot 3', tcpSyn(SRC, DST, 85), XDP_DROP, 10],
    ['tcp 89, last port of 80..90 (end excluded)', tcpSyn(SRC, DST, 89), XDP_DROP, 10],
    ['tcp 90, the range end is excluded', tcpSyn(SRC, DST, 90), XDP_PASS, undefined],
    ['tcp 79, below range', tcpSyn(SRC, DST, 79), XDP_PASS, undefined],
    ['tcp 91, above range', tcpSyn(SRC, DST, 91), XDP_PASS, undefined],
    ['udp 53, exact port', udp(SRC, DST, 53), XDP_DROP, 12],
    ['udp 54', udp(SRC, DST, 54), XDP_PASS, undefined],
    ['udp 5050, slot 57 range', udp(SRC, DST, 5050), XDP_DROP, 57],
    ['udp 5101', udp(SRC, DST, 5101), XDP_PASS, undefined],
    ['icmp echo code 0, rule wants code 1', icmpEcho(SRC, DST), XDP_PASS, undefined],
    ['icmp echo code 1', icmpEcho(SRC, DST, { code: 1 }), XDP_DROP, 13],
    ['/32 wins over /24: tcp 80 from .9', tcpSyn('198.18.0.9', DST, 80), XDP_PASS, 20],
    ['no entry for 198.18.1.2', tcpSyn('198.18.1.2', DST, 80), XDP_PASS, undefined],
    ['icmpv6 echo', icmpEcho('2001:db8::2', '2001:db8::1'), XDP_DROP, 40],
    ['icmpv6 echo reply (129)', icmpEcho('2001:db8::2', '2001:db8::1', { type: 129 }), XDP_PASS, undefined],
    ['tcp v6 443', tcpSyn('2001:db8::2', '2001:db8::1', 443), XDP_PASS, 41],
    ['tcp v6 from outside the /64', tcpSyn('2001:db8:1::2', '2001:db8::1', 443), XDP_PASS, undefined],
  ];
  for (const [name, frame, verdict, ruleId] of cases) {
    const before = ruleId === undefined ? undefined : ns.stats(ruleId);
    assert.is(ns.run(frame), verdict, name);
    if (ruleId !== undefined) {
      const after = ns.stats(ruleId);
      const field = verdict === XDP_DROP ? 'denyPackets' : 'allowPackets';
      assert.is(after[field] - before![field], 1n, `${name}: rule ${ruleId} counted`);
    }
  }
  assert.equal(ns.stats(30), { allowPackets: 0n, allowBytes: 0n, denyPackets: 0n, denyBytes: 0n }, 'ifindex 6 entry never matched');
}));

F('the seed variant loads too, and its hash map takes exactly the seed walkthrough\'s bytes', withFirewall((ns) => {
  // The walkthrough's key {prefixLen 64, ifindex 6, 10.10.10.2} and value {ruleId 1, icmpType 8, action 2}.
  const key = '40000000060000000a0a0a02000000000000000000000000';
  const value = '010000000000000000080002';
  const split = (h: string) => h.match(/../g)!;
  ns.bpftool('map', 'update', 'pinned', TABLE, 'key', 'hex', ...split(key), 'value', 'hex', ...split(value));
  const got = JSON.parse(ns.bpftool('-j', 'map', 'lookup', 'pinned', TABLE, 'key', 'hex', ...split(key))) as { value: string[] };
  assert.is(got.value.map((h) => h.slice(2)).join(''), value);
  // Under test run the ifindex is 1, so a rule for ifindex 1 is needed to see a verdict.
  ns.setRules(lpmKey(SRC, 32, IFINDEX), Uint8Array.from(split('070000000100000000080001').map((h) => parseInt(h, 16))));
  assert.is(ns.run(icmpEcho(SRC, DST)), XDP_DROP);
  assert.is(ns.run(icmpEcho('198.18.0.3', DST)), XDP_PASS);
}, join(ROOT, 'fixtures/firewall-seed.bpfel.o')));

F.run();
