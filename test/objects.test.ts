/**
 * Objects that libbpf accepts: `__type(value, __u32)` next to `__array(values, ...)`, `__ulong(map_extra,
 * ...)` as ENUM and ENUM64, legacy `maps` sections sized per symbol, and one bad map that leaves the
 * rest of the object usable. Fixtures map-idioms and legacy-sized (both byte orders), objects clang
 * builds here, and ENUM64 objects made with the BTF builder (clang 14 cannot emit ENUM64).
 */
import { skip, suite, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writer } from '../src/bytes.js';
import { BtfBuilder } from './helpers/btf-builder.js';
import { buildElf } from './fuzz/synth.js';
import { bpfmap } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { loadObject, loadObjectFile, type MapSchema, type ObjectSchema, findMap } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const fx = (f: string) => join(root, 'fixtures', f);
const byName = (s: ObjectSchema, n: string): MapSchema => {
  const m = s.maps.find((x) => x.name === n);
  if (!m) throw new Error(`no map ${n}; maps: ${s.maps.map((x) => x.name).join(', ')}; unusable: ${JSON.stringify(s.unusable)}`);
  return m;
};
function thrown(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
}

const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-objects-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const haveClang = !toolsMissing(['clang']);
/** Compiles C for bpfel with the fixtures' header; null (a counted skip, or a failure in CI) without clang. */
function clang(name: string, src: string): string | null {
  if (!haveClang) {
    skip('clang not installed');
    return null;
  }
  const c = join(tmp, `${name}.c`);
  writeFileSync(c, `#include "bpf-defs.h"\n${src}`);
  const o = join(tmp, `${name}.o`);
  execFileSync('clang', ['-target', 'bpfel', '-O2', '-g', '-I', fx('src'), '-c', c, '-o', o]);
  return o;
}

const idioms = suite('map-in-map and prog array with __type(value, __u32) and __array(values, ...)');
for (const order of ['bpfel', 'bpfeb']) {
  idioms(`fixture map-idioms.${order}.o: every map usable`, () => {
    const { schema } = loadObjectFile(fx(`map-idioms.${order}.o`));
    assert.is(schema.unusable, undefined, JSON.stringify(schema.unusable));
    assert.equal(schema.maps.map((m) => m.name), ['reals_a', 'lru_mapping', 'lru_by_id', 'jump_table', 'seen_addrs', 'arena']);
    const outer = byName(schema, 'lru_mapping');
    assert.equal([outer.type, outer.keySize, outer.valueSize, outer.maxEntries], ['array_of_maps', 4, 4, 4]);
    assert.equal(outer.value, { kind: 'int', name: '__u32', size: 4, signed: false });
    assert.equal([outer.inner?.type, outer.inner?.keySize, outer.inner?.valueSize, outer.inner?.maxEntries], ['lru_hash', 4, 8, 64]);
    const byId = byName(schema, 'lru_by_id');
    assert.equal([byId.type, byId.keySize, byId.valueSize, byId.key?.name, byId.inner?.type], ['hash_of_maps', 8, 4, '__u64', 'lru_hash']);
    const jt = byName(schema, 'jump_table');
    assert.equal([jt.type, jt.keySize, jt.valueSize, jt.value?.name], ['prog_array', 4, 4, '__u32']);
  });
}
idioms('a value type of another size next to values is refused for that map, naming both', () => {
  const o = clang('values-u64', `
struct inner { __uint(type, BPF_MAP_TYPE_ARRAY); __uint(max_entries, 1); __type(key, __u32); __type(value, __u32); };
struct { __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); __array(values, struct inner); } wide SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __uint(max_entries, 2); __type(key, __u32); __type(value, __u64); } fine SEC(".maps");
`);
  if (!o) return;
  const { schema } = loadObjectFile(o);
  assert.equal(schema.maps.map((m) => m.name), ['fine']);
  assert.equal(schema.unusable, [{ name: 'wide', section: '.maps', code: 'MAP_DEF_INVALID',
    reason: "map 'wide': attr 'value': expected a 4-byte type with 'values' (a map or program fd), got 8 bytes" }]);
});
idioms.run();

