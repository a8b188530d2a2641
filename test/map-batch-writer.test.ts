// The batch writer behind LiveMap.writeEntries / deleteEntries (src/map/batch-writer.ts), through the
// calls it makes (WriteOptions.onCall) and what the kernel then holds: batches in chunks of 16384,
// which flags may go in a batch, the one-by-one fallback when the kernel has no batch write for the
// map (remembered, not tried again), a real failure of a first batch not taken for that, and the
// `done` count of a failure part-way through one by one. Each case here was written against a
// mutant of batch-writer.ts that the map suite did not kill.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, mapUpdateBatch, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap } from '../src/index.js';
import { prepareWrites } from '../src/map/index.js';
import { batchThreadReady, batchThreadUseful } from '../src/syscall/index.js';
import { batchThreadHolds, batchThreadState, endBatchThread, mapUpdateBatchShared, startBatchThread } from '../src/syscall/fast-batch-thread.js';
import { skip } from './helpers/skip.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

/**
 * A two-thread test: a pinned u32 -> u32 hash (or array) map of `max` entries, the second writing
 * thread loaded (waited for, up to 10 s); skipped on one CPU.
 */
function twoThreads(max: number, fn: (m: ReturnType<typeof open>['m']) => void, type: 'hash' | 'array' = 'hash') {
  return kernel(() => withPinDir((dir) => {
    if (!batchThreadUseful()) return skip('one CPU: no second writing thread');
    const { m } = open(dir, type, type === 'hash' ? BPF_MAP_TYPE.HASH : BPF_MAP_TYPE.ARRAY, max);
    try {
      prepareWrites(1 << 20);
      assert.ok(batchThreadReady(10_000), 'the second writing thread loaded');
      fn(m);
    } finally { m.close(); }
  }));
}

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };

function schema(type: string, typeId: number, max: number, name: string): MapSchema {
  return { name, kernelName: name, type, typeId, keySize: 4, valueSize: 4,
    maxEntries: max, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false,
    key: u32, value: u32, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
}

/** A pinned u32 -> u32 map of this type, opened. */
function open(dir: string, type: string, typeId: number, max: number, name = 'bpfmap_test') {
  const s = schema(type, typeId, max, name);
  const fd = mapCreate({ mapType: typeId, keySize: 4, valueSize: 4, maxEntries: max, mapFlags: 0, name: s.kernelName });
  const pin = join(dir, s.name);
  try { objPin(fd, pin); } finally { closeFd(fd); }
  return { s, pin, m: openMap({ map: s, pin }) };
}

const word = (x: number): Uint8Array => new Uint8Array(new Uint32Array([x]).buffer);
/** Entries k -> v(k) for the keys given. */
const entries = (keys: readonly number[], v: (k: number) => number = (k) => k + 1) => ({
  count: keys.length, key: (i: number) => word(keys[i]!), value: (i: number) => word(v(keys[i]!)),
});
const keysOf = (keys: readonly number[]) => ({ count: keys.length, key: (i: number) => word(keys[i]!) });
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** Runs fn with an onCall that records the calls; returns them and the error thrown, if any. */
function calls(fn: (onCall: (c: string) => void) => void): { calls: string[]; error?: { code?: string; done?: number } } {
  const seen: string[] = [];
  try { fn((c) => seen.push(c)); } catch (e) { return { calls: seen, error: e as { code?: string; done?: number } }; }
  return { calls: seen };
}
/** The calls squeezed: each run of one call as `call xN`. */
const runs = (cs: readonly string[]): string[] => {
  const out: [string, number][] = [];
  for (const c of cs) { const last = out[out.length - 1]; if (last && last[0] === c) last[1]++; else out.push([c, 1]); }
  return out.map(([c, n]) => `${c} x${n}`);
};

const W = suite('batch writer (kernel)');

W('flags any: 20000 entries in two batch calls (16384, then the 3616 left), every entry in the map; deleted the same way', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 30000);
  try {
    const done: number[] = [];
    const r = calls((onCall) => m.writeEntries(entries(range(0, 20000)), { onCall, onChunk: (n) => done.push(n) }));
    assert.equal(r, { calls: ['updateBatch', 'updateBatch'] });
    assert.equal(done, [16384, 3616]);
    assert.is([...m.entries()].length, 20000);
    assert.is(m.lookup(19999), 20000);
    const deleted: number[] = [];
    assert.equal(calls((onCall) => m.deleteEntries(keysOf(range(0, 20000)), { onCall, onChunk: (n) => deleted.push(n) })), { calls: ['deleteBatch', 'deleteBatch'] });
    assert.equal(deleted, [16384, 3616]);
    assert.is([...m.entries()].length, 0);
  } finally { m.close(); }
})));

W('flags noexist and exist go one by one unless the caller says they hold for every entry', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 100);
  try {
    assert.equal(runs(calls((onCall) => m.writeEntries(entries(range(0, 5)), { flags: 'noexist', onCall })).calls), ['updateElem x5']);
    assert.equal(runs(calls((onCall) => m.writeEntries(entries(range(0, 5), (k) => k + 10), { flags: 'exist', onCall })).calls), ['updateElem x5']);
    assert.equal(calls((onCall) => m.writeEntries(entries(range(5, 5)), { flags: 'noexist', flagsHold: true, onCall })).calls, ['updateBatch']);
    assert.equal(calls((onCall) => m.writeEntries(entries(range(0, 10), (k) => k + 20), { onCall })).calls, ['updateBatch']);
    assert.equal([...m.entries()].map((e) => [e.key, e.value]).sort((a, b) => Number(a[0]) - Number(b[0])), range(0, 10).map((k) => [k, k + 20]));
  } finally { m.close(); }
})));

