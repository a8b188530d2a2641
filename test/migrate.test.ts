/**
 * migrateMaps on real kernel maps: the firewall v1 maps with 10,000 rules and per-CPU counters moved to
 * the v2 layout field by field, checked against the v1 values; rollback restores v1 byte-identical
 * (bpftool dump); a lossy downgrade is refused naming the entry; defaults; the CLI.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perCpuStride } from '../src/syscall/cpus.js';
import { BIN, bpfmap, ROOT, TABLE, STATS } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { lpmKey, rulesValue } from './helpers/firewall-bytes.js';
import { loadObjectFile, createMaps, openMap, commitMigration, migrateMaps, rollbackMigration, possibleCpus } from '../src/index.js';

const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const FW2 = join(ROOT, 'fixtures/firewall-v2.bpfel.o');
const v1 = loadObjectFile(FW);
const v2 = loadObjectFile(FW2);
const map1 = (n: string) => v1.schema.maps.find((m) => m.name === n)!;
const map2 = (n: string) => v2.schema.maps.find((m) => m.name === n)!;
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const bpftoolDump = (pin: string): string => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8', maxBuffer: 1 << 30 });
const TARGETS = 100, RULES = 100; // 10,000 rules

/** v1 maps under dir: 100 targets x 100 rules, and distinct per-CPU counters for rule ids 0..1023. */
function fillV1(dir: string): void {
  createMaps(v1, { pinRoot: dir });
  const t = openMap({ map: map1(TABLE), pinRoot: dir, byteOrder: 'little' });
  try {
    for (let k = 0; k < TARGETS; k++) {
      const rules = Array.from({ length: RULES }, (_, i) => ({
        ruleId: k * RULES + i + 1, protocol: [6, 17, 1, 132][i % 4]!, dstPortStart: 1000 + i, dstPortEnd: i % 3 === 0 ? 0 : 2000 + i,
        icmpType: i % 4 === 2 ? 8 : 0, icmpCode: 0, action: 1 + (i % 2),
      }));
      t.updateRaw(lpmKey(`10.${k}.0.0`, 16, 1 + (k % 3)), rulesValue(rules));
    }
  } finally { t.close(); }
  const s = openMap({ map: map1(STATS), pinRoot: dir, byteOrder: 'little' });
  try {
    const cpus = possibleCpus(), stride = perCpuStride(32);
    for (let id = 0; id < 1024; id++) {
      const b = Buffer.alloc(stride * cpus);
      for (let c = 0; c < cpus; c++) for (let f = 0; f < 4; f++) b.writeBigUInt64LE(BigInt(id * 1000 + c * 100 + f) + (f === 3 ? 1n << 40n : 0n), c * stride + f * 8);
      s.updateRaw(Buffer.from(new Uint32Array([id]).buffer), b);
    }
  } finally { s.close(); }
}

/** Every entry typed, keyed by the key's JSON. */
function typed(dir: string, schema: ReturnType<typeof map1>): Map<string, unknown> {
  const m = openMap({ map: schema, pinRoot: dir, byteOrder: 'little' });
  try {
    return new Map([...m.entries({ compact: false } as never)].map((e) => [JSON.stringify(e.key), e.value]));
  } finally { m.close(); }
}

const M = suite('migrateMaps (kernel)');

