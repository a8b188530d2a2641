/**
 * Map-in-map outer maps migrate with their inner maps: the upgrade fixture's array and hash of maps,
 * whose inner counters widen from u32 to u64 and gain a weight. diff names the inner changes; migrate
 * gives the new outer maps the same keys, each holding a new inner map with every counter kept
 * (0xffffffff too) and weight 0; the old outer maps (under _old) still hold the old inner maps, bytes
 * unchanged; rollback puts the old outer maps back; a lossy downgrade of an inner value is refused
 * naming the outer and inner key.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { createMapFd } from '../src/map/create.js';
import { fdValue } from '../src/map/inner.js';
import { closeFd, objGetInfoByFd } from '../src/syscall/index.js';
import { bpfmap, ROOT } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { loadObjectFile, createMaps, openMap, diffObjects, migrateMaps, rollbackMigration } from '../src/index.js';

const V1 = join(ROOT, 'fixtures/upgrade.bpfel.o');
const V2 = join(ROOT, 'fixtures/upgrade-v2.bpfel.o');
const v1 = loadObjectFile(V1);
const v2 = loadObjectFile(V2);
const OUTERS = ['clients_by_slot', 'clients_by_tenant'];
const schemaOf = (o: typeof v1, n: string) => o.schema.maps.find((m) => m.name === n)!;
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const HITS = [0, 1, 77, 0xffffffff];

/** Outer keys -> the inner map's entries, typed. */
function contents(dir: string, name: string, obj: typeof v1, pin = name): Map<number, { id: number; entries: Map<number, unknown> }> {
  const outer = openMap({ pin: join(dir, pin), force: true });
  const out = new Map<number, { id: number; entries: Map<number, unknown> }>();
  try {
    for (const b of outer.batches()) {
      for (let i = 0; i < b.count; i++) {
        const key = new DataView(b.keys.buffer, b.keys.byteOffset).getUint32(i * 4, true);
        const id = new DataView(b.values.buffer, b.values.byteOffset).getUint32(i * 4, true);
        const inner = openMap({ id, map: schemaOf(obj, name).inner!, byteOrder: 'little', force: true });
        try { out.set(key, { id, entries: new Map([...inner.entries()].map((e) => [Number(e.key), e.value])) }); } finally { inner.close(); }
      }
    }
  } finally { outer.close(); }
  return out;
}

/** The v1 outer maps: slots 0..2 and tenants 100, 200, each an inner map of 4 clients. */
function fillV1(dir: string): void {
  createMaps(v1, { pinRoot: dir, names: OUTERS });
  for (const [name, keys] of [['clients_by_slot', [0, 1, 2]], ['clients_by_tenant', [100, 200]]] as const) {
    const outer = openMap({ map: schemaOf(v1, name), pinRoot: dir, byteOrder: 'little' });
    try {
      for (const k of keys) {
        const fd = createMapFd(v1, schemaOf(v1, name).inner!);
        try {
          const inner = openMap({ id: openIdOf(fd), map: schemaOf(v1, name).inner!, byteOrder: 'little', force: true });
          try { HITS.forEach((h, i) => inner.updateRaw(u32(k * 10 + i), u32(h))); } finally { inner.close(); }
          outer.updateRaw(u32(k), fdValue(fd));
        } finally { closeFd(fd); }
      }
    } finally { outer.close(); }
  }
}
const openIdOf = (fd: number) => objGetInfoByFd(fd).id;

const M = suite('migrate: map-in-map outer maps with their inner maps (kernel)');

M('diff names the inner changes', () => {
  const d = diffObjects(v1.schema.maps, v2.schema.maps);
  const slot = d.maps.find((m) => m.name === 'clients_by_slot')!;
  assert.is(slot.verdict, 'migratable');
  assert.equal(slot.changes.map((c) => `${c.path} ${c.change}`), ['inner.value resized', 'inner.value.hits resized', 'inner.value.weight added']);
});

M('migrate: new inner maps with every counter kept, old ones untouched under _old; rollback', kernel(() => withPinDir((dir) => {
  fillV1(dir);
  const before = OUTERS.map((n) => contents(dir, n, v1));
  const r = migrateMaps(v1, v2, { pinRoot: dir });
  assert.equal(r.filter((x) => OUTERS.includes(x.name)).map((x) => [x.name, x.status, x.entries]), [['clients_by_slot', 'migrated', 3], ['clients_by_tenant', 'migrated', 2]]);
  OUTERS.forEach((n, i) => {
    const now = contents(dir, n, v2), was = before[i]!;
    assert.equal([...now.keys()].sort(), [...was.keys()].sort(), n);
    for (const [k, v] of was) {
      const got = now.get(k)!;
      assert.ok(got.id !== v.id, `${n}[${k}]: a new inner map`);
      assert.equal([...got.entries].sort((a, b) => a[0] - b[0]), [...v.entries].sort((a, b) => a[0] - b[0]).map(([ik, iv]) => [ik, { hits: BigInt((iv as { hits: number }).hits), weight: 0 }]), `${n}[${k}]`);
    }
    const old = contents(dir, n, v1, `${n}_old`);
    assert.equal(old, was, `${n}_old holds the old inner maps, unchanged`);
  });
  rollbackMigration(v2, { pinRoot: dir });
  OUTERS.forEach((n, i) => assert.equal(contents(dir, n, v1), before[i], `${n} after rollback`));
})));

M('a downgrade that would cut an inner counter and drop a weight is refused naming the outer and inner key', kernel(() => withPinDir((dir) => {
  fillV1(dir);
  const up = bpfmap(['migrate', V1, V2, '--pin-root', dir]);
  assert.is(up.code, 0, up.stderr);
  assert.is(bpfmap(['migrate', V2, '--pin-root', dir, '--commit']).code, 0);
  const r = bpfmap(['migrate', V2, V1, '--pin-root', dir]);
  assert.is(r.code, 0, 'every counter still fits in 32 bits, the weights are 0: ' + r.stderr);
  assert.is(bpfmap(['migrate', V1, '--pin-root', dir, '--rollback']).code, 0);
  const outer = openMap({ map: schemaOf(v2, 'clients_by_tenant'), pinRoot: dir, byteOrder: 'little' });
  try {
    const id = new DataView(outer.lookupRaw(u32(200)).buffer).getUint32(0, true);
    const inner = openMap({ id, map: schemaOf(v2, 'clients_by_tenant').inner!, byteOrder: 'little', force: true });
    try { inner.update(2001, { hits: 1n << 40n, weight: 3 }); } finally { inner.close(); }
  } finally { outer.close(); }
  const bad = bpfmap(['migrate', V2, V1, '--pin-root', dir]);
  assert.is(bad.code, 5, bad.stderr);
  // the weight v1 lacks is a loss too (dropped), named beside the counter
  assert.match(bad.stderr, /^bpfmap: map '.*clients_by_tenant': 2 values would not fit the new layout: key c8000000\/d1070000: inner\.value\.hits: 1099511627776 does not fit u32 \(0\.\.4294967295\); written as 4294967295; key c8000000\/d1070000: inner\.value\.weight: not in the new layout \(removed, or renamed: name it with rename OLD=NEW\), its value dropped; nothing was changed/);
})));

M.run();
