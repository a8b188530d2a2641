/**
 * createMaps: the object's maps created in the kernel with its BTF (so bpftool and bpfmap print them
 * typed) and pinned at `<pinRoot>/<pin name>` (the map's name with '.' as '_', as libbpf pins; see
 * pin-name.ts). An existing compatible pin is reused; an incompatible
 * one is a MAP_INCOMPATIBLE error. Global data maps are filled with the section's initial bytes.
 */
import { join } from 'node:path';
import type { BpfObject } from '../btf/index.js';
import type { MapSchema } from '../btf/schema-types.js';
import { PIN_ROOT } from '../btf/map-schema.js';
import { BpfmapError, ERROR_CODE, isBpfmapError, type ErrorCode } from '../errors.js';
import {
  BPF_F, btfLoad, closeFd, mapCreate, mapUpdateElem, objGet, objGetInfoByFd, objPin, possibleCpus,
} from '../syscall/index.js';
import type { MapCreateAttr } from '../syscall/index.js';
import { check } from './open.js';
import { isGlobalDataMap, pinName } from './pin-name.js';

export interface CreateOptions {
  /** Only these maps (object names); all when omitted. */
  names?: readonly string[];
  /** Directory in bpffs to pin at; default /sys/fs/bpf. */
  pinRoot?: string;
}

export interface CreateResult {
  name: string;
  /** null when skipped. */
  pinPath: string | null;
  /** Kernel map id (0 when skipped). */
  id: number;
  status: 'created' | 'reused' | 'skipped';
  /** Whether the live map carries BTF for its key/value. */
  btf: boolean;
  /** Why BTF is missing, or why the map was skipped. */
  note?: string;
}

export const DEFAULT_PIN_ROOT = PIN_ROOT;

/** Sections and types that have no standalone map to create. */
function skipReason(m: MapSchema): string | null {
  if (m.section === '.kconfig' || m.section.startsWith('.kconfig')) return '.kconfig is filled by the loader from the kernel config';
  if (m.type === 'struct_ops') return 'struct_ops maps are created by the loader with their program';
  return null;
}

interface Btf { fd: number; note: string }

function loadObjectBtf(obj: BpfObject): Btf {
  if (!obj.btf) return { fd: -1, note: 'the object has no BTF' };
  try {
    return { fd: btfLoad(obj.btf.kernelBytes(), `btf of '${obj.schema.object || 'object'}'`), note: '' };
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    return { fd: -1, note: `the kernel refused the object's BTF (${e.message}); created without BTF` };
  }
}

/** Types libbpf creates without BTF: the kernel takes no key/value types for them. */
const NO_BTF: ReadonlySet<string> = new Set(['perf_event_array', 'cgroup_array', 'stack_trace', 'array_of_maps',
  'hash_of_maps', 'devmap', 'devmap_hash', 'cpumap', 'xskmap', 'sockmap', 'sockhash', 'queue', 'stack', 'arena']);

function attrOf(m: MapSchema, btf: Btf, innerMapFd?: number): MapCreateAttr {
  const a: MapCreateAttr = {
    mapType: m.typeId,
    keySize: m.keySize,
    valueSize: m.valueSize,
    maxEntries: m.maxEntries === 0 && m.type === 'perf_event_array' ? possibleCpus() : m.maxEntries,
    mapFlags: m.mapFlags,
    name: m.kernelName,
  };
  if (innerMapFd !== undefined) a.innerMapFd = innerMapFd;
  if ((m.mapFlags & BPF_F.NUMA_NODE) !== 0 && m.numaNode !== undefined) a.numaNode = m.numaNode;
  if (m.mapExtra !== undefined) a.mapExtra = m.mapExtra;
  if (btf.fd >= 0 && !NO_BTF.has(m.type) && (m.btfKeyTypeId !== 0 || m.btfValueTypeId !== 0)) {
    a.btfFd = btf.fd;
    a.btfKeyTypeId = isGlobalDataMap(m) ? 0 : m.btfKeyTypeId;
    a.btfValueTypeId = m.btfValueTypeId;
  }
  return a;
}

/**
 * MAP_CREATE with BTF; when the kernel refuses the BTF ids for this map (some types take none), again
 * without them, the way libbpf does. Returns the fd and whether BTF went in.
 */
