/** ELF64 section headers and section names (from the section header string table). */
import { ElfError } from '../errors.js';
import type { Reader } from '../bytes.js';
import type { ElfHeader } from './elf-header.js';

export const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, REL: 9 } as const;
const SHN_XINDEX = 0xffff;

export interface Section {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: bigint;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly addralign: number;
  readonly entsize: number;
}

interface RawSection extends Omit<Section, 'name'> { readonly nameOff: number }

function readSection(r: Reader, at: number, index: number): RawSection {
  const f = `section ${index}`;
  r.check(at, 64, `${f} header`);
  const type = r.u32(at + 4, `${f} sh_type`);
  const offset = r.u64(at + 24, `${f} sh_offset`);
  const size = r.u64(at + 32, `${f} sh_size`);
  if (type !== SHT.NOBITS && type !== SHT.NULL) r.check(offset, size, `${f} contents`);
  return {
    index, type, offset, size,
    nameOff: r.u32(at, `${f} sh_name`),
    flags: r.u64big(at + 8, `${f} sh_flags`),
    link: r.u32(at + 40, `${f} sh_link`),
    info: r.u32(at + 44, `${f} sh_info`),
    addralign: r.u64(at + 48, `${f} sh_addralign`),
    entsize: r.u64(at + 56, `${f} sh_entsize`),
  };
}

export function parseSections(r: Reader, h: ElfHeader): Section[] {
  if (h.shoff === 0) return [];
  let count = h.shnum;
  let strndx = h.shstrndx;
  if (count === 0 || strndx === SHN_XINDEX) {
    const first = readSection(r, h.shoff, 0);
    if (count === 0) count = first.size;
    if (strndx === SHN_XINDEX) strndx = first.link;
  }
  // Check the whole table against the file before looping over it.
  r.check(h.shoff, count * 64, `section header table (${count} entries)`);
  const raw: RawSection[] = [];
  for (let i = 0; i < count; i++) raw.push(readSection(r, h.shoff + i * 64, i));
  if (strndx >= count) throw new ElfError(`${r.what}: e_shstrndx: expected a section index below ${count}, got ${strndx}`, 62);
  const strtab = raw[strndx]!;
  if (strtab.type !== SHT.STRTAB) throw new ElfError(`${r.what}: e_shstrndx ${strndx}: expected a string table section, got type ${strtab.type}`, 62);
  return raw.map((s) => {
    if (s.nameOff >= strtab.size && !(s.nameOff === 0 && strtab.size === 0)) {
      throw new ElfError(`${r.what}: section ${s.index} sh_name: expected an offset below ${strtab.size}, got ${s.nameOff}`);
    }
    const name = strtab.size === 0 ? '' : r.cstring(strtab.offset + s.nameOff, `section ${s.index} name`);
    const { nameOff: _n, ...rest } = s;
    return { ...rest, name };
  });
}
