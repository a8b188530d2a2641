/**
 * BTF-defined maps in `.maps`: each VAR of the `.maps` DATASEC is a struct whose members encode the
 * definition: `__uint(name, N)` is `int (*name)[N]`, `__type(name, T)` is `T *name`, and
 * `__array(values, struct inner)` is an array of pointers to the inner map's definition.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { MapPinning, MapSchema } from '../schema/types.js';
import type { Btf } from '../btf/btf.js';
import { BTF_KIND as K, kindName } from '../btf/kinds.js';
import { attempt, unusable, type MapResult } from './map-result.js';
import { BPF_MAP_TYPE, KEYLESS_MAP_TYPES, NO_KV_MAP_TYPES } from '../uapi/map-constants.js';
import { buildMapSchema, bytesNode, U32_NODE } from './map-schema.js';
import { typeNode } from '../schema/from-btf.js';

const INT_ATTRS = new Set(['type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'pinning', 'numa_node', 'map_extra']);

function fail(map: string, message: string): never {
  throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `map '${map}': ${message}`);
}

function describe(btf: Btf, id: number): string {
  const k = btf.kind(id);
  return k === 0 ? 'void' : kindName(k).toLowerCase();
}

/** `__uint(name, N)`: a pointer to an array of N elements; N must fit a u32. */
function uintAttr(btf: Btf, map: string, attr: string, typeId: number): number {
  const p = btf.resolve(typeId);
  if (btf.kind(p) !== K.PTR) fail(map, `attr '${attr}': expected pointer to array, got ${describe(btf, p)}`);
  const a = btf.resolve(btf.raw.sizeType(p));
  if (btf.kind(a) !== K.ARRAY) fail(map, `attr '${attr}': expected pointer to array, got pointer to ${describe(btf, a)}`);
  return btf.type(a).nelems;
}

/**
 * map_extra: `__uint(map_extra, N)` (a u32, as above) or libbpf's `__ulong(map_extra, N)` (libbpf >= 1.4):
 * a member whose type is an enum with one enumerator whose value is N, an ENUM64 when N needs 64 bits.
 * clang before 15 has no ENUM64: it writes a value above 32 bits as an 8-byte ENUM holding only the low
 * half, so that encoding is refused rather than misread.
 */
function ulongAttr(btf: Btf, map: string, attr: string, typeId: number): bigint {
  let t = btf.resolve(typeId);
  if (btf.kind(t) === K.PTR) {
    // Also taken: a pointer to the one-value enum (a variant of the macro some projects define).
    const target = btf.resolve(btf.raw.sizeType(t));
    if (btf.kind(target) !== K.ENUM && btf.kind(target) !== K.ENUM64) return BigInt(uintAttr(btf, map, attr, typeId));
    t = target;
  }
  const k = btf.kind(t);
  if (k !== K.ENUM && k !== K.ENUM64) fail(map, `attr '${attr}': expected pointer to array (__uint) or enum (__ulong), got ${describe(btf, t)}`);
  const e = btf.type(t);
  if (e.vlen !== 1) fail(map, `attr '${attr}': expected an enum with one value (__ulong), got ${e.vlen} values`);
  if (k === K.ENUM && btf.raw.sizeType(t) > 4) {
    fail(map, `attr '${attr}': an ${btf.raw.sizeType(t)}-byte ENUM holds only the low 32 bits of a 64-bit __ulong value (clang before 15 has no ENUM64); rebuild the object with clang 15 or newer`);
  }
  return BigInt.asUintN(64, BigInt(e.values[0]!.value));
}

interface RawDef {
  ints: Map<string, number>;
  mapExtra?: bigint;
  keyTypeId: number;
  valueTypeId: number;
  innerDefId: number;
  hasValues: boolean;
}

function readDef(btf: Btf, map: string, defTypeId: number): RawDef {
  const sid = btf.resolve(defTypeId);
  if (btf.kind(sid) !== K.STRUCT) fail(map, `expected a struct definition, got ${describe(btf, sid)}`);
  const def: RawDef = { ints: new Map(), keyTypeId: 0, valueTypeId: 0, innerDefId: 0, hasValues: false };
  for (const m of btf.type(sid).members) {
    if (m.name === 'map_extra') {
      def.mapExtra = ulongAttr(btf, map, m.name, m.typeId);
    } else if (INT_ATTRS.has(m.name)) {
      def.ints.set(m.name, uintAttr(btf, map, m.name, m.typeId));
    } else if (m.name === 'key' || m.name === 'value') {
      const p = btf.resolve(m.typeId);
      if (btf.kind(p) !== K.PTR) fail(map, `attr '${m.name}': expected pointer to a type, got ${describe(btf, p)}`);
      const target = btf.raw.sizeType(p);
      if (m.name === 'key') def.keyTypeId = target; else def.valueTypeId = target;
    } else if (m.name === 'values') {
      const a = btf.resolve(m.typeId);
      if (btf.kind(a) !== K.ARRAY) fail(map, `attr 'values': expected array of pointers, got ${describe(btf, a)}`);
      const p = btf.resolve(btf.type(a).targetId);
      if (btf.kind(p) !== K.PTR) fail(map, `attr 'values': expected array of pointers, got array of ${describe(btf, p)}`);
      def.hasValues = true;
      const target = btf.resolve(btf.raw.sizeType(p));
      if (btf.kind(target) === K.STRUCT) def.innerDefId = target;
    } else {
      fail(map, `unknown attr '${m.name || '(anon)'}': expected one of type, key, value, key_size, value_size, max_entries, map_flags, pinning, numa_node, map_extra, values`);
    }
  }
  return def;
}

