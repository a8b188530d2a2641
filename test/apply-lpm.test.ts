/**
 * apply compares LPM trie keys by prefix only (host bits do not count, as in the kernel): two keys of
 * one state naming the same prefix are a duplicate, and a key with host bits settles: a second apply
 * writes nothing (counted by apply's own statistics and by strace on the real CLI).
 */
import { suite, skip } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCalls } from '../src/apply/index.js';
import { loadObjectFile, applyState, DesiredState, readStateDocument } from '../src/index.js';
import { bpfmap, BIN, FW, TABLE } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';

const o = loadObjectFile(FW).schema;
const DROP = { rules: [{ ruleId: 1, protocol: 1, icmpType: 8, action: 1 }] };
const PASS = { rules: [{ ruleId: 1, protocol: 1, icmpType: 8, action: 2 }] };
const doc = (entries: { key: object; value: object }[], prune = false) => ({ maps: { [TABLE]: { prune, entries } } });
const key = (ip: string) => ({ ingress_ifindex: 1, ip_data: ip });

function apply(d: unknown, dir: string) {
  const st = new DesiredState(o, 'state.yaml');
  readStateDocument(d, st);
  return applyState(st, { pinRoot: dir });
}
const code = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };

/** The trie as bpftool reads it: hex key -> action of rule 0 (value byte 11). */
function trie(pin: string): Record<string, number> {
  const raw = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
  return Object.fromEntries(raw.map((e) => [e.key.map((x) => x.replace(/^0x/, '').padStart(2, '0')).join(''), parseInt(e.value[11]!, 16)]));
}
const K1611 = '30000000' + '01000000' + '0a140101' + '00'.repeat(12); // 10.20.1.1/16 on ifindex 1: host bits kept

const Id = suite('apply: LPM identity is the prefix (kernel)');
Id('a key with host bits settles: the second apply, and one naming the prefix without host bits, write nothing', kernel(() => withPinDir((dir) => {
  assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
  const pin = join(dir, TABLE);
  const first = apply(doc([{ key: key('10.20.1.1/16'), value: DROP }]), dir);
  assert.equal([first.maps[0]!.added, writeCalls(first.stats)], [1, 1]);
  assert.equal(trie(pin), { [K1611]: 1 }, 'bytes kept as given');
  for (const ip of ['10.20.1.1/16', '10.20.0.0/16', '10.20.255.9/16']) {
    const again = apply(doc([{ key: key(ip), value: DROP }], true), dir);
    assert.equal({ ...again.maps[0]!, w: writeCalls(again.stats) }, { map: TABLE, added: 0, changed: 0, deleted: 0, unchanged: 1, kept: 0, prune: true, w: 0 }, ip);
  }
  // A different value under the same prefix is one change, then settled again.
  const changed = apply(doc([{ key: key('10.20.0.0/16'), value: PASS }]), dir);
  assert.equal([changed.maps[0]!.changed, changed.maps[0]!.added, writeCalls(changed.stats)], [1, 0, 1]);
  assert.equal(Object.values(trie(pin)), [2], 'still one entry, now pass');
  const settled = apply(doc([{ key: key('10.20.0.0/16'), value: PASS }]), dir);
  assert.equal([settled.maps[0]!.unchanged, writeCalls(settled.stats)], [1, 0]);
  // Other prefixes still differ: /24 of the same address, another ifindex.
  const more = apply(doc([{ key: key('10.20.1.1/24'), value: DROP }, { key: { ingress_ifindex: 2, ip_data: '10.20.1.1/16' }, value: DROP }]), dir);
  assert.equal([more.maps[0]!.added, more.maps[0]!.kept], [2, 1]);
})));
Id('two keys of one state naming the same prefix are a duplicate naming both; nothing is written (no flip between drop and pass)', kernel(() => withPinDir((dir) => {
  assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
  const pin = join(dir, TABLE);
  const d = doc([{ key: key('10.20.0.0/16'), value: PASS }, { key: { ingress_ifindex: 2, ip_data: '10.20.0.0/16' }, value: PASS }, { key: key('10.20.1.1/16'), value: DROP }]);
  const want = 'VALUE_INVALID: state.yaml: maps.ingress_node_firewall_table_map.entries[2]: key: {"prefixLen":48,"ingress_ifindex":1,"ip_data":"10.20.1.1/16"} names the same prefix as ' +
    '{"prefixLen":48,"ingress_ifindex":1,"ip_data":"10.20.0.0/16"} of maps.ingress_node_firewall_table_map.entries[0] (bits past the prefix length do not count: the kernel holds one entry for both); each prefix may appear once';
  assert.is(code(() => apply(d, dir)), want);
  assert.equal(trie(pin), {});
  // Exact duplicates keep their message; the same address with different prefixes is no duplicate.
  assert.match(code(() => apply(doc([{ key: key('10.20.0.0/16'), value: PASS }, { key: key('10.20.0.0/16'), value: DROP }]), dir)),
    /entries\[1\]: key: .* names the same prefix as .* of maps\.\w+\.entries\[0\]/);
  const r = apply(doc([{ key: key('10.20.0.0/16'), value: PASS }, { key: key('10.20.0.0/17'), value: DROP }]), dir);
  assert.is(r.maps[0]!.added, 2);
})));
Id.run();