M('v1 -> v2 with 10,000 rules and per-CPU counters: every field by name, new ones 0; rollback restores v1 byte-identical', kernel(() => withPinDir((dir) => {
  fillV1(dir);
  const beforeTable = bpftoolDump(join(dir, TABLE)), beforeStats = bpftoolDump(join(dir, STATS));
  const oldRules = typed(dir, map1(TABLE)), oldStats = typed(dir, map1(STATS));
  const r = migrateMaps(v1, v2, { pinRoot: dir });
  assert.equal(r.map((x) => [x.name, x.status, x.entries]), [[TABLE, 'migrated', TARGETS], [STATS, 'migrated', 1024], ['ingress_node_firewall_events_map', 'unchanged', 0], ['.rodata', 'unchanged', 0]]);
  assert.equal(r[0]!.added, ['value.rules[].priority']);
  assert.ok(r[0]!.newId !== r[0]!.oldId);
  assert.ok(existsSync(join(dir, `${TABLE}_old`)) && existsSync(join(dir, `${STATS}_old`)));
  const newRules = typed(dir, map2(TABLE));
  assert.is(newRules.size, TARGETS);
  let checked = 0;
  for (const [k, v] of oldRules) {
    const o = (v as { rules: Record<string, unknown>[] }).rules, n = (newRules.get(k) as { rules: Record<string, unknown>[] }).rules;
    assert.is(n.length, 128);
    for (let i = 0; i < 128; i++) {
      const want = i < 100 ? { ...o[i]!, priority: 0 } : { ruleId: 0, action: 0, protocol: 0, dstPortStart: 0, dstPortEnd: 0, icmpType: 0, icmpCode: 0, priority: 0 };
      assert.equal(n[i], { ruleId: want.ruleId, action: want.action, protocol: want.protocol, dstPortStart: want.dstPortStart, dstPortEnd: want.dstPortEnd, icmpType: want.icmpType, icmpCode: want.icmpCode, priority: want.priority }, `${k} rules[${i}]`);
      if (i < 100) checked++;
    }
  }
  assert.is(checked, 10_000);
  const newStats = typed(dir, map2(STATS));
  for (const [k, v] of oldStats) {
    const want = (v as Record<string, unknown>[]).map((c) => ({ ...c, events: 0n }));
    assert.equal(newStats.get(k), want, `stats ${k}`);
  }
  // the old maps are the ones under _old, untouched
  assert.is(bpftoolDump(join(dir, `${TABLE}_old`)), beforeTable);
  const back = rollbackMigration(v2, { pinRoot: dir });
  assert.equal(back.map((x) => x.done), [true, true, false, false]);
  assert.is(bpftoolDump(join(dir, TABLE)), beforeTable);
  assert.is(bpftoolDump(join(dir, STATS)), beforeStats);
  assert.is(openMap({ map: map1(TABLE), pinRoot: dir }).info.id, r[0]!.oldId);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('_old') || n.startsWith('bpfmap_migrate_')), []);
})));

M('commit removes the _old pins; a second migration while _old exists is refused', kernel(() => withPinDir((dir) => {
  createMaps(v1, { pinRoot: dir });
  migrateMaps(v1, v2, { pinRoot: dir });
  assert.match(err(() => migrateMaps(v2, v1, { pinRoot: dir })), /^USAGE: map '.*ingress_node_firewall_table_map': .*_old exists: a migration is waiting for commit or rollback; nothing was changed/);
  assert.equal(commitMigration(v2, { pinRoot: dir }).map((x) => x.done), [true, true, false, false]);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('_old')), []);
  // already the new layout: nothing to do
  assert.equal(migrateMaps(v1, v2, { pinRoot: dir }).map((x) => x.verdict), ['already-new', 'already-new', 'identical', 'identical']);
})));

