/**
 * BTF-defined maps in `.maps`: each VAR of the `.maps` DATASEC is a struct whose members encode the
 * definition: `__uint(name, N)` is `int (*name)[N]`, `__type(name, T)` is `T *name`, and
 * `__array(values, struct inner)` is an array of pointers to the inner map's definition.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { MapPinning, MapSchema } from './schema-types.js';
import type { Btf } from './btf.js';
import { BTF_KIND as K, kindName } from './kinds.js';
import { BPF_MAP_TYPE, KEYLESS_MAP_TYPES, NO_KV_MAP_TYPES } from './map-constants.js';
import { buildMapSchema, bytesNode, U32_NODE } from './map-schema.js';

const INT_ATTRS = new Set(['type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'pinning', 'numa_node', 'map_extra']);

function fail(map: string, message: string): never {
  throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `map '${map}': ${message}`);
}

function describe(btf: Btf, id: number): string {
  const k = btf.kind(id);
  return k === 0 ? 'void' : kindName(k).toLowerCase();
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
    if (INT_ATTRS.has(m.name)) {
      const p = btf.resolve(m.typeId);
      if (btf.kind(p) !== K.PTR) fail(map, `attr '${m.name}': expected pointer to array, got ${describe(btf, p)}`);
      const a = btf.resolve(btf.raw.sizeType(p));
      let n: bigint;
      if (btf.kind(a) === K.ARRAY) n = BigInt(btf.type(a).nelems);
      else if ((btf.kind(a) === K.ENUM || btf.kind(a) === K.ENUM64) && btf.type(a).vlen === 1) {
        // libbpf's __ulong(name, value): a pointer to an enum whose one value is the number.
        n = BigInt.asUintN(64, BigInt(btf.type(a).values[0]!.value));
      } else {
        fail(map, `attr '${m.name}': expected pointer to array, got pointer to ${describe(btf, a)}`);
      }
      if (m.name === 'map_extra') def.mapExtra = n;
      else if (n > 0xffffffffn) fail(map, `attr '${m.name}': expected a u32, got ${n}`);
      else def.ints.set(m.name, Number(n));
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
    if (d.valueTypeId) fail(name, `attr 'values': cannot be combined with 'value'`);
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
  const key = keyless && !d.keyTypeId ? null : d.keyTypeId ? btf.typeNode(d.keyTypeId) : keySize > 0 ? bytesNode(keySize) : null;
  let value = d.valueTypeId ? btf.typeNode(d.valueTypeId) : valueSize > 0 ? bytesNode(valueSize) : null;
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

/** Every map in `.maps`, in variable offset order. */
export function parseBtfMaps(btf: Btf): MapSchema[] {
  const sec = btf.findByName('.maps', K.DATASEC);
  if (!sec) return [];
  const vars = [...sec.vars].sort((a, b) => a.offset - b.offset || a.typeId - b.typeId);
  return vars.map((v) => {
    if (btf.kind(v.typeId) !== K.VAR) {
      throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `section '.maps': entry of type ${v.typeId}: expected a variable, got ${describe(btf, v.typeId)}`);
    }
    const t = btf.type(v.typeId);
    return parseMapDefinition(btf, t.name, t.targetId, '.maps');
  });
}
