import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap, sumPerCpu, possibleCpus } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const stats: TypeNode = { kind: 'struct', name: 'stats', size: 16, fields: [
  { name: 'packets', offset: 0, type: u64 }, { name: 'bytes', offset: 8, type: u64 }] };

function schema(type: string, typeId: number, key: TypeNode | null, value: TypeNode, max: number, extra: Partial<MapSchema> = {}): MapSchema {
  return { name: 'bpfmap_test', kernelName: 'bpfmap_test', type, typeId, keySize: key?.size ?? 0, valueSize: value.size,
    maxEntries: max, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: type.startsWith('percpu') || type === 'lru_percpu_hash',
    key, value, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, ...extra };
}

function pinned(dir: string, s: MapSchema, create: Partial<{ keySize: number; valueSize: number; type: number; flags: number }> = {}): string {
  const fd = mapCreate({ mapType: create.type ?? s.typeId, keySize: create.keySize ?? s.keySize, valueSize: create.valueSize ?? s.valueSize,
    maxEntries: s.maxEntries, mapFlags: create.flags ?? s.mapFlags, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

const code = (fn: () => unknown): string => { try { fn(); } catch (e) { return (e as { code: string }).code + ': ' + (e as Error).message; } return 'ok'; };
const bpftoolDump = (p: string) => JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' }));

const Open = suite('openMap (kernel)');
Open('typed update/lookup/delete on a hash, read back by bpftool, and the other way', kernel(() => withPinDir((dir) => {
  const s = schema('hash', BPF_MAP_TYPE.HASH, u32, u64, 8);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pinRoot: dir });
  try {
    m.update(7, 0x0102030405060708n);
    assert.equal(bpftoolDump(p)[0].value, ['0x08', '0x07', '0x06', '0x05', '0x04', '0x03', '0x02', '0x01']);
    execFileSync('bpftool', ['map', 'update', 'pinned', p, 'key', '9', '0', '0', '0', 'value', '1', '0', '0', '0', '0', '0', '0', '0']);
    assert.is(m.lookup(9), 1n);
    assert.match(code(() => m.update(7, 1n, { flags: 'noexist' })), /^KEY_EXISTS/);
    assert.is(m.lookup(7), 0x0102030405060708n, 'map unchanged after refused update');
    assert.equal([...m.entries()].map((e) => e.key).sort(), [7, 9]);
    m.delete(7);
    assert.match(code(() => m.lookup(7)), /^KEY_NOT_FOUND/);
  } finally { m.close(); }
})));
Open('mismatch: sizes, type and flags are all listed in one MAP_INCOMPATIBLE error', kernel(() => withPinDir((dir) => {
  const s = schema('hash', BPF_MAP_TYPE.HASH, u32, u64, 8);
  pinned(dir, s, { type: BPF_MAP_TYPE.LRU_HASH, valueSize: 4 });
  const msg = code(() => openMap({ map: s, pinRoot: dir }));
  assert.match(msg, /^MAP_INCOMPATIBLE/);
  assert.match(msg, /type: expected hash, got lru_hash/);
  assert.match(msg, /value size: expected 8, got 4/);
  const forced = openMap({ map: s, pinRoot: dir, force: true });
  forced.close();
})));
Open('missing pin is NOT_FOUND with advice; without a schema, opaque bytes', kernel(() => withPinDir((dir) => {
  assert.match(code(() => openMap({ pin: join(dir, 'nope') })), /^NOT_FOUND.*no pinned object at .*nope; is bpffs mounted/);
  const p = pinned(dir, schema('array', BPF_MAP_TYPE.ARRAY, u32, u64, 2));
  const m = openMap({ pin: p });
  try {
    assert.is(m.schema.type, 'array');
    assert.is(m.schema.value?.kind, 'bytes');
    m.updateRaw(new Uint8Array([1, 0, 0, 0]), new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0]));
    assert.equal([...m.lookupRaw(new Uint8Array([1, 0, 0, 0]))], [5, 0, 0, 0, 0, 0, 0, 0]);
  } finally { m.close(); }
})));
Open.run();

const PerCpu = suite('per-CPU maps (kernel)');
PerCpu('one value is written to every CPU; sum and cpu pick; bpftool sees each CPU', kernel(() => withPinDir((dir) => {
  const s = schema('percpu_array', BPF_MAP_TYPE.PERCPU_ARRAY, u32, stats, 1);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pin: p });
  const n = possibleCpus();
  try {
    m.update(0, { packets: 2n, bytes: 100n });
    const all = m.lookup(0) as unknown[];
    assert.is(all.length, n);
    assert.equal(m.lookup(0, { sum: true }), { packets: 2n * BigInt(n), bytes: 100n * BigInt(n) });
    assert.equal(m.lookup(0, { cpu: n - 1 }), { packets: 2n, bytes: 100n });
    assert.is(bpftoolDump(p)[0].values.length, n);
    m.update(0, Array.from({ length: n }, (_, i) => ({ packets: BigInt(i), bytes: 1n })));
    assert.equal(m.lookup(0, { cpu: n - 1 }), { packets: BigInt(n - 1), bytes: 1n });
  } finally { m.close(); }
})));
PerCpu.run();

