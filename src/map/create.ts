/**
 * createMaps: the object's maps created in the kernel with its BTF (so bpftool and bpfmap print them
 * typed) and pinned at `<pinRoot>/<pin name>` (the map's name with '.' as '_', as libbpf pins; see
 * pin-name.ts). An existing compatible pin is reused; an incompatible
 * one is a MAP_INCOMPATIBLE error. Global data maps are filled with the section's initial bytes.
 *
 * Like the loaders: the pin root is created when missing (as bpftool's pinmaps does); ring buffers and
 * perf event arrays get the sizes the kernel wants and no BTF types (loader-def.ts); max_entries 0 gets
 * libbpf's default where it has one (perf event array: possible CPUs) and otherwise needs a size in
 * `maxEntries`, which also overrides any map's size. All or nothing: when one map cannot be created,
 * every pin and directory this run made is removed again, and the error says so.
 */
import { existsSync, mkdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BpfObject } from '../object/index.js';
import type { MapSchema } from '../schema/types.js';
import { PIN_ROOT } from '../object/map-schema.js';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { findMap } from '../object/source.js';
import { kernelBtfBytes } from '../object/kernel-btf.js';
import {
  BPF_F, btfLoad, closeFd, mapCreate, mapUpdateElem, objGet, objGetInfoByFd, objPin,
} from '../syscall/index.js';
import type { MapCreateAttr } from '../syscall/index.js';
import { assertHostByteOrder } from './byte-order.js';
import { check } from './open.js';
import { kernelTypes } from './kernel-btf.js';
import { diffTypes, sameBytes } from '../schema/diff.js';
import type { Change } from '../schema/diff.js';
import { loaderDef, needsSize, NO_BTF_TYPES } from './loader-def.js';
import { isGlobalDataMap, pinName } from './pin-name.js';

export interface CreateOptions {
  /** Only these maps (object names); all when omitted. */
  names?: readonly string[];
  /** Directory in bpffs to pin at; default /sys/fs/bpf. Created when missing. */
  pinRoot?: string;
  /** Sizes by map name (object names): required for maps the object declares with max_entries 0 and
   * no loader default; overrides the object's size of any other map. */
  maxEntries?: Readonly<Record<string, number>>;
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
    return { fd: btfLoad(kernelBtfBytes(obj.btf.kernelBytes()), `btf of '${obj.schema.object || 'object'}'`), note: '' };
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    return { fd: -1, note: `the kernel refused the object's BTF (${e.message}); created without BTF` };
  }
}

