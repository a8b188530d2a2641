/** An ELF64 relocatable BPF object: header, sections by name, symbols, section contents. */
import { ElfError } from '../errors.js';
import { Reader, type ByteOrder } from '../bytes.js';
import { parseElfHeader } from './elf-header.js';
import { parseSections, SHT, type Section } from './sections.js';
import { parseSymbols, type ElfSymbol } from './symbols.js';

export interface ElfFile {
  /** File name used in messages ('' for in-memory input). */
  readonly name: string;
  readonly byteOrder: ByteOrder;
  readonly machine: number;
  readonly sections: readonly Section[];
  readonly symbols: readonly ElfSymbol[];
  /** First section with this name, or undefined. */
  section(name: string): Section | undefined;
  /** Contents of a section (zeros for SHT_NOBITS), bounds-checked, no copy when in the file. */
  data(section: Section): Uint8Array;
}

export function parseElf(bytes: Uint8Array, name = ''): ElfFile {
  const header = parseElfHeader(bytes, name);
  const r = new Reader(bytes, header.byteOrder, name || 'object');
  const sections = parseSections(r, header);
  const symbols = parseSymbols(r, sections);
  const byName = new Map<string, Section>();
  for (const s of sections) if (!byName.has(s.name)) byName.set(s.name, s);
  return {
    name,
    byteOrder: header.byteOrder,
    machine: header.machine,
    sections,
    symbols,
    section: (n) => byName.get(n),
    data(s) {
      if (s.type === SHT.NOBITS) return new Uint8Array(s.size);
      if (s.index >= sections.length || sections[s.index] !== s) throw new ElfError(`${r.what}: section '${s.name}' does not belong to this file`);
      return r.slice(s.offset, s.size, `section '${s.name}'`);
    },
  };
}
