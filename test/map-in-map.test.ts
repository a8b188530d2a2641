import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  BPF_MAP_TYPE, BPF_PROG_TYPE, closeFd, mapCreate, objGet, objPin, progGetInfoByFd, progLoad,
} from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const bpftool = (...args: string[]) => JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
const le32 = (hex: string[]) => hex.slice(0, 4).reduce((a, h, i) => a + parseInt(h, 16) * 2 ** (8 * i), 0);

function outerSchema(type: 'array_of_maps' | 'hash_of_maps' | 'prog_array'): MapSchema {
  return { name: type, kernelName: type.slice(0, 15), type, typeId: BPF_MAP_TYPE[type.toUpperCase() as 'ARRAY_OF_MAPS'],
    keySize: 4, valueSize: 4, maxEntries: 4, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false,
    key: u32, value: u32, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
}

function pin(fd: number, path: string): string {
  try { objPin(fd, path); } finally { closeFd(fd); }
  return path;
}

/** Two inner arrays (pinned) and an outer map of `type` created with the first as template. */
function setup(dir: string, type: 'array_of_maps' | 'hash_of_maps') {
  const inner = (name: string) => pin(mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, name }), join(dir, name));
  const a = inner('inner_a'), b = inner('inner_b');
  const tmpl = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 2, name: 'tmpl' });
  let outerFd: number;
  try {
    outerFd = mapCreate({ mapType: BPF_MAP_TYPE[type.toUpperCase() as 'ARRAY_OF_MAPS'], keySize: 4, valueSize: 4, maxEntries: 4, innerMapFd: tmpl, name: type.slice(0, 15) });
  } finally { closeFd(tmpl); }
  return { a, b, outer: pin(outerFd, join(dir, type)) };
}

function idOf(path: string): number {
  const m = openMap({ pin: path });
  try { return m.info.id; } finally { m.close(); }
}

const MapInMap = suite('map-in-map update / lookup (kernel)');
for (const type of ['array_of_maps', 'hash_of_maps'] as const) {
  MapInMap(`${type}: pin path, id:N and {id}; lookup gives id and name; bpftool agrees`, kernel(() => withPinDir((dir) => {
    const { a, b, outer } = setup(dir, type);
    const ida = idOf(a), idb = idOf(b);
    const m = openMap({ map: outerSchema(type), pin: outer });
    try {
      m.update(0, a);
      m.update(1, `id:${idb}`);
      m.update(2, { id: ida });
      assert.equal(m.lookup(0), { id: ida, name: 'inner_a' });
      assert.equal(m.lookup(1), { id: idb, name: 'inner_b' });
      assert.equal(m.lookup(2), { id: ida, name: 'inner_a' });
      const dump = bpftool('map', 'dump', 'pinned', outer) as { key: string[]; value: string[] }[];
      const byKey = new Map(dump.map((e) => [le32(e.key), le32(e.value)]));
      assert.equal([byKey.get(0), byKey.get(1), byKey.get(2)], [ida, idb, ida]);
      // the other way: bpftool writes, bpfmap reads
      execFileSync('bpftool', ['map', 'update', 'pinned', outer, 'key', '3', '0', '0', '0', 'value', 'pinned', b]);
      assert.equal(m.lookup(3), { id: idb, name: 'inner_b' });
      m.updateBatch([0, 3], [b, a]);
      assert.equal([m.lookup(0), m.lookup(3)], [{ id: idb, name: 'inner_b' }, { id: ida, name: 'inner_a' }]);
      m.updateBatch([0, 3], [a, b]);
      const entries = [...m.entries()].sort((x, y) => (x.key as number) - (y.key as number));
      assert.equal(entries.map((e) => (e.value as { id: number }).id), [ida, idb, ida, idb]);
      // refusals leave the map unchanged
      assert.match(err(() => m.update(0, 17)), /^VALUE_INVALID: value: expected a pin path, 'id:N'/);
      assert.match(err(() => m.update(0, join(dir, 'nope'))), /^NOT_FOUND: .*no pinned object at/);
      assert.match(err(() => m.update(0, 'id:4000000000')), /^MAP_NOT_FOUND/);
      assert.equal(m.lookup(0), { id: ida, name: 'inner_a' });
    } finally { m.close(); }
  })));
}
MapInMap.run();

// r0 = XDP_PASS (2); exit
const XDP_PASS = new Uint8Array([0xb7, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

const ProgArray = suite('prog_array update / lookup (kernel)');
ProgArray('a program by pin path and by id; lookup gives its id and name; bpftool agrees', kernel(() => withPinDir((dir) => {
  const prog = pin(progLoad({ progType: BPF_PROG_TYPE.XDP, insns: XDP_PASS, name: 'bpfmap_pass' }), join(dir, 'prog'));
  const arr = pin(mapCreate({ mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, name: 'prog_array' }), join(dir, 'prog_array'));
  const pfd = objGet(prog);
  let progId: number;
  try { progId = progGetInfoByFd(pfd).id; } finally { closeFd(pfd); }
  assert.match(err(() => openMap({ pin: prog })), /^MAP_INCOMPATIBLE: map '.*prog': is a program, not a map/);
  const m = openMap({ map: outerSchema('prog_array'), pin: arr });
  try {
    m.update(0, prog);
    m.update(2, `id:${progId}`);
    assert.equal(m.lookup(0), { id: progId, name: 'bpfmap_pass' });
    assert.equal(m.lookup(2), { id: progId, name: 'bpfmap_pass' });
    assert.match(err(() => m.lookup(1)), /^KEY_NOT_FOUND/);
    const dump = bpftool('map', 'dump', 'pinned', arr) as { key: string[]; value: string[] }[];
    assert.equal(dump.map((e) => [le32(e.key), le32(e.value)]).sort(), [[0, progId], [2, progId]]);
    execFileSync('bpftool', ['map', 'update', 'pinned', arr, 'key', '3', '0', '0', '0', 'value', 'pinned', prog]);
    assert.equal([...m.entries()].map((e) => e.key), [0, 2, 3]);
    m.delete(0);
    assert.match(err(() => m.lookup(0)), /^KEY_NOT_FOUND/);
  } finally { m.close(); }
})));
ProgArray.run();
