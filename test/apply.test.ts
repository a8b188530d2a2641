import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { writeCalls } from '../src/apply/index.js';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { prepareWrites } from '../src/map/index.js';
import { batchThreadReady, batchThreadUseful } from '../src/syscall/index.js';
import { skip } from './helpers/skip.js';
import { type MapSchema, type ObjectSchema, type TypeNode, type ApplyOptions, openMap, applyState, DesiredState, readStateDocument, possibleCpus } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const ip4: TypeNode = { kind: 'array', name: '', size: 4, length: 4, element: { kind: 'int', name: '__u8', size: 1, signed: false } };
const lpmKey: TypeNode = { kind: 'struct', name: 'lpm_key', size: 8, fields: [
  { name: 'prefixLen', offset: 0, type: u32 }, { name: 'ip', offset: 4, type: ip4 }] };

function schema(name: string, type: string, typeId: number, key: TypeNode, value: TypeNode, max: number, mapFlags = 0): MapSchema {
  return { name, kernelName: name, type, typeId, keySize: key.size, valueSize: value.size, maxEntries: max, flags: mapFlags ? ['no_prealloc'] : [],
    mapFlags, pinning: 'none', pinPath: null, perCpu: type.startsWith('percpu') || type === 'lru_percpu_hash', key, value, section: '.maps',
    btfKeyTypeId: 0, btfValueTypeId: 0 };
}
const obj = (...maps: MapSchema[]): ObjectSchema => ({ object: 'test.o', byteOrder: 'little', maps });

function create(dir: string, s: MapSchema): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: s.mapFlags, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

function state(o: ObjectSchema, doc: unknown): DesiredState {
  const st = new DesiredState(o, 'state.yaml');
  readStateDocument(doc, st);
  return st;
}
function apply(o: ObjectSchema, doc: unknown, opts: ApplyOptions) { return applyState(state(o, doc), opts); }

/** bpftool's view of the map, sorted by key bytes: the oracle for "byte-identical". */
function dump(p: string): string {
  const list = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[] }[];
  return JSON.stringify(list.sort((a, b) => (a.key.join() < b.key.join() ? -1 : 1)));
}
const code = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };

const HASH = schema('apply_hash', 'hash', BPF_MAP_TYPE.HASH, u32, u64, 16);
const entries = (pairs: [number, number | bigint][]) => pairs.map(([k, v]) => ({ key: k, value: v }));

