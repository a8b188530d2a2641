/**
 * Wire format: BTF type records exactly as the kernel lays them out (struct btf_type and the per-kind
 * data that follows). Stage 3 of validation is record framing: each record's size comes from its kind
 * and vlen (24-bit) and the cursor must land exactly on the end of the type section. Kinds this decoder
 * does not know are skipped with the layout section (hdr_len 32), or refused without one.
 *
 * Records are not copied: `offs[id]` is the record's offset in the type section, read through a
 * DataView in the BTF's byte order.
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

export class RawTypes {
  /** The type section. */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  /** Number of type ids including void (id 0): valid ids are 0..count-1. */
  readonly count: number;
  /** Record offset in the type section for each id (offs[0] is unused). */
  readonly offs: Uint32Array;
  /** Kind of each id (0 for void). */
  readonly kinds: Uint8Array;

  constructor(bytes: Uint8Array, order: ByteOrder, layouts: readonly KindLayout[] | null) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = order === 'little';
    const max = Math.floor(bytes.byteLength / 12) + 1;
    const offs = new Uint32Array(max);
    const kinds = new Uint8Array(max);
    const v = this.view;
    const le = this.littleEndian;
    const end = bytes.byteLength;
    let pos = 0;
    let id = 1;
    while (pos < end) {
      if (pos + 12 > end) throw new BtfError(`BTF type ${id}: record header at type offset ${pos} (+12) runs past the ${end}-byte type section`, id);
      const info = v.getUint32(pos + 4, le);
      const vlen = info & 0xffffff;
      const kind = (info >>> 24) & 0x7f;
      let size: number;
      switch (kind) {
        case BTF_KIND.INT: case BTF_KIND.VAR: case BTF_KIND.DECL_TAG: size = 16; break;
        case BTF_KIND.PTR: case BTF_KIND.FWD: case BTF_KIND.TYPEDEF: case BTF_KIND.VOLATILE: case BTF_KIND.CONST:
        case BTF_KIND.RESTRICT: case BTF_KIND.FUNC: case BTF_KIND.FLOAT: case BTF_KIND.TYPE_TAG: size = 12; break;
        case BTF_KIND.ARRAY: size = 24; break;
        case BTF_KIND.STRUCT: case BTF_KIND.UNION: case BTF_KIND.DATASEC: case BTF_KIND.ENUM64: size = 12 + vlen * 12; break;
        case BTF_KIND.ENUM: case BTF_KIND.FUNC_PROTO: size = 12 + vlen * 8; break;
        default: {
          const l = kind === BTF_KIND.UNKN ? undefined : layouts?.[kind];
          if (!l) {
            const why = kind === BTF_KIND.UNKN ? 'kind 0 (UNKN) is not a valid record kind'
              : layouts ? `the layout section has no entry for kind ${kind}` : 'no layout section to skip it';
            throw new BtfError(`BTF type ${id}: unknown kind ${kind}: ${why}`, id, 'BTF_UNSUPPORTED');
          }
          size = 12 + l.infoSize + vlen * l.elemSize;
        }
      }
      if (pos + size > end) {
        throw new BtfError(`BTF type ${id} (${kindName(kind)}, vlen ${vlen}): record of ${size} bytes at type offset ${pos} runs past the ${end}-byte type section`, id);
      }
      offs[id] = pos;
      kinds[id] = kind;
      pos += size;
      id++;
    }
    this.count = id;
    this.offs = offs.subarray(0, id);
    this.kinds = kinds.subarray(0, id);
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
  /** Whether `kind` is one this decoder understands (others were skipped with the layout section). */
  static isKnown(kind: number): boolean { return kind >= 1 && kind <= BTF_KIND_MAX_KNOWN; }
}

export function parseLayouts(bytes: Uint8Array, order: ByteOrder): KindLayout[] {
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
