import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadBtf, isRawBtf } from '../src/btf/index.js';
import { BtfError } from '../src/errors.js';
import { BtfBuilder, KIND, standardLayout } from './helpers/btf-builder.js';
import { typeNode } from '../src/schema/from-btf.js';

function code(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message }; }
  throw new Error('expected an error');
}

/** A small BTF with an int, a typedef, a struct and an enum; same ids in any configuration. */
function sample(b: BtfBuilder): void {
  const u32 = b.int('unsigned int', 4);        // 1
  const td = b.typedef('__u32', u32);           // 2
  b.struct('pair', 8, [{ name: 'a', type: td, bitOffset: 0 }, { name: 'b', type: u32, bitOffset: 32 }]); // 3
  b.enum('color', 4, [['RED', 0], ['MINUS', -1]], true); // 4
}

const load = suite('loadBtf');

for (const order of ['little', 'big'] as const) {
  for (const hdrLen of [24, 32] as const) {
    load(`decodes ${order}-endian BTF with hdr_len ${hdrLen}`, () => {
      const b = new BtfBuilder({ order, hdrLen, ...(hdrLen === 32 ? { layout: standardLayout() } : {}) });
      sample(b);
      const btf = loadBtf(b.build());
      assert.is(btf.byteOrder, order);
      assert.is(btf.typeCount, 4);
      assert.is(btf.header.hdrLen, hdrLen);
      assert.is(btf.type(3).name, 'pair');
      assert.equal(btf.type(3).members.map((m) => [m.name, m.typeId, m.bitOffset]), [['a', 2, 0], ['b', 1, 32]]);
      assert.equal(btf.type(4).values, [{ name: 'RED', value: 0 }, { name: 'MINUS', value: -1 }]);
      assert.is(btf.type(1).size, 4);
    });
  }
}

load('skips an unknown kind using the layout section and keeps later ids right', () => {
  const b = new BtfBuilder({ hdrLen: 32, layout: standardLayout({ 25: [8, 4, 0] }) });
  b.int('int', 4, { signed: true });                  // 1
  b.raw(25, 'future', 0, [0xaaaa, 0xbbbb, 1, 2], 2);  // 2: 12 + 8 + 2*4 bytes
  b.typedef('after', 1);                              // 3
  const btf = loadBtf(b.build());
  assert.is(btf.typeCount, 3);
  assert.is(btf.type(2).kind, 'unknown');
  assert.is(btf.type(3).name, 'after');
  assert.is(btf.type(3).targetId, 1);
});

load('refuses an unknown kind without a layout section, naming kind and type id', () => {
  const b = new BtfBuilder();
  b.int('int', 4);
  b.raw(25, 'future', 0, [0, 0]);
  const e = code(() => loadBtf(b.build()));
  assert.is(e.code, 'BTF_UNSUPPORTED');
  assert.match(e.message, /type 2/);
  assert.match(e.message, /kind 25/);
});

load('reads 24-bit vlen (more than 65535 members)', () => {
  const b = new BtfBuilder();
  const u8 = b.int('unsigned char', 1);
  const n = 70000;
  const members = Array.from({ length: n }, (_, i) => ({ name: i === 0 ? 'first' : 'm', type: u8, bitOffset: i * 8 }));
  b.struct('wide', n, members);
  b.typedef('tail', 2);
  const btf = loadBtf(b.build());
  assert.is(btf.type(2).vlen, n);
  assert.is(btf.type(2).members.length, n);
  assert.is(btf.type(2).members[n - 1]!.bitOffset, (n - 1) * 8);
  assert.is(btf.type(3).name, 'tail');
});

