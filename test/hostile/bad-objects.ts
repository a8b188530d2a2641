/**
 * The hostile object table shared by the CLI tests: each case writes its input into a private
 * temporary directory and names the exact one-line message and exit code bpfmap must give.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../fuzz/prng.js';
import { makeHostileObject } from '../fuzz/synth.js';
import { layoutOf, writeField } from '../fuzz/layout.js';

const root = new URL('../../', import.meta.url).pathname;
export const FIREWALL = join(root, 'fixtures/firewall.bpfel.o');

function fixture(): Uint8Array {
  return new Uint8Array(readFileSync(FIREWALL));
}

function withField(name: string, value: number | bigint): Uint8Array {
  const b = fixture();
  const f = layoutOf(b).fields.find((x) => x.name === name);
  if (!f) throw new Error(`bad-objects: no field ${name}`);
  writeField(b, f, value);
  return b;
}

function btfMagicBroken(): Uint8Array {
  const b = fixture();
  const span = layoutOf(b).btf!;
  b[span.start] = 0x00;
  b[span.start + 1] = 0x00;
  return b;
}

export interface BadObject {
  readonly name: string;
  /** Creates the input under `dir` and returns its path. */
  make(dir: string): string;
  readonly exit: number;
  /**
   * Set when only one map is bad (its value type), not the object: `maps` and `schema` then succeed and
   * report this map as unusable with the message; a command naming the map fails with it.
   */
  readonly badMap?: string;
  /** The message after `bpfmap: `, given the path passed on the command line. */
  message(path: string, base: string): string;
}

const file = (name: string, bytes: Uint8Array | string) => (dir: string): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

const NOT_BPF = 'expected an ELF64 relocatable BPF object (e_machine 247 or 0)';

export const BAD_OBJECTS: readonly BadObject[] = [
  { name: 'empty file', make: file('empty.o', new Uint8Array(0)), exit: 5,
    message: (p) => `${p}: empty file (0 bytes); expected an ELF64 BPF object file` },
  { name: 'text file', make: file('notes.txt', 'hello world\n'), exit: 5,
    message: (p) => `${p}: not a BPF object (no ELF magic), raw BTF or schema JSON; expected an ELF64 BPF object file` },
  { name: 'x86-64 executable (/bin/true)', make: () => '/bin/true', exit: 5,
    message: () => `true: ELF64 shared object for x86-64 (e_machine 62), ${NOT_BPF}` },
  { name: 'ELF32 file', make: file('elf32.o', (() => { const b = fixture(); b[4] = 1; return b; })()), exit: 5,
    message: (_p, b) => `${b}: ELF32 file, ${NOT_BPF}` },
  { name: 'truncated fixture', make: file('trunc.o', fixture().subarray(0, 3000)), exit: 5,
    message: (_p, b) => `${b}: section header table (15 entries) at offset 11064 (+960) is outside the 3000-byte input` },
  { name: 'truncated ELF header', make: file('short.o', fixture().subarray(0, 40)), exit: 5,
    message: (_p, b) => `${b}: truncated ELF header (40 bytes, need 64), ${NOT_BPF}` },
  { name: 'bad BTF magic in .BTF', make: file('badmagic.o', btfMagicBroken()), exit: 5,
    message: () => 'BTF header: expected magic 0xeb9f, got 0x0000' },
  { name: 'e_shstrndx out of range', make: file('shstrndx.o', withField('e_shstrndx', 99)), exit: 5,
    message: (_p, b) => `${b}: e_shstrndx: expected a section index below 15, got 99` },
  { name: 'sh_offset past the end', make: file('shoff.o', withField('section 1 sh_offset', 0xffffffff)), exit: 5,
    message: (_p, b) => `${b}: section 1 contents at offset 4294967295 (+427) is outside the 12024-byte input` },
  { name: 'raw BTF with a cut header', make: file('cut.btf', Uint8Array.from([0x9f, 0xeb, 1, 0, 24, 0, 0, 0])), exit: 5,
    message: () => 'BTF header: expected at least 24 bytes, got 8' },
  { name: 'schema JSON with a bad map list', make: file('schema.json', '{"object": "x", "byteOrder": "little", "maps": 5}'), exit: 5,
    message: (p) => `${p}: maps: expected a list of maps (a 'bpfmap schema --json' document), got number` },
  { name: 'a directory', make: (dir) => { const p = join(dir, 'objects'); mkdirSync(p); return p; }, exit: 5,
    message: (p) => `${p}: is a directory, expected a BPF object file` },
  { name: 'a missing file', make: (dir) => join(dir, 'missing.o'), exit: 3,
    message: (p) => `${p}: no such file` },
  { name: 'array of 16M elements of a 4 GiB struct', make: file('huge.o', makeHostileObject('huge-array', new Rng(2), 'little')), exit: 5, badMap: 'hostile',
    message: () => 'BTF type 5 (array): size of 16777216 elements overflows u32' },
  { name: 'shared members doubling at every level', make: file('blowup.o', makeHostileObject('shared-blowup', new Rng(1), 'little')), exit: 5, badMap: 'hostile',
    message: () => 'BTF type 32: the layout expands to more than 4096 fields (members that share types nest too many times)' },
  { name: 'anonymous unions sharing a type at every level', make: file('anon.o', makeHostileObject('anon-blowup', new Rng(1), 'little')), exit: 5, badMap: 'hostile',
    message: () => 'BTF type 27: the layout expands to more than 4096 fields (members that share types nest too many times)' },
  { name: 'structs nested 40 deep', make: file('deep.o', makeHostileObject('deep-struct', new Rng(3), 'big')), exit: 5, badMap: 'hostile',
    message: () => 'BTF type 69: nesting deeper than 32 (at type 36); a type refers to itself or is nested too deeply' },
  { name: 'typedef -> const -> typedef cycle', make: file('cycle.o', makeHostileObject('cycle', new Rng(1), 'big')), exit: 5,
    message: () => "BTF type 4: reference cycle through 4 (typedef 'loop_a') -> 6 (typedef 'loop_b') -> 5 (const) -> 4" },
];
