/**
 * compileConverter: turns a value of the old layout into the new one, bytes to bytes, field by field by
 * name (the matching of src/migrate/diff.ts): fields in both are converted (moved, widened, narrowed,
 * enum values mapped by name), array elements by index, fields only in the new layout are zero or take
 * a default, fields only in the old one are dropped (a loss when not zero). Pure: no kernel.
 *
 * What would not fit is a loss, named by its path (`value.rules[3].action`): a number outside the new
 * type's range (written clamped to it), an enum value the new enum lacks (written as 0), an array
 * element past the new length that is not all zero (dropped), a field only the old layout has that is
 * not zero (dropped: removed, or renamed without `rename`).
 */
import type { Field, TypeNode } from '../schema/types.js';
import type { ByteOrder } from '../bytes.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { oldFieldFor, sameBytes } from '../schema/diff.js';

export interface Loss {
  /** `value.rules[120]`, `value.count`. */
  readonly path: string;
  readonly reason: string;
}

/** Writes the new layout of `src[so..]` into `dst[dO..]` (zero-filled or pre-filled with defaults); losses appended to `out`. */
export type Converter = (src: Uint8Array, so: number, dst: Uint8Array, dO: number, path: string, out: Loss[]) => void;

export interface ConvertOptions {
  readonly rename?: Readonly<Record<string, string>>;
  /** Values for fields only the new layout has, by path with `[]` for every array element (`rules[].priority`). */
  readonly defaults?: ReadonlyMap<string, bigint>;
  readonly byteOrder: ByteOrder;
}

const MAX_DEPTH = 32;

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

interface Num { size: number; signed: boolean; little: boolean; bits: number }

function numOf(t: TypeNode, order: ByteOrder): Num {
  const little = t.kind === 'int' && t.byteOrder === 'big' ? false : order === 'little';
  const signed = (t.kind === 'int' || t.kind === 'enum') && t.signed;
  return { size: t.size, signed, little, bits: t.kind === 'int' && t.bits ? t.bits : t.size * 8 };
}

export function readNum(b: Uint8Array, off: number, n: Num): bigint {
  const v = view(b);
  switch (n.size) {
    case 1: return BigInt(n.signed ? v.getInt8(off) : v.getUint8(off));
    case 2: return BigInt(n.signed ? v.getInt16(off, n.little) : v.getUint16(off, n.little));
    case 4: return BigInt(n.signed ? v.getInt32(off, n.little) : v.getUint32(off, n.little));
    case 8: return n.signed ? v.getBigInt64(off, n.little) : v.getBigUint64(off, n.little);
  }
  throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `a ${n.size}-byte integer is not converted`);
}

export function writeNum(b: Uint8Array, off: number, n: Num, x: bigint): void {
  const v = view(b);
  const u = BigInt.asUintN(n.size * 8, x);
  switch (n.size) {
    case 1: v.setUint8(off, Number(u)); return;
    case 2: v.setUint16(off, Number(u), n.little); return;
    case 4: v.setUint32(off, Number(u), n.little); return;
    case 8: v.setBigUint64(off, u, n.little); return;
  }
  throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `a ${n.size}-byte integer is not converted`);
}

