/**
 * openMap: find the live map (pin path, pin root, id, or default discovery: discover.ts), refuse an
 * object of the other byte order, then check the map against the schema before anything else runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ByteOrder } from '../bytes.js';
import type { MapSchema } from '../schema/types.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { closeFd, mapGetFdById, mapGetNextId, objGet, objGetInfoByFd } from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';
import { assertHostByteOrder } from './byte-order.js';
import { compareInfo, compareTypes } from './compare.js';
import { discover } from './discover.js';
import { openByName } from './by-name.js';
import { kernelTypes } from './kernel-btf.js';
import { LiveMap } from './live-map.js';
import { pinName } from './pin-name.js';
import { schemaFromKernel } from './schema-from-kernel.js';

export interface OpenMapOptions {
  /** The map as the object describes it; without it the kernel's BTF (or hex) is used. */
  map?: MapSchema;
  byteOrder?: ByteOrder;
  pin?: string;
  pinRoot?: string;
  id?: number;
  /** The loaded map with this kernel name (15 characters kept); refused when several have it. */
  name?: string;
  /** Skip the compatibility check. */
  force?: boolean;
}

interface Found { fd: number; subject: string; pin: string | null }

function locate(o: OpenMapOptions): Found {
  if (o.pin !== undefined) return { fd: objGet(o.pin), subject: `map '${o.pin}'`, pin: o.pin };
  if (o.pinRoot !== undefined) {
    if (!o.map) throw new BpfmapError(ERROR_CODE.USAGE, `\`pinRoot\` ${o.pinRoot}: needs the object to know the map's name`);
    const p = join(o.pinRoot, pinName(o.map));
    return { fd: objGet(p), subject: `map '${p}'`, pin: p };
  }
  if (o.id !== undefined) {
    if (!Number.isInteger(o.id) || o.id < 0 || o.id > 0xffffffff) {
      throw new BpfmapError(ERROR_CODE.USAGE, `id: expected a map id (an integer 0..4294967295), got ${String(o.id)}`);
    }
    return { fd: mapGetFdById(o.id), subject: `map id ${o.id}`, pin: null };
  }
  if (o.name !== undefined) {
    const f = openByName(o.name);
    return { fd: f.fd, subject: f.subject, pin: null };
  }
  if (!o.map) throw new BpfmapError(ERROR_CODE.USAGE, 'openMap: give a pin path, a pin root with a map schema, an id, a name, or a map schema');
  return discover(o.map);
}

/** Loaded maps with the schema's kernel name, type, key size and value size. */
export function findLoadedMaps(map: MapSchema): MapInfo[] {
  const out: MapInfo[] = [];
  for (let id = mapGetNextId(0); id !== null; id = mapGetNextId(id)) {
    let fd: number;
    try { fd = mapGetFdById(id); } catch { continue; } // gone meanwhile
    try {
      const i = objGetInfoByFd(fd);
      if (i.name === map.kernelName && i.type === map.typeId && i.keySize === map.keySize && i.valueSize === map.valueSize) out.push(i);
    } finally {
      closeFd(fd);
    }
  }
  return out;
}

/**
 * Refuses a pinned program, link or BTF object: their info is not a bpf_map_info. Decided from
 * /proc/self/fdinfo (a map's has `map_type:`); silently passes where /proc is not readable.
 */
function assertIsMap(fd: number, subject: string): void {
  let text: string;
  try { text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'); } catch { return; }
  if (/^map_type:/m.test(text)) return;
  const what = /^prog_type:/m.test(text) ? 'a program' : /^link_type:/m.test(text) ? 'a link' : 'not a map';
  throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `${subject}: is ${what === 'not a map' ? 'some other bpf object' : what}, not a map`);
}

/** Opens and checks a live map. The caller closes it (LiveMap.close). */
export function openMap(o: OpenMapOptions): LiveMap {
  if (o.map) assertHostByteOrder(o.byteOrder, `map '${o.map.name}'`);
  const f = locate(o);
  try {
    assertIsMap(f.fd, f.subject);
    const info = objGetInfoByFd(f.fd, f.subject);
    const order: ByteOrder = o.byteOrder ?? (os.little ? 'little' : 'big');
    let schema: MapSchema;
    if (o.map) {
      schema = o.map;
      if (!o.force) check(o.map, info, f.subject);
    } else {
      schema = schemaFromKernel(info, kernelTypes(info), f.pin);
    }
    return new LiveMap(f.fd, info, schema, f.subject, order);
  } catch (e) {
    closeFd(f.fd);
    throw e;
  }
}

/** Every difference between the schema and the live map, in one MAP_INCOMPATIBLE error. */
export function check(map: MapSchema, info: MapInfo, subject: string, maxEntries?: number): void {
  const diffs = compareInfo(map, info, maxEntries);
  if (diffs.length === 0 && info.btfId !== 0) {
    const t = kernelTypes(info);
    if (t) {
      if (map.key && t.key) compareTypes(map.key, t.key, 'key', diffs);
      if (map.value && t.value) compareTypes(map.value, t.value, 'value', diffs);
    }
  }
  if (diffs.length > 0) {
    throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
      `${subject}: does not match '${map.name}' of the object: ${diffs.join('; ')} (use \`force\` to go ahead anyway)`);
  }
}