const extra = suite('__ulong(map_extra, ...)');
for (const order of ['bpfel', 'bpfeb']) {
  extra(`fixture map-idioms.${order}.o: one-value ENUMs (clang 14) give map_extra`, () => {
    const { schema } = loadObjectFile(fx(`map-idioms.${order}.o`));
    const bloom = byName(schema, 'seen_addrs');
    assert.equal([bloom.type, bloom.valueSize, bloom.maxEntries, bloom.mapExtra], ['bloom_filter', 4, 256, 3n]);
    const arena = byName(schema, 'arena');
    assert.equal([arena.type, arena.keySize, arena.valueSize, arena.flags, arena.mapExtra], ['arena', 0, 0, ['mmapable'], 0x40000000n]);
  });
}

/** An object with one `.maps` variable `name` whose definition has type, max_entries and map_extra as an ENUM64. */
function enum64Object(order: 'little' | 'big', name: string, value: bigint, signed = false): Uint8Array {
  const b = new BtfBuilder({ order });
  const int = b.int('int', 4, { signed: true });
  const idx = b.int('__ARRAY_SIZE_TYPE__', 4);
  const uint = (n: number) => b.ptr(b.array(int, idx, n));
  const typ = uint(33);
  const max = uint(16);
  const flags = uint(1024);
  const ext = b.enum64('', [['__unique_value0', value]], signed);
  const def = b.struct('', 32, [
    { name: 'type', type: typ, bitOffset: 0 }, { name: 'max_entries', type: max, bitOffset: 64 },
    { name: 'map_flags', type: flags, bitOffset: 128 }, { name: 'map_extra', type: ext, bitOffset: 192 },
  ]);
  const v = b.variable(name, def);
  b.datasec('.maps', 32, [[v, 0, 32]]);
  return buildElf(order, [{ name: '.BTF', type: 1, data: b.build() }, { name: '.maps', type: 1, data: new Uint8Array(32) }]);
}
for (const order of ['little', 'big'] as const) {
  extra(`ENUM64 (clang >= 15): a 64-bit map_extra, ${order}-endian`, () => {
    const { schema } = loadObject(enum64Object(order, 'arena', 1n << 44n), 'arena.o');
    assert.is(schema.unusable, undefined, JSON.stringify(schema.unusable));
    const m = byName(schema, 'arena');
    assert.equal([m.type, m.maxEntries, m.flags, m.mapExtra], ['arena', 16, ['mmapable'], 0x100000000000n]);
  });
}
extra('ENUM64 with the signed flag: the bits as a u64, as libbpf hands them to the kernel', () => {
  const { schema } = loadObject(enum64Object('little', 'arena', -4096n, true), 'arena.o');
  assert.is(byName(schema, 'arena').mapExtra, 0xfffffffffffff000n);
});
extra('clang 14 truncating a 64-bit value into an 8-byte ENUM: that map refused with the reason, the rest kept', () => {
  const o = clang('ulong64', `
struct { __uint(type, BPF_MAP_TYPE_ARENA); __uint(map_flags, BPF_F_MMAPABLE); __uint(max_entries, 4); __ulong(map_extra, 0x100000000000ULL); } big SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 8); __type(value, __u32); __ulong(map_extra, 5); } small SEC(".maps");
`);
  if (!o) return;
  const { schema } = loadObjectFile(o);
  assert.equal(schema.maps.map((m) => [m.name, m.mapExtra]), [['small', 5n]]);
  const reason = "map 'big': attr 'map_extra': an 8-byte ENUM holds only the low 32 bits of a 64-bit __ulong value (clang before 15 has no ENUM64); rebuild the object with clang 15 or newer";
  assert.equal(schema.unusable, [{ name: 'big', section: '.maps', code: 'MAP_DEF_INVALID', reason }]);
  assert.is(thrown(() => findMap(schema, 'big')).message, reason);
});
extra('an enum with two values is not a __ulong', () => {
  const o = clang('ulong2', `
struct { __uint(type, BPF_MAP_TYPE_BLOOM_FILTER); __uint(max_entries, 8); __type(value, __u32); enum { a1 = 1, a2 = 2 } map_extra; } two SEC(".maps");
`);
  if (!o) return;
  assert.is(loadObjectFile(o).schema.unusable?.[0]?.reason, "map 'two': attr 'map_extra': expected an enum with one value (__ulong), got 2 values");
});
extra('create: the bloom filter gets its map_extra, the map-in-maps with a value type are created (checked in the kernel)', kernel(() => withPinDir(async (dir) => {
  const { objGet, objGetInfoByFd, closeFd } = await import('../src/syscall/index.js');
  const names = ['seen_addrs', 'lru_mapping', 'lru_by_id', 'jump_table'];
  const r = bpfmap(['create', fx('map-idioms.bpfel.o'), ...names, '--pin-root', dir, '--json']);
  assert.is(r.code, 0, r.stderr);
  const got = names.map((n) => {
    const fd = objGet(join(dir, n));
    try {
      const i = objGetInfoByFd(fd);
      return [n, i.type, i.keySize, i.valueSize, i.maxEntries, i.mapExtra];
    } finally { closeFd(fd); }
  });
  assert.equal(got, [
    ['seen_addrs', 30, 0, 4, 256, 3n], ['lru_mapping', 12, 4, 4, 4, 0n], ['lru_by_id', 13, 8, 4, 8, 0n], ['jump_table', 3, 4, 4, 2, 0n],
  ]);
})));
extra.run();