const bad: [string, (b: BtfBuilder) => void, string, RegExp][] = [
  ['bad string offset', (b) => { b.raw(KIND.INT, 9999, 4, [32]); }, 'BTF_MALFORMED', /type 1 \(INT\): name_off: expected a string offset below \d+, got 9999/],
  ['bad member name offset', (b) => { const i = b.int('int', 4); b.raw(KIND.STRUCT, 's', 4, [5000, i, 0], 1); }, 'BTF_MALFORMED', /member 0 name_off/],
  ['dangling type id', (b) => { b.typedef('t', 7); }, 'BTF_MALFORMED', /type 1 \(TYPEDEF\): type: expected a type id below 2, got 7/],
  ['dangling array element', (b) => { const i = b.int('int', 4); b.array(42, i, 2); }, 'BTF_MALFORMED', /array element type.*got 42/],
  ['typedef cycle', (b) => { b.typedef('a', 2); b.typedef('b', 1); }, 'BTF_MALFORMED', /reference cycle/],
  ['const/volatile cycle', (b) => { b.const(2); b.volatile(3); b.typedef('c', 1); }, 'BTF_MALFORMED', /reference cycle/],
  ['record runs past the type section', (b) => { b.raw(KIND.STRUCT, 's', 4, [0, 0], 1); }, 'BTF_MALFORMED', /runs past/],
  ['kind 0 record', (b) => { b.raw(0, '', 0); }, 'BTF_UNSUPPORTED', /kind 0/],
];
for (const [what, make, c, re] of bad) {
  load(`refuses ${what}`, () => {
    const b = new BtfBuilder();
    make(b);
    const e = code(() => loadBtf(b.build()));
    assert.is(e.code, c);
    assert.match(e.message, re);
  });
}

load('modifier cycles: the same verdict and message as walking from every id in order (random graphs)', () => {
  // The decoder walks only from modifiers whose target id is not below their own; this reference
  // walks from every id, as the check did before. Both must name the same cycle the same way.
  const MODS: number[] = [KIND.TYPEDEF, KIND.CONST, KIND.VOLATILE, KIND.RESTRICT, KIND.TYPE_TAG];
  const NAMES: Record<number, string> = { [KIND.TYPEDEF]: 'typedef', [KIND.CONST]: 'const', [KIND.VOLATILE]: 'volatile', [KIND.RESTRICT]: 'restrict', [KIND.TYPE_TAG]: 'type_tag' };
  let x = 12345;
  const rnd = (k: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return (x >>> 8) % k; };
  let cycles = 0;
  for (let round = 0; round < 3000; round++) {
    const n = 2 + rnd(12);
    const kinds = [0, KIND.INT];
    const targets = [0, 0];
    const names = ['', 'int'];
    const b = new BtfBuilder();
    b.int('int', 4);
    for (let id = 2; id <= n; id++) {
      const kind = rnd(6) === 0 ? KIND.PTR : MODS[rnd(MODS.length)]!;
      const target = rnd(n + 1);
      const name = kind === KIND.TYPEDEF ? `t${id}` : kind === KIND.TYPE_TAG ? `tag${id}` : '';
      kinds.push(kind); targets.push(target); names.push(name);
      b.raw(kind, name, target);
    }
    let want = 'ok';
    const state = new Uint8Array(n + 1);
    const isMod = (id: number): boolean => MODS.includes(kinds[id]!);
    for (let start = 1; start <= n && want === 'ok'; start++) {
      if (!isMod(start) || state[start] !== 0) continue;
      const first = targets[start]!;
      if (first === 0 || !isMod(first)) { state[start] = 2; continue; }
      let id = start;
      const path: number[] = [];
      while (id !== 0 && isMod(id) && state[id] === 0) { state[id] = 1; path.push(id); id = targets[id]!; }
      if (id !== 0 && state[id] === 1) {
        const loop = path.slice(path.indexOf(id)).map((t) => `${t} (${NAMES[kinds[t]!]}${names[t] ? ` '${names[t]}'` : ''})`);
        want = `BTF type ${id}: reference cycle through ${loop.join(' -> ')} -> ${id}`;
      }
      for (const t of path) if (state[t] === 1) state[t] = 2;
    }
    let got = 'ok';
    try { loadBtf(b.build()); } catch (e) { got = (e as Error).message; }
    if (want !== 'ok') cycles++;
    assert.is(got, want, `round ${round}: kinds ${kinds.join(',')} targets ${targets.join(',')}`);
  }
  assert.ok(cycles > 300, `only ${cycles} graphs had a cycle`);
});

