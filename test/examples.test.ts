// examples/sync-rules.ts: its rule file parsing, and the program itself run as a user runs it, against
// the loaded firewall in a private bpffs (by-name pin path) and against a map bpftool creates
// (--pin-root). The map contents are read back with `bpftool -j map dump` and compared with bytes
// written out by hand here.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRuleFile } from '../examples/sync-rules.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { withPrivateBpffs, FIREWALL, ROOT, TABLE, XDP_DROP, XDP_PASS, type PrivateBpffs, type RunResult } from './helpers/private-bpffs.js';
import { icmpEcho, tcpSyn } from './helpers/packets.js';
import { lpmKey as lpmKeyBytes, rulesValue as rulesValueBytes, hex, type Rule } from './helpers/firewall-bytes.js';

const EXAMPLE = join(ROOT, 'examples/sync-rules.ts');
const RULES = join(ROOT, 'examples/rules.yaml');

// ---------------------------------------------------------------------------------------------
// The firewall's bytes, by hand (little endian)

const lpmKey = (addr: string, bits: number, ifindex: number): string => hex(lpmKeyBytes(addr, bits, ifindex));
const rulesValue = (rules: Rule[]): string => hex(rulesValueBytes(rules));

/** What examples/rules.yaml says, as key hex -> value hex. */
const EXPECTED: Record<string, string> = {
  [lpmKey('198.18.0.0', 24, 1)]: rulesValue([
    { ruleId: 1, protocol: 1, icmpType: 8, action: 1 },
    { ruleId: 2, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1 },
    { ruleId: 3, protocol: 17, dstPortStart: 53, action: 2 },
  ]),
  [lpmKey('198.18.0.9', 32, 1)]: rulesValue([{ ruleId: 4, protocol: 0, action: 2 }]),
  [lpmKey('2001:db8::', 64, 1)]: rulesValue([
    { ruleId: 5, protocol: 58, icmpType: 128, action: 1 },
    { ruleId: 6, protocol: 6, dstPortStart: 443, action: 2 },
  ]),
};

/** `bpftool -j map dump` as key hex -> value hex. */
function dumpHex(out: string): Record<string, string> {
  const rows = JSON.parse(out) as { key: string[]; value: string[] }[];
  const hex = (a: string[]) => a.map((h) => h.replace(/^0x/, '')).join('');
  return Object.fromEntries(rows.map((r) => [hex(r.key), hex(r.value)]));
}

function sorted(r: RunResult): string[] {
  return r.stdout.trim().split('\n').sort();
}

// ---------------------------------------------------------------------------------------------

const P = suite('parseRuleFile');

P('turns protocol and action names into numbers and keys into {ingress_ifindex, ip_data}', () => {
  const t = parseRuleFile(readFileSync(RULES, 'utf8'), 'rules.yaml');
  assert.equal(t.map((x) => x.label), ['ifindex 1 198.18.0.0/24', 'ifindex 1 198.18.0.9/32', 'ifindex 1 2001:db8::/64']);
  assert.equal(t[0]!.key, { ingress_ifindex: 1, ip_data: '198.18.0.0/24' });
  assert.equal(t[0]!.value.rules[1], { ruleId: 2, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1 });
  assert.equal(t[1]!.value.rules, [{ ruleId: 4, protocol: 0, action: 2 }]);
  const cases: [string, number, number][] = [['any', 0, 1], ['icmp', 1, 1], ['tcp', 6, 2], ['udp', 17, 2], ['sctp', 132, 1], ['icmpv6', 58, 1], ['47', 47, 2]];
  for (const [name, proto, action] of cases) {
    const doc = `[{ifindex: 3, cidr: 10.0.0.0/8, rules: [{ruleId: 1, protocol: ${name}, action: ${action === 1 ? 'deny' : 'allow'}}]}]`;
    assert.equal(parseRuleFile(doc, 'x').at(0)!.value.rules[0], { ruleId: 1, protocol: proto, action }, name);
  }
  assert.equal(parseRuleFile('[{ifindex: 3, cidr: 10.0.0.0/8, rules: [{ruleId: 1, action: 1}]}]', 'x')[0]!.value.rules[0], { ruleId: 1, protocol: 0, action: 1 }, 'no protocol: any');
});

P('refuses malformed files, naming the place', () => {
  const bad: [string, RegExp][] = [
    ['{ifindex: 1}', /^f: expected a list of \{ifindex, cidr, rules\}/],
    ['[7]', /^f\[0\]: expected \{ifindex, cidr, rules\}, got 7/],
    ['[{ifindex: 1, cidr: 10.0.0.0/8, rules: [], color: red}]', /^f\[0\]: unknown field 'color'/],
    ['[{ifindex: 1, rules: []}]', /^f\[0\]\.cidr: expected a CIDR/],
    ['[{ifindex: 1, cidr: 10.0.0.0/8, rules: {a: 1}}]', /^f\[0\]\.rules: expected a list of rules/],
    ['[{ifindex: 1, cidr: 10.0.0.0/8, rules: [{ruleId: 1, protocol: gre, action: deny}]}]', /^f\[0\]\.rules\[0\]\.protocol: expected any, icmp, tcp, udp, sctp, icmpv6 or a number, got 'gre'/],
    ['[{ifindex: 1, cidr: 10.0.0.0/8, rules: [{ruleId: 1, action: reject}]}]', /^f\[0\]\.rules\[0\]\.action: expected deny, allow or a number, got 'reject'/],
    ['[{ifindex: 1, cidr: 10.0.0.0/8, rules: [{ruleId: 1, action: deny, port: 80}]}]', /^f\[0\]\.rules\[0\]: unknown field 'port'/],
  ];
  for (const [doc, message] of bad) assert.throws(() => parseRuleFile(doc, 'f'), message, doc);
});