const legacy = suite('legacy maps sized per symbol');
for (const order of ['bpfel', 'bpfeb']) {
  legacy(`fixture legacy-sized.${order}.o: 20-, 36- and 32-byte definitions in one section`, () => {
    const { schema, elf } = loadObjectFile(fx(`legacy-sized.${order}.o`));
    assert.is(elf.section('maps')!.size, 88);
    assert.is(schema.unusable, undefined, JSON.stringify(schema.unusable));
    assert.equal(schema.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.pinPath]), [
      ['counters', 'array', 4, 8, 16, null],
      ['tc_global', 'hash', 4, 4, 1024, '/sys/fs/bpf/tc/globals/tc_global'],
      ['padded', 'lru_hash', 8, 4, 128, null],
    ]);
  });
}
legacy('non-zero bytes after map_flags (cilium/ebpf invalid_map): that map refused with the offset, the others kept', () => {
  const o = clang('legacy-extra', `
struct { struct bpf_map_def def; __u32 dummy; } odd SEC("maps") = { .def = { .type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 2, .max_entries = 1 }, .dummy = 1 };
struct bpf_map_def plain SEC("maps") = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 2 };
`);
  if (!o) return;
  const { schema } = loadObjectFile(o);
  assert.equal(schema.maps.map((m) => [m.name, m.keySize, m.valueSize]), [['plain', 4, 4]]);
  assert.equal(schema.unusable, [{ name: 'odd', section: 'maps', code: 'MAP_DEF_INVALID',
    reason: "map 'odd': its 24-byte definition has a non-zero value (1) at offset 20, after map_flags: fields bpfmap does not know (libbpf refuses them too)" }]);
});
legacy('a definition shorter than struct bpf_map_def is refused for that map', () => {
  const o = clang('legacy-short', `
struct { __u32 type, key_size, value_size; } tiny SEC("maps") = { 1, 4, 4 };
struct bpf_map_def plain SEC("maps") = { .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 4, .max_entries = 2 };
`);
  if (!o) return;
  const { schema } = loadObjectFile(o);
  assert.equal(schema.maps.map((m) => m.name), ['plain']);
  assert.is(schema.unusable?.[0]?.reason, "map 'tiny': definition is 12 bytes, expected at least 20 (struct bpf_map_def: type, key_size, value_size, max_entries, map_flags)");
});