const headerCases: [string, (blob: Uint8Array) => Uint8Array, RegExp][] = [
  ['bad magic', (x) => { const y = x.slice(); y[0] = 0x12; return y; }, /expected magic 0xeb9f/],
  ['empty input', () => new Uint8Array(0), /expected magic/],
  ['truncated header', (x) => x.slice(0, 20), /at least 24 bytes/],
  ['version 2', (x) => { const y = x.slice(); y[2] = 2; return y; }, /version: expected 1, got 2/],
  ['string section past the end', (x) => x.slice(0, x.byteLength - 3), /string section .* outside/],
  ['strings not NUL-terminated', (x) => { const y = x.slice(); y[y.byteLength - 1] = 0x41; return y; }, /end with NUL/],
];
for (const [what, mutate, re] of headerCases) {
  load(`refuses ${what}`, () => {
    const b = new BtfBuilder();
    sample(b);
    const e = code(() => loadBtf(mutate(b.build())));
    assert.is(e.code, 'BTF_MALFORMED');
    assert.match(e.message, re);
  });
}
load.run();

const raw = suite('isRawBtf');
raw('detects the magic in both byte orders and nothing else', () => {
  assert.ok(isRawBtf(new BtfBuilder({ order: 'little' }).build()));
  assert.ok(isRawBtf(new BtfBuilder({ order: 'big' }).build()));
  assert.not.ok(isRawBtf(new Uint8Array([0x7f, 0x45, 0x4c, 0x46])));
  assert.not.ok(isRawBtf(new Uint8Array([0x9f])));
});
raw.run();

const node = suite('typeNode');

node('keeps the outermost typedef name, strips qualifiers, marks __be16 big-endian', () => {
  const b = new BtfBuilder();
  const us = b.int('unsigned short', 2);  // 1
  const u16 = b.typedef('__u16', us);     // 2
  const be = b.typedef('__be16', u16);    // 3
  const port = b.typedef('port_t', be);   // 4
  const c = b.const(port);                // 5
  const v = b.volatile(c);                // 6
  const btf = loadBtf(b.build());
  assert.equal(typeNode(btf, v), { kind: 'int', name: 'port_t', size: 2, signed: false, byteOrder: 'big' });
  assert.equal(typeNode(btf, u16), { kind: 'int', name: '__u16', size: 2, signed: false });
  assert.equal(typeNode(btf, be), { kind: 'int', name: '__be16', size: 2, signed: false, byteOrder: 'big' });
});

node('decodes bitfields in both encodings (kind_flag offsets and INT bit offsets)', () => {
  const b = new BtfBuilder();
  const u32 = b.int('unsigned int', 4);                      // 1
  const old = b.int('unsigned int', 4, { offset: 3, bits: 5 }); // 2: old-style bitfield int
  b.struct('kf', 4, [{ name: 'lo', type: u32, bitOffset: 0, bitSize: 3 }, { name: 'hi', type: u32, bitOffset: 11, bitSize: 7 }]); // 3
  b.struct('old', 4, [{ name: 'x', type: old, bitOffset: 8 }, { name: 'y', type: u32, bitOffset: 0 }]); // 4
  const btf = loadBtf(b.build());
  const kf = typeNode(btf, 3);
  assert.is(kf.kind, 'struct');
  if (kf.kind !== 'struct') return;
  assert.equal(kf.fields.map((f) => [f.name, f.offset, f.bitOffset, f.bitSize]), [['lo', 0, 0, 3], ['hi', 1, 3, 7]]);
  const o = typeNode(btf, 4);
  if (o.kind !== 'struct') throw new Error('struct expected');
  assert.equal(o.fields.map((f) => [f.name, f.offset, f.bitOffset, f.bitSize]), [['x', 1, 3, 5], ['y', 0, undefined, undefined]]);
});

