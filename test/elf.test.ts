import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { parseElf, isElf, SHT } from '../src/elf/index.js';

const fixture = (n: string): Uint8Array => readFileSync(new URL(`../fixtures/${n}`, import.meta.url));

function elfHeader(opts: { cls?: number; data?: number; type?: number; machine?: number; shoff?: bigint; shnum?: number; shstrndx?: number } = {}): Uint8Array {
  const b = new Uint8Array(64);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, opts.data ?? 1, 1]);
  const le = (opts.data ?? 1) === 1;
  v.setUint16(16, opts.type ?? 1, le);
  v.setUint16(18, opts.machine ?? 247, le);
  v.setBigUint64(40, opts.shoff ?? 0n, le);
  v.setUint16(52, 64, le);
  v.setUint16(58, 64, le);
  v.setUint16(60, opts.shnum ?? 0, le);
  v.setUint16(62, opts.shstrndx ?? 0, le);
  return b;
}

const refusals: [string, Uint8Array, RegExp][] = [
  ['empty file', new Uint8Array(0), /^x\.o: empty file \(0 bytes\), expected an ELF64 relocatable BPF object/],
  ['text file', new TextEncoder().encode('hello world, this is not an object\n'), /^x\.o: a text file \(starts with "hello wo"\), expected an ELF64/],
  ['binary junk', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8]), /^x\.o: not an ELF file/],
  ['ELF32', elfHeader({ cls: 1 }), /^x\.o: ELF32 file, expected an ELF64/],
  ['x86-64 relocatable', elfHeader({ machine: 62 }), /^x\.o: ELF64 relocatable for x86-64 \(e_machine 62\), expected .*e_machine 247 or 0/],
  ['AArch64 executable', elfHeader({ machine: 183, type: 2 }), /ELF64 executable for AArch64 \(e_machine 183\)/],
  ['BPF executable', elfHeader({ type: 2 }), /ELF64 BPF executable \(e_type 2\)/],
  ['unknown byte order', elfHeader({ data: 3 }), /unknown byte order EI_DATA=3/],
  ['truncated header', elfHeader().slice(0, 40), /truncated ELF header \(40 bytes, need 64\)/],
  ['section table past the end', elfHeader({ shoff: 64n, shnum: 3 }), /section .* outside the 64-byte input/],
  ['huge section offset', elfHeader({ shoff: 1n << 60n, shnum: 1 }), /e_shoff at offset 40 is too large/],
];

const parse = suite('parseElf');
for (const [what, bytes, re] of refusals) {
  parse(`refuses ${what} with one line`, () => {
    try {
      parseElf(bytes, 'x.o');
      assert.unreachable('expected an error');
    } catch (e) {
      const err = e as { code?: string; message: string; name: string };
      assert.is(err.name, 'BpfmapError');
      assert.is(err.code, 'ELF_MALFORMED');
      assert.match(err.message, re);
      assert.not.match(err.message, /\n/);
    }
  });
}

parse('refuses the running node binary (a real x86-64 or arm64 executable)', () => {
  const bytes = readFileSync(process.execPath);
  try { parseElf(bytes, 'node'); assert.unreachable(); } catch (e) {
    assert.match((e as Error).message, /^node: ELF64 (executable|shared object) for .*expected an ELF64 relocatable BPF object/);
  }
});

parse('refuses a section whose contents lie outside the file', () => {
  const good = fixture('firewall.bpfel.o').slice();
  const f = parseElf(good, 'x');
  const s = f.section('.BTF')!;
  const v = new DataView(good.buffer, good.byteOffset);
  const shoff = Number(v.getBigUint64(40, true));
  v.setBigUint64(shoff + s.index * 64 + 32, BigInt(good.byteLength), true); // sh_size = file size
  try { parseElf(good, 'x.o'); assert.unreachable(); } catch (e) {
    assert.match((e as Error).message, new RegExp(`section ${s.index} contents at offset \\d+ \\(\\+${good.byteLength}\\) is outside`));
  }
});

for (const order of ['el', 'eb'] as const) {
  parse(`reads sections and symbols of the bpf${order} firewall`, () => {
    const f = parseElf(fixture(`firewall.bpf${order}.o`), 'firewall.o');
    assert.is(f.byteOrder, order === 'el' ? 'little' : 'big');
    assert.is(f.machine, 247);
    const names = f.sections.map((s) => s.name);
    for (const n of ['.BTF', '.maps', '.symtab', '.strtab', '.rodata']) assert.ok(names.includes(n), `missing ${n}: ${names.join(',')}`);
    assert.is(f.section('.symtab')!.type, SHT.SYMTAB);
    const maps = f.section('.maps')!;
    const syms = f.symbols.filter((s) => s.shndx === maps.index).map((s) => s.name).sort();
    assert.equal(syms, ['ingress_node_firewall_events_map', 'ingress_node_firewall_statistics_map', 'ingress_node_firewall_table_map']);
    const btf = f.data(f.section('.BTF')!);
    assert.is(btf.byteLength, f.section('.BTF')!.size);
    assert.equal([btf[0], btf[1]], order === 'el' ? [0x9f, 0xeb] : [0xeb, 0x9f]);
  });
}
parse.run();

const is = suite('isElf');
is('checks the magic only', () => {
  assert.ok(isElf(elfHeader()));
  assert.not.ok(isElf(new Uint8Array([0x7f, 0x45, 0x4c])));
  assert.not.ok(isElf(new Uint8Array(0)));
});
is.run();

const robust = suite('robustness');
robust('mutated objects never escape as anything but a BpfmapError', async () => {
  const { loadObject } = await import('../src/object/index.js');
  const files = ['firewall.bpfel.o', 'coverage.bpfeb.o', 'coverage.bpfel.o'].map((f) => fixture(f));
  let seed = 777;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  let rejected = 0;
  for (let iter = 0; iter < 1500; iter++) {
    const bytes = new Uint8Array(files[iter % files.length]!);
    // Hit the headers (first 64 bytes and the section table at the end) more often than the rest.
    for (let i = 0, n = 1 + rnd(3); i < n; i++) {
      const where = rnd(3) === 0 ? rnd(64) : rnd(2) === 0 ? bytes.length - 1 - rnd(Math.min(bytes.length, 1024)) : rnd(bytes.length);
      bytes[where] = rnd(256);
    }
    if (rnd(10) === 0) bytes.fill(0, rnd(bytes.length));
    try { loadObject(bytes, 'x.o'); } catch (e) {
      if ((e as { name?: string }).name !== 'BpfmapError') throw new Error(`iteration ${iter}: ${(e as Error).stack}`);
      rejected++;
    }
  }
  assert.ok(rejected > 50, `rejected ${rejected}`);
});
robust.run();
