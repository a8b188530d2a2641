/**
 * Structs and unions: an object by field name. Members of anonymous struct/union members are
 * flattened into the parent (as in C). A union takes exactly one member; decode prints the first
 * member that covers the whole union, so that decode -> encode reproduces the bytes.
 */
import type { ByteOrder } from '../bytes.js';
import type { Field, StructNode, TypeNode, UnionNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe, keySeg, rethrowAt } from './fail.js';
import { compileBitfield } from './bitfield.js';
import { typeName } from './type-name.js';
import { takesIfname, withIfname } from './ifname.js';
import { generateRecordCodec, inlineInt, type InlineInt } from './fast-codegen.js';
import type { Compiled } from './types.js';
import { isBytes } from './is-bytes.js';

/** One addressable member after flattening anonymous members. */
export interface Entry {
  readonly name: string;
  /** Byte offset from the start of the record. */
  readonly offset: number;
  readonly field: Field;
  /** Anonymous-union memberships: [union id, member index]; union id 0 is the record itself if a union. */
  readonly groups: readonly (readonly [number, number])[];
  /** Printed by decode (inside the chosen member of every enclosing union). */
  readonly shown: boolean;
}

/** The member decode prints: the first one as large as the union, else the first largest. */
function chosenMember(fields: readonly Field[], size: number): number {
  let best = 0;
  for (let i = 0; i < fields.length; i++) {
    const s = fields[i]!.type.size;
    if (s >= size) return i;
    if (s > fields[best]!.type.size) best = i;
  }
  return best;
}

function isAnonRecord(f: Field): boolean {
  return f.name === '' && f.bitSize === undefined && (f.type.kind === 'struct' || f.type.kind === 'union');
}

export function flattenFields(node: StructNode | UnionNode): Entry[] {
  const out: Entry[] = [];
  let nextUnion = 0;
  const walk = (fields: readonly Field[], base: number, union: boolean, size: number,
    groups: readonly (readonly [number, number])[], shown: boolean, depth: number): void => {
    if (depth > 32) throw new Fail(`${typeName(node)}: anonymous members nested deeper than 32`, ERROR_CODE.SCHEMA_INVALID);
    const uid = union ? nextUnion++ : -1;
    const chosen = union ? chosenMember(fields, size) : -1;
    fields.forEach((f, i) => {
      const g = union ? [...groups, [uid, i] as const] : groups;
      const sh = shown && (!union || i === chosen);
      if (isAnonRecord(f)) {
        const t = f.type as StructNode | UnionNode;
        walk(t.fields, base + f.offset, t.kind === 'union', t.size, g, sh, depth + 1);
      } else if (f.name !== '') {
        out.push({ name: f.name, offset: base + f.offset, field: f, groups: g, shown: sh });
      }
    });
  };
  walk(node.fields, 0, node.kind === 'union', node.size, [], true, 0);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isBytes(v);
}

/**
 * Above this many members the generated `switch` (a linear scan of string cases, so quadratic for a
 * whole value) gives way to a name lookup in a Map (also the plain encoder, see compile.ts).
 */
const WIDE = 64;

function plainEncoder(slots: readonly { e: Entry; c: Compiled }[], H: {
  isObject: (v: unknown) => v is Record<string, unknown>; checkGroups: (keys: string[]) => void;
  notObject: (input: unknown) => Fail; noMember: () => Fail; unknown: (k: string) => Fail;
}, isUnion: boolean, hasGroups: boolean): Compiled['enc'] {
  const index = new Map<string, { e: Entry; c: Compiled }>();
  for (const s of slots) index.set(s.e.name, s);
  return (input, dv, u8, off) => {
    if (!H.isObject(input)) throw H.notObject(input);
    const keys = Object.keys(input);
    if (isUnion && keys.length === 0) throw H.noMember();
    if (hasGroups) H.checkGroups(keys);
    let k = '';
    try {
      for (let i = 0; i < keys.length; i++) {
        k = keys[i]!;
        const v = input[k];
        const s = index.get(k);
        if (!s) throw H.unknown(k);
        if (v !== undefined) s.c.enc(v, dv, u8, off + s.e.offset);
      }
    } catch (e) { rethrowAt(e, keySeg(k)); }
  };
}

