/**
 * Wire format: BTF type records exactly as the kernel lays them out (struct btf_type and the per-kind
 * data that follows). Stage 3 of validation is record framing: each record's size comes from its kind
 * and vlen (24-bit) and the cursor must land exactly on the end of the type section. Kinds this decoder
 * does not know are skipped with the layout section (hdr_len 32), or refused without one.
 *
 * Records are not copied: `offs[id]` is the record's offset in the type section, read through a
 * DataView in the BTF's byte order (or as host-order `words` in hot loops).
 */
import { BtfError } from '../errors.js';
import type { ByteOrder } from '../bytes.js';
import { BTF_KIND, BTF_KIND_MAX_KNOWN, kindName } from './kinds.js';
import type { BtfHeader } from './header.js';

/** One entry of the layout section: how to skip a kind (`{u8 info_sz; u8 elem_sz; u16 flags}`). */
export interface KindLayout {
  readonly infoSize: number;
  readonly elemSize: number;
  readonly flags: number;
}

/** Whether this machine stores words little-endian (a Uint32Array view then reads little-endian BTF). */
const HOST_LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Record size per known kind: 12-byte header plus fixed data (BASE) and vlen entries of ELEM bytes. */
const BASE = new Uint8Array(BTF_KIND_MAX_KNOWN + 1);
const ELEM = new Uint8Array(BTF_KIND_MAX_KNOWN + 1);
for (let k = 1; k <= BTF_KIND_MAX_KNOWN; k++) BASE[k] = 12;
BASE[BTF_KIND.INT] = BASE[BTF_KIND.VAR] = BASE[BTF_KIND.DECL_TAG] = 16;
BASE[BTF_KIND.ARRAY] = 24;
ELEM[BTF_KIND.STRUCT] = ELEM[BTF_KIND.UNION] = ELEM[BTF_KIND.DATASEC] = ELEM[BTF_KIND.ENUM64] = 12;
ELEM[BTF_KIND.ENUM] = ELEM[BTF_KIND.FUNC_PROTO] = 8;

export class RawTypes {
  /** The type section. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  /**
   * The type section as 32-bit words in host order, for tight loops: a view of `bytes` when they are
   * 4-byte aligned and in host byte order, otherwise a converted copy taken here.
   */
  readonly words: Uint32Array;
  /** Number of type ids including void (id 0): valid ids are 0..count-1. */
  readonly count: number;
  /** Record offset in the type section for each id (offs[0] is unused). */
  readonly offs: Uint32Array;
  /** Kind of each id (0 for void). */
  readonly kinds: Uint8Array;
  /**
   * The largest name offset and the largest type id any record refers to (found while framing), so
   * that the references stage only walks the records in detail when one of them is out of range.
   */
  readonly maxNameOff: number;
  readonly maxTypeRef: number;
  /**
   * The typedef/volatile/const/restrict/type_tag records whose target id is not below their own, in
   * id order: a chain of those can only loop back through one of them (ids strictly fall along any
   * other step), so the cycle check starts from these alone.
   */
  readonly forwardModifiers: Int32Array;

