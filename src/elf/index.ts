export { parseElf, fileContents, type ElfFile } from './elf-file.js';
export { isElf, parseElfHeader, EM_BPF, ET_REL, type ElfHeader } from './elf-header.js';
export { SHT, type Section } from './sections.js';
export { STT, STB, STV, type ElfSymbol } from './symbols.js';
