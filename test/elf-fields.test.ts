// Every field parseElf reads, against llvm-readelf (an independent reader) on every fixture object in
// both byte orders, and the section-table edge cases (extended numbering, bad string tables, bad
// symbol tables, NOBITS data) on objects built here.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileContents, parseElf, isElf, SHT } from '../src/elf/index.js';
import { buildElf } from './fuzz/synth.js';
import { skip, suite, toolsMissing } from './helpers/skip.js';

const root = new URL('..', import.meta.url).pathname;
const objects = readdirSync(join(root, 'fixtures')).filter((f) => f.endsWith('.o')).sort();

/** llvm-readelf's LLVM-style blocks (`Section { ... }` / `Symbol { ... }`) as key -> raw value maps. */
function blocks(text: string, kind: 'Section' | 'Symbol'): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let cur: Record<string, string> | null = null;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === `${kind} {`) { cur = {}; continue; }
    if (cur && t === '}') { out.push(cur); cur = null; continue; }
    const m = /^(\w+):\s?(.*)$/.exec(t);
    if (cur && m) cur[m[1]!] = m[2]!;
    if (cur && t.startsWith('Flags [')) cur.Flags = /\((0x[0-9A-Fa-f]+)\)/.exec(t)![1]!;
  }
  return out;
}
const paren = (s: string): number => Number(/\((0x[0-9A-Fa-f]+|\d+)\)\s*$/.exec(s)![1]);

const Oracle = suite('parseElf vs llvm-readelf');
for (const o of objects) {
  Oracle(`${o}: every section and symbol field`, () => {
    const missing = toolsMissing(['llvm-readelf']);
    if (missing) return skip(`${missing} not installed`);
    const path = join(root, 'fixtures', o);
    const f = parseElf(readFileSync(path), o);
    const text = execFileSync('llvm-readelf', ['--elf-output-style=LLVM', '-S', '-s', path], { encoding: 'utf8' });
    const secs = blocks(text, 'Section');
    assert.is(f.sections.length, secs.length, 'section count');
    secs.forEach((s, i) => {
      const g = f.sections[i]!;
      assert.equal(
        [g.index, g.name, g.type, `0x${g.flags.toString(16)}`, g.offset, g.size, g.link, g.info, g.addralign, g.entsize],
        [Number(s.Index), s.Name!.replace(/ \(\d+\)$/, ''), paren(s.Type!), s.Flags!.toLowerCase(), Number(s.Offset), Number(s.Size), Number(s.Link), Number(s.Info), Number(s.AddressAlignment), Number(s.EntrySize)],
        `${o} section ${i}`);
    });
    const syms = blocks(text, 'Symbol');
    assert.is(f.symbols.length, syms.length, 'symbol count');
    syms.forEach((s, i) => {
      const g = f.symbols[i]!;
      const nameOff = paren(s.Name!);
      assert.equal(
        [g.index, g.name, g.value, g.size, g.bind, g.type, g.other, g.shndx],
        [i, nameOff === 0 ? '' : s.Name!.replace(/ \(\d+\)$/, ''), Number(s.Value), Number(s.Size), paren(s.Binding!), paren(s.Type!), Number(s.Other), paren(s.Section!)],
        `${o} symbol ${i}`);
    });
  });
}
Oracle.run();

