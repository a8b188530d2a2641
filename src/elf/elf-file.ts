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

/** The largest SHT_NOBITS section made as zeros: a map value's limit (value_size is at most INT_MAX). */
const MAX_NOBITS = 0x7fffffff;

/** Contents that must be in the file (BTF, map definitions): SHT_NOBITS has none and is refused. */
export function fileContents(elf: ElfFile, s: Section, what: string): Uint8Array {
  if (s.type === SHT.NOBITS) throw new ElfError(`${elf.name || 'object'}: section '${s.name}': expected ${what} in the file, got SHT_NOBITS (a section with no contents) of ${s.size} bytes`);
  return elf.data(s);
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
      if (s.type === SHT.NOBITS) {
        // Zeros are made, not read: a size no map value can have (the kernel's limit is INT_MAX) is
        // refused before it is allocated.
        if (s.size > MAX_NOBITS) throw new ElfError(`${r.what}: section '${s.name}': expected at most ${MAX_NOBITS} bytes of SHT_NOBITS (zeros), got ${s.size}`);
        return new Uint8Array(s.size);
      }
      if (s.index >= sections.length || sections[s.index] !== s) throw new ElfError(`${r.what}: section '${s.name}' does not belong to this file`);
      return r.slice(s.offset, s.size, `section '${s.name}'`);
    },
  };
}