const Q = suite('queue and bloom filter (kernel)');
Q('push / peek / pop; bloom membership', kernel(() => withPinDir((dir) => {
  const q = openMap({ map: schema('queue', BPF_MAP_TYPE.QUEUE, null, u32, 4), pin: pinned(dir, schema('queue', BPF_MAP_TYPE.QUEUE, null, u32, 4)) });
  try {
    q.push(1); q.push(2);
    assert.is(q.peek(), 1);
    assert.is(q.pop(), 1);
    assert.is(q.pop(), 2);
  } finally { q.close(); }
  const bs = schema('bloom_filter', BPF_MAP_TYPE.BLOOM_FILTER, null, u32, 100, { name: 'bloom', kernelName: 'bloom' });
  const b = openMap({ map: bs, pin: pinned(dir, bs) });
  try {
    b.push(42);
    assert.is(b.peek(42), true);
    assert.is(b.peek(43), false);
  } finally { b.close(); }
})));
Q.run();

const B = suite('LiveMap.updateBatch / deleteBatch (kernel)');
B('writes and deletes many typed entries', kernel(() => withPinDir((dir) => {
  const s = schema('hash', BPF_MAP_TYPE.HASH, u32, u64, 100);
  const m = openMap({ map: s, pin: pinned(dir, s) });
  try {
    const keys = Array.from({ length: 50 }, (_, i) => i);
    assert.is(m.updateBatch(keys, keys.map((k) => BigInt(k * 2))), 50);
    assert.is(m.lookup(49), 98n);
    assert.is(m.deleteBatch(keys.slice(0, 40)), 40);
    assert.is([...m.entries()].length, 10);
  } finally { m.close(); }
})));
B('a key missing from a batch delete stops it there: KEY_NOT_FOUND with done, nothing redone one by one', kernel(() => withPinDir((dir) => {
  const s = schema('hash', BPF_MAP_TYPE.HASH, u32, u64, 8);
  const m = openMap({ map: s, pin: pinned(dir, s) });
  try {
    m.updateBatch([1, 2, 3], [1n, 2n, 3n]);
    let e: { code?: string; done?: number; message?: string } = {};
    try { m.deleteBatch([1, 2, 4]); } catch (x) { e = x as typeof e; }
    assert.equal({ code: e.code, done: e.done }, { code: 'KEY_NOT_FOUND', done: 2 });
    assert.match(e.message ?? '', /a key is not in the map \(the keys before it were deleted\)/);
    assert.equal([...m.entries()], [{ key: 3, value: 3n }]);
  } finally { m.close(); }
})));
/** bpftool's entries of a map with a u32 key, as [key, value] with the value read as a little-endian integer, by key. */
const bpftoolPairs = (p: string): [number, bigint][] => (bpftoolDump(p) as { key: string[]; value: string[] }[])
  .map((e): [number, bigint] => [Number(le(e.key)), le(e.value)]).sort((a, b) => a[0] - b[0]);
