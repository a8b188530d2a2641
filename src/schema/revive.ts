/**
 * Turns a parsed `bpfmap schema --json` document back into an ObjectSchema, checking its shape so that
 * a hand-edited or foreign file gives a clear error instead of a crash later.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { Field, MapSchema, ObjectSchema, TypeNode, UnusableMap } from './types.js';

function fail(path: string, where: string, msg: string): never {
  throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID, `${path}: ${where}: ${msg}`);
}

function obj(v: unknown, path: string, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, where, `expected an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'string' ? `'${v}'` : typeof v;
}

function num(v: unknown, path: string, where: string): number {
  if (typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= 0n) return Number(v);
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(path, where, `expected a non-negative integer, got ${describe(v)}`);
  return v;
}

function str(v: unknown, path: string, where: string): string {
  if (typeof v !== 'string') fail(path, where, `expected a string, got ${describe(v)}`);
  return v;
}

const KINDS = new Set(['int', 'float', 'enum', 'array', 'struct', 'union', 'pointer', 'bytes']);

function reviveType(v: unknown, path: string, where: string, depth: number): TypeNode {
  if (depth > 64) fail(path, where, 'type nesting deeper than 64');
  const o = obj(v, path, where);
  const kind = str(o.kind, path, `${where}.kind`);
  if (!KINDS.has(kind)) fail(path, `${where}.kind`, `expected one of ${[...KINDS].join(', ')}, got '${kind}'`);
  const name = o.name === undefined ? '' : str(o.name, path, `${where}.name`);
  const size = num(o.size, path, `${where}.size`);
  switch (kind) {
    case 'array': {
      const length = num(o.length, path, `${where}.length`);
      return { kind, name, size, length, element: reviveType(o.element, path, `${where}.element`, depth + 1) };
    }
    case 'struct':
    case 'union': {
      if (!Array.isArray(o.fields)) fail(path, `${where}.fields`, `expected a list, got ${describe(o.fields)}`);
      const fields: Field[] = o.fields.map((f, i) => {
        const fo = obj(f, path, `${where}.fields[${i}]`);
        const field: { -readonly [K in keyof Field]: Field[K] } = {
          name: fo.name === undefined ? '' : str(fo.name, path, `${where}.fields[${i}].name`),
          offset: num(fo.offset, path, `${where}.fields[${i}].offset`),
          type: reviveType(fo.type, path, `${where}.fields[${i}].type`, depth + 1),
        };
        if (fo.bitOffset !== undefined) field.bitOffset = num(fo.bitOffset, path, `${where}.fields[${i}].bitOffset`);
        if (fo.bitSize !== undefined) field.bitSize = num(fo.bitSize, path, `${where}.fields[${i}].bitSize`);
        return field;
      });
      return { kind, name, size, fields } as TypeNode;
    }
    case 'enum': {
      if (!Array.isArray(o.values)) fail(path, `${where}.values`, `expected a list, got ${describe(o.values)}`);
      const values = o.values.map((e, i) => {
        const eo = obj(e, path, `${where}.values[${i}]`);
        const value = eo.value;
        if (typeof value !== 'number' && typeof value !== 'bigint') fail(path, `${where}.values[${i}].value`, `expected an integer, got ${describe(value)}`);
        return { name: str(eo.name, path, `${where}.values[${i}].name`), value: size === 8 ? BigInt(value) : Number(value) };
      });
      return { kind, name, size, signed: o.signed === true, values };
    }
    case 'int': {
      const n: Record<string, unknown> = { kind, name, size, signed: o.signed === true };
      if (o.encoding === 'bool' || o.encoding === 'char') n.encoding = o.encoding;
      if (o.byteOrder === 'big') n.byteOrder = 'big';
      if (o.bits !== undefined) n.bits = num(o.bits, path, `${where}.bits`);
      return n as unknown as TypeNode;
    }
    case 'pointer':
      return { kind, name, size, target: typeof o.target === 'string' ? o.target : 'void' };
    default:
      return { kind, name, size } as TypeNode;
  }
}

function reviveMap(v: unknown, path: string, where: string, depth: number): MapSchema {
  const o = obj(v, path, where);
  const name = str(o.name, path, `${where}.name`);
  const w = `map '${name}'`;
  const flags = Array.isArray(o.flags) ? o.flags.map((f) => String(f)) : [];
  const map: Record<string, unknown> = {
    name,
    kernelName: typeof o.kernelName === 'string' ? o.kernelName : name.slice(0, 15),
    type: str(o.type, path, `${w}.type`),
    typeId: num(o.typeId, path, `${w}.typeId`),
    keySize: num(o.keySize, path, `${w}.keySize`),
    valueSize: num(o.valueSize, path, `${w}.valueSize`),
    maxEntries: num(o.maxEntries, path, `${w}.maxEntries`),
    flags,
    mapFlags: o.mapFlags === undefined ? 0 : num(o.mapFlags, path, `${w}.mapFlags`),
    pinning: o.pinning === 'by_name' ? 'by_name' : 'none',
    pinPath: typeof o.pinPath === 'string' ? o.pinPath : null,
    perCpu: o.perCpu === true,
    key: o.key === null || o.key === undefined ? null : reviveType(o.key, path, `${w}.key`, 0),
    value: o.value === null || o.value === undefined ? null : reviveType(o.value, path, `${w}.value`, 0),
    section: typeof o.section === 'string' ? o.section : '.maps',
    btfKeyTypeId: 0,
    btfValueTypeId: 0,
  };
  if (o.inner !== undefined && o.inner !== null) {
    if (depth > 4) fail(path, w, 'map-in-map nesting too deep');
    map.inner = reviveMap(o.inner, path, `${w}.inner`, depth + 1);
  }
  if (typeof o.numaNode === 'number') map.numaNode = o.numaNode;
  if (typeof o.mapExtra === 'number' || typeof o.mapExtra === 'bigint') map.mapExtra = BigInt(o.mapExtra);
  return map as unknown as MapSchema;
}

export function reviveSchema(doc: unknown, path: string): ObjectSchema {
  const o = obj(doc, path, 'document');
  if (!Array.isArray(o.maps)) fail(path, 'maps', `expected a list of maps (a 'bpfmap schema --json' document), got ${describe(o.maps)}`);
  const byteOrder = o.byteOrder === 'big' ? 'big' : o.byteOrder === 'little' ? 'little' : fail(path, 'byteOrder', `expected 'little' or 'big', got ${describe(o.byteOrder)}`);
  return {
    object: typeof o.object === 'string' ? o.object : '',
    byteOrder,
    maps: o.maps.map((m, i) => reviveMap(m, path, `maps[${i}]`, 0)),
    ...(o.unusable !== undefined ? { unusable: reviveUnusable(o.unusable, path) } : {}),
  };
}

function reviveUnusable(v: unknown, path: string): UnusableMap[] {
  if (!Array.isArray(v)) fail(path, 'unusable', `expected a list, got ${describe(v)}`);
  return v.map((u, i) => {
    const o = obj(u, path, `unusable[${i}]`);
    const code = str(o.code, path, `unusable[${i}].code`);
    if (!(Object.values(ERROR_CODE) as string[]).includes(code)) fail(path, `unusable[${i}].code`, `expected an error code such as ${ERROR_CODE.MAP_DEF_INVALID}, got '${code}'`);
    return {
      name: str(o.name, path, `unusable[${i}].name`),
      section: str(o.section, path, `unusable[${i}].section`),
      code,
      reason: str(o.reason, path, `unusable[${i}].reason`),
    };
  });
}
