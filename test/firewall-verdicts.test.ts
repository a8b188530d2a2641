// The firewall's rules written ONLY through the bpfmap CLI (typed YAML flow, JSON and a YAML file),
// its verdicts taken from the kernel's BPF_PROG_TEST_RUN (bpftool prog run), and its per-rule
// statistics read back with `bpfmap lookup/dump --sum`. Everything runs in a private bpffs, where the
// CLI finds the maps at their by-name pin paths with no flags. Under test run the ingress ifindex is 1.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPrivateBpffs, FIREWALL, PROG, XDP_DROP, XDP_PASS, type PrivateBpffs } from './helpers/private-bpffs.js';
import { icmpEcho, tcpSyn, udp } from './helpers/packets.js';

const OBJ = 'fixtures/firewall.bpfel.o';
const TABLE = 'ingress_node_firewall_table_map';
const STATS = 'ingress_node_firewall_statistics_map';
const SRC = '198.18.0.2';
const DST = '198.18.0.1';
const SRC6 = '2001:db8::2';
const DST6 = '2001:db8::1';

interface Counts { allowPackets: number; allowBytes: number; denyPackets: number; denyBytes: number }
const ZERO: Counts = { allowPackets: 0, allowBytes: 0, denyPackets: 0, denyBytes: 0 };

/** Runs the CLI; asserts success and an empty stderr; returns stdout. */
function cli(ns: PrivateBpffs, ...args: string[]): string {
  const r = ns.bpfmap(...args);
  assert.is(r.stderr, '', `bpfmap ${args.join(' ')}: stderr`);
  assert.is(r.status, 0, `bpfmap ${args.join(' ')}: exit status`);
  return r.stdout;
}

function update(ns: PrivateBpffs, key: string, value: string): void {
  cli(ns, 'update', OBJ, TABLE, '--key', key, '--value', value);
}

/** `bpfmap lookup --key N --sum --json` of the statistics map. */
function statsOf(ns: PrivateBpffs, ruleId: number): Counts {
  const out = JSON.parse(cli(ns, 'lookup', OBJ, STATS, '--key', String(ruleId), '--sum', '--json')) as {
    key: number; value: { allow_stats: { packets: number; bytes: number }; deny_stats: { packets: number; bytes: number } };
  };
  assert.is(out.key, ruleId);
  const v = out.value;
  return { allowPackets: Number(v.allow_stats.packets), allowBytes: Number(v.allow_stats.bytes), denyPackets: Number(v.deny_stats.packets), denyBytes: Number(v.deny_stats.bytes) };
}

/** Every rule id with a non-zero counter, from `bpfmap dump --sum --json`. */
function allStats(ns: PrivateBpffs): Map<number, Counts> {
  const rows = JSON.parse(cli(ns, 'dump', OBJ, STATS, '--sum', '--json')) as {
    key: number; value: { allow_stats: { packets: number; bytes: number }; deny_stats: { packets: number; bytes: number } };
  }[];
  assert.is(rows.length, 1024, 'a per-CPU array dumps all its 1024 indexes');
  const out = new Map<number, Counts>();
  for (const { key, value: v } of rows) {
    const c = { allowPackets: Number(v.allow_stats.packets), allowBytes: Number(v.allow_stats.bytes), denyPackets: Number(v.deny_stats.packets), denyBytes: Number(v.deny_stats.bytes) };
    if (c.allowPackets || c.allowBytes || c.denyPackets || c.denyBytes) out.set(key, c);
  }
  return out;
}

type Case = [name: string, frame: Uint8Array, verdict: number, ruleId: number | undefined];

/** Runs each case, checks the verdict, and adds what the matched rule should have counted. */
function runCases(ns: PrivateBpffs, cases: Case[], expected: Map<number, Counts>): void {
  for (const [name, frame, verdict, ruleId] of cases) {
    assert.is(ns.run(frame), verdict, name);
    if (ruleId === undefined) continue;
    const c = { ...(expected.get(ruleId) ?? ZERO) };
    if (verdict === XDP_DROP) { c.denyPackets += 1; c.denyBytes += frame.length; }
    else { c.allowPackets += 1; c.allowBytes += frame.length; }
    expected.set(ruleId, c);
  }
}

// ---------------------------------------------------------------------------------------------

const U = suite('bpfmap update -> XDP verdicts');