function attrOf(m: MapSchema, btf: Btf, innerMapFd?: number, maxEntries?: number): MapCreateAttr {
  const def = loaderDef(m, maxEntries);
  const a: MapCreateAttr = {
    mapType: m.typeId,
    keySize: def.keySize,
    valueSize: def.valueSize,
    maxEntries: def.maxEntries,
    mapFlags: m.mapFlags,
    name: m.kernelName,
  };
  if (innerMapFd !== undefined) a.innerMapFd = innerMapFd;
  if ((m.mapFlags & BPF_F.NUMA_NODE) !== 0 && m.numaNode !== undefined) a.numaNode = m.numaNode;
  if (m.mapExtra !== undefined) a.mapExtra = m.mapExtra;
  if (btf.fd >= 0 && def.types && (m.btfKeyTypeId !== 0 || m.btfValueTypeId !== 0)) {
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
function createOne(m: MapSchema, btf: Btf, innerMapFd?: number, maxEntries?: number): { fd: number; btf: boolean; note: string } {
  const a = attrOf(m, btf, innerMapFd, maxEntries);
  if (a.btfFd === undefined) {
    const why = btf.note || (NO_BTF_TYPES.has(m.type) ? `a ${m.type} map takes no BTF types` : 'the object has no BTF types for this map');
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

function create(obj: BpfObject, m: MapSchema, btf: Btf, maxEntries?: number): { fd: number; btf: boolean; note: string } {
  if (m.type === 'array_of_maps' || m.type === 'hash_of_maps') {
    if (!m.inner) {
      throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID,
        `map '${m.name}': a ${m.type} needs its inner map's definition (__array(values, ...)) to be created`);
    }
    const inner = createOne(m.inner, btf);
    try {
      return createOne(m, btf, inner.fd, maxEntries);
    } finally {
      closeFd(inner.fd);
    }
  }
  const r = createOne(m, btf, undefined, maxEntries);
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
function reuse(m: MapSchema, pinPath: string, maxEntries?: number): { id: number; btf: boolean } | null {
  let fd: number;
  try {
    fd = objGet(pinPath);
  } catch (e) {
    if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_FOUND) return null;
    throw e;
  }
  try {
    const info = objGetInfoByFd(fd, `map '${pinPath}'`);
    if (info.btfId !== 0 && info.type === m.typeId) assertSameLayout(m, kernelTypes(info), pinPath);
    check(m, info, `map '${pinPath}'`, maxEntries);
    return { id: info.id, btf: info.btfId !== 0 };
  } finally {
    closeFd(fd);
  }
}

/**
 * The pinned map's key and value (from its BTF) against the object's, field by field by name, as
 * `bpfmap diff` compares them: a map of the same sizes whose fields are swapped or renamed holds
 * another layout and is not reused.
 */
function assertSameLayout(m: MapSchema, t: ReturnType<typeof kernelTypes>, pinPath: string): void {
  if (!t) return;
  const changes: Change[] = [];
  for (const [what, want, got] of [['key', m.key, t.key], ['value', m.value, t.value]] as const) {
    if (want && got && want.size === got.size && !sameBytes(got, want)) diffTypes(got, want, what, changes);
  }
  if (changes.length === 0) return;
  throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
    `map '${pinPath}': holds another layout than '${m.name}' of the object, with the same sizes: ` +
    `${changes.map((c) => `${c.path} ${c.change}${c.from !== undefined && c.to !== undefined ? ` (${c.from} -> ${c.to})` : ''}`).join(', ')}; ` +
    'not reused (bpfmap diff lists the changes, bpfmap migrate moves the entries to the new layout)');
}

/** The maps to create, each with the size the caller gave; every missing or bad size is refused up front. */
function plan(obj: BpfObject, opts: CreateOptions): { m: MapSchema; maxEntries?: number }[] {
  const all = obj.schema.maps;
  let maps: readonly MapSchema[] = all;
  if (opts.names && opts.names.length > 0) {
    maps = opts.names.map((n) => findMap(obj.schema, n));
  }
  const sizes = opts.maxEntries ?? {};
  for (const [name, n] of Object.entries(sizes)) {
    if (!maps.some((m) => m.name === name)) {
      throw new BpfmapError(ERROR_CODE.USAGE, `maxEntries.${name}: expected a map being created (${maps.map((m) => m.name).join(', ')}), got '${name}'`);
    }
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) {
      throw new BpfmapError(ERROR_CODE.USAGE, `maxEntries.${name}: expected an integer 1..4294967295, got ${String(n)}`);
    }
  }
  const out = maps.map((m) => {
    const n = Object.prototype.hasOwnProperty.call(sizes, m.name) ? sizes[m.name] : undefined;
    return n === undefined ? { m } : { m, maxEntries: n };
  });
  const unsized = out.filter((x) => !skipReason(x.m) && needsSize(x.m, x.maxEntries)).map((x) => x.m);
  if (unsized.length > 0) {
    throw new BpfmapError(ERROR_CODE.USAGE,
      `${unsized.map((m) => `map '${m.name}'`).join(', ')}: max_entries is 0 in the object (its loader sizes ${unsized.length > 1 ? 'them' : 'it'} at load time) ` +
      `and ${unsized.length > 1 ? 'these map types have' : `a ${unsized[0]!.type} map has`} no default size; give one with ` +
      `maxEntries: { ${unsized.map((m) => `'${m.name}': N`).join(', ')} }; nothing was created`);
  }
  return out;
}

/** The directories from `dir` up that do not exist yet, made here (outermost first); for rollback. */
function makeDirs(dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const made: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue; // made meanwhile by someone else: not ours to remove
      undo([], made);
      // ENOTDIR: a file on the way (a file given as the pin root, or above it): the input's fault.
      throw new BpfmapError(code === 'EACCES' || code === 'EPERM' ? ERROR_CODE.PERMISSION : code === 'ENOTDIR' ? ERROR_CODE.VALUE_INVALID : ERROR_CODE.IO,
        `pin root '${dir}': cannot create ${d} (${code ?? String(e)}${code === 'ENOTDIR' ? ': a file is in the way; pins live in directories of bpffs' : ''})`);
    }
  }
  return made;
}