M('a lossy downgrade (a rule in slot 120) is refused naming the entry and field; nothing changes; allowLossy reports it', kernel(() => withPinDir((dir) => {
  createMaps(v2, { pinRoot: dir });
  const t = openMap({ map: map2(TABLE), pinRoot: dir, byteOrder: 'little' });
  const id = t.info.id;
  try {
    t.update({ ingress_ifindex: 7, ip_data: '192.168.0.0/16' }, { rules: { 3: { ruleId: 4, action: 1 }, 120: { ruleId: 121, action: 2, priority: 9 } } });
  } finally { t.close(); }
  const msg = err(() => migrateMaps(v2, v1, { pinRoot: dir }));
  assert.match(msg, /^VALUE_RANGE: map '.*ingress_node_firewall_table_map': 1 value would not fit the new layout: key 3000000007000000c0a80000[0-9a-f]+: value\.rules\[120\]: element in use, dropped \(the new array has 100 elements\); nothing was changed/);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('_old') || n.startsWith('bpfmap_migrate_')), []);
  assert.is(openMap({ map: map2(TABLE), pinRoot: dir }).info.id, id);
  const r = migrateMaps(v2, v1, { pinRoot: dir, allowLossy: true });
  assert.equal(r[0]!.losses.map((l) => l.path), ['value.rules[120]']);
  assert.equal(r[0]!.dropped, ['value.rules[].priority']);
  const m = openMap({ map: map1(TABLE), pinRoot: dir, byteOrder: 'little' });
  try {
    const v = m.lookup({ ingress_ifindex: 7, ip_data: '192.168.0.0/16' }) as { rules: Record<string, { ruleId: number }> };
    assert.equal(Object.entries(v.rules).filter(([, x]) => x.ruleId !== 0).map(([i, x]) => [i, x.ruleId]), [['3', 4]]);
  } finally { m.close(); }
})));

M('defaults fill the added fields; an unknown default is refused', kernel(() => withPinDir((dir) => {
  createMaps(v1, { pinRoot: dir });
  const t = openMap({ map: map1(TABLE), pinRoot: dir, byteOrder: 'little' });
  try { t.update({ ingress_ifindex: 1, ip_data: '10.0.0.0/8' }, { rules: { 0: { ruleId: 1, action: 1 } } }); } finally { t.close(); }
  assert.match(err(() => migrateMaps(v1, v2, { pinRoot: dir, defaults: { [TABLE]: { 'rules[].nope': 1n } } })), /^USAGE: defaults: ingress_node_firewall_table_map: 'rules\[\]\.nope' is not a field the new layout adds/);
  migrateMaps(v1, v2, { pinRoot: dir, defaults: { [TABLE]: { 'rules[].priority': 7n }, [STATS]: { events: 1n } } });
  const m = openMap({ map: map2(TABLE), pinRoot: dir, byteOrder: 'little' });
  try {
    const v = m.lookup({ ingress_ifindex: 1, ip_data: '10.0.0.0/8' }, { compact: false } as never) as { rules: { ruleId: number; priority: number }[] };
    assert.equal([v.rules[0]!.ruleId, v.rules[0]!.priority, v.rules[127]!.priority], [1, 7, 7]);
  } finally { m.close(); }
})));
M('an incompatible new version is refused before anything changes; migrating to the layout the pins hold does nothing', kernel(() => withPinDir((dir) => {
  createMaps(v1, { pinRoot: dir });
  const seed = loadObjectFile(join(ROOT, 'fixtures/firewall-seed.bpfel.o'));
  assert.match(err(() => migrateMaps(v1, seed, { pinRoot: dir })), /^MAP_INCOMPATIBLE: map 'ingress_node_firewall_table_map': cannot be migrated: map type: was lpm_trie, becomes hash; nothing was changed/);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('_old') || n.startsWith('bpfmap_migrate_')), []);
  assert.match(err(() => migrateMaps(v1, v2, { pinRoot: dir, rename: { [TABLE]: 'rules' } })), /^USAGE: rename: 'ingress_node_firewall_table_map=rules' names a map: migrate renames fields only/);
  // v2 -> v1 while the pins hold v1: already the new layout
  const r = migrateMaps(v2, v1, { pinRoot: dir });
  assert.equal(r.map((x) => [x.verdict, x.status]), [['already-new', 'unchanged'], ['already-new', 'unchanged'], ['identical', 'unchanged'], ['identical', 'unchanged']]);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('_old')), []);
})));
M.run();