U('rules written with bpfmap decide 35 packet/rule combinations, and dump --sum counts each rule\'s packets', withPrivateBpffs((ns) => {
  // IPv4 198.18.0.0/24 on ifindex 1: ranges, an exact port, ICMP type and code, first match wins, slot 57.
  update(ns, '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}', `{rules: {
    0: {ruleId: 10, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1},
    1: {ruleId: 11, protocol: 6, dstPortStart: 85, action: 2},
    2: {ruleId: 12, protocol: 17, dstPortStart: 53, action: 1},
    3: {ruleId: 13, protocol: 1, icmpType: 8, icmpCode: 0, action: 1},
    57: {ruleId: 57, protocol: 17, dstPortStart: 5000, dstPortEnd: 5100, action: 1},
    58: {ruleId: 58, protocol: 17, dstPortStart: 5000, dstPortEnd: 6000, action: 2}}}`);
  // Two /32s inside the /24: the longest prefix wins, in both directions (protocol 0 = any).
  update(ns, '{ingress_ifindex: 1, ip_data: 198.18.0.9/32}', '{rules: {0: {ruleId: 20, protocol: 0, action: 2}}}');
  update(ns, '{ingress_ifindex: 1, ip_data: 198.18.0.10/32}', '{rules: {0: {ruleId: 21, protocol: 0, action: 1}}}');
  // Another interface: the same /24 and 198.18.1.0/24 drop everything on ifindex 7, never on ifindex 1.
  update(ns, '{ingress_ifindex: 7, ip_data: 198.18.0.0/24}', '{rules: {0: {ruleId: 30, protocol: 0, action: 1}}}');
  update(ns, '{ingress_ifindex: 7, ip_data: 198.18.1.0/24}', '{rules: {0: {ruleId: 31, protocol: 0, action: 1}}}');
  // IPv6, as JSON input: ICMPv6 echo dropped, TCP 443 passes, a UDP range dropped, the last slot used.
  update(ns, '{"ingress_ifindex": 1, "ip_data": "2001:db8::/64"}', JSON.stringify({ rules: {
    0: { ruleId: 40, protocol: 58, icmpType: 128, action: 1 },
    1: { ruleId: 41, protocol: 6, dstPortStart: 443, action: 2 },
    2: { ruleId: 42, protocol: 17, dstPortStart: 1000, dstPortEnd: 2000, action: 1 },
    99: { ruleId: 43, protocol: 6, dstPortStart: 22, action: 1 },
  } }));
  // A /128 inside the /64, from a YAML file (bpfmap update -f).
  const file = join(ns.tmp, 'rule.yaml');
  writeFileSync(file, [
    'key:',
    '  ingress_ifindex: 1',
    '  ip_data: 2001:db8::9/128',
    'value:',
    '  rules:',
    '    0: {ruleId: 44, protocol: 0, action: 2}',
    '',
  ].join('\n'));
  cli(ns, 'update', OBJ, TABLE, '-f', file);

  const dump = JSON.parse(cli(ns, 'dump', OBJ, TABLE, '--json')) as { key: { prefixLen: number; ingress_ifindex: number } }[];
  assert.equal(dump.map((e) => `${e.key.ingress_ifindex}/${e.key.prefixLen}`).sort(),
    ['1/160', '1/56', '1/64', '1/64', '1/96', '7/56', '7/56'].sort(), 'the table holds the 7 entries written');

  const expected = new Map<number, Counts>();
  runCases(ns, [
    ['tcp 80, range start', tcpSyn(SRC, DST, 80), XDP_DROP, 10],
    ['tcp 85, slot 0 wins over slot 1', tcpSyn(SRC, DST, 85), XDP_DROP, 10],
    ['tcp 89, last port of 80..90 (end excluded)', tcpSyn(SRC, DST, 89), XDP_DROP, 10],
    ['tcp 90, the range end is excluded', tcpSyn(SRC, DST, 90), XDP_PASS, undefined],
    ['tcp 79, below the range', tcpSyn(SRC, DST, 79), XDP_PASS, undefined],
    ['tcp 91, above the range', tcpSyn(SRC, DST, 91), XDP_PASS, undefined],
    ['udp 53, exact port', udp(SRC, DST, 53), XDP_DROP, 12],
    ['udp 54, next to the exact port', udp(SRC, DST, 54), XDP_PASS, undefined],
    ['udp 5000, slot 57 range start', udp(SRC, DST, 5000), XDP_DROP, 57],
    ['udp 5099, last port of slot 57', udp(SRC, DST, 5099), XDP_DROP, 57],
    ['udp 5100, slot 57 end excluded: slot 58 passes', udp(SRC, DST, 5100), XDP_PASS, 58],
    ['udp 5101, past slot 57: slot 58 passes', udp(SRC, DST, 5101), XDP_PASS, 58],
    ['udp 6000, slot 58 end excluded', udp(SRC, DST, 6000), XDP_PASS, undefined],
    ['udp 6001, outside every range', udp(SRC, DST, 6001), XDP_PASS, undefined],
    ['icmp echo request', icmpEcho(SRC, DST), XDP_DROP, 13],
    ['icmp echo request with code 1', icmpEcho(SRC, DST, { code: 1 }), XDP_PASS, undefined],
    ['icmp echo reply (type 0)', icmpEcho(SRC, DST, { type: 0 }), XDP_PASS, undefined],
    ['/32 .9 (any, pass) wins over /24: tcp 80', tcpSyn('198.18.0.9', DST, 80), XDP_PASS, 20],
    ['/32 .9 wins over /24: icmp echo', icmpEcho('198.18.0.9', DST), XDP_PASS, 20],
    ['/32 .10 (any, drop) wins over /24: udp 54', udp('198.18.0.10', DST, 54), XDP_DROP, 21],
    ['/32 .10: tcp 79', tcpSyn('198.18.0.10', DST, 79), XDP_DROP, 21],
    ['198.18.1.2: only ifindex 7 has a rule', tcpSyn('198.18.1.2', DST, 80), XDP_PASS, undefined],
    ['198.18.1.2 icmp: only ifindex 7 has a rule', icmpEcho('198.18.1.2', DST), XDP_PASS, undefined],
    ['outside every CIDR', udp('198.19.0.2', DST, 53), XDP_PASS, undefined],
    ['icmpv6 echo request', icmpEcho(SRC6, DST6), XDP_DROP, 40],
    ['icmpv6 echo reply (129)', icmpEcho(SRC6, DST6, { type: 129 }), XDP_PASS, undefined],
    ['tcp v6 443', tcpSyn(SRC6, DST6, 443), XDP_PASS, 41],
    ['tcp v6 22, slot 99', tcpSyn(SRC6, DST6, 22), XDP_DROP, 43],
    ['udp v6 1500, in the range', udp(SRC6, DST6, 1500), XDP_DROP, 42],
    ['udp v6 1999, last port of 1000..2000', udp(SRC6, DST6, 1999), XDP_DROP, 42],
    ['udp v6 2000, the range end is excluded', udp(SRC6, DST6, 2000), XDP_PASS, undefined],
    ['udp v6 2001, above the range', udp(SRC6, DST6, 2001), XDP_PASS, undefined],
    ['/128 ::9 (any, pass) wins over /64: icmpv6 echo', icmpEcho('2001:db8::9', DST6), XDP_PASS, 44],
    ['/128 ::9 wins over /64: udp 1500', udp('2001:db8::9', DST6, 1500), XDP_PASS, 44],
    ['tcp v6 22 from outside the /64', tcpSyn('2001:db8:1::2', DST6, 22), XDP_PASS, undefined],
  ], expected);

  // One more update changes slot 57 to pass; a packet that was dropped now passes and is counted as allowed.
  update(ns, '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}', `{rules: {
    0: {ruleId: 10, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1},
    57: {ruleId: 57, protocol: 17, dstPortStart: 5000, dstPortEnd: 5100, action: 2}}}`);
  runCases(ns, [
    ['udp 5050 after slot 57 became pass', udp(SRC, DST, 5050), XDP_PASS, 57],
    ['udp 53 after slot 2 was emptied', udp(SRC, DST, 53), XDP_PASS, undefined],
    ['tcp 80 still dropped by slot 0', tcpSyn(SRC, DST, 80), XDP_DROP, 10],
  ], expected);

  // Delete restores pass: the /24 goes, the /32s stay.
  cli(ns, 'delete', OBJ, TABLE, '--key', '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}');
  cli(ns, 'delete', OBJ, TABLE, '--key', '{"ingress_ifindex": 1, "ip_data": "2001:db8::/64"}');
  runCases(ns, [
    ['tcp 80 after delete', tcpSyn(SRC, DST, 80), XDP_PASS, undefined],
    ['icmp echo after delete', icmpEcho(SRC, DST), XDP_PASS, undefined],
    ['icmpv6 echo after delete', icmpEcho(SRC6, DST6), XDP_PASS, undefined],
    ['/32 .10 still drops after the /24 is gone', udp('198.18.0.10', DST, 54), XDP_DROP, 21],
  ], expected);

  // Per rule: lookup --sum, then the whole map with dump --sum (rule ids without packets are all zero).
  for (const [ruleId, c] of expected) assert.equal(statsOf(ns, ruleId), c, `lookup --key ${ruleId} --sum`);
  assert.equal(statsOf(ns, 30), ZERO, 'the ifindex 7 rule never matched');
  assert.equal(statsOf(ns, 11), ZERO, 'the shadowed rule never matched');
  const all = allStats(ns);
  assert.equal([...all.keys()].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b), 'dump --sum: the rule ids with counts');
  for (const [ruleId, c] of expected) assert.equal(all.get(ruleId), c, `dump --sum: rule ${ruleId}`);
  assert.equal(all.get(10), { allowPackets: 0, allowBytes: 0, denyPackets: 4, denyBytes: 4 * tcpSyn(SRC, DST, 80).length }, 'rule 10 by hand');
}, { load: FIREWALL, cli: true }));