node('enums: signed flag, 32-bit values as numbers, enum64 as bigint', () => {
  const b = new BtfBuilder();
  b.enum('s', 4, [['NEG', -2], ['POS', 7]], true);
  b.enum('u', 4, [['BIG', 0xffffffff]]);
  b.enum64('e64', [['MAX', 0xffffffffffffffffn], ['ONE', 1n]]);
  b.enum64('s64', [['MIN', -(1n << 63n)]], true);
  const btf = loadBtf(b.build());
  assert.equal(typeNode(btf, 1), { kind: 'enum', name: 's', size: 4, signed: true, values: [{ name: 'NEG', value: -2 }, { name: 'POS', value: 7 }] });
  assert.equal(typeNode(btf, 2), { kind: 'enum', name: 'u', size: 4, signed: false, values: [{ name: 'BIG', value: 4294967295 }] });
  assert.equal(typeNode(btf, 3), { kind: 'enum', name: 'e64', size: 8, signed: false, values: [{ name: 'MAX', value: 18446744073709551615n }, { name: 'ONE', value: 1n }] });
  assert.equal(typeNode(btf, 4), { kind: 'enum', name: 's64', size: 8, signed: true, values: [{ name: 'MIN', value: -9223372036854775808n }] });
});

node('anonymous members keep an empty name and their own fields; arrays nest', () => {
  const b = new BtfBuilder();
  const u8 = b.int('unsigned char', 1, { encoding: 2 });   // 1 (char)
  const i32 = b.int('int', 4, { signed: true });          // 2
  const inner = b.struct('', 4, [{ name: 'v', type: i32, bitOffset: 0 }], true); // 3 union
  const arr = b.array(u8, i32, 3);                        // 4
  const arr2 = b.array(arr, i32, 2);                      // 5
  b.struct('outer', 12, [{ name: '', type: inner, bitOffset: 0 }, { name: 'grid', type: arr2, bitOffset: 32 }]); // 6
  const btf = loadBtf(b.build());
  const n = typeNode(btf, 6);
  assert.equal(n, {
    kind: 'struct', name: 'outer', size: 12, fields: [
      { name: '', offset: 0, type: { kind: 'union', name: '', size: 4, fields: [{ name: 'v', offset: 0, type: { kind: 'int', name: 'int', size: 4, signed: true } }] } },
      { name: 'grid', offset: 4, type: { kind: 'array', name: '', size: 6, length: 2, element: { kind: 'array', name: '', size: 3, length: 3, element: { kind: 'int', name: 'unsigned char', size: 1, signed: false, encoding: 'char' } } } },
    ],
  });
  void inner; void arr;
});

node('nesting deeper than 32 is an error, not a hang or a stack overflow', () => {
  const b = new BtfBuilder();
  let t = b.int('int', 4);
  for (let i = 0; i < 40; i++) t = b.typedef(`t${i}`, t);
  let a = b.int('char', 1);
  for (let i = 0; i < 40; i++) a = b.array(a, 1, 1);
  const btf = loadBtf(b.build());
  const e = code(() => typeNode(btf, t));
  assert.is(e.code, 'BTF_MALFORMED');
  assert.match(e.message, /nesting deeper than 32/);
  assert.match(code(() => typeNode(btf, a)).message, /nesting deeper than 32/);
  assert.match(code(() => btf.sizeOf(t)).message, /nesting deeper than 32/);
  // 30 levels are fine.
  assert.is(typeNode(btf, 31).kind, 'int');
});

node('a struct that contains itself by value is reported, not followed forever', () => {
  const b = new BtfBuilder();
  b.int('int', 4);                                                   // 1
  b.struct('loop', 4, [{ name: 'self', type: 2, bitOffset: 0 }]);    // 2
  const btf = loadBtf(b.build());
  // Found on the path at the second visit, not by running into the depth limit.
  assert.match(code(() => typeNode(btf, 2)).message, /nesting deeper than 32: struct 'loop' \(type 2\) contains itself/);
});
node.run();

const find = suite('Btf.findByName');
find('prefers a definition over a forward declaration', () => {
  const b = new BtfBuilder();
  b.raw(KIND.FWD, 'thing', 0);
  b.struct('thing', 0, []);
  const btf = loadBtf(b.build());
  assert.is(btf.findByName('thing')!.id, 2);
  assert.is(btf.findByName('nope'), undefined);
  assert.is(btf.findByName('thing', KIND.FWD)!.id, 1);
  assert.equal(btf.idsByName('thing'), [1, 2]);
  assert.equal(btf.idsByName('nope'), []);
});

