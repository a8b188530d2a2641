// The firewall on a real network path: two network namespaces joined by a veth pair, the XDP program
// attached to the receiving end, rules written with the bpfmap CLI, real pings. The program and its
// pins live in a private bpffs; the namespaces, the veth pair and the namespace holder are removed in
// finally blocks, also when an assertion fails.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withPrivateBpffs, FIREWALL, PROG, type PrivateBpffs } from './helpers/private-bpffs.js';
import { VethPair } from './helpers/netns.js';

const OBJ = 'fixtures/firewall.bpfel.o';
const TABLE = 'ingress_node_firewall_table_map';
const STATS = 'ingress_node_firewall_statistics_map';
/** An echo request of ping's default 56 data bytes: Ethernet 14 + IPv4 20 + ICMP 8 + 56. */
const PING_FRAME = 14 + 20 + 8 + 56;

interface Counts { allowPackets: number; allowBytes: number; denyPackets: number; denyBytes: number }

function cli(ns: PrivateBpffs, ...args: string[]): string {
  const r = ns.bpfmap(...args);
  assert.is(r.stderr, '', `bpfmap ${args.join(' ')}: stderr`);
  assert.is(r.status, 0, `bpfmap ${args.join(' ')}: exit status`);
  return r.stdout;
}

/** Rule ids with a non-zero counter, from `bpfmap dump ... statistics --sum --json`. */
function countsByRule(ns: PrivateBpffs): Record<number, Counts> {
  const rows = JSON.parse(cli(ns, 'dump', OBJ, STATS, '--sum', '--json')) as {
    key: number; value: { allow_stats: { packets: number; bytes: number }; deny_stats: { packets: number; bytes: number } };
  }[];
  const out: Record<number, Counts> = {};
  for (const { key, value: v } of rows) {
    const c = { allowPackets: Number(v.allow_stats.packets), allowBytes: Number(v.allow_stats.bytes), denyPackets: Number(v.deny_stats.packets), denyBytes: Number(v.deny_stats.bytes) };
    if (c.allowPackets || c.allowBytes || c.denyPackets || c.denyBytes) out[key] = c;
  }
  return out;
}

const L = suite('ping through the XDP firewall');

L('bpfmap deny rule drops pings, action 2 and delete restore them, dump --sum counts every echo request', withPrivateBpffs((ns) => {
  let pair: VethPair | undefined;
  try {
    pair = VethPair.create();
    const { a: sender, b: receiver } = pair;
    ns.check('ip', ['link', 'set', 'dev', receiver.dev, 'xdp', 'pinned', PROG], [VethPair.netArg(receiver)]);
    assert.ok(pair.xdpProgId(receiver) !== undefined, 'program attached to the receiving end');
    const ifindex = pair.ifindex(receiver);

    const ping = (): number => {
      const r = pair!.ping(sender, receiver.addr);
      assert.is(r.transmitted, 3, 'echo requests sent');
      return r.received;
    };
    assert.is(ping(), 3, 'no rule: pings pass');

    // A rule for another interface (same sender /32) never applies to this one.
    cli(ns, 'update', OBJ, TABLE, '--key', `{ingress_ifindex: ${ifindex + 1}, ip_data: ${sender.addr}/32}`,
      '--value', '{rules: {0: {ruleId: 2, protocol: 0, action: 1}}}');
    assert.is(ping(), 3, 'a deny rule for another ifindex: pings pass');

    const key = `{ingress_ifindex: ${ifindex}, ip_data: 198.18.0.0/24}`;
    cli(ns, 'update', OBJ, TABLE, '--key', key, '--value', '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, icmpCode: 0, action: 1}}}');
    assert.is(ping(), 0, 'deny rule for the sender\'s /24: pings dropped');
    assert.equal(countsByRule(ns), { 1: { allowPackets: 0, allowBytes: 0, denyPackets: 3, denyBytes: 3 * PING_FRAME } }, 'after the denied pings');

    cli(ns, 'update', OBJ, TABLE, '--key', key, '--value', '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, icmpCode: 0, action: 2}}}');
    assert.is(ping(), 3, 'action 2: pings pass');

    cli(ns, 'delete', OBJ, TABLE, '--key', key);
    const left = JSON.parse(cli(ns, 'dump', OBJ, TABLE, '--json')) as { key: { ingress_ifindex: number } }[];
    assert.equal(left.map((e) => e.key.ingress_ifindex), [ifindex + 1], 'only the other interface\'s rule is left');
    assert.is(ping(), 3, 'after delete: pings pass');

    // 3 denied, 3 allowed by rule 1; rule 2 (other interface) and the unmatched pings count nothing.
    assert.equal(countsByRule(ns), {
      1: { allowPackets: 3, allowBytes: 3 * PING_FRAME, denyPackets: 3, denyBytes: 3 * PING_FRAME },
    }, 'dump --sum');
  } finally {
    pair?.destroy();
  }
  assert.equal(pair.leftovers(), [], 'namespaces and veth pair removed');
}, { load: FIREWALL, cli: true, tools: ['ip', 'ping'] }));

L.run();