U('a rule the codec refuses never reaches the kernel: bad port, bad CIDR, slot 100', withPrivateBpffs((ns) => {
  const key = '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}';
  update(ns, key, '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}}}');
  const bad: [string, string, string, RegExp][] = [
    ['port above u16', key, '{rules: {0: {ruleId: 1, protocol: 6, dstPortStart: 70000, action: 1}}}', /value\.rules\[0\]\.dstPortStart: expected u16 0\.\.65535, got 70000/],
    ['slot 100 of 100', key, '{rules: {100: {ruleId: 1, action: 1}}}', /value\.rules\[100\]: index out of range 0\.\.99/],
    ['prefix longer than the address', '{ingress_ifindex: 1, ip_data: 198.18.0.0/33}', '{rules: {0: {ruleId: 1, action: 1}}}', /key\.ip_data: expected a prefix length 0\.\.32/],
  ];
  for (const [name, k, v, message] of bad) {
    const r = ns.bpfmap('update', OBJ, TABLE, '--key', k, '--value', v);
    assert.is.not(r.status, 0, `${name}: exit status`);
    assert.match(r.stderr, /^bpfmap: /, `${name}: one error line`);
    assert.match(r.stderr, message, `${name}: message`);
  }
  // The first rule is still in place and still drops echo requests.
  assert.is(ns.run(icmpEcho(SRC, DST)), XDP_DROP, 'the earlier rule is untouched');
}, { load: FIREWALL, cli: true }));