/** A `maps` section with the given bytes and symbols (name, value, size), no BTF. */
function legacyObject(data: Uint8Array, syms: readonly [string, number, number][]): Uint8Array {
  const strtab: number[] = [0];
  const nameAt = syms.map(([n]) => { const at = strtab.length; strtab.push(...Buffer.from(n), 0); return at; });
  const symtab = new Writer('little');
  symtab.zeros(24);
  // st_name, st_info (GLOBAL OBJECT), st_other, st_shndx (the `maps` section is index 2), st_value, st_size
  syms.forEach(([, value, size], i) => { symtab.u32(nameAt[i]!).u8(0x11).u8(0).u16(2).u64(BigInt(value)).u64(BigInt(size)); });
  const elf = buildElf('little', [
    { name: 'maps', type: 1, data },
    { name: '.symtab', type: 2, data: symtab.finish() },
    { name: '.strtab', type: 3, data: Uint8Array.from(strtab) },
  ]);
  // buildElf leaves sh_link and sh_entsize 0: point .symtab at .strtab (index 4), 24-byte entries.
  const v = new DataView(elf.buffer, elf.byteOffset);
  const shoff = Number(v.getBigUint64(40, true));
  v.setUint32(shoff + 3 * 64 + 40, 4, true);
  v.setBigUint64(shoff + 3 * 64 + 56, 24n, true);
  return elf;
}
function def(type: number, k: number, val: number, max: number): number[] { return [type, k, val, max, 0]; }
function words(...ws: number[]): Uint8Array {
  const w = new Writer('little');
  for (const x of ws) w.u32(x);
  return w.finish();
}
legacy('iproute2 definitions: pinning other than none or PIN_GLOBAL_NS, and inner maps, are refused per map', () => {
  // struct bpf_elf_map: bpf_map_def (20 bytes), id, pinning, inner_id, inner_idx.
  const elf = (pinning: number, innerId: number) => words(...def(1, 4, 4, 8), 1, pinning, innerId, 0);
  const global = loadObject(legacyObject(elf(2, 0), [['g', 0, 36]]), 'x.o').schema;
  assert.is(global.maps[0]?.pinPath, '/sys/fs/bpf/tc/globals/g');
  const none = loadObject(legacyObject(elf(0, 0), [['n', 0, 36]]), 'x.o').schema;
  assert.is(none.maps[0]?.pinPath, null);
  const objNs = loadObject(legacyObject(elf(1, 0), [['o', 0, 36]]), 'x.o').schema;
  assert.equal(objNs.maps, []);
  assert.is(objNs.unusable?.[0]?.reason, "map 'o': pinning: expected 0 (none) or 2 (PIN_GLOBAL_NS, /sys/fs/bpf/tc/globals), got 1 (tc pins it under a per-object or custom directory bpfmap cannot name)");
  const inner = loadObject(legacyObject(elf(0, 3), [['i', 0, 36]]), 'x.o').schema;
  assert.is(inner.unusable?.[0]?.reason, "map 'i': inner_id/inner_idx: expected 0 (iproute2 map-in-map is not supported), got 3/0");
});
legacy('symbols without sizes: equal slots; with sizes, each its own; overlaps and overruns refused', () => {
  const two = words(...def(1, 4, 8, 2), ...def(2, 4, 4, 3));
  const unsized = loadObject(legacyObject(two, [['a', 0, 0], ['b', 20, 0]]), 'x.o').schema;
  assert.equal(unsized.maps.map((m) => [m.name, m.type, m.valueSize]), [['a', 'hash', 8], ['b', 'array', 4]]);
  // 44 bytes: a 20-byte and a 24-byte definition (zero tail). Equal slots (22 bytes) would misread both.
  const mixed = words(...def(1, 4, 8, 2), ...def(2, 4, 4, 3), 0);
  assert.equal(loadObject(legacyObject(mixed, [['a', 0, 20], ['b', 20, 24]]), 'x.o').schema.maps.map((m) => [m.name, m.maxEntries]), [['a', 2], ['b', 3]]);
  const overlap = loadObject(legacyObject(mixed, [['a', 0, 24], ['b', 20, 24]]), 'x.o').schema;
  assert.equal(overlap.maps, []);
  assert.is(overlap.unusable?.find((u) => u.name === 'b')?.reason, "map 'b': definition at offset 20 overlaps map 'a' (offset 0, 24 bytes)");
  const past = loadObject(legacyObject(mixed, [['a', 0, 20], ['b', 20, 28]]), 'x.o').schema;
  assert.is(past.unusable?.[0]?.reason, "map 'b': definition at offset 20 (28 bytes) runs past the end of section 'maps' (44 bytes)");
  const uneven = loadObject(legacyObject(mixed, [['a', 0, 0], ['b', 20, 0], ['c', 40, 0]]), 'x.o').schema;
  assert.equal(uneven.maps, []);
  assert.equal(uneven.unusable?.map((u) => u.name), ['a', 'b', 'c']);
  assert.is(uneven.unusable?.[0]?.reason, "map 'a': section 'maps': its symbols have no sizes and its 44 bytes do not divide into 3 equal definitions");
});
legacy.run();

