/**
 * Map-in-map outer maps (array_of_maps, hash_of_maps) move with their inner maps: for each entry of
 * the old outer map, the inner map it holds is copied field by field into a new inner map of the new
 * definition (the converter of ordinary maps), checked, and the new outer map gets the same key
 * holding the new inner map. The old outer map keeps its old inner maps (until commit: rollback puts
 * them back as they were). An inner map whose layout does not change is not copied: the new outer map
 * holds the same inner map.
 */
import type { BpfObject } from '../object/index.js';
import type { MapSchema } from '../schema/types.js';
import { toHex } from '../bytes.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { createMapFd } from '../map/create.js';
import { fdValue } from '../map/inner.js';
import type { LiveMap } from '../map/live-map.js';
import { openMap } from '../map/open.js';
import { perCpuStride } from '../syscall/cpus.js';
import { closeFd, objGetInfoByFd } from '../syscall/index.js';
import { diffMaps } from '../schema/diff.js';
import { convertEntries, type EntryBatch, type MigrateOptions, type Scan } from './migrate.js';

/** The outer map's entries: key bytes and the id of the inner map it holds. */
function* outerEntries(src: LiveMap): Generator<{ key: Uint8Array; id: number }> {
  const ks = src.info.keySize;
  for (const b of src.batches()) {
    const dv = new DataView(b.values.buffer, b.values.byteOffset, b.values.byteLength);
    for (let i = 0; i < b.count; i++) yield { key: b.keys.slice(i * ks, (i + 1) * ks), id: dv.getUint32(i * 4, src.byteOrder === 'little') };
  }
}

/** Whether the inner maps change layout (else the new outer map holds the same inner maps). */
function innerChanges(old: MapSchema, cur: MapSchema, opts: MigrateOptions): boolean {
  const v = diffMaps(old.inner!, cur.inner!, { rename: opts.rename ?? {} }).verdict;
  return v !== 'identical' && v !== 'compatible';
}

/** Each inner map's entries converted, its losses counted under `<outer key>/<inner key>`. */
function* innerConverted(outerKey: Uint8Array, inner: LiveMap, old: MapSchema, cur: MapSchema, opts: MigrateOptions, scan: Scan): Generator<EntryBatch> {
  const sub: Scan = { entries: 0, skipped: 0, lossCount: 0, losses: [] };
  yield* convertEntries({ byteOrder: inner.byteOrder, perCpu: inner.perCpu, nCpus: inner.nCpus, keySize: inner.info.keySize, batches: () => inner.batches() },
    old.inner!, { ...cur.inner!, name: cur.name }, opts, sub);
  scan.lossCount += sub.lossCount;
  for (const l of sub.losses) if (scan.losses.length < 1000) scan.losses.push({ ...l, key: `${toHex(outerKey)}/${l.key}`, path: `inner.${l.path}` });
}

/** The first pass: converts every inner map without writing, counting entries and losses. */
export function scanOuter(src: LiveMap, old: MapSchema, cur: MapSchema, opts: MigrateOptions, scan: Scan): void {
  const changes = innerChanges(old, cur, opts);
  for (const e of outerEntries(src)) {
    scan.entries++;
    if (!changes) continue;
    const inner = openMap({ id: e.id, map: old.inner!, byteOrder: src.byteOrder, force: true });
    try { for (const _ of innerConverted(e.key, inner, old, cur, opts, scan)) { /* counted */ } } finally { inner.close(); }
  }
}

/**
 * Fills the new outer map `dst` from `src`: a new inner map per entry (filled, then checked entry by
 * entry against the old inner map converted again), or the same inner map when its layout stays.
 */
export function fillOuter(newObj: BpfObject, src: LiveMap, dst: LiveMap, old: MapSchema, cur: MapSchema, opts: MigrateOptions, scan: Scan): void {
  const changes = innerChanges(old, cur, opts);
  for (const e of outerEntries(src)) {
    scan.entries++;
    if (!changes) {
      const same = openMap({ id: e.id, force: true });
      try { dst.updateRaw(e.key, fdValue(same.fd)); } finally { same.close(); }
      continue;
    }
    const inner = openMap({ id: e.id, map: old.inner!, byteOrder: src.byteOrder, force: true });
    const fd = createMapFd(newObj, cur.inner!);
    try {
      const made = openMap({ id: objGetInfoByFd(fd).id, map: cur.inner!, byteOrder: src.byteOrder, force: true });
      try {
        for (const b of innerConverted(e.key, inner, old, cur, opts, scan)) made.updateBatchRaw(b.keys, b.values, b.count);
        const ks = made.info.keySize, vs = made.rawValueSize, size = cur.inner!.valueSize;
        const stride = made.perCpu ? perCpuStride(size) : size;
        for (const b of innerConverted(e.key, inner, old, cur, opts, { entries: 0, skipped: 0, lossCount: 0, losses: [] })) {
          for (let i = 0; i < b.count; i++) {
            const key = b.keys.subarray(i * ks, (i + 1) * ks), back = made.lookupRaw(key), want = b.values.subarray(i * vs, (i + 1) * vs);
            for (let c = 0; c < made.nCpus; c++) {
              for (let j = 0; j < size; j++) {
                if (back[c * stride + j] !== want[c * stride + j]) {
                  throw new BpfmapError(ERROR_CODE.CONFLICT, `map '${cur.name}': key ${toHex(e.key)}: inner key ${toHex(key)}: the new inner map's value differs from the old one's, converted (written meanwhile?); nothing was swapped`);
                }
              }
            }
          }
        }
        dst.updateRaw(e.key, fdValue(made.fd));
      } finally { made.close(); }
    } finally {
      closeFd(fd);
      inner.close();
    }
  }
}