P.run();

// ---------------------------------------------------------------------------------------------

const S = suite('examples/sync-rules.ts');

function syncIn(ns: PrivateBpffs, ...args: string[]): RunResult {
  return ns.exec(process.execPath, ['--import', 'tsx', EXAMPLE, 'fixtures/firewall.bpfel.o', ...args]);
}

S('syncs examples/rules.yaml into the loaded firewall: adds, replaces, deletes, then changes nothing; packets obey it', withPrivateBpffs((ns) => {
  // Before: a stale CIDR, and a listed CIDR with other rules (written with bpftool, not bpfmap).
  const stale = lpmKey('198.18.5.0', 24, 1);
  const hexArgs = (h: string) => h.match(/../g)!;
  ns.bpftool('map', 'update', 'pinned', TABLE, 'key', 'hex', ...hexArgs(stale), 'value', 'hex', ...hexArgs(rulesValue([{ ruleId: 9, action: 1 }])));
  const dot9 = lpmKey('198.18.0.9', 32, 1);
  ns.bpftool('map', 'update', 'pinned', TABLE, 'key', 'hex', ...hexArgs(dot9), 'value', 'hex', ...hexArgs(rulesValue([{ ruleId: 4, action: 1 }])));
  assert.is(ns.run(tcpSyn('198.18.0.9', '198.18.0.1', 22)), XDP_DROP, 'before: .9 dropped by the old rule');

  const dry = syncIn(ns, RULES, '--dry-run');
  assert.is(dry.stderr, '');
  assert.is(dry.status, 0);
  assert.equal(sorted(dry), [
    'ingress_node_firewall_table_map: 2 added, 1 updated, 1 deleted, 0 unchanged',
    'would add     ifindex 1 198.18.0.0/24',
    'would add     ifindex 1 2001:db8::/64',
    'would delete  ifindex 1 198.18.5.0/24',
    'would update  ifindex 1 198.18.0.9/32',
  ]);
  assert.is(Object.keys(dumpHex(ns.bpftool('-j', 'map', 'dump', 'pinned', TABLE))).length, 2, '--dry-run changes nothing');

  const r = syncIn(ns, RULES);
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
  assert.equal(sorted(r), [
    'add     ifindex 1 198.18.0.0/24',
    'add     ifindex 1 2001:db8::/64',
    'delete  ifindex 1 198.18.5.0/24',
    'ingress_node_firewall_table_map: 2 added, 1 updated, 1 deleted, 0 unchanged',
    'update  ifindex 1 198.18.0.9/32',
  ]);
  assert.equal(dumpHex(ns.bpftool('-j', 'map', 'dump', 'pinned', TABLE)), EXPECTED, 'the map holds exactly the file');

  const again = syncIn(ns, RULES);
  assert.is(again.stdout, 'ingress_node_firewall_table_map: 0 added, 0 updated, 0 deleted, 3 unchanged\n', 'second run');

  const cases: [string, Uint8Array, number][] = [
    ['icmp echo from the /24', icmpEcho('198.18.0.2', '198.18.0.1'), XDP_DROP],
    ['tcp 85 from the /24', tcpSyn('198.18.0.2', '198.18.0.1', 85), XDP_DROP],
    ['tcp 22 from .9 now passes', tcpSyn('198.18.0.9', '198.18.0.1', 22), XDP_PASS],
    ['icmp echo from the deleted 198.18.5.0/24', icmpEcho('198.18.5.2', '198.18.0.1'), XDP_PASS],
    ['icmpv6 echo from the /64', icmpEcho('2001:db8::2', '2001:db8::1'), XDP_DROP],
  ];
  for (const [name, frame, verdict] of cases) assert.is(ns.run(frame), verdict, name);
}, { load: FIREWALL }));

S('a bad rule anywhere stops the sync before the map changes', withPrivateBpffs((ns) => {
  const file = join(ns.tmp, 'bad.yaml');
  const text = readFileSync(RULES, 'utf8') + '- {ifindex: 1, cidr: 198.18.1.0/24, rules: [{ruleId: 7, protocol: tcp, dstPortStart: 70000, action: deny}]}\n';
  writeFileSync(file, text);
  const r = syncIn(ns, file);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^sync-rules: ifindex 1 198\.18\.1\.0\/24: value\.rules\[0\]\.dstPortStart: expected u16 0\.\.65535, got 70000/);
  assert.is(r.stdout, '');
  assert.equal(dumpHex(ns.bpftool('-j', 'map', 'dump', 'pinned', TABLE)), {}, 'nothing written');
}, { load: FIREWALL }));

S('syncs into a map bpftool created, opened with --pin-root', kernel(async () => {
  await withPinDir((dir) => {
    const pin = join(dir, 'ingress_node_firewall_table_map');
    const tool = spawnSync('bpftool', ['map', 'create', pin, 'type', 'lpm_trie', 'key', '24', 'value', '1200', 'entries', '1024', 'name', 'ingress_node_fi', 'flags', '1'], { encoding: 'utf8' });
    assert.is(tool.status, 0, tool.stderr);
    const r = spawnSync(process.execPath, ['--import', 'tsx', EXAMPLE, join(ROOT, 'fixtures/firewall.bpfel.o'), RULES, '--pin-root', dir], { encoding: 'utf8', cwd: ROOT });
    assert.is(r.stderr, '');
    assert.is(r.status, 0);
    assert.match(r.stdout, /3 added, 0 updated, 0 deleted, 0 unchanged\n$/);
    const dump = spawnSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' });
    assert.equal(dumpHex(dump.stdout), EXPECTED);
  });
}));

S.run();