/** The plain decoder: the shown members in declared order, each through its own codec. */
function plainDecoder(slots: readonly { e: Entry; c: Compiled }[]): Compiled['dec'] {
  // A member named as a property of Object.prototype (__proto__, constructor, toString) is defined,
  // not assigned, as the generated object literal defines it: assigning __proto__ would set the
  // prototype, and assigning over a frozen Object.prototype's property throws.
  const shown = slots.filter((s) => s.e.shown).map((s) => ({ ...s, define: s.e.name in Object.prototype }));
  return (dv, u8, off, flags) => {
    const o: Record<string, unknown> = {};
    for (const s of shown) {
      const v = s.c.dec(dv, u8, off + s.e.offset, flags);
      if (s.define) Object.defineProperty(o, s.e.name, { value: v, enumerable: true, writable: true, configurable: true });
      else o[s.e.name] = v;
    }
    return o;
  };
}

/**
 * `generated`: the encoder and decoder generated as code (fast-codegen.ts); else the plain ones
 * (the name lookup of wide records, the loop above).
 */
export function compileRecord(node: StructNode | UnionNode, order: ByteOrder, compile: (n: TypeNode) => Compiled, generated = true): Compiled {
  const entries = flattenFields(node);
  const title = typeName(node);
  const byName = new Map<string, Entry>();
  const slots: { e: Entry; c: Compiled; inline: InlineInt | null }[] = [];
  for (const e of entries) {
    if (byName.has(e.name)) throw new Fail(`${title}: duplicate member name '${e.name}'`, ERROR_CODE.SCHEMA_INVALID);
    const f = e.field;
    const bitfield = f.bitSize !== undefined && !(f.bitSize === f.type.size * 8 && !f.bitOffset);
    const c0 = bitfield ? compileBitfield(f.type, f.bitOffset ?? 0, f.bitSize!, order) : compile(f.type);
    const c = takesIfname({ name: e.name, type: f.type, ifindex: f.ifindex }) ? withIfname(c0) : c0;
    if (e.offset < 0 || e.offset + c.size > node.size) {
      throw new Fail(`${title}: member '${e.name}' at offset ${e.offset} (+${c.size}) is outside its ${node.size} bytes`, ERROR_CODE.SCHEMA_INVALID);
    }
    byName.set(e.name, e);
    slots.push({ e, c, inline: bitfield || !generated ? null : inlineInt(f.type, order) });
  }
  const names = entries.map((e) => e.name).join(', ');
  const hasGroups = entries.some((e) => e.groups.length > 0);
  const isUnion = node.kind === 'union';
  const expected = isUnion
    ? `${title} (an object naming exactly one member of ${names})`
    : `${title} (an object with fields ${names})`;

  function checkGroups(keys: string[]): void {
    const seen = new Map<number, [number, string]>();
    for (const k of keys) {
      const e = byName.get(k);
      if (!e) continue;
      for (const [uid, idx] of e.groups) {
        const prev = seen.get(uid);
        if (prev && prev[0] !== idx) {
          throw new Fail(`'${k}' and '${prev[1]}' are members of the same union; name exactly one`).at(keySeg(k));
        }
        if (!prev) seen.set(uid, [idx, k]);
      }
    }
  }

  const helpers = {
    C: slots.map((s) => s.c),
    isObject,
    rethrowAt,
    keySeg,
    checkGroups,
    notObject: (input: unknown) => new Fail(`expected ${expected}, got ${describe(input)}`),
    noMember: () => new Fail(`expected exactly one member of ${title} (${names}), got none`),
    unknown: (k: string) => new Fail(`unknown field '${k}'; fields are ${names}`),
  };
  const usesView = slots.some((s) => s.c.usesView);
  if (!generated) return { size: node.size, usesView, enc: plainEncoder(slots, helpers, isUnion, hasGroups), dec: plainDecoder(slots) };
  // Generated once per record type (fast-codegen.ts: 5.4 M firewall keys/s with it, 1.04 M/s without).
  const gen = generateRecordCodec(slots.map((s) => ({ name: s.e.name, offset: s.e.offset, shown: s.e.shown, inline: s.inline })),
    helpers, isUnion, hasGroups);
  const enc = slots.length > WIDE ? plainEncoder(slots, helpers, isUnion, hasGroups) : gen.enc;
  return { size: node.size, usesView, enc, dec: gen.dec };
}
