/**
 * The live maps of an object's pin root as schemas (from each map's info and the kernel's copy of its
 * BTF), named as the object names them, so that they can be compared with a new version of the object.
 */
import { join } from 'node:path';
import type { MapSchema } from '../schema/types.js';
import { ERROR_CODE, isBpfmapError } from '../errors.js';
import { kernelTypes } from '../map/kernel-btf.js';
import { loaderDef } from '../map/loader-def.js';
import { openMap } from '../map/open.js';
import { pinName } from '../map/pin-name.js';
import { schemaFromKernel } from '../map/schema-from-kernel.js';
import { closeFd, objGet, objGetInfoByFd } from '../syscall/index.js';

/**
 * For each map of `maps` pinned at `<pinRoot>/<pin name>`: the live map's schema, under the object's
 * map name. Maps with nothing pinned are left out. Flag bits the kernel adds of its own (RDONLY_PROG,
 * MMAPABLE) and sizes a loader fills in (a perf event array's max_entries 0) are not differences.
 */
export function liveSchemas(maps: readonly MapSchema[], pinRoot: string): MapSchema[] {
  const out: MapSchema[] = [];
  for (const m of maps) {
    const pin = join(pinRoot, pinName(m));
    let fd: number;
    try {
      fd = objGet(pin);
    } catch (e) {
      if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_FOUND) continue;
      throw e;
    }
    try {
      const info = objGetInfoByFd(fd, `map '${pin}'`);
      const live = schemaFromKernel(info, kernelTypes(info), pin);
      const def = loaderDef(m);
      const flags = (info.mapFlags & m.mapFlags) === m.mapFlags ? m.mapFlags : info.mapFlags;
      const sizes = def.keySize === info.keySize && def.valueSize === info.valueSize
        ? { keySize: m.keySize, valueSize: m.valueSize } : {};
      const entries = m.maxEntries === 0 || def.maxEntries === info.maxEntries ? m.maxEntries : info.maxEntries;
      // Without BTF in the kernel the layout is unknown: the sizes are all there is to compare.
      const types = {
        key: m.key === null ? null : live.key?.kind === 'bytes' && m.key.size === live.key.size ? m.key : live.key,
        value: live.value?.kind === 'bytes' && m.value?.size === live.value.size ? m.value : live.value,
      };
      const inner = m.inner ? liveInner(pin) : undefined;
      out.push({ ...live, ...sizes, ...types, name: m.name, mapFlags: flags, maxEntries: entries, ...(inner ? { inner } : {}) });
    } finally {
      closeFd(fd);
    }
  }
  return out;
}

/**
 * A map-in-map's inner layout as it is live: the schema of the first inner map the outer map holds
 * (the kernel tells nothing else about it). Undefined for an empty outer map.
 */
function liveInner(pin: string): MapSchema | undefined {
  const outer = openMap({ pin, force: true });
  try {
    for (const b of outer.batches()) {
      if (b.count === 0) continue;
      const id = new DataView(b.values.buffer, b.values.byteOffset, 4).getUint32(0, outer.byteOrder === 'little');
      const inner = openMap({ id, force: true });
      try { return inner.schema; } finally { inner.close(); }
    }
    return undefined;
  } finally {
    outer.close();
  }
}
