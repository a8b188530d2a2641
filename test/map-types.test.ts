/**
 * Every CRUD-able map type, written through LiveMap and read back through `bpftool -j map dump`
 * (or peek for queues and stacks), and written by bpftool and read back through LiveMap.
 * Map-in-map and prog arrays: test/map-in-map.test.ts; LPM exactness: test/map-lpm.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BPF_F, BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap, possibleCpus } from '../src/index.js';

const u8: TypeNode = { kind: 'int', name: '__u8', size: 1, signed: false };
const u16: TypeNode = { kind: 'int', name: '__u16', size: 2, signed: false };
const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const s32: TypeNode = { kind: 'int', name: '__s32', size: 4, signed: true };
const flow: TypeNode = { kind: 'struct', name: 'flow', size: 8, fields: [
  { name: 'port', offset: 0, type: u16 }, { name: 'proto', offset: 2, type: u8 }, { name: 'weight', offset: 4, type: s32 }] };
const lpmKey: TypeNode = { kind: 'struct', name: 'lpm_key', size: 8, fields: [
  { name: 'prefixlen', offset: 0, type: u32 }, { name: 'addr', offset: 4, type: { kind: 'array', name: '', size: 4, length: 4, element: u8 } }] };

type Name = 'hash' | 'array' | 'lru_hash' | 'percpu_hash' | 'percpu_array' | 'lru_percpu_hash' | 'lpm_trie' | 'queue' | 'stack' | 'bloom_filter';

function schema(type: Name, key: TypeNode | null, value: TypeNode, max: number, mapFlags = 0): MapSchema {
  return { name: type, kernelName: type.slice(0, 15), type, typeId: BPF_MAP_TYPE[type.toUpperCase() as 'HASH'], keySize: key?.size ?? 0,
    valueSize: value.size, maxEntries: max, flags: [], mapFlags, pinning: 'none', pinPath: null,
    perCpu: type.includes('percpu'), key, value, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
}

function pinned(dir: string, s: MapSchema): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: s.mapFlags, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

const bytes = (hex: string[]) => hex.map((h) => parseInt(h, 16));
const args = (b: number[]) => b.map(String);
const bpftool = (...a: string[]) => execFileSync('bpftool', ['-j', ...a], { encoding: 'utf8' });
interface Dumped { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] }
const dump = (p: string) => JSON.parse(bpftool('map', 'dump', 'pinned', p)) as Dumped[];
const find = (d: Dumped[], key: number[]) => d.find((e) => JSON.stringify(bytes(e.key)) === JSON.stringify(key));

// flow { port 8080, proto 6, weight -2 } in little-endian bytes (port, proto, pad, weight)
const FLOW = { port: 8080, proto: 6, weight: -2 };
const FLOW_BYTES = [0x90, 0x1f, 6, 0, 0xfe, 0xff, 0xff, 0xff];
const FLOW2 = { port: 53, proto: 17, weight: 1 };
const FLOW2_BYTES = [53, 0, 17, 0, 1, 0, 0, 0];

const Keyed = suite('keyed map types: LiveMap <-> bpftool (kernel)');
for (const type of ['hash', 'array', 'lru_hash'] as const) {
  Keyed(`${type}: typed write read by bpftool, bpftool write read typed`, kernel(() => withPinDir((dir) => {
    const s = schema(type, u32, flow, 8);
    const p = pinned(dir, s);
    const m = openMap({ map: s, pin: p, byteOrder: 'little' });
    try {
      m.update(5, FLOW);
      assert.equal(bytes(find(dump(p), [5, 0, 0, 0])!.value!), FLOW_BYTES);
      execFileSync('bpftool', ['map', 'update', 'pinned', p, 'key', ...args([6, 0, 0, 0]), 'value', ...args(FLOW2_BYTES)]);
      assert.equal(m.lookup(6), FLOW2);
      const got = new Map([...m.entries()].map((e) => [e.key as number, e.value]));
      assert.equal(got.get(5), FLOW);
      assert.equal(got.get(6), FLOW2);
    } finally { m.close(); }
  })));
}
Keyed.run();

const PerCpu = suite('per-CPU map types: LiveMap <-> bpftool (kernel)');
for (const type of ['percpu_hash', 'percpu_array', 'lru_percpu_hash'] as const) {
  PerCpu(`${type}: one value per CPU both ways, padding ignored, sum`, kernel(() => withPinDir((dir) => {
    const s = schema(type, u32, u32, 8);
    const p = pinned(dir, s);
    const n = possibleCpus();
    const m = openMap({ map: s, pin: p, byteOrder: 'little' });
    try {
      m.update(1, Array.from({ length: n }, (_, i) => 10 + i));
      const e = find(dump(p), [1, 0, 0, 0])!;
      assert.equal(e.values!.map((v) => bytes(v.value)), Array.from({ length: n }, (_, i) => [10 + i, 0, 0, 0]));
      // bpftool writes one value to every CPU
      execFileSync('bpftool', ['map', 'update', 'pinned', p, 'key', ...args([2, 0, 0, 0]), 'value', ...args([7, 0, 0, 0])]);
      assert.equal(m.lookup(2), Array.from({ length: n }, () => 7));
      assert.is(m.lookup(2, { sum: true }), 7 * n);
      const got = new Map([...m.entries()].map((x) => [x.key as number, x.value]));
      assert.equal(got.get(1), Array.from({ length: n }, (_, i) => 10 + i));
      // one CPU, or the sum, in lookup and in entries (each CPU's value at its own 8-byte stride)
      assert.is(m.lookup(1, { cpu: n - 1 }), 10 + n - 1);
      const last = new Map([...m.entries({ cpu: n - 1 })].map((x) => [x.key as number, x.value]));
      assert.equal([last.get(1), last.get(2)], [10 + n - 1, 7]);
      const sums = new Map([...m.entries({ sum: true })].map((x) => [x.key as number, x.value]));
      assert.equal([sums.get(1), sums.get(2)], [n * 10 + (n * (n - 1)) / 2, 7 * n]);
      let refused = '';
      try { m.entries({ cpu: n }).next(); } catch (x) { refused = `${(x as { code: string }).code}: ${(x as Error).message}`; }
      assert.match(refused, new RegExp(`^VALUE_RANGE: .*cpu: expected 0\\.\\.${n - 1}, got ${n}$`));
    } finally { m.close(); }
  })));
}
PerCpu.run();

const Lpm = suite('lpm_trie: LiveMap <-> bpftool (kernel)');
Lpm('CIDR keys both ways', kernel(() => withPinDir((dir) => {
  const s = schema('lpm_trie', lpmKey, u32, 8, BPF_F.NO_PREALLOC);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pin: p, byteOrder: 'little' });
  try {
    m.update({ addr: '192.168.0.0/16' }, 1);
    assert.equal(bytes(find(dump(p), [16, 0, 0, 0, 192, 168, 0, 0])!.value!), [1, 0, 0, 0]);
    execFileSync('bpftool', ['map', 'update', 'pinned', p, 'key', ...args([24, 0, 0, 0, 10, 0, 0, 0]), 'value', ...args([2, 0, 0, 0])]);
    assert.is(m.lookup({ addr: '10.0.0.0/24' }), 2);
    assert.equal([...m.entries()].map((e) => (e.key as { prefixlen: number }).prefixlen).sort(), [16, 24]);
  } finally { m.close(); }
})));
Lpm.run();

const Q = suite('queue, stack, bloom filter: LiveMap <-> bpftool (kernel)');
for (const type of ['queue', 'stack'] as const) {
  Q(`${type}: push / peek / pop both ways`, kernel(() => withPinDir((dir) => {
    const s = schema(type, null, flow, 4);
    const p = pinned(dir, s);
    const m = openMap({ map: s, pin: p, byteOrder: 'little' });
    try {
      m.push(FLOW);
      assert.equal(bytes(JSON.parse(bpftool('map', 'peek', 'pinned', p)).value), FLOW_BYTES);
      execFileSync('bpftool', ['map', 'push', 'pinned', p, 'value', ...args(FLOW2_BYTES)]);
      // queue: first in first out; stack: last in first out
      const order = type === 'queue' ? [FLOW, FLOW2] : [FLOW2, FLOW];
      assert.equal(m.peek(), order[0]);
      assert.equal(m.pop(), order[0]);
      assert.equal(bytes(JSON.parse(bpftool('map', 'pop', 'pinned', p)).value), type === 'queue' ? FLOW2_BYTES : FLOW_BYTES);
    } finally { m.close(); }
  })));
}
Q('bloom_filter: bpftool push, bpfmap membership; bpfmap push then membership (bpftool cannot query a bloom filter)', kernel(() => withPinDir((dir) => {
  const s = schema('bloom_filter', null, u32, 64);
  const p = pinned(dir, s);
  const m = openMap({ map: s, pin: p, byteOrder: 'little' });
  try {
    execFileSync('bpftool', ['map', 'push', 'pinned', p, 'value', ...args([0x2a, 0, 0, 0])]);
    assert.is(m.peek(0x2a), true);
    assert.is(m.peek(0x2b), false);
    m.push(0x2b);
    assert.is(m.peek(0x2b), true);
  } finally { m.close(); }
})));
Q.run();