// ---------------------------------------------------------------------------------------------
/** An object with .data (PROGBITS), .bss (NOBITS, 16 bytes), .symtab (one null + one symbol) and .strtab. */
function object(order: 'little' | 'big' = 'little'): { bytes: Uint8Array; shoff: number; le: boolean } {
  const le = order === 'little';
  const sym = new Uint8Array(48);
  const sv = new DataView(sym.buffer);
  sv.setUint32(24, 1, le); // st_name 1 -> "counter"
  sym[28] = (1 << 4) | 1; // GLOBAL OBJECT
  sym[29] = 3; // st_other
  sv.setUint16(30, 3, le); // st_shndx: .data
  sv.setBigUint64(32, 0x1122334455n, le);
  sv.setBigUint64(40, 8n, le);
  const strtab = new TextEncoder().encode('\0counter\0');
  // Sections: 0 null, 1 .shstrtab, 2 .bss, 3 .data, 4 .symtab (link 5), 5 .strtab
  const bytes = buildElf(order, [
    { name: '.bss', type: SHT.NOBITS, data: 16 },
    { name: '.data', type: SHT.PROGBITS, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
    { name: '.symtab', type: SHT.SYMTAB, data: sym },
    { name: '.strtab', type: SHT.STRTAB, data: strtab },
  ]);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shoff = Number(v.getBigUint64(40, le));
  v.setUint32(shoff + 4 * 64 + 40, 5, le); // .symtab sh_link = 5
  return { bytes, shoff, le };
}
const refusal = (bytes: Uint8Array): string => {
  try { parseElf(bytes, 'x.o'); return 'ok'; } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
const patch = (fn: (v: DataView, o: { shoff: number; le: boolean }) => void, order: 'little' | 'big' = 'little'): Uint8Array => {
  const o = object(order);
  fn(new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength), o);
  return o.bytes;
};

const Built = suite('parseElf: objects built here');
for (const order of ['little', 'big'] as const) {
  Built(`${order}-endian: sections, symbol fields, NOBITS data as zeros, PROGBITS data as stored`, () => {
    const f = parseElf(object(order).bytes, 'x.o');
    assert.is(f.byteOrder, order);
    assert.equal(f.sections.map((s) => [s.index, s.name, s.type]), [[0, '', 0], [1, '.shstrtab', 3], [2, '.bss', 8], [3, '.data', 1], [4, '.symtab', 2], [5, '.strtab', 3]]);
    assert.equal(f.symbols.map((s) => ({ ...s })), [
      { index: 0, name: '', type: 0, bind: 0, other: 0, shndx: 0, value: 0, size: 0 },
      { index: 1, name: 'counter', type: 1, bind: 1, other: 3, shndx: 3, value: 0x1122334455, size: 8 },
    ]);
    assert.equal([...f.data(f.section('.bss')!)], new Array(16).fill(0));
    assert.equal([...f.data(f.section('.data')!)], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.is(f.section('.nope'), undefined);
  });
}
Built('data() of a section from another file is refused', () => {
  const a = parseElf(object().bytes, 'a.o');
  const b = parseElf(object().bytes, 'b.o');
  assert.throws(() => a.data(b.section('.data')!), /^a\.o: section '\.data' does not belong to this file$/);
  assert.throws(() => a.data({ ...a.section('.data')!, index: 99 }), /section '\.data' does not belong to this file/);
});
Built('extended numbering: e_shnum 0 takes the count from section 0 sh_size, e_shstrndx 0xffff from its sh_link', () => {
  const bytes = patch((v, { shoff, le }) => {
    v.setUint16(60, 0, le);
    v.setUint16(62, 0xffff, le);
    v.setBigUint64(shoff + 32, 6n, le);
    v.setUint32(shoff + 40, 1, le);
  });
  const f = parseElf(bytes, 'x.o');
  assert.equal(f.sections.map((s) => s.name), ['', '.shstrtab', '.bss', '.data', '.symtab', '.strtab']);
});
Built('extended numbering, each field on its own', () => {
  const count = patch((v, { shoff, le }) => { v.setUint16(60, 0, le); v.setBigUint64(shoff + 32, 6n, le); });
  assert.is(parseElf(count, 'x.o').sections.length, 6);
  const strndx = patch((v, { shoff, le }) => { v.setUint16(62, 0xffff, le); v.setUint32(shoff + 40, 1, le); });
  assert.is(parseElf(strndx, 'x.o').sections[3]!.name, '.data');
});
Built('a NOBITS section larger than the file is no out-of-bounds read: its data are zeros', () => {
  const bytes = patch((v, { shoff, le }) => v.setBigUint64(shoff + 2 * 64 + 32, 1n << 20n, le));
  const f = parseElf(bytes, 'x.o');
  const bss = f.data(f.section('.bss')!);
  assert.equal([bss.byteLength, bss.every((b) => b === 0)], [1 << 20, true]);
});
Built('a NOBITS section beyond any map value (2^40 bytes) is refused before its zeros are made', () => {
  const bytes = patch((v, { shoff, le }) => v.setBigUint64(shoff + 2 * 64 + 32, 1n << 40n, le));
  const f = parseElf(bytes, 'x.o');
  assert.throws(() => f.data(f.section('.bss')!), (e: Error & { code?: string }) =>
    e.code === 'ELF_MALFORMED' && e.message === "x.o: section '.bss': expected at most 2147483647 bytes of SHT_NOBITS (zeros), got 1099511627776");
});
Built('BTF and legacy map definitions must be in the file: as SHT_NOBITS they are refused, never made of zeros', () => {
  const f = parseElf(object().bytes, 'x.o');
  const bss = f.section('.bss')!;
  assert.throws(() => fileContents(f, bss, 'the BTF bytes'), (e: Error & { code?: string }) =>
    e.code === 'ELF_MALFORMED' && e.message === "x.o: section '.bss': expected the BTF bytes in the file, got SHT_NOBITS (a section with no contents) of 16 bytes");
  assert.equal([...fileContents(f, f.section('.data')!, 'data')], [1, 2, 3, 4, 5, 6, 7, 8]);
});
Built('a NULL section with any offset and size is not read', () => {
  const bytes = patch((v, { shoff, le }) => { v.setBigUint64(shoff + 24, 1n << 40n, le); v.setBigUint64(shoff + 32, 1n << 40n, le); });
  assert.is(parseElf(bytes, 'x.o').sections[0]!.type, SHT.NULL);
});
Built('an empty section name string table: every section is nameless', () => {
  const bytes = patch((v, { shoff, le }) => {
    for (let i = 0; i < 6; i++) v.setUint32(shoff + i * 64, 0, le);
    v.setBigUint64(shoff + 64 + 32, 0n, le);
  });
  assert.equal(parseElf(bytes, 'x.o').sections.map((s) => s.name), ['', '', '', '', '', '']);
});
Built('two sections of one name: section() gives the first', () => {
  const bytes = patch((v, { shoff, le }) => v.setUint32(shoff + 2 * 64, v.getUint32(shoff + 3 * 64, le), le)); // .bss renamed .data
  const f = parseElf(bytes, 'x.o');
  assert.equal(f.sections.filter((s) => s.name === '.data').map((s) => s.index), [2, 3]);
  assert.is(f.section('.data')!.index, 2);
});
Built('no section table (e_shoff 0): no sections, no symbols', () => {
  const f = parseElf(patch((v, { le }) => v.setBigUint64(40, 0n, le)), 'x.o');
  assert.equal([f.sections.length, f.symbols.length], [0, 0]);
});
Built('e_machine 0 is accepted like EM_BPF', () => {
  assert.is(parseElf(patch((v, { le }) => v.setUint16(18, 0, le)), 'x.o').machine, 0);
});

const BAD: [string, Uint8Array, string][] = [
  ['e_shentsize other than 64', patch((v, { le }) => v.setUint16(58, 32, le)), 'ELF_MALFORMED: x.o: e_shentsize: expected 64, got 32'],
  ['e_shstrndx past the table', patch((v, { le }) => v.setUint16(62, 6, le)), 'ELF_MALFORMED: x.o: e_shstrndx: expected a section index below 6, got 6'],
  ['e_shstrndx naming a section that is no string table', patch((v, { le }) => v.setUint16(62, 3, le)), 'ELF_MALFORMED: x.o: e_shstrndx 3: expected a string table section, got type 1'],
  ['a section name past the string table', patch((v, { shoff, le }) => v.setUint32(shoff + 3 * 64, 500, le)), 'ELF_MALFORMED: x.o: section 3 sh_name: expected an offset below 38, got 500'],
  ['a section name exactly at the end of the string table', patch((v, { shoff, le }) => v.setUint32(shoff + 3 * 64, 38, le)), 'ELF_MALFORMED: x.o: section 3 sh_name: expected an offset below 38, got 38'],
  ['a symbol table size that is no multiple of 24', patch((v, { shoff, le }) => v.setBigUint64(shoff + 4 * 64 + 32, 47n, le)), "ELF_MALFORMED: x.o: section '.symtab': size 47 is not a multiple of the 24-byte symbol size"],
  ['a symbol table linked to no string table', patch((v, { shoff, le }) => v.setUint32(shoff + 4 * 64 + 40, 3, le)), "ELF_MALFORMED: x.o: section '.symtab' sh_link: expected a string table section index, got 3"],
  ['a symbol table linked past the section table', patch((v, { shoff, le }) => v.setUint32(shoff + 4 * 64 + 40, 60, le)), "ELF_MALFORMED: x.o: section '.symtab' sh_link: expected a string table section index, got 60"],
  ['a symbol name past its string table', patch((v, { shoff, le }) => {
    const symOff = Number(v.getBigUint64(shoff + 4 * 64 + 24, le));
    v.setUint32(symOff + 24, 9, le);
  }), 'ELF_MALFORMED: x.o: symbol 1 st_name: expected an offset below 9, got 9'],
  ['an unknown ELF class', patch((v) => v.setUint8(4, 3)), 'ELF_MALFORMED: x.o: ELF file with unknown class 3, expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['an unknown machine and type', patch((v, { le }) => { v.setUint16(18, 999, le); v.setUint16(16, 9, le); }), 'ELF_MALFORMED: x.o: ELF64 type 9 for machine 999 (e_machine 999), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['a BPF core dump (big-endian)', patch((v) => v.setUint16(16, 4, false), 'big'), 'ELF_MALFORMED: x.o: ELF64 BPF core dump (e_type 4), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['a BPF object of unknown type', patch((v, { le }) => v.setUint16(16, 7, le)), 'ELF_MALFORMED: x.o: ELF64 BPF type 7 (e_type 7), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['a text file with tabs and CRLF', new TextEncoder().encode('a\tb\r\nline two is long enough to pass sixty-four bytes of text....\n'), 'ELF_MALFORMED: x.o: a text file (starts with "a.b..lin"), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['text with one DEL byte', new TextEncoder().encode('abcdefgh\x7f'), 'ELF_MALFORMED: x.o: not an ELF file (starts with "abcdefgh"), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
  ['text with one byte below space', Uint8Array.of(0x41, 0x1f, 0x42), 'ELF_MALFORMED: x.o: not an ELF file (starts with "A.B"), expected an ELF64 relocatable BPF object (e_machine 247 or 0)'],
];
for (const [name, bytes, msg] of BAD) Built(`refused: ${name}`, () => { assert.is(refusal(bytes), msg); });
Built('a nameless in-memory object is called "object" in messages', () => {
  assert.throws(() => parseElf(new Uint8Array(0)), /^object: empty file/);
  assert.throws(() => parseElf(patch((v, { le }) => v.setUint16(62, 9, le))), /^object: e_shstrndx: expected a section index below 6, got 9$/);
});
Built('a section header table cut short, and section 0 outside the file under extended numbering', () => {
  const o = object();
  const v = new DataView(o.bytes.buffer, o.bytes.byteOffset, o.bytes.byteLength);
  const cut = o.bytes.slice(0, o.shoff + 64);
  assert.is(refusal(cut), `ELF_MALFORMED: x.o: section header table (6 entries) at offset ${o.shoff} (+384) is outside the ${o.shoff + 64}-byte input`);
  v.setUint16(60, 0, o.le);
  v.setBigUint64(40, BigInt(o.bytes.byteLength), o.le);
  assert.is(refusal(o.bytes), `ELF_MALFORMED: x.o: section 0 header at offset ${o.bytes.byteLength} (+64) is outside the ${o.bytes.byteLength}-byte input`);
});
Built('every machine and file type is named in the refusal', () => {
  const machines: [number, string][] = [[3, 'x86 (i386)'], [40, 'ARM'], [62, 'x86-64'], [183, 'AArch64'], [243, 'RISC-V'], [8, 'MIPS'], [21, 'PowerPC64'], [22, 's390'], [2, 'SPARC'], [258, 'LoongArch']];
  for (const [m, name] of machines) {
    assert.is(refusal(patch((v, { le }) => v.setUint16(18, m, le))), `ELF_MALFORMED: x.o: ELF64 relocatable for ${name} (e_machine ${m}), expected an ELF64 relocatable BPF object (e_machine 247 or 0)`);
  }
  const types: [number, string][] = [[0, 'no file type'], [2, 'executable'], [3, 'shared object'], [4, 'core dump']];
  for (const [t, name] of types) {
    assert.is(refusal(patch((v, { le }) => { v.setUint16(18, 62, le); v.setUint16(16, t, le); })), `ELF_MALFORMED: x.o: ELF64 ${name} for x86-64 (e_machine 62), expected an ELF64 relocatable BPF object (e_machine 247 or 0)`);
    assert.is(refusal(patch((v, { le }) => v.setUint16(16, t, le))), `ELF_MALFORMED: x.o: ELF64 BPF ${name} (e_type ${t}), expected an ELF64 relocatable BPF object (e_machine 247 or 0)`);
  }
});
Built('string tables that do not start with a NUL, or are empty, are read by their offsets only', () => {
  // Section names: an empty table whose offset points at data; a name offset past an empty table.
  const at = patch((v, { shoff, le }) => {
    for (let i = 0; i < 6; i++) v.setUint32(shoff + i * 64, 0, le);
    v.setBigUint64(shoff + 64 + 24, v.getBigUint64(shoff + 3 * 64 + 24, le), le); // .shstrtab at .data's bytes 1..8
    v.setBigUint64(shoff + 64 + 32, 0n, le);
  });
  assert.equal(parseElf(at, 'x.o').sections.map((s) => s.name), ['', '', '', '', '', '']);
  const past = patch((v, { shoff, le }) => { v.setUint32(shoff + 3 * 64, 5, le); v.setBigUint64(shoff + 64 + 32, 0n, le); });
  assert.is(refusal(past), 'ELF_MALFORMED: x.o: section 1 sh_name: expected an offset below 0, got 1');
  // Symbol names: st_name 0 is '' even when the table's first byte is no NUL, and with an empty table.
  const noNul = patch((v, { shoff, le }) => {
    const strOff = shoff + 5 * 64;
    v.setBigUint64(strOff + 24, v.getBigUint64(strOff + 24, le) + 1n, le); // the table starts at "counter"
    v.setBigUint64(strOff + 32, v.getBigUint64(strOff + 32, le) - 1n, le);
    v.setUint32(Number(v.getBigUint64(shoff + 4 * 64 + 24, le)) + 24, 0, le); // symbol 1: st_name 0
  });
  assert.equal(parseElf(noNul, 'x.o').symbols.map((x) => x.name), ['', '']);
  const empty = patch((v, { shoff, le }) => {
    v.setBigUint64(shoff + 5 * 64 + 32, 0n, le);
    v.setUint32(Number(v.getBigUint64(shoff + 4 * 64 + 24, le)) + 24, 0, le);
  });
  assert.equal(parseElf(empty, 'x.o').symbols.map((x) => x.name), ['', '']);
});
Built('a section table starting inside the file but cut short is refused as a table, not as section 0', () => {
  const o = object();
  assert.is(refusal(o.bytes.slice(0, o.shoff + 10)), `ELF_MALFORMED: x.o: section header table (6 entries) at offset ${o.shoff} (+384) is outside the ${o.shoff + 10}-byte input`);
});
Built('non-printable bytes at the start of a non-ELF file are shown as dots', () => {
  assert.is(refusal(Uint8Array.of(0x7f, 0x41, 0xff, 0x42)), 'ELF_MALFORMED: x.o: not an ELF file (starts with ".A.B"), expected an ELF64 relocatable BPF object (e_machine 247 or 0)');
});
Built('a section or symbol name that runs to the end of the file without a NUL is refused naming it', () => {
  const sec = patch((v, { shoff, le }) => {
    const n = v.byteLength;
    v.setUint8(n - 1, 0x41); v.setUint8(n - 2, 0x41); // the low bytes of the last section header's (big-endian) sh_entsize
    v.setBigUint64(shoff + 64 + 24, BigInt(n - 2), le); // .shstrtab: the last 2 bytes
    v.setBigUint64(shoff + 64 + 32, 2n, le);
    for (let i = 0; i < 6; i++) v.setUint32(shoff + i * 64, i === 3 ? 1 : 0, le);
  }, 'big');
  const got = refusal(sec); assert.match(got, /^ELF_MALFORMED: x\.o: section \d+ name at offset \d+ is not NUL-terminated/);
  const sym = patch((v, { shoff, le }) => {
    const n = v.byteLength;
    v.setUint8(n - 1, 0x41); v.setUint8(n - 2, 0x41);
    v.setBigUint64(shoff + 5 * 64 + 24, BigInt(n - 2), le); // .strtab: the last 2 bytes
    v.setBigUint64(shoff + 5 * 64 + 32, 2n, le);
  }, 'big');
  assert.match(refusal(sym), /^ELF_MALFORMED: x\.o: symbol 1 name at offset \d+ is not NUL-terminated/);
});
Built('no section table: e_shentsize is not checked (0 is fine)', () => {
  const f = parseElf(patch((v, { le }) => { v.setBigUint64(40, 0n, le); v.setUint16(58, 0, le); }), 'x.o');
  assert.is(f.sections.length, 0);
});
Built.run();

const Magic = suite('isElf: each magic byte counts');
Magic('any one of the four bytes wrong is not ELF', () => {
  const good = [0x7f, 0x45, 0x4c, 0x46];
  assert.ok(isElf(Uint8Array.from(good)));
  for (let i = 0; i < 4; i++) {
    const b = Uint8Array.from(good);
    b[i]! ^= 0x20;
    assert.not.ok(isElf(b), `byte ${i}`);
  }
});
Magic.run();