U.run();

// ---------------------------------------------------------------------------------------------

const T = suite('progTestRun');

T('bpfmap\'s own PROG_TEST_RUN gives bpftool\'s verdicts, returns the frame and runs `repeat` times', withPrivateBpffs(async (ns) => {
  const { closeFd, objGet, progTestRun } = await import('../src/syscall/index.js'); // koffi: Linux only
  update(ns, '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}', '{rules: {0: {ruleId: 3, protocol: 17, dstPortStart: 53, action: 1}, 57: {ruleId: 4, protocol: 6, dstPortStart: 22, action: 2}}}');
  // The test process is outside the private mount namespace; its root is reachable through /proc.
  const fd = objGet(`/proc/${ns.pid}/root${PROG}`);
  try {
    const cases: [string, Uint8Array, number][] = [
      ['udp 53', udp(SRC, DST, 53), XDP_DROP],
      ['udp 54', udp(SRC, DST, 54), XDP_PASS],
      ['tcp 22, slot 57', tcpSyn(SRC, DST, 22), XDP_PASS],
      ['icmpv6 echo, no entry', icmpEcho(SRC6, DST6), XDP_PASS],
    ];
    for (const [name, frame, verdict] of cases) {
      const r = progTestRun(fd, frame);
      assert.is(r.retval, verdict, name);
      assert.is(ns.run(frame), verdict, `${name}: bpftool agrees`);
      assert.equal([...r.dataOut], [...frame], `${name}: data out is the frame`);
    }
    const frame = udp(SRC, DST, 53);
    const before = statsOf(ns, 3).denyPackets;
    assert.is(progTestRun(fd, frame, { repeat: 5 }).retval, XDP_DROP);
    assert.is(statsOf(ns, 3).denyPackets - before, 5, 'repeat 5 runs the program 5 times');
  } finally {
    closeFd(fd);
  }
}, { load: FIREWALL, cli: true }));

T.run();
