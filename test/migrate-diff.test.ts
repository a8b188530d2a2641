/**
 * diffMaps / diffObjects on hand-made schemas (one case per kind of change), on the firewall and its
 * v2 fixture, and `bpfmap diff` end to end: exit codes, --json, and the live maps under --pin-root.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { bpfmap, ROOT, TABLE, STATS } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { loadObjectFile, type Field, type MapSchema, type TypeNode, createMaps, diffMaps, diffObjects } from '../src/index.js';

const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const FW2 = join(ROOT, 'fixtures/firewall-v2.bpfel.o');

const u = (size: number, name = `__u${size * 8}`): TypeNode => ({ kind: 'int', name, size, signed: false });
const s = (size: number): TypeNode => ({ kind: 'int', name: `__s${size * 8}`, size, signed: true });
function struct(name: string, fields: [string, TypeNode][]): TypeNode {
  let off = 0;
  const fs: Field[] = fields.map(([n, t]) => { const f = { name: n, offset: off, type: t }; off += t.size; return f; });
  return { kind: 'struct', name, size: off, fields: fs };
}
const arr = (el: TypeNode, length: number): TypeNode => ({ kind: 'array', name: '', size: el.size * length, length, element: el });
function map(value: TypeNode, over: Partial<MapSchema> = {}): MapSchema {
  return {
    name: 'm', kernelName: 'm', type: 'hash', typeId: 1, keySize: 4, valueSize: value.size, maxEntries: 16, flags: [], mapFlags: 0,
    pinning: 'none', pinPath: null, perCpu: false, key: u(4), value, section: '.maps', btfKeyTypeId: 1, btfValueTypeId: 2, ...over,
  };
}
const V1 = struct('v', [['a', u(4)], ['b', u(4)]]);
const changes = (d: { changes: readonly { path: string; change: string; lossy?: boolean }[] }) => d.changes.map((c) => `${c.path} ${c.change}${c.lossy ? ' lossy' : ''}`);

const D = suite('diffMaps');
const table: [string, MapSchema, string, string[], RegExp?][] = [
  ['the same definition', map(V1), 'identical', []],
  ['a field renamed, same bytes: dropped (lossy) and added unless renamed', map(struct('v', [['a', u(4)], ['c', u(4)]])), 'migratable', ['value.c added', 'value.b removed lossy']],
  ['a typedef renamed, same bytes', map(struct('v', [['a', u(4, 'uint32_t')], ['b', u(4)]])), 'compatible', ['value.a type-name']],
  ['two fields swapped (same size)', map(struct('v', [['b', u(4)], ['a', u(4)]])), 'migratable', ['value.b moved', 'value.a moved']],
  ['a field added', map(struct('v', [['a', u(4)], ['b', u(4)], ['c', u(8)]])), 'migratable', ['value resized', 'value.c added']],
  ['a field removed: lossy', map(struct('v', [['a', u(4)]])), 'migratable', ['value resized', 'value.b removed lossy']],
  ['a field widened', map(struct('v', [['a', u(8)], ['b', u(4)]])), 'migratable', ['value resized', 'value.a resized', 'value.b moved']],
  ['a field narrowed: lossy', map(struct('v', [['a', u(2)], ['b', u(4)]])), 'migratable', ['value resized', 'value.a resized lossy', 'value.b moved']],
  ['signedness changed: lossy', map(struct('v', [['a', s(4)], ['b', u(4)]])), 'migratable', ['value.a signedness lossy']],
  ['max entries changed', map(V1, { maxEntries: 8 }), 'migratable', ['max_entries max-entries lossy']],
  ['map type changed', map(V1, { type: 'lru_hash', typeId: 9 }), 'incompatible', ['type retyped'], /^map type: was hash, becomes lru_hash/],
  ['key changed', map(V1, { key: u(8), keySize: 8 }), 'incompatible', ['key resized'], /^key: the key's layout changed/],
  ['a number became a struct', map(struct('v', [['a', struct('x', [['y', u(4)]])], ['b', u(4)]])), 'incompatible', ['value.a retyped'], /^value\.a: was u32 \(__u32\), becomes struct x/],
];
for (const [name, cur, verdict, want, reason] of table) {
  D(name, () => {
    const d = diffMaps(map(V1), cur);
    assert.is(d.verdict, verdict);
    assert.equal(changes(d), want);
    if (reason) assert.match(d.reason ?? '', reason);
    const k = diffMaps(map(V1, { key: V1, keySize: 8 }), map(V1, { key: cur.value, keySize: cur.value!.size }));
    // The same change in the key: only same-bytes keys keep their entries.
    if (verdict === 'migratable' && cur.value !== V1) assert.is(k.verdict, 'incompatible', 'in the key');
  });
}
D('arrays grown and shrunk (lossy), element changes under []', () => {
  const old = map(struct('v', [['xs', arr(u(4), 4)]]));
  assert.equal(changes(diffMaps(old, map(struct('v', [['xs', arr(u(8), 6)]])))), ['value resized', 'value.xs grown', 'value.xs[] resized']);
  assert.equal(changes(diffMaps(old, map(struct('v', [['xs', arr(u(4), 2)]])))), ['value resized', 'value.xs shrunk lossy']);
});
D('an enum value gone is lossy; --rename matches a renamed field', () => {
  const e = (vals: [string, number][]): TypeNode => ({ kind: 'enum', name: 'act', size: 4, signed: false, values: vals.map(([name, value]) => ({ name, value })) });
  const d = diffMaps(map(struct('v', [['a', e([['DROP', 1], ['PASS', 2]])]])), map(struct('v', [['a', e([['DROP', 1]])]])));
  assert.equal(changes(d), ['value.a enum-values lossy']);
  const r = diffMaps(map(V1), map(struct('v', [['a', u(4)], ['hits', u(4)]])), { rename: { b: 'hits' } });
  assert.equal(changes(r), ['value.hits renamed']);
  assert.is(r.verdict, 'compatible');
});
D.run();

const O = suite('diffObjects: firewall -> firewall-v2');
O('every change of v2, field by field; events and .rodata identical', () => {
  const d = diffObjects(loadObjectFile(FW).schema.maps, loadObjectFile(FW2).schema.maps);
  assert.is(d.verdict, 'migratable');
  assert.equal(d.maps.map((m) => [m.name, m.verdict]), [[TABLE, 'migratable'], [STATS, 'migratable'], ['ingress_node_firewall_events_map', 'identical'], ['.rodata', 'identical']]);
  assert.equal(d.maps[0]!.changes.map((c) => `${c.path} ${c.change} ${c.from ?? ''} -> ${c.to ?? ''}`), [
    'value resized 1200 bytes -> 1792 bytes',
    'value.rules grown 100 elements -> 128 elements',
    'value.rules[] resized 12 bytes -> 14 bytes',
    'value.rules[].action moved offset 11 -> offset 4',
    'value.rules[].protocol moved offset 4 -> offset 5',
    'value.rules[].dstPortStart moved offset 5 -> offset 6',
    'value.rules[].dstPortEnd moved offset 7 -> offset 8',
    'value.rules[].icmpType moved offset 9 -> offset 10',
    'value.rules[].icmpCode moved offset 10 -> offset 11',
    'value.rules[].priority added  -> u16 (__u16) at offset 12',
  ]);
  assert.equal(changes(d.maps[1]!), ['value resized', 'value.events added']);
  const back = diffObjects(loadObjectFile(FW2).schema.maps, loadObjectFile(FW).schema.maps);
  assert.ok(back.maps[0]!.changes.some((c) => c.path === 'value.rules' && c.change === 'shrunk' && c.lossy));
  assert.ok(back.maps[0]!.changes.some((c) => c.path === 'value.rules[].priority' && c.change === 'removed'));
});
O('a map only in one version is added / removed', () => {
  const fw = loadObjectFile(FW).schema.maps;
  const d = diffObjects(fw.slice(1), fw.slice(0, 3));
  assert.equal(d.maps.map((m) => [m.name, m.verdict]), [[TABLE, 'added'], [STATS, 'identical'], ['ingress_node_firewall_events_map', 'identical'], ['.rodata', 'removed']]);
  assert.is(d.verdict, 'migratable');
});
O.run();

const C = suite('bpfmap diff');
C('v1 -> v2: exit 7, the changes listed; v1 -> v1: exit 0; --json', () => {
  const r = bpfmap(['diff', FW, FW2]);
  assert.is(r.code, 10, r.stderr);
  assert.match(r.stdout, /^ingress_node_firewall_table_map: migratable\n/);
  assert.match(r.stdout, /value\.rules\[\]\.action +moved +offset 11 -> offset 4/);
  assert.match(r.stdout, /value\.events +added +u64 \(__u64\) at offset 32/);
  assert.match(r.stdout, /verdict: migratable\n$/);
  const same = bpfmap(['diff', FW, FW]);
  assert.is(same.code, 0);
  assert.match(same.stdout, /verdict: identical/);
  const j = bpfmap(['diff', FW, FW2, '--json']);
  assert.is(j.code, 10);
  const parsed = JSON.parse(j.stdout) as { verdict: string; maps: { name: string; verdict: string; changes: unknown[] }[] };
  assert.is(parsed.verdict, 'migratable');
  assert.is(parsed.maps[0]!.changes.length, 10);
});
C('incompatible: exit 8 with the reason (the seed variant made the table a hash)', () => {
  const r = bpfmap(['diff', FW, join(ROOT, 'fixtures/firewall-seed.bpfel.o')]);
  assert.is(r.code, 11, r.stderr);
  assert.match(r.stdout, /ingress_node_firewall_table_map: incompatible \(map type: was lpm_trie, becomes hash\)/);
});
C('usage: one object without --pin-root, a bad --rename', () => {
  assert.is(bpfmap(['diff', FW]).code, 2);
  const r = bpfmap(['diff', FW, FW2, '--rename', 'x']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--rename 'x': expected OLD=NEW/);
});
C('--pin-root: the live v1 maps against v2 (every change named), and against v1 (exit 0)', kernel(() => withPinDir((dir) => {
  createMaps(loadObjectFile(FW), { pinRoot: dir });
  const r = bpfmap(['diff', FW2, '--pin-root', dir, '--json']);
  assert.is(r.code, 10, r.stderr);
  const live = JSON.parse(r.stdout) as ReturnType<typeof diffObjects>;
  const offline = diffObjects(loadObjectFile(FW).schema.maps, loadObjectFile(FW2).schema.maps);
  assert.equal(live.maps.map((m) => [m.name, m.verdict, changes(m)]), offline.maps.map((m) => [m.name, m.verdict, changes(m)]));
  const same = bpfmap(['diff', FW, '--pin-root', dir]);
  assert.is(same.code, 0, same.stdout + same.stderr);
})));
C.run();
