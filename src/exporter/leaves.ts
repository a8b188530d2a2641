/**
 * The numeric leaves of a map value: every integer and float field (in nested structs, unions and
 * arrays) with its byte offset, its path (`allow_stats.packets`), the array indices that lead to it
 * (labels), and a reader. Built once per map from the schema; scrapes only read.
 *
 * Left out: enums, pointers, opaque bytes, and arrays of 1-byte integers (strings, addresses, raw
 * bytes: their elements are not quantities).
 */
import type { ByteOrder } from '../bytes.js';
import type { StructNode, TypeNode } from '../schema/types.js';
import { compileCodec } from '../codec/index.js';
import { labelName } from './text-format.js';

/** Reads one value at the absolute byte offset `off` of a buffer. */
export type LeafReader = (dv: DataView, u8: Uint8Array, off: number) => number | bigint;

export interface Leaf {
  /** Field names from the value's root (anonymous members add none); [] for a scalar value. */
  readonly path: readonly string[];
  /** `path` joined with dots: what a config file names (`allow_stats.packets`, `rules.ruleId`). */
  readonly id: string;
  /** Byte offset in the value. */
  readonly offset: number;
  /** `name="i"` label pairs for the array elements on the way, rendered (`rules_index="3"`); '' for none. */
  readonly labels: string;
  /** 64-bit integers read as bigint (summed exactly); the rest as number. */
  readonly wide: boolean;
  /** Whole unsigned 64-bit integers: their byte order (for the fast sum, fast-samples.ts); else undefined. */
  readonly u64Little?: boolean;
  readonly read: LeafReader;
}

/** At most this many leaves per value: a huge array of structs is cut here rather than exploding a scrape. */
export const MAX_LEAVES = 65536;

export function valueLeaves(node: TypeNode | null, byteOrder: ByteOrder): Leaf[] {
  const out: Leaf[] = [];
  if (node !== null) walk(node, 0, [], '', byteOrder, out, 0);
  return out;
}

function walk(node: TypeNode, off: number, path: string[], labels: string, order: ByteOrder, out: Leaf[], depth: number): void {
  if (depth > 32 || out.length >= MAX_LEAVES) return;
  switch (node.kind) {
    case 'int':
    case 'float': {
      const r = reader(node, order);
      if (!r) return;
      const u64 = node.kind === 'int' && node.size === 8 && !node.signed && (node.bits ?? 64) === 64;
      const little = node.kind === 'int' && node.byteOrder === 'big' ? false : order === 'little';
      out.push({ path, id: path.join('.'), offset: off, labels, wide: node.kind === 'int' && node.size === 8 && (node.bits ?? 64) > 53, read: r, ...(u64 ? { u64Little: little } : {}) });
      return;
    }
    case 'struct':
    case 'union':
      for (const f of node.fields) {
        const p = f.name === '' ? path : [...path, f.name];
        if (f.bitSize !== undefined) {
          if (f.type.kind === 'int' && out.length < MAX_LEAVES) out.push(bitfieldLeaf(f.type, off + f.offset, f.bitOffset ?? 0, f.bitSize, p, labels, order));
          continue;
        }
        walk(f.type, off + f.offset, p, labels, order, out, depth + 1);
      }
      return;
    case 'array': {
      const el = node.element;
      if (el.kind === 'int' && el.size === 1) return;
      // Arrays of arrays (`m[2][3]`) name the same field: the inner index is `m_index_2`, then `_3`, ...
      // (a label name given twice makes the whole scrape invalid).
      let base = labelName(`${path.length > 0 ? path[path.length - 1] : 'value'}_index`);
      for (let d = 2; hasLabel(labels, base); d++) base = labelName(`${path.length > 0 ? path[path.length - 1] : 'value'}_index_${d}`);
      for (let i = 0; i < node.length && out.length < MAX_LEAVES; i++) {
        walk(el, off + i * el.size, path, `${labels}${labels === '' ? '' : ','}${base}="${i}"`, order, out, depth + 1);
      }
      return;
    }
    default:
      return;
  }
}

/** Whether the rendered label pairs `labels` (`a="1",b="2"`) name `name`. */
function hasLabel(labels: string, name: string): boolean {
  return `,${labels}`.includes(`,${name}="`);
}

/** A direct DataView read for whole 1/2/4/8-byte integers and 4/8-byte floats; else the codec. */
function reader(node: TypeNode & { kind: 'int' | 'float' }, order: ByteOrder): LeafReader | null {
  const little = (node.kind === 'int' && node.byteOrder === 'big') ? false : order === 'little';
  if (node.kind === 'float') {
    if (node.size === 4) return (dv, _u8, off) => dv.getFloat32(off, little);
    if (node.size === 8) return (dv, _u8, off) => dv.getFloat64(off, little);
    return codecReader(node, order);
  }
  if (node.bits !== undefined && node.bits !== node.size * 8) return codecReader(node, order);
  const s = node.signed;
  switch (node.size) {
    case 1: return s ? (dv, _u8, off) => dv.getInt8(off) : (_dv, u8, off) => u8[off]!;
    case 2: return s ? (dv, _u8, off) => dv.getInt16(off, little) : (dv, _u8, off) => dv.getUint16(off, little);
    case 4: return s ? (dv, _u8, off) => dv.getInt32(off, little) : (dv, _u8, off) => dv.getUint32(off, little);
    case 8: return s ? (dv, _u8, off) => dv.getBigInt64(off, little) : (dv, _u8, off) => dv.getBigUint64(off, little);
    default: return codecReader(node, order);
  }
}

function codecReader(node: TypeNode, order: ByteOrder): LeafReader | null {
  const c = compileCodec(node, { byteOrder: order, size: node.size, root: 'value' });
  return (_dv, u8, off) => asNumber(c.decode(u8, off));
}

/** A bitfield through the codec: a one-field struct decoded at the field's first byte. */
function bitfieldLeaf(type: TypeNode, off: number, bitOffset: number, bitSize: number, path: string[], labels: string, order: ByteOrder): Leaf {
  const size = Math.ceil((bitOffset + bitSize) / 8);
  const node: StructNode = { kind: 'struct', name: '', size, fields: [{ name: 'v', offset: 0, bitOffset, bitSize, type }] };
  const c = compileCodec(node, { byteOrder: order, size, root: 'value' });
  return { path, id: path.join('.'), offset: off, labels, wide: bitSize > 53, read: (_dv, u8, o) => asNumber((c.decode(u8, o) as { v: unknown }).v) };
}

function asNumber(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return NaN;
}
