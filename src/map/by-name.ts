/**
 * A loaded map by its kernel name (bpftool's `name` handle). The kernel keeps 15 characters, so a
 * longer name matches its first 15. More than one map with the name is AMBIGUOUS, listing each one's
 * id, type, sizes and pins, so that the user can pick one by id or pin.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { closeFd, mapGetFdById, mapGetNextId, objGetInfoByFd } from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { mapPins } from '../inventory/pins.js';

const KERNEL_NAME_LEN = 15;

/** Loaded maps whose kernel name is `name` (cut to 15 characters). */
export function mapsNamed(name: string): MapInfo[] {
  const want = name.slice(0, KERNEL_NAME_LEN);
  const out: MapInfo[] = [];
  for (let id = mapGetNextId(0); id !== null; id = mapGetNextId(id)) {
    let fd: number;
    try { fd = mapGetFdById(id); } catch { continue; } // gone meanwhile
    try {
      const i = objGetInfoByFd(fd, `map id ${id}`);
      if (i.name === want) out.push(i);
    } finally {
      closeFd(fd);
    }
  }
  return out;
}

/** The one loaded map named `name`: its fd (the caller closes it). */
export function openByName(name: string): { fd: number; subject: string; id: number } {
  if (name === '') throw new BpfmapError(ERROR_CODE.USAGE, 'name: expected a map name, got an empty string');
  const found = mapsNamed(name);
  if (found.length === 0) {
    throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND, `map name '${name}': no loaded map has this name (see bpfmap list)`);
  }
  if (found.length > 1) {
    const pins = mapPins();
    const list = found.map((i) => {
      const p = pins.get(i.id) ?? [];
      return `id ${i.id} (${i.typeName}, key ${i.keySize} value ${i.valueSize}${p.length ? `, pinned ${p.join(' ')}` : ''})`;
    });
    throw new BpfmapError(ERROR_CODE.AMBIGUOUS,
      `map name '${name}': ${found.length} loaded maps have this name: ${list.join('; ')}; pick one by id or pin`);
  }
  const id = found[0]!.id;
  return { fd: mapGetFdById(id), subject: `map '${found[0]!.name}' (id ${id})`, id };
}