/** Update syscalls (single and batch) in an strace log of bpf(). */
function updates(log: string): number {
  return readFileSync(log, 'utf8').split('\n').filter((l) => /bpf\(BPF_MAP_(UPDATE_ELEM|UPDATE_BATCH|DELETE_ELEM|DELETE_BATCH)/.test(l)).length;
}
function haveStrace(): boolean {
  return spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
}

const Cli = suite('bpfmap apply on an LPM trie under strace (kernel)');
Cli('an entry another writer stored with host bits, and a state naming its prefix: both applies make 0 update syscalls', kernel(() => withPinDir((dir) => {
  if (!haveStrace()) return skip('strace is not installed');
  assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
  const rule = (ip: string, id: number, action: number) => ['update', FW, TABLE, '--pin-root', dir, '--key', `{ingress_ifindex: 1, ip_data: ${ip}}`,
    '--value', `{rules: {0: {ruleId: ${id}, protocol: 1, icmpType: 8, action: ${action}}}}`];
  // Another writer (as the reference daemon does) keeps host bits in the stored keys.
  for (const args of [rule('10.20.1.1/16', 1, 1), rule('198.18.7.9/24', 2, 2)]) assert.is(bpfmap(args).code, 0);
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-lpm-apply-'));
  try {
    const state = join(tmp, 'state.yaml');
    writeFileSync(state, `maps:
  ${TABLE}:
    prune: true
    entries:
      - key: {ingress_ifindex: 1, ip_data: 10.20.0.0/16}
        value: {rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}}}
      - key: {ingress_ifindex: 1, ip_data: 198.18.7.0/24}
        value: {rules: {0: {ruleId: 2, protocol: 1, icmpType: 8, action: 2}}}
`);
    const run = (n: number): number => {
      const log = join(tmp, `strace-${n}.log`);
      const r = spawnSync('strace', ['-f', '-e', 'trace=bpf', '-o', log, process.execPath, BIN, 'apply', FW, '-f', state, '--pin-root', dir, '--json'], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.ok(readFileSync(log, 'utf8').includes('BPF_MAP_GET_NEXT_KEY') || readFileSync(log, 'utf8').includes('BPF_MAP_LOOKUP_BATCH'), 'strace saw the map being read');
      return updates(log);
    };
    assert.is(run(1), 0, 'the first apply writes nothing: the trie already holds both prefixes with these values');
    assert.is(run(2), 0, 'the second apply writes nothing');
    assert.equal(trie(join(dir, TABLE)), { [K1611]: 1, ['38000000' + '01000000' + 'c6120709' + '00'.repeat(12)]: 2 }, 'the stored bytes are untouched');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Cli.run();
