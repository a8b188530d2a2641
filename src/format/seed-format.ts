/**
 * The seed walkthrough's parsed-BTF JSON (`maps[]` with size, name, key{name, kind, type, flatten},
 * value, path) so users of the old tool keep their files. Fixed compared with the seed: a nested
 * struct's `variable_name` is the member name (not its type name), qualifiers (const, volatile,
 * restrict, type_tag) are stripped from the type tree, and arrays carry their `totalSize` in bytes.
 * Only BTF-defined maps (`.maps`) are listed, as in the seed.
 */
import { BtfError } from '../errors.js';
import type { Btf } from '../btf/btf.js';
import type { BpfObject } from '../object/object.js';
import { BTF_INT, BTF_KIND as K, MAX_DEPTH, kindName } from '../btf/kinds.js';

type Json = Record<string, unknown>;

function intEncoding(enc: number): string {
  if (enc & BTF_INT.SIGNED) return 'SIGNED';
  if (enc & BTF_INT.CHAR) return 'CHAR';
  if (enc & BTF_INT.BOOL) return 'BOOL';
  return '(none)';
}

function stripQualifiers(btf: Btf, id: number): number {
  let cur = id;
  for (let d = 0; ; d++) {
    const k = btf.kind(cur);
    if (k !== K.CONST && k !== K.VOLATILE && k !== K.RESTRICT && k !== K.TYPE_TAG) return cur;
    if (d > MAX_DEPTH) throw new BtfError(`BTF type ${id}: nesting deeper than ${MAX_DEPTH}`, id);
    cur = btf.raw.sizeType(cur);
  }
}

function tree(btf: Btf, typeId: number, depth: number): Json {
  if (depth > MAX_DEPTH) throw new BtfError(`BTF type ${typeId}: nesting deeper than ${MAX_DEPTH}`, typeId);
  const id = stripQualifiers(btf, typeId);
  const t = btf.type(id);
  const name = t.name || '(anon)';
  switch (t.btfKind) {
    case K.INT:
      return { name, kind: 'INT', id, size: t.size, bits_offset: t.intOffset, nr_bits: t.intBits, encoding: intEncoding(t.intEncoding) };
    case K.TYPEDEF: case K.PTR:
      return { name, kind: kindName(t.btfKind), type: t.targetId === 0 ? { name: 'void', kind: 'VOID' } : tree(btf, t.targetId, depth + 1) };
    case K.ARRAY:
      return { name, kind: 'ARRAY', nr_elems: t.nelems, type: tree(btf, t.targetId, depth + 1) };
    case K.STRUCT: case K.UNION:
      return { name, kind: kindName(t.btfKind), members: t.members.map((m) => ({ name: m.name || '(anon)', type: tree(btf, m.typeId, depth + 1) })) };
    case K.ENUM: case K.ENUM64:
      return { name, kind: kindName(t.btfKind), size: t.size, values: t.values.map((v) => ({ name: v.name, val: typeof v.value === 'bigint' ? v.value.toString() : v.value })) };
    default:
      return { name, kind: kindName(t.btfKind), id };
  }
}

function flatten(btf: Btf, typeId: number, variableName: string | undefined, depth: number): Json {
  if (depth > MAX_DEPTH) throw new BtfError(`BTF type ${typeId}: nesting deeper than ${MAX_DEPTH}`, typeId);
  const id = btf.resolve(typeId);
  const t = btf.type(id);
  const vn = variableName !== undefined ? { variable_name: variableName } : {};
  switch (t.btfKind) {
    case K.STRUCT: case K.UNION:
      return {
        variable_name: variableName ?? t.name, kind: kindName(t.btfKind),
        member: t.members.map((m) => flatten(btf, m.typeId, m.name, depth + 1)),
      };
    case K.ARRAY:
      return {
        ...vn, kind: 'ARRAY', input: [], member: flatten(btf, t.targetId, undefined, depth + 1),
        totalSize: btf.sizeOf(id), fillWithZeros: true,
      };
    case K.PTR:
      return { ...vn, type_name: 'pointer', size: 8, kind: 'PTR', input: null };
    default:
      return { ...vn, type_name: t.name || '(anon)', size: btf.sizeOf(id), kind: kindName(t.btfKind), input: null };
  }
}

function side(btf: Btf, typeId: number): Json {
  return { name: '(anon)', kind: 'PTR', type: tree(btf, typeId, 0), flatten: flatten(btf, typeId, undefined, 0) };
}

export function seedFormat(obj: BpfObject): unknown {
  const btf = obj.btf;
  if (!btf) return { maps: [] };
  const maps: Json[] = [];
  const sec = btf.findByName('.maps', K.DATASEC);
  const defSize = new Map<string, number>();
  if (sec) for (const v of sec.vars) defSize.set(btf.name(v.typeId), btf.sizeOf(v.typeId));
  for (const m of obj.schema.maps) {
    if (m.section !== '.maps') continue;
    maps.push({
      size: defSize.get(m.name) ?? 0,
      name: m.name,
      key: m.btfKeyTypeId ? side(btf, m.btfKeyTypeId) : null,
      value: m.btfValueTypeId ? side(btf, m.btfValueTypeId) : null,
      path: m.pinPath ?? 'n/a',
    });
  }
  return { maps };
}