function range(n: Num): [bigint, bigint] {
  const bits = BigInt(n.bits);
  return n.signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function isZero(b: Uint8Array, off: number, size: number): boolean {
  for (let i = off; i < off + size; i++) if (b[i] !== 0) return false;
  return true;
}

function numberConverter(old: TypeNode, cur: TypeNode, order: ByteOrder): Converter {
  const on = numOf(old, order), nn = numOf(cur, order);
  const [lo, hi] = range(nn);
  const label = `${nn.signed ? 's' : 'u'}${nn.bits}`;
  const byName = old.kind === 'enum' && cur.kind === 'enum'
    ? new Map(old.values.map((v) => [BigInt(v.value), v.name]))
    : null;
  const newValue = cur.kind === 'enum' ? new Map(cur.values.map((v) => [v.name, BigInt(v.value)])) : null;
  return (src, so, dst, dO, path, out) => {
    let x = readNum(src, so, on);
    if (byName && newValue) {
      const name = byName.get(x);
      if (name !== undefined) {
        const y = newValue.get(name);
        if (y === undefined) {
          out.push({ path, reason: `enum value ${name} (${x}) is not in the new enum; written as 0` });
          return;
        }
        x = y;
      }
    }
    if (x < lo || x > hi) {
      out.push({ path, reason: `${x} does not fit ${label} (${lo}..${hi}); written as ${x < lo ? lo : hi}` });
      x = x < lo ? lo : hi;
    }
    writeNum(dst, dO, nn, x);
  };
}

function norm(path: string): string {
  return path.replace(/\[\d*\]/g, '[]').replace(/^value\./, '');
}

function defaultWriter(cur: TypeNode, path: string, opts: ConvertOptions): Converter | null {
  const d = opts.defaults?.get(norm(path));
  if (d === undefined) return null;
  if (cur.kind !== 'int' && cur.kind !== 'enum') {
    throw new BpfmapError(ERROR_CODE.USAGE, `defaults: ${path}: only integer and enum fields take a default, this one is a ${cur.kind}`);
  }
  const n = numOf(cur, opts.byteOrder);
  const [lo, hi] = range(n);
  if (d < lo || d > hi) throw new BpfmapError(ERROR_CODE.VALUE_RANGE, `defaults: ${path}: expected ${lo}..${hi}, got ${d}`);
  return (_s, _so, dst, dO) => writeNum(dst, dO, n, d);
}

/** Every default path that names a field the new layout adds; the others are refused by the caller. */
export function compileConverter(old: TypeNode, cur: TypeNode, opts: ConvertOptions, path = 'value', used?: Set<string>): Converter {
  return compile(old, cur, opts, path, 0, used ?? new Set());
}

function compile(old: TypeNode, cur: TypeNode, opts: ConvertOptions, path: string, depth: number, usedDefaults: Set<string>): Converter {
  if (depth > MAX_DEPTH) throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${path}: nested deeper than ${MAX_DEPTH}`);
  const rename = opts.rename ?? {};
  if (sameBytes(old, cur, rename)) {
    const size = cur.size;
    return (src, so, dst, dO) => dst.set(src.subarray(so, so + size), dO);
  }
  const numeric = (t: TypeNode) => t.kind === 'int' || t.kind === 'enum';
  if (numeric(old) && numeric(cur)) return numberConverter(old, cur, opts.byteOrder);
  if (old.kind === 'array' && cur.kind === 'array') {
    const el = compile(old.element, cur.element, opts, `${path}[]`, depth + 1, usedDefaults);
    const os = old.element.size, ns = cur.element.size, n = Math.min(old.length, cur.length), ol = old.length, nl = cur.length;
    const fill = nl > ol ? compileFill(cur.element, opts, `${path}[]`, usedDefaults) : null;
    return (src, so, dst, dO, p, out) => {
      for (let i = 0; i < n; i++) el(src, so + i * os, dst, dO + i * ns, `${p}[${i}]`, out);
      if (fill) for (let i = n; i < nl; i++) fill(src, 0, dst, dO + i * ns, `${p}[${i}]`, out);
      for (let i = n; i < ol; i++) {
        if (!isZero(src, so + i * os, os)) out.push({ path: `${p}[${i}]`, reason: `element in use, dropped (the new array has ${nl} elements)` });
      }
    };
  }
  if (old.kind === 'struct' && cur.kind === 'struct') {
    const parts: { c: Converter; oo: number; no: number; name: string }[] = [];
    const used = new Set<Field>();
    let anon = 0;
    cur.fields.forEach((f: Field) => {
      const at = `${path}.${f.name}`;
      const o = oldFieldFor(old.fields, f, f.name === '' ? anon++ : 0, rename);
      if (o) used.add(o);
      if (f.bitSize !== undefined || o?.bitSize !== undefined) {
        if (!o || o.offset !== f.offset || o.bitOffset !== f.bitOffset || o.bitSize !== f.bitSize || !sameBytes(o.type, f.type, rename)) {
          throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${at}: a bitfield that is added, moved or changed is not converted`);
        }
      }
      if (!o) {
        const fill = compileFill(f.type, opts, at, usedDefaults);
        if (fill) parts.push({ c: fill, oo: 0, no: f.offset, name: f.name });
        return;
      }
      parts.push({ c: compile(o.type, f.type, opts, at, depth + 1, usedDefaults), oo: o.offset, no: f.offset, name: f.name });
    });
    // A field the new layout lacks (removed, or renamed without `rename`) that holds a value: a loss.
    for (const o of old.fields) if (!used.has(o)) parts.push({ c: removedChecker(o, opts.byteOrder), oo: o.offset, no: 0, name: o.name || '(anonymous)' });
    return (src, so, dst, dO, p, out) => {
      for (const x of parts) x.c(src, so + x.oo, dst, dO + x.no, `${p}.${x.name}`, out);
    };
  }
  throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `${path}: a ${old.kind} that becomes a ${cur.kind} (or changes layout) is not converted`);
}

/** Reports a field only the old layout has when it is not zero (its bits only, for a bitfield); writes nothing. */
function removedChecker(o: Field, order: ByteOrder): Converter {
  const size = o.type.size, bits = o.bitSize, from = o.bitOffset ?? 0;
  return (src, so, _dst, _dO, p, out) => {
    let set: boolean;
    if (bits === undefined) set = !isZero(src, so, size);
    else {
      set = false;
      // In memory bit order (see Field.bitOffset): from the low bit of each byte for little-endian objects.
      for (let i = from; i < from + bits && !set; i++) set = ((src[so + (i >> 3)] ?? 0) & (order === 'little' ? 1 << (i & 7) : 0x80 >> (i & 7))) !== 0;
    }
    if (set) out.push({ path: p, reason: 'not in the new layout (removed, or renamed: name it with rename OLD=NEW), its value dropped' });
  };
}

/** Fills a part only the new layout has: its defaults where given, else nothing (it stays zero). */
function compileFill(cur: TypeNode, opts: ConvertOptions, path: string, used: Set<string>): Converter | null {
  if (!opts.defaults || opts.defaults.size === 0) return null;
  const d = defaultWriter(cur, path, opts);
  if (d) { used.add(norm(path)); return d; }
  if (cur.kind === 'array') {
    const el = compileFill(cur.element, opts, `${path}[]`, used);
    if (!el) return null;
    const ns = cur.element.size, nl = cur.length;
    return (src, so, dst, dO, p, out) => { for (let i = 0; i < nl; i++) el(src, so, dst, dO + i * ns, p, out); };
  }
  if (cur.kind === 'struct') {
    const parts = cur.fields.map((f) => ({ c: compileFill(f.type, opts, `${path}.${f.name}`, used), no: f.offset })).filter((x) => x.c !== null);
    if (parts.length === 0) return null;
    return (src, so, dst, dO, p, out) => { for (const x of parts) x.c!(src, so, dst, dO + x.no, p, out); };
  }
  return null;
}