const C = suite('bpfmap migrate');
C('--journal DIR that cannot be made (under /proc, where mkdir keeps failing with ENOENT): exit 3 at once, nothing changed', kernel(() => withPinDir((dir) => {
  createMaps(v1, { pinRoot: dir });
  const before = readdirSync(dir).sort();
  const r = spawnSync(process.execPath, [BIN, 'migrate', FW, FW2, '--pin-root', dir, '--journal', '/proc/bpfmap-journal/x'], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.equal([r.status, r.signal], [3, null], r.stderr);
  assert.match(r.stderr, /cannot make its directory/);
  assert.equal(readdirSync(dir).sort(), before);
})));
C('--dry-run changes nothing; migrate; lossy refused with exit 5; --rollback; --json', kernel(() => withPinDir((dir) => {
  createMaps(v1, { pinRoot: dir });
  const before = readdirSync(dir).sort();
  const plan = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--dry-run']);
  assert.is(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /ingress_node_firewall_table_map +planned +migratable +0/);
  assert.match(plan.stdout, /added +value\.rules\[\]\.priority/);
  assert.match(plan.stdout, /converted +value\.rules\[\]\.action moved offset 11 -> offset 4/);
  assert.equal(readdirSync(dir).sort(), before);
  const run = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--json']);
  assert.is(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as { status: string }[]).map((x) => x.status), ['migrated', 'migrated', 'unchanged', 'unchanged']);
  assert.is(bpfmap(['migrate', FW2, '--pin-root', dir, '--commit']).code, 0);
  const t = openMap({ map: map2(TABLE), pinRoot: dir, byteOrder: 'little' });
  try { t.update({ ingress_ifindex: 2, ip_data: '10.9.0.0/16' }, { rules: { 127: { ruleId: 9, action: 1 } } }); } finally { t.close(); }
  const lossy = bpfmap(['migrate', FW2, FW, '--pin-root', dir]);
  assert.is(lossy.code, 5);
  assert.match(lossy.stderr, /^bpfmap: map '.*ingress_node_firewall_table_map': 1 value would not fit the new layout: key [0-9a-f]+: value\.rules\[127\]: element in use, dropped/);
  const dir2 = mkdtempSync(join(tmpdir(), 'bpfmap-defaults-'));
  try {
    writeFileSync(join(dir2, 'd.yaml'), "ingress_node_firewall_table_map: { 'rules[].priority': nope }\n");
    const bad = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--defaults', join(dir2, 'd.yaml')]);
    assert.is(bad.code, 5);
    assert.match(bad.stderr, /--defaults .*d\.yaml: ingress_node_firewall_table_map\.rules\[\]\.priority: expected an integer, got "nope"/);
    // YAML 1.1 would read 1:20 as the integer 80: refused, not guessed.
    writeFileSync(join(dir2, 'd11.yaml'), "%YAML 1.1\n---\ningress_node_firewall_table_map: { 'rules[].priority': 1:20 }\n");
    const y11 = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--defaults', join(dir2, 'd11.yaml')]);
    assert.is(y11.code, 5);
    assert.match(y11.stderr, /--defaults .*d11\.yaml: the %YAML 1\.1 directive is not supported/);
    const good = bpfmap(['migrate', FW2, FW, '--pin-root', dir, '--allow-lossy']);
    assert.is(good.code, 0, good.stderr);
    assert.match(good.stdout, /LOSS +key [0-9a-f]+: value\.rules\[127\]: element in use, dropped/);
    const back = bpfmap(['migrate', FW, '--pin-root', dir, '--rollback']);
    assert.is(back.code, 0, back.stderr);
    const v = bpfmap(['lookup', FW2, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 2, ip_data: 10.9.0.0/16}', '--json']);
    assert.is(v.code, 0, v.stderr);
    assert.is((JSON.parse(v.stdout) as { value: { rules: Record<string, { ruleId: number }> } }).value.rules['127']!.ruleId, 9, 'rolled back to the v2 map');
  } finally { rmSync(dir2, { recursive: true, force: true }); }
})));
C.run();
