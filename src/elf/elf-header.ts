/**
 * The ELF64 file header: identification, byte order (from EI_DATA), machine and section table geometry.
 * Anything that is not an ELF64 relocatable BPF object is refused with one line saying what it is.
 */
import { ElfError } from '../errors.js';
import { Reader, type ByteOrder } from '../bytes.js';

export const EM_BPF = 247;
export const ET_REL = 1;

export interface ElfHeader {
  readonly byteOrder: ByteOrder;
  readonly type: number;
  readonly machine: number;
  readonly shoff: number;
  readonly shentsize: number;
  /** From e_shnum (0 means: read it from section 0's sh_size). */
  readonly shnum: number;
  /** From e_shstrndx (0xffff means: read it from section 0's sh_link). */
  readonly shstrndx: number;
}

const MACHINES: Record<number, string> = {
  3: 'x86 (i386)', 40: 'ARM', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V', 8: 'MIPS', 21: 'PowerPC64',
  22: 's390', 2: 'SPARC', 258: 'LoongArch',
};

const ELF_TYPES: Record<number, string> = { 0: 'no file type', 1: 'relocatable', 2: 'executable', 3: 'shared object', 4: 'core dump' };

const EXPECTED = 'expected an ELF64 relocatable BPF object (e_machine 247 or 0)';

function describeStart(b: Uint8Array): string {
  const head = Array.from(b.subarray(0, 8), (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
  const printable = b.subarray(0, 64).every((c) => c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f));
  return printable ? `a text file (starts with "${head}")` : `not an ELF file (starts with "${head}")`;
}

/** True when the bytes start with the ELF magic (`\x7fELF`). */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function parseElfHeader(bytes: Uint8Array, name: string): ElfHeader {
  const where = name || 'object';
  if (bytes.byteLength === 0) throw new ElfError(`${where}: empty file (0 bytes), ${EXPECTED}`, 0);
  if (!isElf(bytes)) {
    throw new ElfError(`${where}: ${describeStart(bytes)}, ${EXPECTED}`, 0);
  }
  if (bytes.byteLength < 64) throw new ElfError(`${where}: truncated ELF header (${bytes.byteLength} bytes, need 64), ${EXPECTED}`, 0);
  const cls = bytes[4];
  if (cls === 1) throw new ElfError(`${where}: ELF32 file, ${EXPECTED}`, 4);
  if (cls !== 2) throw new ElfError(`${where}: ELF file with unknown class ${cls}, ${EXPECTED}`, 4);
  const data = bytes[5];
  if (data !== 1 && data !== 2) throw new ElfError(`${where}: ELF64 file with unknown byte order EI_DATA=${data}, ${EXPECTED}`, 5);
  const byteOrder: ByteOrder = data === 1 ? 'little' : 'big';
  const r = new Reader(bytes, byteOrder, where);
  const type = r.u16(16, 'e_type');
  const machine = r.u16(18, 'e_machine');
  if (machine !== EM_BPF && machine !== 0) {
    const m = MACHINES[machine] ?? `machine ${machine}`;
    const t = ELF_TYPES[type] ?? `type ${type}`;
    throw new ElfError(`${where}: ELF64 ${t} for ${m} (e_machine ${machine}), ${EXPECTED}`, 18);
  }
  if (type !== ET_REL) {
    throw new ElfError(`${where}: ELF64 BPF ${ELF_TYPES[type] ?? `type ${type}`} (e_type ${type}), ${EXPECTED}`, 16);
  }
  const shoff = r.u64(40, 'e_shoff');
  const shentsize = r.u16(58, 'e_shentsize');
  const shnum = r.u16(60, 'e_shnum');
  const shstrndx = r.u16(62, 'e_shstrndx');
  if (shoff !== 0 && shentsize !== 64) throw new ElfError(`${where}: e_shentsize: expected 64, got ${shentsize}`, 58);
  return { byteOrder, type, machine, shoff, shentsize, shnum, shstrndx };
}
