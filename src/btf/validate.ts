/**
 * Stage 4 of validation: references. Every name offset points into the string table, every type id
 * exists, and no chain of typedef/const/volatile/restrict/type_tag loops back on itself. The framing
 * pass already gathered the largest name offset and type id (vmlinux has 100k+ types), so the
 * detailed walk that names the offending record only runs when one is out of range.
 */
import { BtfError } from '../errors.js';
import { BTF_KIND as K, kindName } from './kinds.js';
import type { RawTypes } from './raw-types.js';
import type { StringTable } from './strings.js';

export function validateReferences(raw: RawTypes, strings: StringTable): void {
  // Framing found the largest name offset and type id: when both are in range there is nothing to
  // report, and only the modifier chains remain to be checked.
  if (raw.maxNameOff >= strings.length || raw.maxTypeRef >= raw.count) findBadReference(raw, strings);
  checkModifierCycles(raw, strings);
}

/** Walks every record and throws for the first out-of-range name offset or type id, in id order. */
function findBadReference(raw: RawTypes, strings: StringTable): void {
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
}

/** 1 for typedef/volatile/const/restrict/type_tag, by kind (kinds are 7-bit). */
const MODIFIER = new Uint8Array(128);
MODIFIER[K.TYPEDEF] = MODIFIER[K.VOLATILE] = MODIFIER[K.CONST] = MODIFIER[K.RESTRICT] = MODIFIER[K.TYPE_TAG] = 1;

function checkModifierCycles(raw: RawTypes, strings: StringTable): void {
  const n = raw.count;
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const w = raw.words;
  const offs = raw.offs;
  const kinds = raw.kinds;
  // Walks start only from modifiers whose target id is not below their own: a cycle has at least one
  // such step, and a walk from any other record that met a cycle would have met it from a smaller
  // id first (its target) - so the first cycle found, and its message, are those of a walk from
  // every id in order.
  for (const start of raw.forwardModifiers) {
    if (state[start] !== 0) continue;
    // A chain that loops must pass through a modifier whose target is a modifier: skip the rest.
    const first = w[(offs[start]! >>> 2) + 2]!;
    if (first === 0 || first >= n || MODIFIER[kinds[first]!] === 0) { state[start] = 2; continue; }
    let id = start;
    const path: number[] = [];
    while (id !== 0 && MODIFIER[kinds[id]!] === 1 && state[id] === 0) {
      state[id] = 1;
      path.push(id);
      id = w[(offs[id]! >>> 2) + 2]!;
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