const le = (hex: string[]): bigint => hex.reduceRight((n, x) => (n << 8n) | BigInt(parseInt(x, 16)), 0n);
/** A pinned u32 -> u64 hash map of `max` entries in `dir`, opened. */
function hashMap(dir: string, max: number) {
  const s = schema('hash', BPF_MAP_TYPE.HASH, u32, u64, max);
  const p = pinned(dir, s);
  return { p, m: openMap({ map: s, pin: p }) };
}
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
B('flags noexist go one by one: every new entry written; an existing key refused with KEY_EXISTS and the entries before it put back', kernel(() => withPinDir((dir) => {
  const { p, m } = hashMap(dir, 100);
  try {
    m.updateBatch([1, 2], [100n, 200n]);
    assert.is(m.updateBatch(range(3, 40), range(3, 40).map((k) => BigInt(k) * 3n), { flags: 'noexist' }), 40);
    assert.equal(bpftoolPairs(p), [[1, 100n], [2, 200n], ...range(3, 40).map((k): [number, bigint] => [k, BigInt(k) * 3n])]);
    const before = bpftoolPairs(p);
    assert.match(code(() => m.updateBatch([60, 61, 2, 62], [6n, 6n, 6n, 6n], { flags: 'noexist' })), /^KEY_EXISTS: .*entry 2 of 4 failed; the 2 written before it were put back, the map is as it was/);
    assert.equal(bpftoolPairs(p), before, 'key 2 kept 200; 60 and 61 deleted again, 62 never written');
  } finally { m.close(); }
})));
B('flags exist go one by one: every existing entry replaced; a missing key refused with KEY_NOT_FOUND, the entries before it put back', kernel(() => withPinDir((dir) => {
  const { p, m } = hashMap(dir, 100);
  try {
    m.updateBatch(range(0, 30), range(0, 30).map(() => 1n));
    assert.is(m.updateBatch(range(0, 30), range(0, 30).map((k) => BigInt(k) + 1000n), { flags: 'exist' }), 30);
    assert.equal(bpftoolPairs(p), range(0, 30).map((k): [number, bigint] => [k, BigInt(k) + 1000n]));
    assert.match(code(() => m.updateBatch([5, 5, 6, 77], [9n, 8n, 9n, 9n], { flags: 'exist' })), /^KEY_NOT_FOUND: .*the 3 written before it were put back/);
    assert.equal(bpftoolPairs(p), range(0, 30).map((k): [number, bigint] => [k, BigInt(k) + 1000n]), 'keys 5 (written twice) and 6 have their old values, 77 was not created');
  } finally { m.close(); }
})));
B('a batch that fills the map part-way: E2BIG, and every entry it wrote put back (new ones deleted, changed ones restored)', kernel(() => withPinDir((dir) => {
  const { p, m } = hashMap(dir, 20);
  try {
    m.updateBatch(range(0, 10), range(0, 10).map((k) => BigInt(k)));
    const before = bpftoolPairs(p);
    // 5 existing keys changed, then 20 new ones: the map holds 20, so the 11th new key does not fit.
    const keys = [...range(0, 5), ...range(100, 20)];
    const err = code(() => m.updateBatch(keys, keys.map(() => 7n)));
    assert.match(err, /^(MAP_FULL|E2BIG|[A-Z_]+): .*the \d+ written before it were put back, the map is as it was/);
    assert.equal(bpftoolPairs(p), before);
  } finally { m.close(); }
})));
B('a map type the kernel cannot batch (devmap_hash) goes one by one: every entry written and deleted', kernel(() => withPinDir((dir) => {
  const s = schema('devmap_hash', BPF_MAP_TYPE.DEVMAP_HASH, u32, u32, 64);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pin: p });
  try {
    // ifindex 1 (lo) is the one interface every machine has.
    assert.is(m.updateBatch(range(10, 25), range(10, 25).map(() => 1)), 25);
    assert.equal(bpftoolPairs(p), range(10, 25).map((k): [number, bigint] => [k, 1n]));
    assert.is(m.deleteBatch(range(10, 24)), 24);
    assert.equal(bpftoolPairs(p), [[34, 1n]]);
  } finally { m.close(); }
})));
B.run();

const Sum = suite('sumPerCpu');
Sum('adds integer fields field by field and keeps the shape', () => {
  assert.equal(sumPerCpu([{ a: 1, b: [1n, 2n] }, { a: 2, b: [3n, 4n] }], null), { a: 3, b: [4n, 6n] });
  // A NaN that decodes as its bits (NaN:0x...) makes the sum NaN wherever it is, as a plain NaN does.
  for (const xs of [[1.5, 'NaN:0x7ff8000000000001', 2], ['NaN:0x7ff8000000000001', 1.5, 2], [1.5, 2, 'NaN:0xffc00000']]) {
    assert.ok(Number.isNaN(sumPerCpu(xs)), JSON.stringify(xs));
  }
  assert.equal(sumPerCpu([0xffffffffffffffffn, 1n], u64), 0x10000000000000000n);
});
// One rule for every integer: exact sums, no wrap, whether the field is at the top or inside an
// anonymous union (before: the top-level __u64 wrapped to 0, the one in the union did not).
const anonStats: TypeNode = { kind: 'struct', name: 'anon_stats', size: 16, fields: [
  { name: 'top', offset: 0, type: u64 },
  { name: '', offset: 8, type: { kind: 'union', name: '', size: 8, fields: [{ name: 'in_union', offset: 0, type: u64 }, { name: 'lo', offset: 0, type: u32 }] } }] };
Sum('a __u64 at the top and one inside an anonymous union both sum exactly past 2^64', () => {
  const max = 0xffffffffffffffffn;
  assert.equal(sumPerCpu([{ top: max, in_union: max }, { top: 2n, in_union: 2n }, { top: max, in_union: max }], anonStats),
    { top: 2n * max + 2n, in_union: 2n * max + 2n });
});
Sum.run();

const SumK = suite('--sum on a per-CPU map (kernel)');
SumK('per-CPU values that overflow 64 bits in sum: both fields exact', kernel(() => withPinDir((dir) => {
  const s = schema('percpu_array', BPF_MAP_TYPE.PERCPU_ARRAY, u32, anonStats, 1);
  const m = openMap({ map: s, pin: pinned(dir, s) });
  const n = possibleCpus();
  const max = 0xffffffffffffffffn;
  try {
    m.update(0, { top: max, in_union: max });
    assert.equal(m.lookup(0, { sum: true }), { top: max * BigInt(n), in_union: max * BigInt(n) });
  } finally { m.close(); }
})));
SumK.run();
