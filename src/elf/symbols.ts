/** ELF64 `.symtab` symbols with their names from the linked string table. */
import { ElfError } from '../errors.js';
import type { Reader } from '../bytes.js';
import { SHT, type Section } from './sections.js';

export const STT = { NOTYPE: 0, OBJECT: 1, FUNC: 2, SECTION: 3, FILE: 4 } as const;
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2 } as const;
/** Symbol visibility (low 2 bits of st_other). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

export interface ElfSymbol {
  readonly index: number;
  readonly name: string;
  /** STT_* (low 4 bits of st_info). */
  readonly type: number;
  /** STB_* (high 4 bits of st_info). */
  readonly bind: number;
  /** st_other: the visibility (STV_*) in its low 2 bits. */
  readonly other: number;
  /** Section index (st_shndx). */
  readonly shndx: number;
  readonly value: number;
  readonly size: number;
}

export function parseSymbols(r: Reader, sections: readonly Section[]): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === SHT.SYMTAB);
  if (!symtab) return [];
  if (symtab.size % 24 !== 0) throw new ElfError(`${r.what}: section '${symtab.name}': size ${symtab.size} is not a multiple of the 24-byte symbol size`);
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== SHT.STRTAB) {
    throw new ElfError(`${r.what}: section '${symtab.name}' sh_link: expected a string table section index, got ${symtab.link}`);
  }
  const out: ElfSymbol[] = [];
  const n = symtab.size / 24;
  for (let i = 0; i < n; i++) {
    const at = symtab.offset + i * 24;
    const nameOff = r.u32(at, `symbol ${i} st_name`);
    if (nameOff !== 0 && nameOff >= strtab.size) {
      throw new ElfError(`${r.what}: symbol ${i} st_name: expected an offset below ${strtab.size}, got ${nameOff}`, at);
    }
    const info = r.u8(at + 4);
    out.push({
      index: i,
      name: nameOff === 0 ? '' : r.cstring(strtab.offset + nameOff, `symbol ${i} name`),
      type: info & 0xf,
      bind: info >> 4,
      other: r.u8(at + 5),
      shndx: r.u16(at + 6, `symbol ${i} st_shndx`),
      value: r.u64(at + 8, `symbol ${i} st_value`),
      size: r.u64(at + 16, `symbol ${i} st_size`),
    });
  }
  return out;
}