W('a map the kernel cannot batch (devmap_hash): one batch try, then one by one, and no batch tried again', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'devmap_hash', BPF_MAP_TYPE.DEVMAP_HASH, 64);
  try {
    // ifindex 1 (lo): the one interface every machine has.
    assert.equal(runs(calls((onCall) => m.writeEntries(entries(range(10, 3), () => 1), { onCall })).calls), ['updateBatch x1', 'updateElem x3']);
    assert.equal(runs(calls((onCall) => m.writeEntries(entries(range(20, 3), () => 1), { onCall })).calls), ['updateElem x3']);
    assert.equal(runs(calls((onCall) => m.deleteEntries(keysOf([10, 11]), { onCall })).calls), ['deleteBatch x1', 'deleteElem x2']);
    assert.equal(runs(calls((onCall) => m.deleteEntries(keysOf([12]), { onCall })).calls), ['deleteElem x1']);
    assert.equal([...m.entries()].map((e) => e.key).sort(), [20, 21, 22]);
  } finally { m.close(); }
})));

W('a map type that has no batch at all (prog_array) is never tried in a batch', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'prog_array', BPF_MAP_TYPE.PROG_ARRAY, 4);
  try {
    const r = calls((onCall) => m.deleteEntries(keysOf([0]), { onCall }));
    assert.equal(r.calls, ['deleteElem']);
    assert.is(r.error?.code, 'KEY_NOT_FOUND');
  } finally { m.close(); }
})));

W('a first batch the kernel fails for another reason (map full) is an error, not a reason to go one by one', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 4);
  try {
    m.writeEntries(entries(range(0, 4)));
    const r = calls((onCall) => m.writeEntries(entries([100, 101]), { onCall }));
    assert.equal(r.calls, ['updateBatch']);
    assert.is(r.error?.done, 0);
    const d = calls((onCall) => m.deleteEntries(keysOf([200, 0]), { onCall }));
    assert.equal(d.calls, ['deleteBatch']);
    assert.equal([d.error?.code, d.error?.done], ['KEY_NOT_FOUND', 0]);
    assert.is([...m.entries()].length, 4);
  } finally { m.close(); }
})));

W('a batch that fails part-way (the map full 3616 entries into the second chunk): `done` counts the entries before it, as onDone did; a whole number of chunks makes no call for the empty rest', kernel(() => withPinDir((dir) => {
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 20000);
  try {
    let done = 0;
    const r = calls((onCall) => m.writeEntries(entries(range(0, 30000)), { onCall, onDone: (n) => { done += n; } }));
    assert.equal(r.calls, ['updateBatch', 'updateBatch']);
    assert.equal([r.error?.code, r.error?.done, done], ['MAP_FULL', 20000, 20000]);
    m.deleteEntries(keysOf(range(0, 20000)));
    const whole = calls((onCall) => m.writeEntries(entries(range(0, 16384)), { onCall }));
    assert.equal([whole.calls, whole.error], [['updateBatch'], undefined]);
    assert.is([...m.entries()].length, 16384);
  } finally { m.close(); }
})));

W('deletes: a handle whose last batch was smaller deletes in one batch; one by one, a missing key stops it with what went before', kernel(() => withPinDir((dir) => {
  const { s, pin, m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 100);
  const other = openMap({ map: s, pin });
  try {
    m.writeEntries(entries(range(0, 30)));
    // Another handle, whose writer's key buffer holds the 2 keys of its last batch: it must grow.
    other.writeEntries(entries([50, 51]));
    assert.equal(calls((onCall) => other.deleteEntries(keysOf(range(0, 20)), { onCall })).calls, ['deleteBatch']);
    assert.equal([...m.entries()].map((e) => e.key).sort((a, b) => Number(a) - Number(b)), [...range(20, 10), 50, 51]);
  } finally { other.close(); m.close(); }
  const dev = open(dir, 'devmap_hash', BPF_MAP_TYPE.DEVMAP_HASH, 64, 'bpfmap_dev');
  try {
    dev.m.writeEntries(entries(range(0, 5), () => 1));
    const r = calls((onCall) => dev.m.deleteEntries(keysOf([0, 1, 40, 2]), { onCall }));
    assert.equal(runs(r.calls), ['deleteBatch x1', 'deleteElem x3']);
    assert.equal([r.error?.code, r.error?.done], ['KEY_NOT_FOUND', 2]);
    assert.equal([...dev.m.entries()].map((e) => e.key).sort(), [2, 3, 4]);
  } finally { dev.m.close(); }
})));

