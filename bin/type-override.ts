/**
 * --key-type NAME / --value-type NAME with --types FILE: type a live map that carries no BTF (made by
 * a tool that loaded none) with types of an object or a saved schema. The type's size must be the
 * map's key / value size.
 */
import { BpfmapError, ERROR_CODE, loadSource, markIfindexFields, openMap, typeNode } from '../src/index.js';
import type { LiveMap, MapSchema, TypeNode } from '../src/index.js';
import { UsageError } from './options.js';

export interface TypeOverrideArgs {
  types?: string;
  'key-type'?: string;
  'value-type'?: string;
}

/** The named type of FILE (`struct x`, `union x`, `enum x` or the bare name) with the given size. */
export function findType(file: string, name: string, size: number, what: 'key' | 'value'): TypeNode {
  const bare = name.replace(/^(struct|union|enum)\s+/, '');
  const src = loadSource(file);
  const found: TypeNode[] = [];
  if (src.btf) {
    for (const id of src.btf.idsByName(bare)) {
      try { found.push(typeNode(src.btf, id)); } catch { /* not a data type (a function, a variable) */ }
    }
  } else {
    const walk = (n: TypeNode | null | undefined): void => {
      if (!n) return;
      if (n.name === bare) found.push(n);
      if (n.kind === 'array') walk(n.element);
      if (n.kind === 'struct' || n.kind === 'union') for (const f of n.fields) walk(f.type);
    };
    for (const m of src.schema.maps) { walk(m.key); walk(m.value); }
  }
  if (found.length === 0) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `--${what}-type: no type named '${bare}' in ${file}`);
  const fit = found.find((n) => n.size === size);
  if (!fit) {
    throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
      `--${what}-type: '${bare}' of ${file} is ${found[0]!.size} bytes; the map's ${what}s are ${size} bytes`);
  }
  return fit;
}

/** Opens the live map, then again typed by the given types when --key-type / --value-type are given. */
export function openTyped(a: TypeOverrideArgs & { pin?: string; id?: number; name?: string; force?: boolean; 'ifindex-field'?: string[] }): LiveMap {
  const raw = openMap({ pin: a.pin, id: a.id, name: a.name, force: a.force === true });
  const marks = a['ifindex-field'] ?? [];
  if (a['key-type'] === undefined && a['value-type'] === undefined) {
    if (a.types !== undefined) { raw.close(); throw new UsageError('--types: name the types with --key-type NAME and/or --value-type NAME'); }
    if (marks.length === 0) return raw;
  }
  let schema: MapSchema;
  let id: number;
  try {
    if (a['key-type'] === undefined && a['value-type'] === undefined) {
      // The kernel's types, with the declared interface-index fields.
      schema = markIfindexFields(raw.schema, marks);
      id = raw.info.id;
      return reopen(schema, id, a.force);
    }
    if (a.types === undefined) throw new UsageError('--key-type / --value-type: give the file that has the types with --types FILE (an object or a saved schema)');
    const key = a['key-type'] === undefined ? raw.schema.key : findType(a.types, a['key-type'], raw.info.keySize, 'key');
    const value = a['value-type'] === undefined ? raw.schema.value : findType(a.types, a['value-type'], raw.info.valueSize, 'value');
    schema = markIfindexFields({ ...raw.schema, key, value }, marks);
    id = raw.info.id;
  } finally {
    raw.close();
  }
  return reopen(schema, id, a.force);
}

function reopen(schema: MapSchema, id: number, force: boolean | undefined): LiveMap {
  return openMap({ map: schema, id, force: force === true });
}