  constructor(bytes: Uint8Array, order: ByteOrder, layouts: readonly KindLayout[] | null) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = order === 'little';
    const w = hostWords(bytes, this.view, this.littleEndian);
    this.words = w;
    const max = Math.floor(bytes.byteLength / 12) + 1;
    const offs = new Uint32Array(max);
    const kinds = new Uint8Array(max);
    const end = bytes.byteLength;
    let maxName = 0;
    let maxRef = 0;
    // As many as records at most (sized once: a growing branch that the warm-up sample never takes
    // would make V8 throw the optimised loop away when vmlinux takes it).
    const fwd = new Int32Array(max);
    let nFwd = 0;
    let pos = 0;
    let id = 1;
    while (pos < end) {
      if (pos + 12 > end) throw new BtfError(`BTF type ${id}: record header at type offset ${pos} (+12) runs past the ${end}-byte type section`, id);
      const i = pos >>> 2;
      const info = w[i + 1]!;
      const vlen = info & 0xffffff;
      const kind = (info >>> 24) & 0x7f;
      let size = kind <= BTF_KIND_MAX_KNOWN ? BASE[kind]! + vlen * ELEM[kind]! : 0;
      if (size === 0) size = layoutSize(id, kind, vlen, layouts);
      if (pos + size > end) {
        throw new BtfError(`BTF type ${id} (${kindName(kind)}, vlen ${vlen}): record of ${size} bytes at type offset ${pos} runs past the ${end}-byte type section`, id);
      }
      offs[id] = pos;
      kinds[id] = kind;
      // What the references stage checks, as maxima (the record is known to be in bounds here).
      let x = w[i]!;
      if (x > maxName) maxName = x;
      switch (kind) {
        case BTF_KIND.TYPEDEF: case BTF_KIND.VOLATILE: case BTF_KIND.CONST: case BTF_KIND.RESTRICT: case BTF_KIND.TYPE_TAG:
          x = w[i + 2]!;
          if (x > maxRef) maxRef = x;
          if (x >= id) fwd[nFwd++] = id;
          break;
        case BTF_KIND.PTR: case BTF_KIND.FUNC: case BTF_KIND.VAR: case BTF_KIND.DECL_TAG:
          x = w[i + 2]!;
          if (x > maxRef) maxRef = x;
          break;
        case BTF_KIND.FUNC_PROTO: {
          x = w[i + 2]!;
          if (x > maxRef) maxRef = x;
          for (let q = i + 3, e = q + 2 * vlen; q < e; q += 2) {
            x = w[q]!;
            if (x > maxName) maxName = x;
            x = w[q + 1]!;
            if (x > maxRef) maxRef = x;
          }
          break;
        }
        case BTF_KIND.ARRAY:
          x = w[i + 3]!;
          if (x > maxRef) maxRef = x;
          x = w[i + 4]!;
          if (x > maxRef) maxRef = x;
          break;
        case BTF_KIND.STRUCT: case BTF_KIND.UNION:
          for (let q = i + 3, e = q + 3 * vlen; q < e; q += 3) {
            x = w[q]!;
            if (x > maxName) maxName = x;
            x = w[q + 1]!;
            if (x > maxRef) maxRef = x;
          }
          break;
        case BTF_KIND.ENUM: case BTF_KIND.ENUM64: {
          const step = kind === BTF_KIND.ENUM ? 2 : 3;
          for (let q = i + 3, e = q + step * vlen; q < e; q += step) {
            x = w[q]!;
            if (x > maxName) maxName = x;
          }
          break;
        }
        case BTF_KIND.DATASEC:
          for (let q = i + 3, e = q + 3 * vlen; q < e; q += 3) {
            x = w[q]!;
            if (x > maxRef) maxRef = x;
          }
          break;
        default:
          break;
      }
      pos += size;
      id++;
    }
    this.count = id;
    this.offs = offs.subarray(0, id);
    this.kinds = kinds.subarray(0, id);
    this.maxNameOff = maxName;
    this.maxTypeRef = maxRef;
    this.forwardModifiers = fwd.subarray(0, nFwd);
  }

  nameOff(id: number): number { return this.view.getUint32(this.offs[id]!, this.littleEndian); }
  info(id: number): number { return this.view.getUint32(this.offs[id]! + 4, this.littleEndian); }
  vlen(id: number): number { return this.info(id) & 0xffffff; }
  kindFlag(id: number): boolean { return (this.info(id) >>> 31) === 1; }
  /** The `size` / `type` union word. */
  sizeType(id: number): number { return this.view.getUint32(this.offs[id]! + 8, this.littleEndian); }
  /** u32 at byte `at` of the record's data after the 12-byte header. */
  u32(id: number, at: number): number { return this.view.getUint32(this.offs[id]! + 12 + at, this.littleEndian); }
  i32(id: number, at: number): number { return this.view.getInt32(this.offs[id]! + 12 + at, this.littleEndian); }
}

/** Size of a record of a kind this decoder does not know, from the layout section (or an error). */
function layoutSize(id: number, kind: number, vlen: number, layouts: readonly KindLayout[] | null): number {
  const l = kind === BTF_KIND.UNKN ? undefined : layouts?.[kind];
  if (!l) {
    const why = kind === BTF_KIND.UNKN ? 'kind 0 (UNKN) is not a valid record kind'
      : layouts ? `the layout section has no entry for kind ${kind}` : 'no layout section to skip it';
    throw new BtfError(`BTF type ${id}: unknown kind ${kind}: ${why}`, id, 'BTF_UNSUPPORTED');
  }
  return 12 + l.infoSize + vlen * l.elemSize;
}

/** The bytes as host-order words: a view when aligned and in host order, else a copy (the tail past a multiple of 4 is dropped). */
function hostWords(bytes: Uint8Array, view: DataView, le: boolean): Uint32Array {
  const n = bytes.byteLength >>> 2;
  if (le === HOST_LE && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
  const w = new Uint32Array(n);
  for (let i = 0; i < n; i++) w[i] = view.getUint32(i * 4, le);
  return w;
}

function parseLayouts(bytes: Uint8Array, order: ByteOrder): KindLayout[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: KindLayout[] = [];
  for (let i = 0; i + 4 <= bytes.byteLength; i += 4) {
    out.push({ infoSize: bytes[i]!, elemSize: bytes[i + 1]!, flags: v.getUint16(i + 2, order === 'little') });
  }
  return out;
}

/** Builds a RawTypes from the header's sections (stages 1 and 3; strings are stage 2 elsewhere). */
export function parseRawTypes(blob: Uint8Array, h: BtfHeader): RawTypes {
  const body = h.hdrLen;
  const layouts = h.layoutLen > 0 ? parseLayouts(blob.subarray(body + h.layoutOff, body + h.layoutOff + h.layoutLen), h.byteOrder) : null;
  return new RawTypes(blob.subarray(body + h.typeOff, body + h.typeOff + h.typeLen), h.byteOrder, layouts);
}