function pinningOf(map: string, v: number | undefined): MapPinning {
  if (v === undefined || v === 0) return 'none';
  if (v === 1) return 'by_name';
  return fail(map, `attr 'pinning': expected 0 (none) or 1 (LIBBPF_PIN_BY_NAME), got ${v}`);
}

function parseMapDefinition(btf: Btf, name: string, defTypeId: number, section: string, depth = 0): MapSchema {
  const d = readDef(btf, name, defTypeId);
  const type = d.ints.get('type') ?? BPF_MAP_TYPE.UNSPEC;
  const isMapInMap = type === BPF_MAP_TYPE.ARRAY_OF_MAPS || type === BPF_MAP_TYPE.HASH_OF_MAPS;
  let keySize = d.ints.get('key_size') ?? 0;
  let valueSize = d.ints.get('value_size') ?? 0;
  if (d.keyTypeId) {
    const sz = btf.sizeOf(d.keyTypeId);
    if (d.ints.has('key_size') && keySize !== sz) fail(name, `attr 'key_size': expected ${sz} (the size of 'key'), got ${keySize}`);
    keySize = sz;
  }
  if (d.valueTypeId) {
    const sz = btf.sizeOf(d.valueTypeId);
    if (d.ints.has('value_size') && valueSize !== sz) fail(name, `attr 'value_size': expected ${sz} (the size of 'value'), got ${valueSize}`);
    valueSize = sz;
  }
  let inner: MapSchema | undefined;
  if (d.hasValues) {
    if (!isMapInMap && type !== BPF_MAP_TYPE.PROG_ARRAY) fail(name, `attr 'values': expected a map-in-map or prog_array type, got type ${type}`);
    // libbpf accepts `__type(value, T)` next to `__array(values, ...)` (katran, cilium's btf_map_init)
    // when T is 4 bytes, the size of the fd / id a slot holds; the value stays that u32.
    if (d.valueTypeId && valueSize !== 4) fail(name, `attr 'value': expected a 4-byte type with 'values' (a map or program fd), got ${valueSize} bytes`);
    if (isMapInMap) {
      if (!d.innerDefId) fail(name, `attr 'values': expected pointers to the inner map's definition struct`);
      if (depth > 0) fail(name, 'attr \'values\': nested map-in-map definitions are not supported');
      inner = parseMapDefinition(btf, `${name}.inner`, d.innerDefId, section, depth + 1);
    }
    if (d.ints.has('value_size') && valueSize !== 4) fail(name, `attr 'value_size': expected 4 with 'values', got ${valueSize}`);
    valueSize = 4;
  }
  const noKv = NO_KV_MAP_TYPES.has(type);
  const keyless = noKv || KEYLESS_MAP_TYPES.has(type);
  const key = keyless && !d.keyTypeId ? null : d.keyTypeId ? typeNode(btf, d.keyTypeId) : keySize > 0 ? bytesNode(keySize) : null;
  let value = d.valueTypeId ? typeNode(btf, d.valueTypeId) : valueSize > 0 ? bytesNode(valueSize) : null;
  if (d.hasValues || (!d.valueTypeId && valueSize === 4 && (isMapInMap || type === BPF_MAP_TYPE.PROG_ARRAY))) value = U32_NODE;
  if (noKv && !d.valueTypeId) value = null;
  return buildMapSchema({
    name, section, type, keySize, valueSize,
    maxEntries: d.ints.get('max_entries') ?? 0,
    mapFlags: d.ints.get('map_flags') ?? 0,
    pinning: pinningOf(name, d.ints.get('pinning')),
    key, value,
    btfKeyTypeId: d.keyTypeId,
    btfValueTypeId: d.valueTypeId,
    ...(d.ints.has('numa_node') ? { numaNode: d.ints.get('numa_node')! } : {}),
    ...(d.mapExtra !== undefined ? { mapExtra: d.mapExtra } : {}),
    ...(inner ? { inner } : {}),
  });
}

/**
 * Every map in `.maps`, in variable offset order, each parsed on its own: a map that cannot be used is
 * reported with its reason and the others are kept.
 */
export function parseBtfMaps(btf: Btf): MapResult[] {
  const sec = btf.findByName('.maps', K.DATASEC);
  if (!sec) return [];
  const vars = [...sec.vars].sort((a, b) => a.offset - b.offset || a.typeId - b.typeId);
  return vars.map((v) => {
    if (btf.kind(v.typeId) !== K.VAR) {
      return unusable(`(type ${v.typeId})`, '.maps', ERROR_CODE.MAP_DEF_INVALID,
        `section '.maps': entry of type ${v.typeId}: expected a variable, got ${describe(btf, v.typeId)}`);
    }
    const t = btf.type(v.typeId);
    return attempt(t.name, '.maps', () => parseMapDefinition(btf, t.name, t.targetId, '.maps'));
  });
}
