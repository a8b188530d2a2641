/**
 * BpfObject through the public API (src/index.ts), as its users call it: open an object, pick a map
 * by name, open it live under a pin root, use it. The inputs are the ones the generated types allow
 * (test/gen-ts.test.ts compiles the same shapes): CIDR text, an interface name, index maps, decimal
 * and 0x text, one value per CPU.
 */
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BpfObject, createMaps, loadObjectFile, possibleCpus } from '../src/index.js';
import { suite } from './helpers/skip.js';
import { kernel, withPinDir } from './helpers/kernel.js';

const root = new URL('..', import.meta.url).pathname;
const FW = join(root, 'fixtures/firewall.bpfel.o');
const TABLE = 'ingress_node_firewall_table_map';
const STATS = 'ingress_node_firewall_statistics_map';
const code = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const bpftool = (...args: string[]) => JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

const Open = suite('BpfObject.open');
Open('reads the object: the same schema as loadObjectFile, and its maps by name', async () => {
  const fw = await BpfObject.open(FW);
  assert.equal(fw.schema, loadObjectFile(FW).schema);
  assert.equal(fw.mapNames, [TABLE, STATS, 'ingress_node_firewall_events_map', '.rodata']);
  const m = fw.map(TABLE);
  assert.is(m.name, TABLE);
  assert.is(m.schema.type, 'lpm_trie');
  assert.is(m.byteOrder, 'little');
  assert.equal(BpfObject.load(readFileSync(FW), 'firewall.bpfel.o').schema, fw.schema);
});
Open('an unknown map name lists the maps; a missing file is an IO error', async () => {
  const fw = await BpfObject.open(FW);
  assert.is(code(() => fw.map('rules')),
    `MAP_NOT_FOUND: map 'rules' is not in firewall.bpfel.o; maps are ${TABLE}, ${STATS}, ingress_node_firewall_events_map, .rodata`);
  let err = '';
  try { await BpfObject.open(join(root, 'fixtures/nope.o')); } catch (e) { err = `${(e as { code: string }).code}: ${(e as Error).message}`; }
  assert.match(err, /^IO: .*nope\.o: cannot read the object file \(ENOENT\)/);
});
Open.run();

const Live = suite('BpfObject.map().open (kernel)');
Live('the issue\'s example on a real pinned map: update, lookup, entries, delete; bpftool sees the entry', kernel(() => withPinDir(async (dir) => {
  const fw = await BpfObject.open(FW);
  createMaps(fw, { pinRoot: dir, names: [TABLE, STATS] });
  const rules = fw.map(TABLE).open({ pinRoot: dir });
  try {
    rules.update({ ingress_ifindex: 2, ip_data: '198.18.0.0/24' }, { rules: [{ ruleId: 1, action: 2 }] });
    rules.update({ ingress_ifindex: 'lo', ip_data: [198, 18, 1, 0], prefixLen: 56 }, { rules: { 5: { ruleId: '7', protocol: 6, dstPortStart: 0x50, dstPortEnd: '0x51' } } });
    const v = rules.lookup({ ingress_ifindex: 2, ip_data: '198.18.0.9' }) as { rules: { ruleId: number; action: number }[] };
    assert.equal([v.rules.length, v.rules[0]!.ruleId, v.rules[0]!.action, v.rules[1]!.ruleId], [100, 1, 2, 0]);
    const keys = [...rules.entries()].map((e) => e.key as { prefixLen: number; ingress_ifindex: number; ip_data: number[] });
    assert.equal(keys.map((k) => [k.prefixLen, k.ingress_ifindex, k.ip_data.slice(0, 4).join('.')]).sort(), [[56, 1, '198.18.1.0'], [56, 2, '198.18.0.0']]);
    const dump = bpftool('map', 'dump', 'pinned', join(dir, TABLE)) as { formatted: { key: { ingress_ifindex: number }; value: { rules: { ruleId: number; dstPortEnd: number }[] } } }[];
    const lo = dump.find((e) => e.formatted.key.ingress_ifindex === 1)!;
    assert.equal([lo.formatted.value.rules[5]!.ruleId, lo.formatted.value.rules[5]!.dstPortEnd], [7, 0x51]);
    rules.delete({ ingress_ifindex: 2, ip_data: '198.18.0.0/24' });
    assert.is([...rules.entries()].length, 1);
  } finally {
    rules.close();
  }
  const stats = fw.map(STATS).open({ pinRoot: dir });
  try {
    const n = possibleCpus();
    stats.update(0, Array.from({ length: n }, (_, i) => ({ allow_stats: { packets: BigInt(i + 1) }, deny_stats: { bytes: '5' } })));
    const perCpu = stats.lookup(0) as { allow_stats: { packets: bigint } }[];
    assert.equal(perCpu.map((v) => v.allow_stats.packets), Array.from({ length: n }, (_, i) => BigInt(i + 1)));
    const sum = stats.lookup(0, { sum: true }) as { allow_stats: { packets: bigint }; deny_stats: { bytes: bigint } };
    assert.equal([sum.allow_stats.packets, sum.deny_stats.bytes], [BigInt((n * (n + 1)) / 2), 5n * BigInt(n)]);
  } finally {
    stats.close();
  }
})));
Live('open() checks the live map against the object: a map of another shape is refused', kernel(() => withPinDir(async (dir) => {
  const fw = await BpfObject.open(FW);
  const v2 = await BpfObject.open(join(root, 'fixtures/firewall-v2.bpfel.o'));
  createMaps(v2, { pinRoot: dir, names: [TABLE] });
  assert.match(code(() => fw.map(TABLE).open({ pinRoot: dir })), /^MAP_INCOMPATIBLE: map '.*ingress_node_firewall_table_map': does not match 'ingress_node_firewall_table_map' of the object/);
  assert.match(code(() => fw.map(STATS).open({ pinRoot: dir })), /^NOT_FOUND: '.*\/ingress_node_firewall_statistics_map': no such entry \(ENOENT\)/);
})));
Live.run();