W('twoThreads: 300000 entries, the first batch from this thread, then chunks taken by this thread and the worker thread; every entry in the map with its value', twoThreads(300000, (m) => {
  const seen: string[] = [];
  let done = 0, progress = 0;
  m.writeEntries(entries(range(0, 300000), (k) => k * 3 + 1), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`),
    onDone: (n) => { done += n; }, onChunk: (n) => { progress += n; } });
  assert.is(seen.length, Math.ceil(300000 / 16384), 'one call per chunk of 16384');
  assert.is(seen[0], 'updateBatch', 'the first batch (which decides batch or one by one) from this thread');
  assert.ok(seen.includes('updateBatch worker'), `the worker thread wrote chunks: ${runs(seen).join(', ')}`);
  assert.ok(seen.filter((c) => c === 'updateBatch').length > 1, `this thread wrote chunks after the first: ${runs(seen).join(', ')}`);
  assert.equal([done, progress], [300000, 300000]);
  const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
  assert.is(got.size, 300000);
  for (const k of [0, 16383, 16384, 150000, 299999]) assert.is(got.get(k), k * 3 + 1, `key ${k}`);
  assert.ok(range(0, 300000).every((k) => got.get(k) === k * 3 + 1), 'every key with its value');
}));

W('twoThreads on a map that fills: the error is the one at the lowest entry, `done` its index, every entry before it in the map, onDone counted what the kernel holds', twoThreads(120000, (m) => {
  let done = 0, workerCalls = 0;
  let err: { code?: string; done?: number } | undefined;
  try {
    m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (_c, worker) => { if (worker === true) workerCalls++; }, onDone: (n) => { done += n; } });
  } catch (e) { err = e as typeof err; }
  assert.ok(err, 'the write must fail');
  assert.is(err!.code, 'MAP_FULL');
  assert.ok(workerCalls > 0, 'the worker thread wrote chunks');
  const keys = new Set([...m.entries()].map((e) => Number(e.key)));
  assert.is(keys.size, 120000, 'the map is full');
  assert.is(done, keys.size, 'onDone counted every entry the kernel took, from both threads');
  assert.ok(err!.done! <= 120000 && err!.done! >= 16384, `done ${err!.done}`);
  assert.ok(range(0, err!.done!).every((k) => keys.has(k)), 'every entry before the failed one is in the map');
  assert.not.ok(keys.has(err!.done!), 'the failed entry is not');
}));

W('twoThreads: an entry that fails in a chunk the worker writes (this thread held back at its first chunk) is the error thrown, `done` its index; the held chunk still goes in', twoThreads(300000, (m) => {
  // An array map: a key past max_entries fails alone (E2BIG), wherever it stands in the batch.
  const bad = 290000;
  const keys = range(0, 300000);
  keys[bad] = 300000;
  const hold = new Int32Array(new SharedArrayBuffer(4));
  let held = false, workerCalls = 0;
  let err: { code?: string; done?: number } | undefined;
  try {
    m.writeEntries(entries(keys), { twoThreads: true, onCall: (_c, worker) => {
      if (worker === true) workerCalls++;
      // This thread's first chunk of the shared phase waits 500 ms, while the worker takes the rest.
      else if (worker === false && !held) { held = true; Atomics.wait(hold, 0, 0, 500); }
    } });
  } catch (e) { err = e as typeof err; }
  assert.ok(held && workerCalls > 0, 'both threads wrote');
  assert.ok(err, 'the failure is thrown');
  assert.is(err!.code, 'MAP_FULL');
  assert.is(err!.done, bad);
  const got = [...m.entries()].map((e) => Number(e.value));
  assert.ok(range(0, bad).every((k) => got[k] === k + 1), 'every entry before the failed one is in the map, the held chunk too');
}, 'array'));

W('twoThreads: an entry that fails in the first chunk of the shared phase (nearly always this thread\'s) is the error thrown, `done` its index; onDone counted what the kernel holds', twoThreads(300000, (m) => {
  // An array map: a key past max_entries fails alone (E2BIG), 100 entries into that chunk.
  const bad = 16384 + 100;
  const keys = range(0, 300000);
  keys[bad] = 300000;
  let done = 0;
  let err: { code?: string; done?: number } | undefined;
  try {
    m.writeEntries(entries(keys), { twoThreads: true, onDone: (n) => { done += n; } });
  } catch (e) { err = e as typeof err; }
  assert.ok(err, 'the failure is thrown');
  assert.is(err!.code, 'MAP_FULL');
  assert.is(err!.done, bad);
  const got = [...m.entries()].map((e) => Number(e.value));
  assert.ok(range(0, bad).every((k) => got[k] === k + 1), 'every entry before the failed one is in the map');
  assert.is(done, got.filter((v) => v !== 0).length, 'onDone counted every entry the kernel took, from both threads');
}, 'array'));

W('twoThreads: a hook that starts another two-thread write while one runs gets an error, and the first write settles', twoThreads(300000, (m) => {
  let nested = false;
  assert.throws(() => m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (_c, worker) => {
    if (worker === false && !nested) { nested = true; m.writeEntries(entries(range(0, 300000)), { twoThreads: true }); }
  } }), /a shared batch write is already running/);
  assert.ok(nested);
  // The next write is whole.
  m.writeEntries(entries(range(0, 300000), (k) => k + 7), { twoThreads: true });
  const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
  assert.ok(range(0, 300000).every((k) => got.get(k) === k + 7));
}));

W('twoThreads: a hook that throws mid-write settles the job first (no chunk written after the throw); the packed memory path writes each entry; the next write is whole', twoThreads(400000, (m) => {
  const n = 200000;
  const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 4);
  const kw = new Uint32Array(keys.buffer), vw = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) { kw[i] = i; vw[i] = i ^ 0x5a5a; }
  let gathered = 0;
  const src = { count: n, key: (i: number) => keys.subarray(i * 4, i * 4 + 4), value: (i: number) => values.subarray(i * 4, i * 4 + 4),
    gather: (start: number, k: number, ko: Uint8Array, vo: Uint8Array) => { gathered++; ko.set(keys.subarray(start * 4, (start + k) * 4)); vo.set(values.subarray(start * 4, (start + k) * 4)); }, packed: (start: number, k: number) => ({ keys: keys.subarray(start * 4, (start + k) * 4), values: values.subarray(start * 4, (start + k) * 4) }) };
  let mainCalls = 0;
  let thrown: unknown;
  try {
    m.writeEntries(src, { twoThreads: true, onCall: (_c, worker) => { if (worker !== true && ++mainCalls === 3) throw new Error('hook failed'); } });
  } catch (e) { thrown = e; }
  assert.is((thrown as Error)?.message, 'hook failed');
  const after = [...m.entries()].length;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // a worker still writing would add entries now
  assert.is([...m.entries()].length, after, 'no entry written after the call returned');
  assert.ok(after > 0 && after < n, `part written: ${after}`);
  // The same entries again (the writer knows batches work: all of them two-threaded), from the packed memory: every one, no gather.
  gathered = 0;
  const seen: string[] = [];
  m.writeEntries(src, { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
  assert.is(gathered, 0, 'packed records are not copied');
  assert.ok(seen.includes('updateBatch worker'), `the worker thread wrote chunks: ${runs(seen).join(', ')}`);
  const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
  assert.is(got.size, n);
  assert.ok(range(0, n).every((k) => got.get(k) === (k ^ 0x5a5a)), 'every key with its value');
}));

/** Entries k -> k ^ 0x5a5a for k in [0, n), packed in two buffers; `key`/`value` per record throw. */
function packedOnly(n: number) {
  const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 4);
  const kw = new Uint32Array(keys.buffer), vw = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) { kw[i] = i; vw[i] = i ^ 0x5a5a; }
  const none = (): Uint8Array => { throw new Error('per-record view asked for'); };
  return { keys, values, src: { count: n, key: none, value: none } };
}
const everyEntry = (m: ReturnType<typeof open>['m'], n: number) => {
  const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
  return got.size === n && range(0, n).every((k) => got.get(k) === (k ^ 0x5a5a));
};

W('a source that gathers its records: batches are filled by gather (no per-record view), from one thread and for the two-thread copy', twoThreads(300000, (m) => {
  const n = 200000;
  const { keys, values, src } = packedOnly(n);
  const asked: number[] = [];
  const gathering = { ...src, gather: (start: number, k: number, ko: Uint8Array, vo: Uint8Array) => {
    asked.push(start);
    ko.set(keys.subarray(start * 4, (start + k) * 4)); vo.set(values.subarray(start * 4, (start + k) * 4));
  } };
  m.writeEntries(gathering, {});
  assert.is(asked.length, Math.ceil(n / 16384), 'one gather per chunk');
  assert.ok(everyEntry(m, n), 'every key with its value');
  m.deleteEntries(keysOf(range(0, n)));
  asked.length = 0;
  m.writeEntries(gathering, { twoThreads: true });
  assert.equal(asked, [0], 'the writer knows batches work: all of it gathered at once for both threads');
  assert.ok(everyEntry(m, n), 'every key with its value');
}));

W('a packed() answer of the wrong length is not used: the records are gathered instead', twoThreads(300000, (m) => {
  const n = 200000;
  const { keys, values, src } = packedOnly(n);
  let gathered = 0;
  for (const wrong of ['keys', 'values'] as const) {
    m.deleteEntries(keysOf([...m.entries()].map((e) => Number(e.key))));
    gathered = 0;
    m.writeEntries({ ...src,
      gather: (start: number, k: number, ko: Uint8Array, vo: Uint8Array) => { gathered++; ko.set(keys.subarray(start * 4, (start + k) * 4)); vo.set(values.subarray(start * 4, (start + k) * 4)); },
      // One of the views is a record too long (and all zeros): not the records asked for.
      packed: (start: number, k: number) => ({
        keys: wrong === 'keys' ? new Uint8Array((k + 1) * 4) : keys.subarray(start * 4, (start + k) * 4),
        values: wrong === 'values' ? new Uint8Array((k + 1) * 4) : values.subarray(start * 4, (start + k) * 4) }),
    }, { twoThreads: true });
    // The first write's first chunk decides batches (gathered on its own); after that, all at once.
    assert.is(gathered, wrong === 'keys' ? 2 : 1, `${wrong} too long: gathered instead`);
    assert.ok(everyEntry(m, n), `${wrong} too long: every key with its value`);
  }
}));

W('twoThreads: a worker thread that ends during a write (terminated: it never reports that it finished) is noticed instead of waited for without end; the error names the entry it was on; the next write starts a new worker', twoThreads(300000, (m) => {
  const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const has = (k: number): boolean => { try { m.lookup(k); return true; } catch { return false; } };
  let ended = false;
  let err: { code?: string; done?: number; message?: string } | undefined;
  const t0 = Date.now();
  try {
    m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (_c, worker) => {
      // This thread's first chunk of the shared phase, held until the worker has written a chunk
      // (one of the first three chunks after the first batch is in the map: this thread has written
      // none of them yet); then the worker is ended in the middle of the job, and given time to be gone.
      if (worker === false && !ended) {
        ended = true;
        const deadline = Date.now() + 5000;
        while (![16384, 32768, 49152].some(has) && Date.now() < deadline) pause(1);
        assert.ok([16384, 32768, 49152].some(has), 'the worker wrote a chunk');
        void endBatchThread();
        pause(300);
      }
    } });
  } catch (e) { err = e as typeof err; }
  assert.ok(ended);
  assert.ok(Date.now() - t0 < 5000, `noticed in ${Date.now() - t0} ms`);
  assert.ok(err, 'the write fails: the worker\'s chunk may be written in part');
  assert.is(err!.code, 'INTERNAL');
  assert.match(err!.message!, /second writing thread ended during the write; the entries from the chunk it was on may or may not have gone in/);
  assert.ok(err!.done! >= 16384 && err!.done! < 300000 && err!.done! % 16384 === 0, `done ${err!.done} is the start of a chunk`);
  const keys = new Set([...m.entries()].map((e) => Number(e.key)));
  assert.ok(range(0, err!.done!).every((k) => keys.has(k)), 'every entry before the worker\'s chunk is in the map');
  const seen: string[] = [];
  prepareWrites(1 << 20);
  assert.ok(batchThreadReady(10_000), 'a new worker thread loaded');
  m.writeEntries(entries(range(0, 300000), (k) => k + 9), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
  assert.ok(seen.includes('updateBatch worker'), `a new worker thread wrote chunks: ${runs(seen).join(', ')}`);
  const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
  assert.ok(range(0, 300000).every((k) => got.get(k) === k + 9), 'the next write is whole');
}));

W('twoThreads: a worker ended by a hook that then throws is forgotten too (the hook\'s error is thrown; the next write starts a new worker)', twoThreads(300000, (m) => {
  const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const has = (k: number): boolean => { try { m.lookup(k); return true; } catch { return false; } };
  let ended = false;
  assert.throws(() => m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (_c, worker) => {
    if (worker === false && !ended) {
      ended = true;
      const deadline = Date.now() + 5000;
      while (![16384, 32768, 49152].some(has) && Date.now() < deadline) pause(1);
      void endBatchThread();
      pause(300);
      throw new Error('hook failed');
    }
  } }), /hook failed/);
  assert.ok(ended);
  const seen: string[] = [];
  prepareWrites(1 << 20);
  assert.ok(batchThreadReady(10_000), 'a new worker thread loaded');
  m.writeEntries(entries(range(0, 300000), (k) => k + 3), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
  assert.ok(seen.includes('updateBatch worker'), `a new worker thread wrote chunks: ${runs(seen).join(', ')}`);
}));

W('twoThreads: a worker that ends between writes is forgotten when it exits: the next write starts a new one', kernel(() => withPinDir(async (dir) => {
  if (!batchThreadUseful()) return skip('one CPU: no second writing thread');
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 300000);
  try {
    prepareWrites(1 << 20);
    assert.ok(batchThreadReady(10_000), 'the worker thread loaded');
    await endBatchThread();
    await new Promise((resolve) => setImmediate(resolve));
    assert.is(batchThreadState(), 'none', 'forgotten at its exit');
    m.writeEntries(entries(range(0, 300000)), { twoThreads: true });
    assert.is([...m.entries()].length, 300000, 'the write is whole');
    // The write started a new worker; on a loaded machine it may still have been loading while this
    // thread wrote every chunk, so the next write, once it is ready, shows it taking chunks.
    assert.ok(['loading', 'ready'].includes(batchThreadState()), `a new worker was started: ${batchThreadState()}`);
    assert.ok(batchThreadReady(10_000), 'the new worker loaded');
    const seen: string[] = [];
    m.writeEntries(entries(range(0, 300000), (k) => k + 5), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
    assert.ok(seen.includes('updateBatch worker'), `the new worker thread wrote chunks: ${runs(seen).join(', ')}`);
  } finally { m.close(); }
})));

W('twoThreads: a worker that cannot tell its thread id never takes a job (its end could not be seen): the main thread writes every chunk, and no worker is started again', kernel(() => withPinDir(async (dir) => {
  if (!batchThreadUseful()) return skip('one CPU: no second writing thread');
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 300000);
  try {
    await endBatchThread();
    for (let i = 0; i < 500 && batchThreadState() !== 'none'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.is(batchThreadState(), 'none', 'the worker of the tests before is gone');
    startBatchThread(join(dir, 'no-thread-self'));
    for (let i = 0; i < 1000 && batchThreadState() === 'loading'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.is(batchThreadState(), 'unusable', 'the worker ended before it was ready');
    const seen: string[] = [];
    m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
    assert.not.ok(seen.includes('updateBatch worker'), `no chunk from a worker: ${runs(seen).join(', ')}`);
    assert.ok(seen.filter((c) => c === 'updateBatch').length >= 300000 / 16384, 'this thread wrote every chunk');
    const got = new Map([...m.entries()].map((e) => [Number(e.key), Number(e.value)]));
    assert.ok(range(0, 300000).every((k) => got.get(k) === k + 1), 'the write is whole');
    prepareWrites(1 << 20);
    assert.is(batchThreadState(), 'unusable', 'not started again');
  } finally {
    m.close();
    await endBatchThread(); // forgotten: the tests after it may start a worker again
  }
})));

function refusalOf(fn: () => unknown): { errnoName?: string } {
  try { fn(); } catch (e) { return e as { errnoName?: string }; }
  throw new Error('expected an error');
}

/** Entries k -> k ^ 0x5a5a for k in [0, n), packed. */
function packedEntries(n: number): { keys: Uint8Array; values: Uint8Array } {
  const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 4);
  const kw = new Uint32Array(keys.buffer), vw = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) { kw[i] = i; vw[i] = i ^ 0x5a5a; }
  return { keys, values };
}

W('mapUpdateBatchShared on its own: without hooks every entry goes in; a count that is a whole number of chunks makes one call a chunk, none for the empty rest', twoThreads(300000, (m) => {
  const n = 4 * 16384;
  const { keys, values } = packedEntries(n);
  mapUpdateBatchShared(m.fd, keys, values, n, 4, 4, 16384, 'the test map');
  assert.ok(everyEntry(m, n), 'every key with its value, no hooks given');
  const seen: boolean[] = [];
  let done = 0;
  mapUpdateBatchShared(m.fd, keys, values, n, 4, 4, 16384, 'the test map', { onCall: (w) => seen.push(w), onDone: (k) => { done += k; } });
  assert.is(seen.length, 4, `calls: ${seen.join(', ')}`);
  assert.is(done, n);
}));

W('mapUpdateBatchShared: a call the kernel refuses before any entry (a closed descriptor) fails at entry 0, with no entry counted as done', twoThreads(300000, () => {
  const n = 4 * 16384;
  const { keys, values } = packedEntries(n);
  const counted: number[] = [];
  let err: { errnoName?: string; failedAt?: number } | undefined;
  try {
    mapUpdateBatchShared(0x7ffffff0, keys, values, n, 4, 4, 16384, 'no map', { onDone: (k) => counted.push(k) });
  } catch (e) { err = e as typeof err; }
  assert.ok(err, 'the write fails');
  assert.equal([err!.errnoName, err!.failedAt], ['EBADF', 0]);
  assert.is(counted.reduce((a, b) => a + b, 0), 0, `nothing done: ${counted.join(', ')}`);
}));

W('twoThreads: both threads fail (this thread\'s entry lower, its chunk held until the worker has failed): the lower entry\'s error is thrown', twoThreads(300000, (m) => {
  const bad = [16384 + 100, 290000];
  const keys = range(0, 300000);
  for (const b of bad) keys[b] = 300000 + b;
  const hold = new Int32Array(new SharedArrayBuffer(4));
  let held = false;
  let err: { code?: string; done?: number } | undefined;
  try {
    m.writeEntries(entries(keys), { twoThreads: true, onCall: (_c, worker) => {
      if (worker === false && !held) { held = true; Atomics.wait(hold, 0, 0, 500); }
    } });
  } catch (e) { err = e as typeof err; }
  // Nearly always this thread takes the shared phase's first chunk and holds it while the worker fails
  // further on; where the worker takes that chunk, it fails there itself, and this thread may hold none.
  assert.ok(err, 'the write fails');
  assert.is(err!.done, bad[0], `held: ${held}`);
}, 'array'));

W('the worker\'s states: loading, then ready (and still ready after writes); an unusable worker answers at once and is forgotten by endBatchThread; a worker ended during a write leaves the next one alone', kernel(() => withPinDir(async (dir) => {
  if (!batchThreadUseful()) return skip('one CPU: no second writing thread');
  const tick = () => new Promise((resolve) => setTimeout(resolve, 20));
  const { m } = open(dir, 'hash', BPF_MAP_TYPE.HASH, 300000);
  try {
    await endBatchThread();
    for (let i = 0; i < 500 && batchThreadState() !== 'none'; i++) await tick();
    assert.is(batchThreadState(), 'none');
    startBatchThread();
    assert.not.ok(batchThreadReady(0), 'not ready at once: it loads koffi first');
    assert.is(batchThreadState(), 'loading');
    assert.ok(batchThreadReady(10_000));
    assert.is(batchThreadState(), 'ready');
    for (let round = 0; round < 3; round++) {
      const seen: string[] = [];
      m.writeEntries(entries(range(0, 300000), (k) => k + round), { twoThreads: true, onCall: (c, worker) => seen.push(`${c}${worker === true ? ' worker' : ''}`) });
      assert.ok(seen.includes('updateBatch worker'), `round ${round}: ${runs(seen).join(', ')}`);
      await tick();
      assert.is(batchThreadState(), 'ready', `round ${round}: the same worker, not forgotten after the write`);
    }
    // A worker ended during a write: the write fails, a new worker starts at once, and the old
    // one's exit (delivered afterwards) does not make the new one forgotten.
    const has = (k: number): boolean => { try { m.lookup(k); return true; } catch { return false; } };
    m.deleteEntries(keysOf(range(0, 300000)));
    let ended = false;
    let err: { message?: string } | undefined;
    try {
      m.writeEntries(entries(range(0, 300000)), { twoThreads: true, onCall: (_c, worker) => {
        if (worker === false && !ended) {
          ended = true;
          const deadline = Date.now() + 5000;
          while (![16384, 32768, 49152].some(has) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          void endBatchThread();
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
        }
      } });
    } catch (e) { err = e as typeof err; }
    assert.match(err?.message ?? '', /^MAP_UPDATE_BATCH of map '.*bpfmap_test': the second writing thread ended during the write/);
    prepareWrites(1 << 20);
    assert.ok(batchThreadReady(10_000), 'a new worker');
    for (let i = 0; i < 10; i++) await tick();
    assert.is(batchThreadState(), 'ready', 'the old worker\'s exit left the new one alone');
    // Unusable: answers at once, and endBatchThread forgets it so that a later start may try again.
    await endBatchThread();
    for (let i = 0; i < 500 && batchThreadState() !== 'none'; i++) await tick();
    startBatchThread(join(dir, 'no-thread-self'));
    for (let i = 0; i < 1000 && batchThreadState() === 'loading'; i++) await tick();
    assert.is(batchThreadState(), 'unusable');
    const t0 = Date.now();
    assert.not.ok(batchThreadReady(2000), 'an unusable worker is never ready');
    assert.ok(Date.now() - t0 < 1000, `answered in ${Date.now() - t0} ms, without waiting`);
    // This thread alone then: a whole number of chunks is that many calls (none for the empty rest),
    // and a refusal without hooks is the kernel's error.
    const { keys, values } = packedEntries(2 * 16384);
    const alone: boolean[] = [];
    mapUpdateBatchShared(m.fd, keys, values, 2 * 16384, 4, 4, 16384, 'the test map', { onCall: (w) => alone.push(w) });
    assert.equal(alone, [false, false]);
    assert.is(refusalOf(() => mapUpdateBatchShared(0x7ffffff0, keys, values, 2 * 16384, 4, 4, 16384, 'no map')).errnoName, 'EBADF');
    await endBatchThread();
    assert.is(batchThreadState(), 'none', 'forgotten');
  } finally {
    m.close();
    await endBatchThread();
  }
})));

/**
 * Runs `script` (an ES module importing the two-thread writer as `t`, from a file: the worker thread
 * would take the `--input-type` of an `-e` script for its own code) in a new Node process, behind the
 * command `pre` if given; its stdout and stderr.
 */
function child(script: string, pre: readonly string[] = [], node: readonly string[] = []): { out: string; err: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-child-'));
  try {
    const file = join(dir, 'child.mts');
    writeFileSync(file, `import * as t from ${JSON.stringify(join(process.cwd(), 'src/syscall/fast-batch-thread.ts'))};\n${script}`);
    const r = spawnSync(pre[0] ?? process.execPath, [...pre.slice(1), ...(pre.length > 0 ? [process.execPath] : []), ...node,
      '--import', 'tsx', file], { encoding: 'utf8', timeout: 30_000 });
    assert.is(r.status, 0, `the child process failed: ${r.stderr}`);
    return { out: r.stdout, err: r.stderr };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

/** The CPUs this process may run on (its affinity: Cpus_allowed_list). */
function allowedCpus(): number[] {
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
  return list.split(',').filter(Boolean).flatMap((r) => {
    const [a, b] = r.split('-').map(Number);
    return range(a!, (b ?? a!) - a! + 1);
  });
}

W('batchThreadUseful: a second core for the worker, as the process may use them (one CPU allowed by its affinity: not useful)', () => {
  if (spawnSync('taskset', ['-V']).status !== 0) return skip('taskset not installed');
  const cpus = allowedCpus();
  assert.is(child('console.log(t.batchThreadUseful());', ['taskset', '-c', String(cpus[0])]).out.trim(), 'false');
  if (cpus.length < 2) return skip('one CPU: no process here may use two');
  assert.is(child('console.log(t.batchThreadUseful());', ['taskset', '-c', `${cpus[0]},${cpus[1]}`]).out.trim(), 'true');
});

W('the worker\'s output is not the command\'s: what a preloaded module prints in the worker thread reaches neither stdout nor stderr (it does from another worker)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-preload-'));
  try {
    const preload = join(dir, 'preload.cjs');
    writeFileSync(preload, `const wt = require('node:worker_threads');
if (!wt.isMainThread) {
  const who = wt.workerData && wt.workerData.koffi ? 'the writer' : 'another worker';
  console.log('stdout of ' + who); console.error('stderr of ' + who);
}\n`);
    const { out, err } = child(`import { Worker } from 'node:worker_threads';
t.startBatchThread();
console.log('ready', t.batchThreadReady(10000));
await new Promise((resolve) => new Worker('0', { eval: true, workerData: {} }).on('exit', resolve));`, [], ['--require', preload]);
    assert.match(out, /^ready true$/m);
    assert.match(out, /stdout of another worker/, 'the preload prints in worker threads, to stdout');
    assert.match(err, /stderr of another worker/, 'and to stderr');
    assert.not.match(out, /of the writer/, `stdout: ${out}`);
    assert.not.match(err, /of the writer/, `stderr: ${err}`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

W('a worker started from a program run with --input-type=module (which the worker thread takes for its own code) gets ready', () => {
  const code = `import * as t from ${JSON.stringify(join(process.cwd(), 'src/syscall/fast-batch-thread.ts'))};
t.startBatchThread();
console.log('ready', t.batchThreadReady(10000));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module'], { input: code, encoding: 'utf8', timeout: 30_000 });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), 'ready true');
});

W('a worker that cannot be created (the Worker constructor throws) is unusable: never ready, not waited for, not tried again; nothing is held before a write', () => {
  const { out } = child(`import { createRequire } from 'node:module';
let tries = 0;
createRequire(process.cwd() + '/')('node:worker_threads').Worker = function () { tries++; throw new Error('no threads here'); };
const held = t.batchThreadHolds().length;
t.startBatchThread();
const state = t.batchThreadState(), ready = t.batchThreadReady(5000);
t.startBatchThread();
console.log(JSON.stringify({ held, state, ready, tries }));`);
  assert.equal(JSON.parse(out), { held: 0, state: 'unusable', ready: false, tries: 1 });
});

/** Array-map entries k -> k + add for k in [0, n), packed; `kw` the keys as words (a key set to BAD_KEY is refused). */
function packedAdd(n: number, add: number): { keys: Uint8Array; values: Uint8Array; kw: Uint32Array } {
  const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 4);
  const kw = new Uint32Array(keys.buffer), vw = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) { kw[i] = i; vw[i] = i + add; }
  return { keys, values, kw };
}
/** A key past max_entries: the kernel refuses it with E2BIG, the entries before it in its chunk taken. */
const BAD_KEY = 0xffffffff;

