// The firewall v1 program loaded with its maps pinned by name, rules written, a packet set run with
// BPF_PROG_TEST_RUN; then `bpfmap migrate` to v2 and the v2 program loaded reusing the migrated pins:
// the same verdicts for the same packets, the counters kept and counting on. v2 cannot be loaded
// against the v1 pins before the migration (libbpf refuses the sizes).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withPrivateBpffs, type PrivateBpffs, XDP_DROP, XDP_PASS } from './helpers/private-bpffs.js';
import { icmpEcho, tcpSyn, udp } from './helpers/packets.js';

const V1 = 'fixtures/firewall.bpfel.o';
const V2 = 'fixtures/firewall-v2.bpfel.o';
const TABLE = 'ingress_node_firewall_table_map';
const STATS = 'ingress_node_firewall_statistics_map';
const SRC = '198.18.0.2', DST = '198.18.0.1';

function cli(ns: PrivateBpffs, ...args: string[]): string {
  const r = ns.bpfmap(...args);
  assert.is(r.status, 0, `bpfmap ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const packets: [string, Uint8Array][] = [
  ['tcp 80', tcpSyn(SRC, DST, 80)], ['tcp 85', tcpSyn(SRC, DST, 85)], ['tcp 90', tcpSyn(SRC, DST, 90)],
  ['udp 53', udp(SRC, DST, 53)], ['udp 54', udp(SRC, DST, 54)], ['udp 5099', udp(SRC, DST, 5099)], ['udp 5100', udp(SRC, DST, 5100)],
  ['icmp echo', icmpEcho(SRC, DST)], ['other source', tcpSyn('198.18.5.5', DST, 80)], ['/32 any', udp('198.18.0.9', DST, 7)],
];

/** Summed allow/deny packets per rule id with a non-zero count (v1 and v2 share these fields). */
function counts(ns: PrivateBpffs, obj: string): Record<string, string> {
  const rows = JSON.parse(cli(ns, 'dump', obj, STATS, '--sum', '--json')) as { key: number; value: { allow_stats: { packets: number }; deny_stats: { packets: number } } }[];
  const out: Record<string, string> = {};
  for (const r of rows) {
    const a = Number(r.value.allow_stats.packets), d = Number(r.value.deny_stats.packets);
    if (a || d) out[r.key] = `${a}/${d}`;
  }
  return out;
}

const V = suite('migrate: verdicts before and after');
V('v1 program -> migrate -> v2 program on the migrated pins: same verdicts, counters kept', withPrivateBpffs((ns) => {
  cli(ns, 'update', V1, TABLE, '--key', '{ingress_ifindex: 1, ip_data: 198.18.0.0/24}', '--value', `{rules: {
    0: {ruleId: 10, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1},
    1: {ruleId: 11, protocol: 6, dstPortStart: 85, action: 2},
    2: {ruleId: 12, protocol: 17, dstPortStart: 53, action: 1},
    3: {ruleId: 13, protocol: 1, icmpType: 8, icmpCode: 0, action: 1},
    57: {ruleId: 57, protocol: 17, dstPortStart: 5000, dstPortEnd: 5100, action: 1},
    99: {ruleId: 99, protocol: 17, dstPortStart: 5000, dstPortEnd: 6000, action: 2}}}`);
  cli(ns, 'update', V1, TABLE, '--key', '{ingress_ifindex: 1, ip_data: 198.18.0.9/32}', '--value', '{rules: {0: {ruleId: 20, protocol: 0, action: 2}}}');
  const before = packets.map(([, p]) => ns.run(p));
  assert.equal(before, [XDP_DROP, XDP_DROP, XDP_PASS, XDP_DROP, XDP_PASS, XDP_DROP, XDP_PASS, XDP_DROP, XDP_PASS, XDP_PASS]);
  const c1 = counts(ns, V1);
  assert.equal(c1, { 10: '0/2', 12: '0/1', 13: '0/1', 57: '0/1', 99: '1/0', 20: '1/0' });

  const refused = ns.exec('bpftool', ['prog', 'load', V2, '/sys/fs/bpf/fw2_prog']);
  assert.is.not(refused.status, 0, 'libbpf does not load v2 on the v1 pins');

  cli(ns, 'migrate', V1, V2);
  ns.bpftool('prog', 'load', V2, '/sys/fs/bpf/fw2_prog');
  assert.equal(counts(ns, V2), c1, 'counters kept');
  const after = packets.map(([, p]) => ns.run(p, '/sys/fs/bpf/fw2_prog'));
  assert.equal(after, before);
  const doubled = Object.fromEntries(Object.entries(c1).map(([k, v]) => [k, v.split('/').map((n) => String(Number(n) * 2)).join('/')]));
  assert.equal(counts(ns, V2), doubled, 'the v2 program counts on from the migrated values');
}, { load: V1, cli: true }));
V.run();