const Plan = suite('applyState: plan (kernel)');
Plan('added / changed / deleted / unchanged / kept are counted from the live bytes; prune deletes only with prune', kernel(() => withPinDir((dir) => {
  const p = create(dir, HASH);
  const o = obj(HASH);
  apply(o, { maps: { apply_hash: { entries: entries([[1, 10], [2, 20], [3, 30]]) } } }, { pinRoot: dir });
  const dry = apply(o, { maps: { apply_hash: { entries: entries([[1, 10], [2, 21], [4, 40]]) } } }, { pinRoot: dir, dryRun: true });
  assert.equal(dry.maps[0], { map: 'apply_hash', added: 1, changed: 1, deleted: 0, unchanged: 1, kept: 1, prune: false });
  assert.is(writeCalls(dry.stats), 0, 'dry run writes nothing');
  const before = dump(p);
  const r = apply(o, { maps: { apply_hash: { prune: true, entries: entries([[1, 10], [2, 21], [4, 40]]) } } }, { pinRoot: dir });
  assert.equal(r.maps[0], { map: 'apply_hash', added: 1, changed: 1, deleted: 1, unchanged: 1, kept: 0, prune: true });
  assert.is.not(dump(p), before);
  const keys = (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[]; value: string[] }[])
    .map((e) => [parseInt(e.key[0]!, 16), parseInt(e.value[0]!, 16)]).sort((a, b) => a[0]! - b[0]!);
  assert.equal(keys, [[1, 10], [2, 21], [4, 40]]);
})));
Plan('idempotent: the second apply of the same state makes zero write syscalls and leaves the bytes alone', kernel(() => withPinDir((dir) => {
  const p = create(dir, HASH);
  const doc = { maps: { apply_hash: { prune: true, entries: entries([[1, 0xffffffffffffffffn], [2, 2], [7, 7]]) } } };
  const first = apply(obj(HASH), doc, { pinRoot: dir });
  assert.is(first.stats.entriesWritten, 3);
  assert.ok(writeCalls(first.stats) >= 1);
  const bytes = dump(p);
  const second = apply(obj(HASH), doc, { pinRoot: dir });
  assert.is(writeCalls(second.stats), 0);
  assert.is(second.stats.entriesWritten + second.stats.entriesDeleted, 0);
  assert.is(second.maps[0]!.unchanged, 3);
  assert.is(dump(p), bytes);
})));
Plan('stats count the reads: one MAP_LOOKUP_BATCH per map here; key by key, a GET_NEXT_KEY and a LOOKUP per key', kernel(() => withPinDir((dir) => {
  create(dir, HASH);
  const doc = { maps: { apply_hash: { entries: entries([[1, 1], [2, 2], [3, 3]]) } } };
  apply(obj(HASH), doc, { pinRoot: dir });
  const hash = apply(obj(HASH), doc, { pinRoot: dir }).stats;
  assert.equal([hash.lookupBatch, hash.getNextKey, hash.lookupElem], [1, 0, 0]);
  // The key-by-key read (map types without batch lookup; apply meets it on older kernels) tells of
  // every call: GET_NEXT_KEY per slot plus the one that finds no more, a LOOKUP per slot (both
  // slots of an empty prog array answer ENOENT, and are skipped).
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, name: 'apply_pa' });
  const pin = join(dir, 'apply_pa');
  try { objPin(fd, pin); } finally { closeFd(fd); }
  const m = openMap({ pin });
  try {
    const calls: Record<string, number> = { lookupBatch: 0, getNextKey: 0, lookupElem: 0 };
    assert.is([...m.batches(undefined, (c) => { calls[c]!++; })].length, 0);
    assert.equal(calls, { lookupBatch: 0, getNextKey: 3, lookupElem: 2 });
  } finally { m.close(); }
})));
Plan('variables of a global-data map patch only the named variable', kernel(() => withPinDir((dir) => {
  const dataNode: TypeNode = { kind: 'struct', name: '.data', size: 16, fields: [{ name: 'limit', offset: 0, type: u32 }, { name: 'big', offset: 8, type: u64 }] };
  const data = { ...schema('.data', 'array', BPF_MAP_TYPE.ARRAY, u32, dataNode, 1), kernelName: 'test.data', name: 'data_map' };
  const p = create(dir, data);
  const o = obj(data);
  apply(o, { maps: { data_map: { variables: { big: '18446744073709551615' } } } }, { pinRoot: dir });
  const r = apply(o, { maps: { data_map: { variables: { limit: 5 } } } }, { pinRoot: dir });
  assert.equal([r.maps[0]!.changed, r.maps[0]!.added], [1, 0]);
  const v = (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { value: string[] }[])[0]!.value.map((x) => parseInt(x, 16));
  assert.equal(v, [5, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
  assert.match(code(() => apply(o, { maps: { data_map: { variables: { nope: 1 } } } }, { pinRoot: dir })), /^VALUE_INVALID: state.yaml: maps.data_map.variables.nope: no such variable in data_map; variables are limit, big/);
})));
Plan.run();

const Rollback = suite('applyState: all-or-nothing (kernel)');
Rollback('map too small: E2BIG part-way through the additions; deletes, changes and additions are undone, bpftool sees the same bytes', kernel(() => withPinDir((dir) => {
  const small = { ...HASH, maxEntries: 4 };
  const p = create(dir, small);
  const o = obj(small);
  apply(o, { maps: { apply_hash: { entries: entries([[1, 1], [2, 2], [3, 3]]) } } }, { pinRoot: dir });
  const before = dump(p);
  let err: unknown;
  try {
    // delete 3, change 1, keep 2, add 4, 5, 6: the map holds 4, so the third addition fails.
    apply(o, { maps: { apply_hash: { prune: true, entries: entries([[1, 100], [2, 2], [4, 4], [5, 5], [6, 6]]) } } }, { pinRoot: dir });
  } catch (e) { err = e; }
  const e = err as { code: string; message: string; rolledBack: boolean };
  assert.ok(err, 'apply must fail');
  assert.is(e.code, 'MAP_FULL');
  assert.match(e.message, /^apply: map 'apply_hash': adding entry 3 of 3 \(maps\.apply_hash\.entries\[4\]\): .*map is full \(E2BIG\).*rolled back: the 4 entries written before the failure were restored/);
  assert.is(e.rolledBack, true);
  assert.is(dump(p), before, 'map byte-identical to before');
})));
Rollback('map too small for a big apply written from two threads: every entry either thread added is deleted again, the changed ones restored', kernel(() => withPinDir(async (dir) => {
  if (!batchThreadUseful()) return skip('one CPU: no second writing thread');
  const big = { ...HASH, name: 'apply_big', kernelName: 'apply_big', maxEntries: 150000 };
  const p = create(dir, big);
  const o = obj(big);
  apply(o, { maps: { apply_big: { entries: entries(Array.from({ length: 1000 }, (_, k) => [k, k])) } } }, { pinRoot: dir });
  const before = dump(p);
  prepareWrites(300000);
  assert.ok(batchThreadReady(10_000), 'the second writing thread loaded: the additions go from both threads');
  // The map was full with 149000 additions in. From one thread they would be exactly the 149000 before
  // the failed entry; from two, the other thread's chunk past it nearly always had entries in too,
  // and they are undone as well: more additions restored than stood before the failed entry. (It can
  // happen that the other thread had just finished a chunk as the map filled: nothing past the failed
  // entry; so up to 5 tries, each rolled back, for one that shows it.)
  const failures: string[] = [];
  let pastFailed = false;
  for (let attempt = 0; attempt < 5 && !pastFailed; attempt++) {
    let err: unknown;
    try {
      // 1000 changed (one batch), then 299000 added: the map is full at 150000.
      apply(o, { maps: { apply_big: { entries: entries(Array.from({ length: 300000 }, (_, k) => [k, k < 1000 ? k + 7 : k])) } } }, { pinRoot: dir });
    } catch (e) { err = e; }
    const e = err as { code: string; message: string; rolledBack: boolean };
    assert.ok(err, 'apply must fail');
    assert.is(e.code, 'MAP_FULL');
    const m = /^apply: map 'apply_big': adding entry (\d+) of 299000 \(maps\.apply_big\.entries\[\d+\]\): .*map is full \(E2BIG\).*rolled back: the (\d+) entries written before the failure were restored/.exec(e.message);
    assert.ok(m, e.message);
    const failedIndex = Number(m![1]) - 1, restoredAdds = Number(m![2]) - 1000;
    assert.is(restoredAdds, 149000, 'every addition in the full map undone');
    assert.is(e.rolledBack, true);
    assert.is(dump(p), before, 'map byte-identical to before');
    failures.push(String(failedIndex));
    pastFailed = failedIndex < restoredAdds;
  }
  assert.ok(pastFailed, `entries past the failed one went in and were undone, in one of 5 tries (failed entries ${failures.join(', ')})`);
  assert.is(dump(p), before, 'map byte-identical to before');
  // The same additions into a map with room: the second thread wrote some, every entry is there
  // (written from the desired tables where they lie, packed).
  const roomy = { ...big, name: 'apply_roomy', kernelName: 'apply_roomy', maxEntries: 300000 };
  const p2 = create(dir, roomy);
  const r = apply(obj(roomy), { maps: { apply_roomy: { entries: entries(Array.from({ length: 300000 }, (_, k) => [k, k * 5 + 1])) } } }, { pinRoot: dir });
  assert.ok(r.stats.updateBatchSecondThread > 0, `the second thread made batch calls: ${JSON.stringify(r.stats)}`);
  assert.is(r.stats.entriesWritten, 300000);
  const live = openMap({ map: roomy, pin: p2 });
  try {
    const got = new Map([...live.entries()].map((x) => [Number(x.key), BigInt(x.value as bigint)]));
    assert.is(got.size, 300000);
    assert.ok(Array.from({ length: 300000 }, (_, k) => k).every((k) => got.get(k) === BigInt(k * 5 + 1)), 'every key with its value');
  } finally { live.close(); }
})));
Rollback('nothing is written when any entry of any map is invalid (validated before the first write)', kernel(() => withPinDir((dir) => {
  const other = { ...HASH, name: 'apply_other', kernelName: 'apply_other' };
  const p1 = create(dir, HASH), p2 = create(dir, other);
  const msg = code(() => apply(obj(HASH, other), { maps: {
    apply_hash: { entries: entries([[1, 1]]) },
    apply_other: { entries: [{ key: 1, value: 1 }, { key: 70000000000, value: 2 }] } } }, { pinRoot: dir }));
  assert.match(msg, /^VALUE_RANGE: state.yaml: maps.apply_other.entries\[1\]: key: expected u32 0..4294967295, got 70000000000/);
  assert.is(dump(p1), '[]');
  assert.is(dump(p2), '[]');
  assert.match(code(() => apply(obj(HASH), { maps: { apply_hash: { entries: [{ key: 1, value: 1 }, { key: 1, value: 2 }] } } }, { pinRoot: dir })),
    /^VALUE_INVALID: state.yaml: maps\.\w+\.entries\[1\]: key: duplicates the key of maps\.\w+\.entries\[0\]/);
  assert.is(dump(p1), '[]');
})));
Rollback.run();

const Types = suite('applyState: map types (kernel)');
Types('per-CPU: one value for every CPU or a list per CPU; every CPU compared, so a change on one CPU is seen', kernel(() => withPinDir((dir) => {
  const pc = schema('apply_pc', 'percpu_hash', BPF_MAP_TYPE.PERCPU_HASH, u32, u32, 8);
  const p = create(dir, pc);
  const n = possibleCpus();
  const list = Array.from({ length: n }, (_, i) => i + 1);
  const o = obj(pc);
  apply(o, { maps: { apply_pc: { entries: [{ key: 1, value: 9 }, { key: 2, value: list }] } } }, { pinRoot: dir });
  const got = (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[]; values: { cpu: number; value: string[] }[] }[])
    .find((e) => parseInt(e.key[0]!, 16) === 2)!;
  assert.equal(got.values.map((v) => parseInt(v.value[0]!, 16)), list);
  const again = apply(o, { maps: { apply_pc: { entries: [{ key: 1, value: Array(n).fill(9) }, { key: 2, value: list }] } } }, { pinRoot: dir });
  assert.equal([again.maps[0]!.unchanged, writeCalls(again.stats)], [2, 0], 'a list equal to the single value is unchanged');
  const changed = [...list]; changed[n - 1] = 77;
  const r = apply(o, { maps: { apply_pc: { entries: [{ key: 1, value: 9 }, { key: 2, value: changed }] } } }, { pinRoot: dir });
  assert.equal([r.maps[0]!.changed, r.maps[0]!.unchanged], [1, 1]);
})));
Types('LPM trie: keys as CIDRs; exact keys compared; prune deletes exactly; re-apply writes nothing', kernel(() => withPinDir((dir) => {
  const lpm = schema('apply_lpm', 'lpm_trie', BPF_MAP_TYPE.LPM_TRIE, lpmKey, u32, 16, 1);
  const p = create(dir, lpm);
  const o = obj(lpm);
  const doc = (extra: object[]) => ({ maps: { apply_lpm: { prune: true, entries: [{ key: { ip: '10.0.0.0/8' }, value: 1 }, { key: { ip: '10.1.0.0/16' }, value: 2 }, ...extra] } } });
  apply(o, doc([{ key: { ip: '192.168.1.1/32' }, value: 3 }]), { pinRoot: dir });
  const keys = (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[] }[])
    .map((e) => e.key.map((x) => parseInt(x, 16)).join('.')).sort();
  assert.equal(keys, ['16.0.0.0.10.1.0.0', '32.0.0.0.192.168.1.1', '8.0.0.0.10.0.0.0']);
  const same = apply(o, doc([{ key: { ip: '192.168.1.1/32' }, value: 3 }]), { pinRoot: dir });
  assert.equal([same.maps[0]!.unchanged, writeCalls(same.stats)], [3, 0]);
  const pruned = apply(o, doc([]), { pinRoot: dir });
  assert.equal([pruned.maps[0]!.deleted, pruned.maps[0]!.unchanged], [1, 2]);
  assert.is((JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as unknown[]).length, 2);
})));
Types('array: every index exists; prune zeroes unlisted non-zero elements; an index past max_entries is refused before writing', kernel(() => withPinDir((dir) => {
  const arr = schema('apply_arr', 'array', BPF_MAP_TYPE.ARRAY, u32, u64, 4);
  const p = create(dir, arr);
  const o = obj(arr);
  const r = apply(o, { maps: { apply_arr: { entries: entries([[0, 5], [3, 6]]) } } }, { pinRoot: dir });
  assert.equal([r.maps[0]!.added, r.maps[0]!.changed, r.maps[0]!.unchanged, r.maps[0]!.kept], [0, 2, 0, 2]);
  const pr = apply(o, { maps: { apply_arr: { prune: true, entries: entries([[0, 5]]) } } }, { pinRoot: dir });
  assert.equal([pr.maps[0]!.deleted, pr.maps[0]!.unchanged], [1, 1]);
  const before = dump(p);
  assert.match(code(() => apply(o, { maps: { apply_arr: { entries: entries([[1, 1], [9, 1]]) } } }, { pinRoot: dir })),
    /^VALUE_INVALID: maps\.apply_arr\.entries\[1\]: key: expected an index 0..3 of map '.*apply_arr', got 9/);
  assert.is(dump(p), before);
})));
Types.run();