const globals = suite('global data sections as libbpf reads them');
globals('custom .bss.* sections are maps like .data.* and .rodata.* (libbpf: SHT_NOBITS .bss and .bss.*)', () => {
  const o = clang('bss-custom', `
int plain_bss;
__u64 extra_a SEC(".bss.extra");
__u32 extra_b SEC(".bss.extra");
SEC("xdp") int p(void *ctx) { return plain_bss + extra_a + extra_b; }
`);
  if (!o) return;
  const { schema, elf } = loadObjectFile(o);
  assert.is(elf.section('.bss.extra')!.type, 8, 'clang makes .bss.extra SHT_NOBITS');
  assert.is(schema.unusable, undefined, JSON.stringify(schema.unusable));
  const m = byName(schema, '.bss.extra');
  assert.equal([m.kernelName, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags], ['.bss.extra', 'array', 4, 12, 1, ['mmapable']]);
  const v = m.value!;
  if (v.kind !== 'struct') throw new Error('struct');
  assert.equal(v.fields.map((f) => [f.name, f.offset, f.type.size]), [['extra_a', 0, 8], ['extra_b', 8, 4]]);
  assert.equal(schema.maps.map((x) => x.section), ['.bss', '.bss.extra']);
});
globals('a section whose globals are all __hidden is not mmapable (libbpf counts them as static)', () => {
  const o = clang('hidden-globals', `
#define __hidden __attribute__((visibility("hidden")))
__hidden int hidden_data = 1;
static int static_data = 2;
__hidden int hidden_bss;
int plain_data SEC(".data.open") = 3;
__hidden int hidden_open SEC(".data.open") = 4;
volatile const __hidden int hidden_ro = 5;
SEC("xdp") int p(void *ctx) { return hidden_data + static_data + hidden_bss + plain_data + hidden_open + hidden_ro; }
`);
  if (!o) return;
  const { schema } = loadObjectFile(o);
  assert.equal(schema.maps.map((m) => [m.name, m.flags]), [
    ['.data', []], ['.data.open', ['mmapable']], ['.rodata', ['rdonly_prog']], ['.bss', []],
  ]);
});
globals.run();

