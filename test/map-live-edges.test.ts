// Live-map edges: dumps while entries are deleted (no key twice), per-CPU lists of the wrong length,
// keyless maps asked with a key, arrays asked to delete, and map-in-map values of the wrong inner
// map: each is refused before the kernel with what was expected, or read without duplicates.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap, possibleCpus } from '../src/index.js';

const u8: TypeNode = { kind: 'int', name: '__u8', size: 1, signed: false };
const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const ip4: TypeNode = { kind: 'array', name: '', size: 4, length: 4, element: u8 };
const lpmKey: TypeNode = { kind: 'struct', name: 'lpm_key', size: 8, fields: [{ name: 'prefixLen', offset: 0, type: u32 }, { name: 'ip', offset: 4, type: ip4 }] };
const v12: TypeNode = { kind: 'struct', name: 'v12', size: 12, fields: [
  { name: 's', offset: 0, type: { kind: 'int', name: '__s32', size: 4, signed: true } },
  { name: 'f', offset: 4, type: { kind: 'float', name: 'float', size: 4 } as TypeNode },
  { name: 'u', offset: 8, type: u32 }] };

function schema(name: string, type: string, key: TypeNode | null, value: TypeNode, max: number, extra: Partial<MapSchema> = {}): MapSchema {
  return { name, kernelName: name, type, typeId: BPF_MAP_TYPE[type.toUpperCase() as 'HASH'], keySize: key?.size ?? 0, valueSize: value.size,
    maxEntries: max, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: type.startsWith('percpu'), key, value,
    section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0, ...extra };
}

function pinned(dir: string, s: MapSchema, innerMapFd?: number): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: s.mapFlags,
    name: s.kernelName, ...(innerMapFd !== undefined ? { innerMapFd } : {}) });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const Dump = suite('LiveMap.batches: entries deleted mid-dump (kernel)');
Dump('lpm_trie: the batch cursor deleted between batches gives no key twice', kernel(() => withPinDir((dir) => {
  const s = schema('e_lpm', 'lpm_trie', lpmKey, u64, 64, { mapFlags: 1, flags: ['no_prealloc'] });
  const m = openMap({ map: s, pin: pinned(dir, s) });
  try {
    for (let i = 0; i < 10; i++) m.update({ ip: `10.${i}.0.0/16` }, BigInt(i));
    const seen: string[] = [];
    let n = 0;
    for (const b of m.batches(3)) {
      for (let i = 0; i < b.count; i++) seen.push(hex(b.keys.subarray(i * 8, (i + 1) * 8)));
      // The cursor of the next call is this batch's last key: deleting it makes the kernel start over.
      if (n++ === 1) m.deleteRaw(b.keys.slice((b.count - 1) * 8, b.count * 8));
    }
    assert.is(new Set(seen).size, seen.length, `no key twice: ${seen.join(' ')}`);
    assert.is(seen.length, 10, 'every key present at the start, the deleted one included, once');
  } finally { m.close(); }
})));
Dump('hash_of_maps (key by key): the entry being read deleted gives no key twice', kernel(() => withPinDir((dir) => {
  const inner = schema('e_inner', 'array', u32, u32, 2);
  const innerPin = pinned(dir, inner);
  const tmpl = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, name: 'tmpl' });
  const s = schema('e_hom', 'hash_of_maps', u32, u32, 8);
  let p: string;
  try { p = pinned(dir, s, tmpl); } finally { closeFd(tmpl); }
  const m = openMap({ map: s, pin: p });
  try {
    for (let i = 0; i < 5; i++) m.update(i, innerPin);
    const seen: unknown[] = [];
    for (const e of m.entries()) {
      seen.push(e.key);
      if (seen.length === 2) m.delete(e.key); // GET_NEXT_KEY from a missing key starts over
      assert.ok(seen.length <= 10, `runaway dump: ${seen.join(' ')}`);
    }
    assert.is(new Set(seen).size, seen.length, `no key twice: ${seen.join(' ')}`);
    assert.is(seen.length, 5);
  } finally { m.close(); }
})));
Dump.run();

const PerCpu = suite('per-CPU values: a list of the wrong length (kernel)');
PerCpu('refused naming the number of possible CPUs; nothing written', kernel(() => withPinDir((dir) => {
  const s = schema('e_pc12', 'percpu_hash', u32, v12, 4);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pin: p });
  const n = possibleCpus();
  try {
    const one = { s: -1, f: 0.5, u: 1 };
    const msg = err(() => m.update(1, Array.from({ length: n + 1 }, () => one)));
    assert.match(msg, /^VALUE_INVALID: .*value: expected one value or a list of \d+ \(one per possible CPU\), got a list of \d+/);
    assert.match(msg, new RegExp(`a list of ${n} \\(one per possible CPU\\), got a list of ${n + 1}`));
    assert.match(err(() => m.lookup(1)), /^KEY_NOT_FOUND/, 'nothing written');
    // The right length works, each CPU at the 16-byte stride of a 12-byte value, padding zero.
    m.update(1, Array.from({ length: n }, (_, i) => ({ s: -i, f: i + 0.25, u: i })));
    assert.equal(m.lookup(1, { sum: true }), { s: -(n * (n - 1)) / 2, f: n * 0.25 + (n * (n - 1)) / 2, u: (n * (n - 1)) / 2 });
    const raw = m.lookupRaw(new Uint8Array([1, 0, 0, 0]));
    assert.is(raw.byteLength, 16 * n);
    for (let c = 0; c < n; c++) assert.equal([...raw.subarray(c * 16 + 12, c * 16 + 16)], [0, 0, 0, 0], `cpu ${c} padding`);
  } finally { m.close(); }
})));
PerCpu.run();

