/**
 * A tiny BTF writer for tests: builds blobs in either byte order, with the classic 24-byte header or
 * the 32-byte header with a layout section, including deliberately broken ones.
 */
import { Writer, type ByteOrder } from '../../src/bytes.js';

export const KIND = {
  INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9, CONST: 10,
  RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17, TYPE_TAG: 18, ENUM64: 19,
} as const;

export interface MemberSpec { name: string; type: number; bitOffset: number; bitSize?: number }

export interface BuilderOptions {
  order?: ByteOrder;
  /** 24 (classic) or 32 (with layout_off / layout_len). */
  hdrLen?: 24 | 32;
  /** Layout records `[info_sz, elem_sz, flags]` indexed by kind (only with hdrLen 32). */
  layout?: readonly (readonly [number, number, number])[];
  /** Where the layout section goes: before the types (default) or after the strings. */
  layoutAt?: 'first' | 'last';
}

interface Rec { nameOff: number; kind: number; vlen: number; kflag: boolean; sizeType: number; extra: number[] }

export class BtfBuilder {
  private readonly strs: string[] = [''];
  private strLen = 1;
  private readonly strIndex = new Map<string, number>([['', 0]]);
  private readonly recs: Rec[] = [];
  readonly order: ByteOrder;
  readonly hdrLen: 24 | 32;
  readonly layout: readonly (readonly [number, number, number])[] | undefined;
  readonly layoutAt: 'first' | 'last';

  constructor(opts: BuilderOptions = {}) {
    this.order = opts.order ?? 'little';
    this.hdrLen = opts.hdrLen ?? 24;
    this.layout = opts.layout;
    this.layoutAt = opts.layoutAt ?? 'first';
  }

  str(s: string): number {
    const hit = this.strIndex.get(s);
    if (hit !== undefined) return hit;
    const off = this.strLen;
    this.strs.push(s);
    this.strIndex.set(s, off);
    this.strLen += Buffer.byteLength(s) + 1;
    return off;
  }

  /** Adds a raw record; `nameOff` may be a string (interned) or a raw offset (to make bad ones). */
  raw(kind: number, name: string | number, sizeType: number, extra: number[] = [], vlen = 0, kflag = false): number {
    const nameOff = typeof name === 'number' ? name : this.str(name);
    this.recs.push({ nameOff, kind, vlen, kflag, sizeType, extra });
    return this.recs.length;
  }

  int(name: string, size: number, opts: { signed?: boolean; bits?: number; offset?: number; encoding?: number } = {}): number {
    const enc = opts.encoding ?? (opts.signed ? 1 : 0);
    return this.raw(KIND.INT, name, size, [(enc << 24) | ((opts.offset ?? 0) << 16) | (opts.bits ?? size * 8)]);
  }
  ptr(type: number): number { return this.raw(KIND.PTR, '', type); }
  typedef(name: string, type: number): number { return this.raw(KIND.TYPEDEF, name, type); }
  const(type: number): number { return this.raw(KIND.CONST, '', type); }
  volatile(type: number): number { return this.raw(KIND.VOLATILE, '', type); }
  array(elem: number, index: number, nelems: number): number { return this.raw(KIND.ARRAY, '', 0, [elem, index, nelems]); }
  struct(name: string, size: number, members: readonly MemberSpec[], union = false): number {
    const kflag = members.some((m) => m.bitSize !== undefined);
    const extra: number[] = [];
    for (const m of members) extra.push(this.str(m.name), m.type, kflag ? ((m.bitSize ?? 0) << 24) | m.bitOffset : m.bitOffset);
    return this.raw(union ? KIND.UNION : KIND.STRUCT, name, size, extra, members.length, kflag);
  }
  enum(name: string, size: number, values: readonly [string, number][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) extra.push(this.str(n), v >>> 0);
    return this.raw(KIND.ENUM, name, size, extra, values.length, signed);
  }
  enum64(name: string, values: readonly [string, bigint][], signed = false): number {
    const extra: number[] = [];
    for (const [n, v] of values) {
      const u = BigInt.asUintN(64, v);
      extra.push(this.str(n), Number(u & 0xffffffffn), Number(u >> 32n));
    }
    return this.raw(KIND.ENUM64, name, 8, extra, values.length, signed);
  }
  variable(name: string, type: number, linkage = 1): number { return this.raw(KIND.VAR, name, type, [linkage]); }
  datasec(name: string, size: number, vars: readonly [number, number, number][]): number {
    return this.raw(KIND.DATASEC, name, size, vars.flat(), vars.length);
  }

  build(): Uint8Array {
    const types = new Writer(this.order);
    for (const r of this.recs) {
      types.u32(r.nameOff).u32(((r.kflag ? 1 : 0) << 31 | (r.kind & 0x7f) << 24 | (r.vlen & 0xffffff)) >>> 0).u32(r.sizeType);
      for (const x of r.extra) types.u32(x);
    }
    const t = types.finish();
    const s = new Uint8Array(this.strLen);
    let p = 0;
    for (const str of this.strs) { s.set(Buffer.from(str), p); p += Buffer.byteLength(str) + 1; }
    const layoutBytes = new Writer(this.order);
    if (this.layout) for (const [info, elem, flags] of this.layout) layoutBytes.u8(info).u8(elem).u16(flags);
    const l = layoutBytes.finish();
    const w = new Writer(this.order);
    w.u16(0xeb9f).u8(1).u8(0).u32(this.hdrLen);
    // Section order after the header: layout (if any), types, strings; or types, strings, layout.
    const last = this.layoutAt === 'last';
    const typeOff = last ? 0 : l.byteLength;
    const strOff = typeOff + t.byteLength;
    const layoutOff = last ? strOff + s.byteLength : 0;
    w.u32(typeOff).u32(t.byteLength).u32(strOff).u32(s.byteLength);
    if (this.hdrLen === 32) w.u32(layoutOff).u32(l.byteLength);
    if (last) w.bytes(t).bytes(s).bytes(l);
    else w.bytes(l).bytes(t).bytes(s);
    return w.finish();
  }
}

/** The layout records for kinds 0..19 as the kernel would describe them, plus extra entries. */
export function standardLayout(extra: Record<number, readonly [number, number, number]> = {}): (readonly [number, number, number])[] {
  const base: (readonly [number, number, number])[] = [
    [0, 0, 0], [4, 0, 0], [0, 0, 0], [12, 0, 0], [0, 12, 0], [0, 12, 0], [0, 8, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0],
    [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 8, 0], [4, 0, 0], [0, 12, 0], [0, 0, 0], [4, 0, 0], [0, 0, 0], [0, 12, 0],
  ];
  const max = Math.max(base.length - 1, ...Object.keys(extra).map(Number));
  const out: (readonly [number, number, number])[] = [];
  for (let k = 0; k <= max; k++) out.push(extra[k] ?? base[k] ?? [0, 0, 0]);
  return out;
}