const pause = (ms: number): void => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); };
/** The array map's value at k is the one written (k + add). */
const written = (m: ReturnType<typeof open>['m'], k: number, add: number): boolean => Number(m.lookup(k)) === k + add;

// Chunks of CHUNK_BIG entries take the kernel tens of milliseconds each: long enough for this thread
// to see the worker in the middle of one.
const CHUNK_BIG = 1_000_000;

/**
 * Called from this thread's first hook call (before it writes its first chunk): spins until the
 * worker has begun a chunk (its first entry written, up to 5 s). 'second' when the worker is on
 * the second chunk, this thread then holding the first; 'first' when the worker took the first
 * (it can win that race while this thread collects garbage): the caller tries again.
 */
function workerChunk(m: ReturnType<typeof open>['m'], add: number): 'first' | 'second' {
  const deadline = Date.now() + 5000;
  for (;;) {
    if (written(m, 0, add)) return 'first';
    if (written(m, CHUNK_BIG, add)) return 'second';
    assert.ok(Date.now() < deadline, 'the worker began a chunk within 5 s');
  }
}

W('mapUpdateBatchShared: this thread fails at once while the worker is in the middle of its chunk: the worker is waited for (its chunk whole, the worker kept), this thread\'s error thrown; the buffers are held while the write runs and let go after', twoThreads(2 * CHUNK_BIG, (m) => {
  assert.equal(batchThreadHolds(), [], 'nothing held before the write');
  let tried = 0;
  for (let add = 1; add <= 5; add++) {
    const { keys, values, kw } = packedAdd(2 * CHUNK_BIG, add);
    let where: 'first' | 'second' | undefined, midway = false, held: readonly Uint8Array[] = [];
    let err: { errnoName?: string; failedAt?: number } | undefined;
    try {
      mapUpdateBatchShared(m.fd, keys, values, 2 * CHUNK_BIG, 4, 4, CHUNK_BIG, 'the test map', { onCall: (w) => {
        if (w === false && where === undefined) {
          held = batchThreadHolds();
          where = workerChunk(m, add);
          if (where === 'first') return;
          midway = !written(m, 2 * CHUNK_BIG - 1, add);
          kw[0] = BAD_KEY; // this thread's chunk, which the kernel reads only now, fails at its first entry
        }
      } });
    } catch (e) { err = e as typeof err; }
    assert.equal(batchThreadHolds(), [], 'let go after it');
    // The worker took the first chunk, or had finished the second before this thread failed (this
    // thread descheduled meanwhile): tried again.
    if (where === 'first' || !midway) continue;
    tried++;
    assert.ok(held.length === 2 && held[0] === keys && held[1] === values, 'the keys and values held while the write ran');
    assert.equal([err?.errnoName, err?.failedAt], ['E2BIG', 0], 'this thread\'s error, at its first entry');
    assert.ok(range(CHUNK_BIG, CHUNK_BIG).every((k) => written(m, k, add)), 'the worker\'s chunk is whole: it was waited for');
    assert.is(batchThreadState(), 'ready', 'the worker is kept for the next write');
    break;
  }
  assert.is(tried, 1, 'the worker took the second chunk in one of 5 writes');
}, 'array'));

