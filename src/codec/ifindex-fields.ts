/**
 * Declaring fields interface indexes: `key.dev`, `value.cfg.out_dev`, `value.rules.dev` (an array
 * on the way applies to every element; `rules[].dev` is the same) marks those int members so that
 * they take interface names, as a member whose name ends in `ifindex` does. The schema is copied
 * along each path (the original stays as it was); anonymous struct/union members are looked through,
 * as field names are in values.
 */
import type { Field, MapSchema, ObjectSchema, StructNode, TypeNode, UnionNode } from '../schema/types.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { flattenFields } from './record-codec.js';
import { typeName } from './type-name.js';

function refuse(path: string, why: string): never {
  throw new BpfmapError(ERROR_CODE.USAGE, `ifindex field '${path}': ${why}`);
}

/** `key.a.b[].c` -> ['key', 'a', 'b', 'c'] (the `[]` of arrays is optional). */
function segments(path: string): string[] {
  const segs = path.split('.').map((s) => s.replace(/\[\]$/, ''));
  if (segs.some((s) => s === '' || /[[\]]/.test(s))) refuse(path, 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)');
  return segs;
}

/** The record with member `name` (possibly inside anonymous members) replaced by fn(member). */
function withMember(node: StructNode | UnionNode, name: string, fn: (f: Field) => Field): StructNode | UnionNode | null {
  let hit = false;
  const fields = node.fields.map((f) => {
    if (hit) return f;
    if (f.name === name) { hit = true; return fn(f); }
    if (f.name === '' && (f.type.kind === 'struct' || f.type.kind === 'union')) {
      const inner = withMember(f.type, name, fn);
      if (inner) { hit = true; return { ...f, type: inner }; }
    }
    return f;
  });
  return hit ? { ...node, fields } : null;
}

function mark(node: TypeNode, segs: readonly string[], at: number, path: string): TypeNode {
  if (node.kind === 'array') return { ...node, element: mark(node.element, segs, at, path) };
  const name = segs[at]!;
  const where = segs.slice(0, at).join('.');
  if (node.kind !== 'struct' && node.kind !== 'union') refuse(path, `${where} is ${node.kind === 'bytes' ? 'raw bytes (no BTF)' : typeName(node)}, not a struct with a field '${name}'`);
  const out = withMember(node, name, (f) => {
    if (at + 1 < segs.length) return { ...f, type: mark(f.type, segs, at + 1, path) };
    if (f.type.kind !== 'int') refuse(path, `expected an integer field, got ${typeName(f.type)}`);
    return { ...f, ifindex: true };
  });
  if (!out) refuse(path, `no field '${name}' in ${where} (${typeName(node)}); fields are ${flattenFields(node).map((e) => e.name).join(', ') || '(none)'}`);
  return out;
}

/** The map with every path (`key.FIELD...` or `value.FIELD...`) declared an interface index. */
export function markIfindexFields(map: MapSchema, paths: readonly string[]): MapSchema {
  let out = map;
  for (const path of paths) {
    const segs = segments(path);
    const root = segs[0];
    if (root !== 'key' && root !== 'value') refuse(path, `expected a path starting with key. or value. (key.dev), got '${root}'`);
    if (segs.length < 2) refuse(path, `name a field of the ${root} (${root}.FIELD)`);
    const node = out[root];
    if (!node) refuse(path, `map '${map.name}' has no ${root} type`);
    out = { ...out, [root]: mark(node, segs, 1, path) };
  }
  return out;
}

/** The object's schema with map `name`'s fields declared interface indexes (the map found by findMap's rules). */
export function markObjectIfindexFields(schema: ObjectSchema, map: MapSchema, paths: readonly string[]): ObjectSchema {
  const marked = markIfindexFields(map, paths);
  return { ...schema, maps: schema.maps.map((m) => (m === map ? marked : m)) };
}