/** Removes the pins and then the directories this run made; returns what could not be removed. */
function undo(pins: readonly string[], dirs: readonly string[]): string[] {
  const left: string[] = [];
  for (const p of [...pins].reverse()) {
    try { unlinkSync(p); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left.push(p); }
  }
  for (const d of [...dirs].reverse()) {
    try { rmdirSync(d); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') left.push(d); }
  }
  return left;
}

/** The error, with what the rollback did appended to its message (same class, code and fields). */
function rolledBack(e: unknown, pinned: readonly string[], left: readonly string[]): unknown {
  if (!isBpfmapError(e)) return e;
  e.message += left.length > 0
    ? `; rolled back, but could not remove ${left.join(', ')}`
    : pinned.length > 0
      ? `; nothing this run pinned remains (removed ${pinned.join(', ')})`
      : '; nothing was pinned';
  return e;
}

/**
 * Creates (or reuses) and pins the selected maps of the object. All or nothing: on any error, every
 * pin and directory made by this call is removed before the error is thrown (reused pins stay).
 */
export function createMaps(obj: BpfObject, opts: CreateOptions = {}): CreateResult[] {
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  assertHostByteOrder(obj.schema.byteOrder, obj.schema.object || 'object');
  const maps = plan(obj, opts);
  for (const { m } of maps) {
    const name = pinName(m);
    if (!skipReason(m) && (name.includes('/') || name === '')) {
      throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `map '${m.name}': expected a name that is a single path component to pin under ${root}`);
    }
  }
  const results: CreateResult[] = [];
  const pinned: string[] = [];
  const dirs = makeDirs(root);
  // Maps the object defines but bpfmap cannot use are listed as skipped, with the reason.
  if (!opts.names?.length) for (const u of obj.schema.unusable ?? []) results.push({ name: u.name, pinPath: null, id: 0, status: 'skipped', btf: false, note: u.reason });
  let btf: Btf | undefined;
  try {
    for (const { m, maxEntries } of maps) {
      const why = skipReason(m);
      if (why) { results.push({ name: m.name, pinPath: null, id: 0, status: 'skipped', btf: false, note: why }); continue; }
      const pinPath = join(root, pinName(m));
      const old = reuse(m, pinPath, maxEntries);
      if (old) { results.push({ name: m.name, pinPath, id: old.id, status: 'reused', btf: old.btf }); continue; }
      btf ??= loadObjectBtf(obj);
      const made = create(obj, m, btf, maxEntries);
      try {
        objPin(made.fd, pinPath);
        pinned.push(pinPath);
        const r: CreateResult = { name: m.name, pinPath, id: objGetInfoByFd(made.fd).id, status: 'created', btf: made.btf };
        if (made.note) r.note = made.note;
        results.push(r);
      } finally {
        closeFd(made.fd);
      }
    }
  } catch (e) {
    throw rolledBack(e, pinned, undo(pinned, dirs));
  } finally {
    if (btf) closeFd(btf.fd);
  }
  return results;
}

/**
 * Creates one map of the object's definition `m` (an inner map's, say) with the object's BTF, not
 * pinned; returns its fd for the caller to close.
 */
export function createMapFd(obj: BpfObject, m: MapSchema): number {
  const btf = loadObjectBtf(obj);
  try {
    return create(obj, m, btf).fd;
  } finally {
    closeFd(btf.fd);
  }
}