W('mapUpdateBatchShared: a healthy worker busy for longer than one liveness check (100 ms) after this thread failed is waited for, not taken for gone: its chunk whole, the worker kept', twoThreads(CHUNK_BIG, (m) => {
  // The hash map is full of the second chunk's keys: the first chunk's new keys are refused at once
  // (E2BIG), the second chunk's updates take the kernel hundreds of milliseconds.
  const keys = new Uint8Array(2 * CHUNK_BIG * 4), values = new Uint8Array(2 * CHUNK_BIG * 4);
  const kw = new Uint32Array(keys.buffer), vw = new Uint32Array(values.buffer);
  for (let i = 0; i < 2 * CHUNK_BIG; i++) { kw[i] = i; vw[i] = i + 1; }
  mapUpdateBatch(m.fd, keys.subarray(CHUNK_BIG * 4), new Uint8Array(CHUNK_BIG * 4), CHUNK_BIG);
  let tried = 0;
  for (let add = 1; add <= 5 && tried === 0; add++) {
    for (let i = 0; i < 2 * CHUNK_BIG; i++) vw[i] = i + add;
    startBatchThread();
    assert.ok(batchThreadReady(10_000), 'the worker thread loaded');
    let began: boolean | undefined;
    let left = 0, t0 = 0;
    let err: { errnoName?: string; failedAt?: number } | undefined;
    try {
      mapUpdateBatchShared(m.fd, keys, values, 2 * CHUNK_BIG, 4, 4, CHUNK_BIG, 'the test map', { onCall: (w) => {
        if (w === false && began === undefined) {
          // This thread holds the first chunk until the worker has begun the second (if the worker
          // took the first, it fails there at once and nothing shows: tried again).
          const deadline = Date.now() + 2000;
          while (!(began = written(m, CHUNK_BIG, add)) && Date.now() < deadline) { /* the worker is writing */ }
          t0 = Date.now();
          for (let k = CHUNK_BIG + 999; k < 2 * CHUNK_BIG; k += 1000) if (!written(m, k, add)) left++;
        }
      } });
    } catch (e) { err = e as typeof err; }
    const waited = Date.now() - t0;
    // Nothing to see where the worker took the first chunk, or finished within one liveness check: tried again.
    if (began !== true || waited <= 150) continue;
    tried++;
    assert.equal([err?.errnoName, err?.failedAt], ['E2BIG', 0], 'this thread\'s error, at its first entry');
    assert.is(batchThreadState(), 'ready', `the worker is kept (waited ${waited} ms; ${left} of 1000 sampled entries were left when this thread failed)`);
    assert.ok(range(CHUNK_BIG, CHUNK_BIG).every((k) => written(m, k, add)), 'the worker\'s chunk is whole: it was waited for');
  }
  assert.is(tried, 1, 'in one of 5 writes the worker took the second chunk and was waited for longer than 150 ms');
}));