function createOne(m: MapSchema, btf: Btf, innerMapFd?: number): { fd: number; btf: boolean; note: string } {
  const a = attrOf(m, btf, innerMapFd);
  if (a.btfFd === undefined) {
    const why = btf.note || (NO_BTF.has(m.type) ? `a ${m.type} map takes no BTF types` : 'the object has no BTF types for this map');
    return { fd: mapCreate(a), btf: false, note: why };
  }
  try {
    return { fd: mapCreate(a), btf: true, note: '' };
  } catch (e) {
    if (!isBpfmapError(e) || e.code === ERROR_CODE.PERMISSION) throw e;
    const { btfFd: _f, btfKeyTypeId: _k, btfValueTypeId: _v, ...plain } = a;
    return { fd: mapCreate(plain), btf: false, note: `the kernel refused BTF for a ${m.type} map (${e.message}); created without BTF` };
  }
}

function create(obj: BpfObject, m: MapSchema, btf: Btf): { fd: number; btf: boolean; note: string } {
  if (m.type === 'array_of_maps' || m.type === 'hash_of_maps') {
    if (!m.inner) {
      throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID,
        `map '${m.name}': a ${m.type} needs its inner map's definition (__array(values, ...)) to be created`);
    }
    const inner = createOne(m.inner, btf);
    try {
      return createOne(m, btf, inner.fd);
    } finally {
      closeFd(inner.fd);
    }
  }
  const r = createOne(m, btf);
  if (isGlobalDataMap(m)) {
    try {
      const sec = obj.elf.section(m.section);
      if (sec) mapUpdateElem(r.fd, new Uint8Array(4), obj.elf.data(sec).slice(0, m.valueSize), 0, `map '${m.name}'`);
    } catch (e) {
      closeFd(r.fd);
      throw e;
    }
  }
  return r;
}

/** Existing pin: its id when compatible (MAP_INCOMPATIBLE otherwise); null when nothing is pinned there. */
function reuse(m: MapSchema, pinPath: string): { id: number; btf: boolean } | null {
  let fd: number;
  try {
    fd = objGet(pinPath);
  } catch (e) {
    if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_FOUND) return null;
    throw e;
  }
  try {
    const info = objGetInfoByFd(fd, `map '${pinPath}'`);
    check(m, info, `map '${pinPath}'`);
    return { id: info.id, btf: info.btfId !== 0 };
  } finally {
    closeFd(fd);
  }
}

/** Creates (or reuses) and pins the selected maps of the object. */
export function createMaps(obj: BpfObject, opts: CreateOptions = {}): CreateResult[] {
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  const all = obj.schema.maps;
  let maps: readonly MapSchema[] = all;
  if (opts.names && opts.names.length > 0) {
    maps = opts.names.map((n) => {
      const m = all.find((x) => x.name === n);
      const bad = m ? undefined : obj.schema.unusable?.find((x) => x.name === n);
      if (bad) throw new BpfmapError(bad.code as ErrorCode, bad.reason);
      if (!m) throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND, `map '${n}': not in the object; expected one of: ${all.map((x) => x.name).join(', ')}`);
      return m;
    });
  }
  const results: CreateResult[] = [];
  // Maps the object defines but bpfmap cannot use are listed as skipped, with the reason.
  if (!opts.names?.length) for (const u of obj.schema.unusable ?? []) results.push({ name: u.name, pinPath: null, id: 0, status: 'skipped', btf: false, note: u.reason });
  let btf: Btf | undefined;
  try {
    for (const m of maps) {
      const why = skipReason(m);
      if (why) { results.push({ name: m.name, pinPath: null, id: 0, status: 'skipped', btf: false, note: why }); continue; }
      const name = pinName(m);
      if (name.includes('/') || name === '') {
        throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `map '${m.name}': expected a name that is a single path component to pin under ${root}`);
      }
      const pinPath = join(root, name);
      const old = reuse(m, pinPath);
      if (old) { results.push({ name: m.name, pinPath, id: old.id, status: 'reused', btf: old.btf }); continue; }
      btf ??= loadObjectBtf(obj);
      const made = create(obj, m, btf);
      try {
        objPin(made.fd, pinPath);
        const r: CreateResult = { name: m.name, pinPath, id: objGetInfoByFd(made.fd).id, status: 'created', btf: made.btf };
        if (made.note) r.note = made.note;
        results.push(r);
      } finally {
        closeFd(made.fd);
      }
    }
  } finally {
    if (btf) closeFd(btf.fd);
  }
  return results;
}
