/**
 * Stage 4 of validation: references. Every name offset points into the string table, every type id
 * exists, and no chain of typedef/const/volatile/restrict/type_tag loops back on itself.
 */
import { BtfError } from '../errors.js';
import { BTF_KIND as K, kindName } from './kinds.js';
import type { RawTypes } from './raw-types.js';
import type { StringTable } from './strings.js';

export function validateReferences(raw: RawTypes, strings: StringTable): void {
  const n = raw.count;
  const strLen = strings.length;
  const bad = (id: number, what: string, got: number, limit: number, unit: string): never => {
    throw new BtfError(`BTF type ${id} (${kindName(raw.kinds[id]!)}): ${what}: expected ${unit} below ${limit}, got ${got}`, id);
  };
  const ref = (id: number, what: string, t: number): void => { if (t >= n) bad(id, what, t, n, 'a type id'); };
  const name = (id: number, what: string, off: number): void => { if (off >= strLen) bad(id, what, off, strLen, 'a string offset'); };
  for (let id = 1; id < n; id++) {
    name(id, 'name_off', raw.nameOff(id));
    const kind = raw.kinds[id]!;
    switch (kind) {
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
      case K.FUNC: case K.VAR: case K.DECL_TAG:
        ref(id, 'type', raw.sizeType(id));
        break;
      case K.ARRAY:
        ref(id, 'array element type', raw.u32(id, 0));
        ref(id, 'array index type', raw.u32(id, 4));
        break;
      case K.STRUCT: case K.UNION: {
        const vlen = raw.vlen(id);
        for (let i = 0; i < vlen; i++) {
          name(id, `member ${i} name_off`, raw.u32(id, i * 12));
          ref(id, `member ${i} type`, raw.u32(id, i * 12 + 4));
        }
        break;
      }
      case K.ENUM: {
        const vlen = raw.vlen(id);
        for (let i = 0; i < vlen; i++) name(id, `value ${i} name_off`, raw.u32(id, i * 8));
        break;
      }
      case K.ENUM64: {
        const vlen = raw.vlen(id);
        for (let i = 0; i < vlen; i++) name(id, `value ${i} name_off`, raw.u32(id, i * 12));
        break;
      }
      case K.FUNC_PROTO: {
        ref(id, 'return type', raw.sizeType(id));
        const vlen = raw.vlen(id);
        for (let i = 0; i < vlen; i++) {
          name(id, `param ${i} name_off`, raw.u32(id, i * 8));
          ref(id, `param ${i} type`, raw.u32(id, i * 8 + 4));
        }
        break;
      }
      case K.DATASEC: {
        const vlen = raw.vlen(id);
        for (let i = 0; i < vlen; i++) ref(id, `var ${i} type`, raw.u32(id, i * 12));
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
  for (let start = 1; start < raw.count; start++) {
    if (state[start] !== 0 || !isModifier(raw.kinds[start]!)) continue;
    let id = start;
    path.length = 0;
    while (id !== 0 && isModifier(raw.kinds[id]!) && state[id] === 0) {
      state[id] = 1;
      path.push(id);
      id = raw.sizeType(id);
    }
    if (id !== 0 && state[id] === 1) {
      const loop = path.slice(path.indexOf(id)).map((t) => {
        const nm = strings.get(raw.nameOff(t));
        return `${t} (${kindName(raw.kinds[t]!).toLowerCase()}${nm ? ` '${nm}'` : ''})`;
      });
      throw new BtfError(`BTF type ${id}: reference cycle through ${loop.join(' -> ')} -> ${id}`, id);
    }
    for (const t of path) state[t] = 2;
  }
}