W('mapUpdateBatchShared: a worker ended in the middle of its chunk while this thread fails: the error at the lower entry is thrown (this thread\'s before the worker\'s chunk, else the ended worker\'s, at the start of its chunk)', twoThreads(3 * CHUNK_BIG, (m) => {
  let add = 0;
  for (const [bad, want] of [[5, ['E2BIG', 5]], [3 * CHUNK_BIG - 1, ['INTERNAL', CHUNK_BIG]]] as const) {
    let tried = false;
    for (let attempt = 0; attempt < 5 && !tried; attempt++) {
      add++;
      startBatchThread();
      assert.ok(batchThreadReady(10_000), `bad entry ${bad}: the worker thread loaded`);
      const { keys, values, kw } = packedAdd(3 * CHUNK_BIG, add);
      let where: 'first' | 'second' | undefined;
      let err: { code?: string; errnoName?: string; failedAt?: number; message?: string } | undefined;
      try {
        mapUpdateBatchShared(m.fd, keys, values, 3 * CHUNK_BIG, 4, 4, CHUNK_BIG, 'the test map', { onCall: (w) => {
          // This thread's first chunk, held until the worker is in the second; the worker is then
          // ended and given time to be gone. This thread writes its chunk, then the third.
          if (w === false && where === undefined) {
            where = workerChunk(m, add);
            if (where === 'first') return;
            kw[bad] = BAD_KEY;
            void endBatchThread();
            pause(300);
          }
        } });
      } catch (e) { err = e as typeof err; }
      if (where === 'first') continue;
      tried = true;
      assert.equal([err?.code === 'INTERNAL' ? 'INTERNAL' : err?.errnoName, err?.failedAt], [...want], `bad entry ${bad}: ${err?.message}`);
      if (want[0] === 'INTERNAL') assert.match(err!.message!, /second writing thread ended during the write/);
      assert.is(batchThreadState(), 'none', `bad entry ${bad}: the ended worker is forgotten`);
    }
    assert.ok(tried, `bad entry ${bad}: the worker took the second chunk in one of 5 writes`);
  }
}, 'array'));

W.run();
