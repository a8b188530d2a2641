/**
 * Where the interesting fields of an input are: ELF header and section-table fields, symbol
 * entries, the BTF header and the fields of each BTF type record. Read leniently (never throws):
 * the mutator uses this to aim at lengths, offsets, indexes and ids instead of random bytes.
 */

export type Role =
  | 'elf-header' | 'section' | 'symbol'
  | 'btf-header' | 'name-off' | 'info' | 'type-id' | 'size' | 'nelems' | 'member-offset';

export interface Field {
  readonly at: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly name: string;
  readonly role: Role;
  readonly little: boolean;
}

export interface BtfRecord {
  readonly at: number;
  readonly kind: number;
  readonly vlen: number;
}

export interface BtfSpan {
  /** Offset of the BTF header in the input. */
  readonly start: number;
  readonly length: number;
  readonly little: boolean;
  readonly hdrLen: number;
  /** Absolute offsets of the type and string sections. */
  readonly typeStart: number;
  readonly typeLen: number;
  readonly strStart: number;
  readonly strLen: number;
  readonly records: readonly BtfRecord[];
}

export interface Layout {
  readonly fields: readonly Field[];
  readonly btf: BtfSpan | null;
  /** ELF section table: [offset, size] of each section (empty for raw BTF). */
  readonly sections: readonly { readonly index: number; readonly at: number; readonly offset: number; readonly size: number; readonly name: string }[];
  readonly shoff: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function rd(b: Uint8Array, at: number, size: number, little: boolean): number {
  if (at < 0 || at + size > b.byteLength) return 0;
  const v = view(b);
  if (size === 1) return b[at]!;
  if (size === 2) return v.getUint16(at, little);
  if (size === 4) return v.getUint32(at, little);
  const x = v.getBigUint64(at, little);
  return x > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(x);
}

export function readField(b: Uint8Array, f: Field): number {
  return rd(b, f.at, f.size, f.little);
}

export function writeField(b: Uint8Array, f: Field, value: number | bigint): void {
  if (f.at < 0 || f.at + f.size > b.byteLength) return;
  const v = view(b);
  const n = BigInt.asUintN(f.size * 8, BigInt(typeof value === 'number' ? Math.trunc(value) : value));
  if (f.size === 1) b[f.at] = Number(n);
  else if (f.size === 2) v.setUint16(f.at, Number(n), f.little);
  else if (f.size === 4) v.setUint32(f.at, Number(n), f.little);
  else v.setBigUint64(f.at, n, f.little);
}

function cstr(b: Uint8Array, at: number): string {
  let s = '';
  for (let i = at; i >= 0 && i < b.byteLength && b[i] !== 0 && s.length < 64; i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function btfSpan(b: Uint8Array, start: number, length: number): BtfSpan | null {
  if (length < 24 || start + 24 > b.byteLength) return null;
  const little = b[start] === 0x9f && b[start + 1] === 0xeb;
  const big = b[start] === 0xeb && b[start + 1] === 0x9f;
  if (!little && !big) return null;
  const hdrLen = rd(b, start + 4, 4, little);
  if (hdrLen < 24 || hdrLen > length) return null;
  const typeStart = start + hdrLen + rd(b, start + 8, 4, little);
  const typeLen = rd(b, start + 12, 4, little);
  const strStart = start + hdrLen + rd(b, start + 16, 4, little);
  const strLen = rd(b, start + 20, 4, little);
  const records: BtfRecord[] = [];
  const end = Math.min(typeStart + typeLen, b.byteLength, start + length);
  let p = typeStart;
  while (p + 12 <= end && records.length < 200000) {
    const info = rd(b, p + 4, 4, little);
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    records.push({ at: p, kind, vlen });
    let size: number;
    switch (kind) {
      case 1: case 14: case 17: size = 16; break;
      case 3: size = 24; break;
      case 4: case 5: case 15: case 19: size = 12 + vlen * 12; break;
      case 6: case 13: size = 12 + vlen * 8; break;
      default: size = 12;
    }
    p += size;
  }
  return { start, length, little, hdrLen, typeStart, typeLen, strStart, strLen, records };
}

function btfFields(s: BtfSpan, out: Field[]): void {
  const f = (at: number, name: string, role: Role): void => { out.push({ at, size: 4, name, role, little: s.little }); };
  f(s.start + 4, 'hdr_len', 'btf-header');
  f(s.start + 8, 'type_off', 'btf-header');
  f(s.start + 12, 'type_len', 'btf-header');
  f(s.start + 16, 'str_off', 'btf-header');
  f(s.start + 20, 'str_len', 'btf-header');
  if (s.hdrLen >= 32) { f(s.start + 24, 'layout_off', 'btf-header'); f(s.start + 28, 'layout_len', 'btf-header'); }
  s.records.forEach((r, i) => {
    const id = i + 1;
    f(r.at, `type ${id} name_off`, 'name-off');
    f(r.at + 4, `type ${id} info`, 'info');
    const refKinds = [2, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18];
    f(r.at + 8, `type ${id} size/type`, refKinds.includes(r.kind) ? 'type-id' : 'size');
    if (r.kind === 3) {
      f(r.at + 12, `type ${id} elem type`, 'type-id');
      f(r.at + 16, `type ${id} index type`, 'type-id');
      f(r.at + 20, `type ${id} nelems`, 'nelems');
    }
    if (r.kind === 4 || r.kind === 5 || r.kind === 15) {
      for (let m = 0; m < Math.min(r.vlen, 64); m++) {
        const p = r.at + 12 + m * 12;
        if (r.kind === 15) {
          f(p, `type ${id} var ${m} type`, 'type-id');
          f(p + 4, `type ${id} var ${m} offset`, 'member-offset');
          f(p + 8, `type ${id} var ${m} size`, 'size');
        } else {
          f(p, `type ${id} member ${m} name_off`, 'name-off');
          f(p + 4, `type ${id} member ${m} type`, 'type-id');
          f(p + 8, `type ${id} member ${m} offset`, 'member-offset');
        }
      }
    }
    if (r.kind === 13) {
      for (let m = 0; m < Math.min(r.vlen, 16); m++) f(r.at + 16 + m * 8, `type ${id} param ${m} type`, 'type-id');
    }
  });
}

export function layoutOf(b: Uint8Array): Layout {
  const fields: Field[] = [];
  const sections: { index: number; at: number; offset: number; size: number; name: string }[] = [];
  const isElf = b.byteLength >= 64 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 && b[4] === 2;
  if (!isElf) {
    const s = btfSpan(b, 0, b.byteLength);
    if (s) btfFields(s, fields);
    return { fields, btf: s, sections, shoff: 0 };
  }
  const little = b[5] !== 2;
  const h = (at: number, size: 1 | 2 | 4 | 8, name: string): void => { fields.push({ at, size, name, role: 'elf-header', little }); };
  h(4, 1, 'EI_CLASS'); h(5, 1, 'EI_DATA'); h(16, 2, 'e_type'); h(18, 2, 'e_machine');
  h(40, 8, 'e_shoff'); h(58, 2, 'e_shentsize'); h(60, 2, 'e_shnum'); h(62, 2, 'e_shstrndx');
  const shoff = rd(b, 40, 8, little);
  const shnum = rd(b, 60, 2, little);
  const strndx = rd(b, 62, 2, little);
  const strOff = shoff > 0 ? rd(b, shoff + strndx * 64 + 24, 8, little) : 0;
  let btf: BtfSpan | null = null;
  for (let i = 0; i < shnum && shoff > 0 && shoff + (i + 1) * 64 <= b.byteLength; i++) {
    const at = shoff + i * 64;
    const s = (off: number, size: 4 | 8, name: string): void => { fields.push({ at: at + off, size, name: `section ${i} ${name}`, role: 'section', little }); };
    s(0, 4, 'sh_name'); s(4, 4, 'sh_type'); s(24, 8, 'sh_offset'); s(32, 8, 'sh_size'); s(40, 4, 'sh_link'); s(44, 4, 'sh_info'); s(56, 8, 'sh_entsize');
    const offset = rd(b, at + 24, 8, little);
    const size = rd(b, at + 32, 8, little);
    const type = rd(b, at + 4, 4, little);
    const name = cstr(b, strOff + rd(b, at, 4, little));
    sections.push({ index: i, at, offset, size, name });
    if (name === '.BTF' && !btf) btf = btfSpan(b, offset, size);
    if (type === 2 && offset > 0) {
      for (let k = 1; k < Math.min(size / 24, 256); k++) {
        const p = offset + k * 24;
        fields.push({ at: p, size: 4, name: `symbol ${k} st_name`, role: 'symbol', little });
        fields.push({ at: p + 6, size: 2, name: `symbol ${k} st_shndx`, role: 'symbol', little });
        fields.push({ at: p + 8, size: 8, name: `symbol ${k} st_value`, role: 'symbol', little });
        fields.push({ at: p + 16, size: 8, name: `symbol ${k} st_size`, role: 'symbol', little });
      }
    }
  }
  if (btf) btfFields(btf, fields);
  return { fields, btf, sections, shoff };
}
