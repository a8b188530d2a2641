/**
 * Stage 4 of validation: references. Every name offset points into the string table, every type id
 * exists, and no chain of typedef/const/volatile/restrict/type_tag loops back on itself. One tight
 * pass over the raw records (vmlinux has 100k+ types).
 */
import { BtfError } from '../errors.js';
import { BTF_KIND as K, kindName } from './kinds.js';
import type { RawTypes } from './raw-types.js';
import type { StringTable } from './strings.js';

export function validateReferences(raw: RawTypes, strings: StringTable): void {
  const n = raw.count;
  const strLen = strings.length;
  const v = raw.view;
  const le = raw.littleEndian;
  const offs = raw.offs;
  const kinds = raw.kinds;
  const bad = (id: number, what: string, got: number, limit: number, unit: string): never => {
    throw new BtfError(`BTF type ${id} (${kindName(kinds[id]!)}): ${what}: expected ${unit} below ${limit}, got ${got}`, id);
  };
  for (let id = 1; id < n; id++) {
    const o = offs[id]!;
    const nameOff = v.getUint32(o, le);
    if (nameOff >= strLen) bad(id, 'name_off', nameOff, strLen, 'a string offset');
    const kind = kinds[id]!;
    switch (kind) {
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
      case K.FUNC: case K.VAR: case K.DECL_TAG: case K.FUNC_PROTO: {
        const t = v.getUint32(o + 8, le);
        if (t >= n) bad(id, kind === K.FUNC_PROTO ? 'return type' : 'type', t, n, 'a type id');
        if (kind !== K.FUNC_PROTO) break;
        const vlen = v.getUint32(o + 4, le) & 0xffffff;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 8) {
          const no = v.getUint32(p, le);
          if (no >= strLen) bad(id, `param ${i} name_off`, no, strLen, 'a string offset');
          const pt = v.getUint32(p + 4, le);
          if (pt >= n) bad(id, `param ${i} type`, pt, n, 'a type id');
        }
        break;
      }
      case K.ARRAY: {
        const e = v.getUint32(o + 12, le);
        if (e >= n) bad(id, 'array element type', e, n, 'a type id');
        const x = v.getUint32(o + 16, le);
        if (x >= n) bad(id, 'array index type', x, n, 'a type id');
        break;
      }
      case K.STRUCT: case K.UNION: {
        const vlen = v.getUint32(o + 4, le) & 0xffffff;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 12) {
          const no = v.getUint32(p, le);
          if (no >= strLen) bad(id, `member ${i} name_off`, no, strLen, 'a string offset');
          const mt = v.getUint32(p + 4, le);
          if (mt >= n) bad(id, `member ${i} type`, mt, n, 'a type id');
        }
        break;
      }
      case K.ENUM: case K.ENUM64: {
        const vlen = v.getUint32(o + 4, le) & 0xffffff;
        const step = kind === K.ENUM ? 8 : 12;
        for (let i = 0, p = o + 12; i < vlen; i++, p += step) {
          const no = v.getUint32(p, le);
          if (no >= strLen) bad(id, `value ${i} name_off`, no, strLen, 'a string offset');
        }
        break;
      }
      case K.DATASEC: {
        const vlen = v.getUint32(o + 4, le) & 0xffffff;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 12) {
          const t = v.getUint32(p, le);
          if (t >= n) bad(id, `var ${i} type`, t, n, 'a type id');
        }
        break;
      }
      default:
        break;
    }
  }
  checkModifierCycles(raw, strings);
}

function isModifier(kind: number): boolean {
  return kind === K.TYPEDEF || kind === K.VOLATILE || kind === K.CONST || kind === K.RESTRICT || kind === K.TYPE_TAG;
}

function checkModifierCycles(raw: RawTypes, strings: StringTable): void {
  const state = new Uint8Array(raw.count); // 0 new, 1 on the current path, 2 done
  const path: number[] = [];
  const v = raw.view;
  const le = raw.littleEndian;
  const offs = raw.offs;
  const kinds = raw.kinds;
  for (let start = 1; start < raw.count; start++) {
    if (state[start] !== 0 || !isModifier(kinds[start]!)) continue;
    let id = start;
    path.length = 0;
    while (id !== 0 && isModifier(kinds[id]!) && state[id] === 0) {
      state[id] = 1;
      path.push(id);
      id = v.getUint32(offs[id]! + 8, le);
    }
    if (id !== 0 && state[id] === 1) {
      const loop = path.slice(path.indexOf(id)).map((t) => {
        const nm = strings.get(raw.nameOff(t));
        return `${t} (${kindName(kinds[t]!).toLowerCase()}${nm ? ` '${nm}'` : ''})`;
      });
      throw new BtfError(`BTF type ${id}: reference cycle through ${loop.join(' -> ')} -> ${id}`, id);
    }
    for (const t of path) state[t] = 2;
  }
}