find('prefers a definition over a variable or function of the same name', () => {
  const b = new BtfBuilder();
  const int = b.int('int', 4);
  b.raw(KIND.VAR, 'thing', int, [1]);
  b.raw(KIND.FUNC, 'other', 0, [], 1);
  b.struct('thing', 4, [{ name: 'a', type: int, bitOffset: 0 }]);
  b.typedef('other', int);
  const btf = loadBtf(b.build());
  assert.is(btf.findByName('thing')!.id, 4);
  assert.is(btf.findByName('other')!.id, 5);
  assert.equal(btf.idsByName('int'), [1]);
});

find('sizeOf: a variable whose type is itself is refused for nesting, not a stack overflow', () => {
  const b = new BtfBuilder();
  b.int('int', 4);
  b.raw(KIND.VAR, 'self', 2, [1]);
  const btf = loadBtf(b.build());
  let e: unknown;
  try { btf.sizeOf(2); } catch (err) { e = err; }
  assert.ok(e instanceof BtfError, String(e));
  assert.is((e as Error).message, 'BTF type 2: nesting deeper than 32 computing its size');
});
find.run();

const sampleSuite = suite('sampleBtf');
sampleSuite('the warm-up sample is valid BTF with a record of every known kind, and writes as typesJson builds', async () => {
  const { sampleBtf } = await import('../src/btf/fast-prime.js');
  const { writeTypesJson, typesJson } = await import('../src/format/index.js');
  const btf = loadBtf(sampleBtf());
  const kinds = new Set(Array.from({ length: btf.typeCount }, (_, i) => btf.kind(i + 1)));
  assert.equal([...kinds].sort((a, b) => a - b), Object.values(KIND).sort((a, b) => a - b));
  for (let id = 1; id <= btf.typeCount; id++) btf.type(id).name;
  let text = '';
  writeTypesJson(btf, (c) => { text += c; });
  const parsed = JSON.parse(text.replace(/"val":(-?\d+)/g, '"val":"$1"')) as { types: { values?: { val: unknown }[] }[] };
  const built = typesJson(btf).types.map((t) => (Array.isArray(t.values) ? { ...t, values: (t.values as { val: unknown }[]).map((v) => ({ ...v, val: String(v.val) })) } : t));
  assert.equal(parsed.types, built);
});
sampleSuite.run();

const names = suite('types --json names');
names('names needing JSON escapes are escaped wherever they fall in a 4-byte word; others are copied as they are', async () => {
  const { writeTypesJson, writeTypesJsonBytes } = await import('../src/format/index.js');
  const odd = ['q"uote', '\\back', 'tab\there', 'ctl\u0001x', '"', '\u001f', 'ü-utf8', 'plain_name', 'a', 'abcd', 'abcdefg"', 'x\u007fdel'];
  const b = new BtfBuilder();
  const u8 = b.int('u8', 1);
  // Every name at every offset modulo 4 of the string table (the prefix shifts them), as type and member names.
  for (let shift = 0; shift < 4; shift++) {
    b.str('p'.repeat(shift + 1));
    for (const n of odd) b.struct(n, 1, [{ name: `${n}${shift}`, type: u8, bitOffset: 0 }]);
  }
  const btf = loadBtf(b.build());
  let text = '';
  writeTypesJson(btf, (c) => { text += c; });
  const parsed = JSON.parse(text) as { types: { id: number; name: string; members?: { name: string }[] }[] };
  assert.is(parsed.types.length, btf.typeCount);
  for (const t of parsed.types) {
    assert.is(t.name, btf.name(t.id));
    if (t.members) assert.is(t.members[0]!.name, btf.type(t.id).members[0]!.name);
  }
  // Plain names are copied byte for byte, not escaped: DEL and UTF-8 stay as they are.
  assert.ok(text.includes('"name":"x\u007fdel"'));
  assert.ok(text.includes('"name":"ü-utf8"'));
  assert.ok(text.includes('"name":"q\\"uote"'));
  assert.ok(text.includes('"name":"ctl\\u0001x"'));
  // The big-blob path (primed writer, 4 MiB chunks) writes the same text.
  let bytes = 0;
  writeTypesJsonBytes(btf, (c) => { bytes += c.byteLength; });
  assert.is(bytes, Buffer.byteLength(text));
});
names.run();