const Keyless = suite('keyless maps and arrays: refused before the kernel (kernel)');
Keyless('bloom filter: lookup is refused (it would test the value 0), peek tests membership', kernel(() => withPinDir((dir) => {
  const s = schema('e_bloom', 'bloom_filter', null, u64, 16);
  const m = openMap({ map: s, pin: pinned(dir, s) });
  try {
    m.push(0n);
    assert.match(err(() => m.lookup(5)), /^NOT_SUPPORTED: .*lookup: a bloom_filter has no keys; test a value with peek/);
    assert.is(m.peek(5n), false);
    assert.is(m.peek(0n), true);
  } finally { m.close(); }
})));
Keyless('queue: lookup with a key, getnext and dump say a queue has no keys (not EINVAL)', kernel(() => withPinDir((dir) => {
  const s = schema('e_queue', 'queue', null, u32, 2);
  const m = openMap({ map: s, pin: pinned(dir, s) });
  try {
    m.push(7);
    assert.match(err(() => m.lookup(5)), /^NOT_SUPPORTED: .*lookup: a queue has no keys; use peek/);
    assert.is(m.lookup(undefined), 7, 'lookup without a key peeks');
    assert.match(err(() => m.getNext()), /^NOT_SUPPORTED: .*getnext: a queue has no keys; use peek or pop/);
    assert.match(err(() => [...m.entries()]), /^NOT_SUPPORTED: .*dump: a queue has no keys; use peek or pop/);
    assert.is(m.pop(), 7);
  } finally { m.close(); }
})));
Keyless('array: delete is refused (every index always exists), not EINVAL from the kernel', kernel(() => withPinDir((dir) => {
  for (const type of ['array', 'percpu_array']) {
    const s = schema(`e_${type}`, type, u32, u64, 2);
    const m = openMap({ map: s, pin: pinned(dir, s) });
    try {
      m.update(1, 5n);
      assert.match(err(() => m.delete(1)), new RegExp(`^NOT_SUPPORTED: .*delete: a ${type} map cannot delete entries \\(every index always exists\\); write a zero value instead`));
      assert.ok(m.lookup(1, { sum: true }) === 5n * BigInt(s.perCpu ? possibleCpus() : 1), 'entry unchanged');
    } finally { m.close(); }
  }
})));
Keyless.run();

const Inner = suite('map-in-map: an inner map unlike the object\'s (kernel)');
Inner('a pin of another type or size is refused naming the expected inner map; nothing written', kernel(() => withPinDir((dir) => {
  const innerDef = schema('e_inner_def', 'array', u32, u32, 4);
  const good = pinned(dir, innerDef);
  const wrongType = pinned(dir, schema('e_wrong_hash', 'hash', u32, u32, 4));
  const wrongValue = pinned(dir, schema('e_wrong_val', 'array', u32, u64, 4));
  const tmpl = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, name: 'tmpl' });
  const s = schema('e_aom', 'array_of_maps', u32, u32, 4, { inner: innerDef });
  let p: string;
  try { p = pinned(dir, s, tmpl); } finally { closeFd(tmpl); }
  const m = openMap({ map: s, pin: p });
  try {
    const t = err(() => m.update(0, wrongType));
    assert.match(t, /^MAP_INCOMPATIBLE: value: .*e_wrong_hash.*: does not match the inner map of 'e_aom': type: expected array, got hash/);
    const v = err(() => m.update(0, wrongValue));
    assert.match(v, /^MAP_INCOMPATIBLE: value: .*value size: expected 4, got 8/);
    assert.match(err(() => m.lookup(0)), /^KEY_NOT_FOUND/, 'nothing written');
    m.update(0, good);
    const bt = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[] }[];
    assert.is(bt.length, 1);
  } finally { m.close(); }
})));
Inner.run();

const Sizes = suite('raw values of the wrong size: refused before the kernel (kernel)');
Sizes('a value shorter than the live map\'s (a schema forced onto a wider map) is refused, not padded with stale bytes', kernel(() => withPinDir((dir) => {
  const wide = schema('e_wide', 'hash', u32, { kind: 'bytes', name: '', size: 16 } as TypeNode, 4);
  const p = pinned(dir, wide);
  const narrow = schema('e_wide', 'hash', u32, u64, 4);
  const m = openMap({ map: narrow, pin: p, force: true });
  try {
    m.updateRaw(new Uint8Array([9, 0, 0, 0]), new Uint8Array(16).fill(0xee)); // leaves 0xee in the value buffer
    m.lookupRaw(new Uint8Array([9, 0, 0, 0]));
    assert.match(err(() => m.update(1, 0x0102030405060708n)), /^VALUE_INVALID: .*value: expected 16 bytes \(the live map's value size\), got 8 \(the object's 'e_wide' has value size 8; the map does not match it\)/);
    assert.match(err(() => m.updateRaw(new Uint8Array([1, 0, 0, 0]), new Uint8Array(8))), /^VALUE_INVALID: .*value: expected 16 bytes/);
    assert.match(err(() => m.lookupRaw(new Uint8Array([1, 0, 0, 0]))), /^KEY_NOT_FOUND/, 'nothing written');
    // Raw batches: buffers shorter than count records of the live sizes are refused too.
    assert.match(err(() => m.updateBatchRaw(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), new Uint8Array(16), 2)),
      /^VALUE_INVALID: entries: expected at least 2 keys of 4 bytes and 2 values of 16 bytes \(the live map's sizes\), got 8 and 16 bytes/);
    assert.match(err(() => m.lookupRaw(new Uint8Array([2, 0, 0, 0]))), /^KEY_NOT_FOUND/, 'nothing written');
    assert.is(m.updateBatchRaw(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]), new Uint8Array(48), 2), 2, 'longer buffers: the first count records');
  } finally { m.close(); }
})));
Sizes.run();