const perMap = suite('one unusable map');
/** Two hash maps, one with an attribute libbpf does not know: the object stays usable. */
const ONE_BAD = `
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); __type(value, __u32); __uint(max_entries, 4); __uint(colour, 3); } odd SEC(".maps");
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); __type(value, __u64); __uint(max_entries, 4); } good SEC(".maps");
`;
const ONE_BAD_REASON = "map 'odd': unknown attr 'colour': expected one of type, key, value, key_size, value_size, max_entries, map_flags, pinning, numa_node, map_extra, values";
perMap('the CLI lists the others, reports it, fails only for commands naming it; types do not depend on it', () => {
  const o = clang('one-bad', ONE_BAD);
  if (!o) return;
  const maps = bpfmap(['maps', o]);
  assert.is(maps.code, 0, maps.stderr);
  assert.match(maps.stdout, /^good\s+hash\s+__u32 -> __u64/m);
  assert.match(maps.stdout, /^odd\s+unusable/m);
  assert.ok(maps.stdout.endsWith(`unusable (commands naming these maps fail):\n  ${ONE_BAD_REASON}\n`), maps.stdout);
  const json = JSON.parse(bpfmap(['maps', o, '--json']).stdout) as { name: string; unusable?: boolean; reason?: string }[];
  assert.equal(json.map((m) => [m.name, m.unusable ?? false]), [['good', false], ['odd', true]]);
  assert.is(json[1]!.reason, ONE_BAD_REASON);
  const schema = JSON.parse(bpfmap(['schema', o, '--json']).stdout) as { maps: { name: string }[]; unusable: unknown[] };
  assert.equal(schema.maps.map((m) => m.name), ['good']);
  assert.equal(schema.unusable, [{ name: 'odd', section: '.maps', code: 'MAP_DEF_INVALID', reason: ONE_BAD_REASON }]);
  const saved = join(tmp, 'one-bad.schema.json');
  writeFileSync(saved, bpfmap(['schema', o, '--json']).stdout);
  for (const src of [o, saved]) {
    const bad = bpfmap(['encode', src, 'odd', '--key', '1', '--value', '2']);
    assert.is(bad.code, 5);
    assert.is(bad.stderr, `bpfmap: ${ONE_BAD_REASON}\n`);
    const ok = bpfmap(['encode', src, 'good', '--key', '1', '--value', '2']);
    assert.is(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /0200000000000000/);
  }
  const types = bpfmap(['types', o, '--json']);
  assert.is(types.code, 0, types.stderr);
  assert.ok((JSON.parse(types.stdout) as { types: unknown[] }).types.length > 5);
});
perMap('.maps without BTF: each map symbol reported, global data kept', () => {
  const o = clang('no-btf', `
struct { __uint(type, BPF_MAP_TYPE_HASH); __type(key, __u32); __type(value, __u32); __uint(max_entries, 4); } m1 SEC(".maps");
int counter = 1;
SEC("xdp") int p(void *ctx) { return counter; }
`);
  if (!o) return;
  execFileSync('llvm-objcopy', ['--remove-section=.BTF', '--remove-section=.BTF.ext', o]);
  const { schema } = loadObject(readFileSync(o), 'no-btf.o');
  assert.equal(schema.maps.map((m) => m.name), ['.data']);
  assert.equal(schema.unusable, [{ name: 'm1', section: '.maps', code: 'MAP_DEF_INVALID',
    reason: "map 'm1': no-btf.o: section '.maps' needs BTF, but the object has no '.BTF' section" }]);
});
perMap('create: the usable maps are created, the unusable one skipped with its reason; naming it fails', kernel(() => withPinDir((dir) => {
  const o = clang('create-one-bad', ONE_BAD);
  if (!o) return;
  const named = bpfmap(['create', o, 'odd', '--pin-root', dir]);
  assert.is(named.code, 5);
  assert.is(named.stderr, `bpfmap: ${ONE_BAD_REASON}\n`);
  const r = bpfmap(['create', o, '--pin-root', dir, '--json']);
  assert.is(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as { name: string; status: string; note?: string }[];
  assert.equal(rows.map((x) => [x.name, x.status]), [['odd', 'skipped'], ['good', 'created']]);
  assert.is(rows[0]!.note, ONE_BAD_REASON);
  const info = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(dir, 'good')], { encoding: 'utf8' })) as { type: string; bytes_key: number; bytes_value: number };
  assert.equal([info.type, info.bytes_key, info.bytes_value], ['hash', 4, 8]);
  assert.equal(readdirSync(dir), ['good']);
})));
perMap.run();