const robust = suite('robustness');
robust('mutated BTF never escapes as anything but a BpfmapError', async () => {
  const { readFileSync } = await import('node:fs');
  const { parseElf } = await import('../src/elf/index.js');
  const { writeTypesJsonBytes, formatTypesC } = await import('../src/format/index.js');
  const { loadObject } = await import('../src/object/index.js');
  const files = ['firewall.bpfel.o', 'coverage.bpfeb.o'].map((f) => readFileSync(new URL(`../fixtures/${f}`, import.meta.url)));
  let seed = 12345;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  let rejected = 0;
  for (let iter = 0; iter < 1500; iter++) {
    const file = files[iter % files.length]!;
    const elf = parseElf(file, 'x.o');
    const sec = elf.section('.BTF')!;
    const whole = new Uint8Array(file);
    const flips = 1 + rnd(4);
    for (let i = 0; i < flips; i++) whole[sec.offset + rnd(sec.size)] = rnd(256);
    const blob = whole.subarray(sec.offset, sec.offset + sec.size);
    try {
      const btf = loadBtf(blob);
      for (let id = 0; id <= btf.typeCount; id++) { try { typeNode(btf, id); } catch (e) { if ((e as { name?: string }).name !== 'BpfmapError') throw e; } }
      writeTypesJsonBytes(btf, () => {});
      try { formatTypesC(btf); } catch (e) { if ((e as { name?: string }).name !== 'BpfmapError') throw e; }
      loadObject(whole, 'x.o');
    } catch (e) {
      if ((e as { name?: string }).name !== 'BpfmapError') {
        throw new Error(`iteration ${iter}: ${(e as Error).stack}`);
      }
      rejected++;
    }
  }
  assert.ok(rejected > 100, `rejected ${rejected}`);
});
robust('anonymous unions shared eight ways ten levels deep (valid BTF, 8^10 lines as C): refused by name in bounded time', async () => {
  const { formatTypesC, writeTypesJsonBytes } = await import('../src/format/index.js');
  const b = new BtfBuilder();
  let inner = b.int('int', 4, { signed: true });
  for (let level = 0; level < 10; level++) {
    inner = b.struct('', 4, Array.from({ length: 8 }, (_, i) => ({ name: `m${level}_${i}`, type: inner, bitOffset: 0 })), true);
  }
  const top = b.struct('fan_s', 4, [{ name: 'u', type: inner, bitOffset: 0 }]);
  const btf = loadBtf(b.build());
  const t0 = Date.now();
  assert.throws(() => formatTypesC(btf), (e: Error & { code?: string }) =>
    e.code === 'BTF_UNSUPPORTED' && e.message === `BTF type ${top}: its C declaration would be more than 100000 parts (anonymous types and function prototypes are written out where used; shared many ways, they multiply)`);
  assert.throws(() => formatTypesC(btf, 'fan_s'), /would be more than 100000 parts/);
  assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
  writeTypesJsonBytes(btf, () => {}); // JSON lists each type once: no blow-up there
  // Function prototypes are written out where used too: eight parameters, each a pointer to the
  // prototype below, nine deep.
  const p = new BtfBuilder();
  let proto = p.raw(KIND.FUNC_PROTO, '', 0);
  for (let level = 0; level < 9; level++) {
    const ptr = p.ptr(proto);
    proto = p.raw(KIND.FUNC_PROTO, '', 0, Array.from({ length: 8 }, () => [p.str('p'), ptr]).flat(), 8);
  }
  const td = p.typedef('f', proto);
  const t1 = Date.now();
  assert.throws(() => formatTypesC(loadBtf(p.build()), 'f'), (e: Error & { code?: string }) => e.code === 'BTF_UNSUPPORTED' && e.message.startsWith(`BTF type ${td}: its C declaration would be more than 100000 parts`));
  assert.ok(Date.now() - t1 < 5000, `${Date.now() - t1} ms`);
});
robust.run();
