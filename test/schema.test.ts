import { skip, suite, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBtf, BTF_KIND } from '../src/btf/index.js';
import { loadObject, loadObjectFile, libbpfObjectName, internalMapName } from '../src/object/index.js';
import { seedFormat, formatTypesC } from '../src/format/index.js';
import type { MapSchema, TypeNode } from '../src/schema/index.js';
import { BtfBuilder } from './helpers/btf-builder.js';
import { findMap } from '../src/object/source.js';

const root = new URL('..', import.meta.url).pathname;
const fx = (n: string): string => join(root, 'fixtures', n);
const byName = (maps: readonly MapSchema[], n: string): MapSchema => {
  const m = maps.find((x) => x.name === n);
  if (!m) throw new Error(`no map ${n} in ${maps.map((x) => x.name).join(', ')}`);
  return m;
};
const fields = (t: TypeNode | null | undefined): [string, number, number][] => {
  if (!t || (t.kind !== 'struct' && t.kind !== 'union')) throw new Error(`expected struct, got ${t?.kind}`);
  return t.fields.map((f) => [f.name, f.offset, f.type.size]);
};
const stable = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

function code(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return { code: (e as { code: string }).code, message: (e as Error).message }; }
  throw new Error('expected an error');
}

const fw = suite('loadObject: firewall');
for (const order of ['bpfel', 'bpfeb'] as const) {
  fw(`${order}: the three pinned maps and the .rodata map, in ELF order`, () => {
    const { schema } = loadObjectFile(fx(`firewall.${order}.o`));
    assert.is(schema.object, `firewall.${order}.o`);
    assert.is(schema.byteOrder, order === 'bpfel' ? 'little' : 'big');
    assert.equal(schema.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.kernelName]), [
      ['ingress_node_firewall_table_map', 'lpm_trie', 24, 1200, 'ingress_node_fi'],
      ['ingress_node_firewall_statistics_map', 'percpu_array', 4, 32, 'ingress_node_fi'],
      ['ingress_node_firewall_events_map', 'perf_event_array', 4, 4, 'ingress_node_fi'],
      ['.rodata', 'array', 4, 4, 'firewall.rodata'],
    ]);
    const table = byName(schema.maps, 'ingress_node_firewall_table_map');
    assert.equal(table.flags, ['no_prealloc']);
    assert.is(table.mapFlags, 1);
    assert.is(table.typeId, 11);
    assert.is(table.pinning, 'by_name');
    assert.is(table.pinPath, '/sys/fs/bpf/ingress_node_firewall_table_map');
    assert.is(table.perCpu, false);
    assert.is(table.section, '.maps');
    assert.equal(fields(table.key), [['prefixLen', 0, 4], ['ingress_ifindex', 4, 4], ['ip_data', 8, 16]]);
    assert.is(table.key!.name, 'lpm_ip_key_st');
    const value = table.value!;
    if (value.kind !== 'struct') throw new Error('value');
    const rules = value.fields[0]!.type;
    if (rules.kind !== 'array') throw new Error('rules');
    assert.is(rules.length, 100);
    assert.equal(fields(rules.element), [['ruleId', 0, 4], ['protocol', 4, 1], ['dstPortStart', 5, 2], ['dstPortEnd', 7, 2], ['icmpType', 9, 1], ['icmpCode', 10, 1], ['action', 11, 1]]);
    const stats = byName(schema.maps, 'ingress_node_firewall_statistics_map');
    assert.is(stats.perCpu, true);
    assert.equal(fields(stats.value), [['allow_stats', 0, 16], ['deny_stats', 16, 16]]);
    const rodata = byName(schema.maps, '.rodata');
    assert.equal(rodata.flags, ['rdonly_prog', 'mmapable']);
    assert.equal(rodata.key, { kind: 'int', name: '__u32', size: 4, signed: false });
    assert.equal(fields(rodata.value), [['debug_lookup', 0, 4]]);
    assert.is(rodata.btfKeyTypeId, 0);
  });
}
fw('btf key/value ids name the declared types; global data points at its DATASEC', () => {
  const { schema, btf } = loadObjectFile(fx('firewall.bpfel.o'));
  const table = byName(schema.maps, 'ingress_node_firewall_table_map');
  assert.is(btf!.type(table.btfKeyTypeId).name, 'lpm_ip_key_st');
  assert.is(btf!.type(table.btfValueTypeId).name, 'rulesVal_st');
  const ro = byName(schema.maps, '.rodata');
  assert.is(btf!.type(ro.btfValueTypeId).btfKind, BTF_KIND.DATASEC);
  assert.is(btf!.type(ro.btfValueTypeId).name, '.rodata');
});
fw('little- and big-endian objects give the same schema; output is deterministic', () => {
  for (const n of ['firewall', 'firewall-seed', 'coverage']) {
    const a = loadObjectFile(fx(`${n}.bpfel.o`)).schema;
    const b = loadObjectFile(fx(`${n}.bpfeb.o`)).schema;
    assert.is(stable({ ...a, object: '', byteOrder: '' }), stable({ ...b, object: '', byteOrder: '' }), n);
    assert.is(stable(loadObjectFile(fx(`${n}.bpfel.o`)).schema), stable(a));
  }
});
fw.run();

const cov = suite('loadObject: coverage');
const covSchema = loadObjectFile(fx('coverage.bpfel.o')).schema;
cov('map-in-map carries the inner definition', () => {
  const outer = byName(covSchema.maps, 'outer_array');
  assert.is(outer.type, 'array_of_maps');
  assert.is(outer.valueSize, 4);
  assert.ok(outer.inner);
  assert.equal([outer.inner!.name, outer.inner!.type, outer.inner!.keySize, outer.inner!.valueSize, outer.inner!.maxEntries], ['outer_array.inner', 'array', 4, 8, 16]);
  const oh = byName(covSchema.maps, 'outer_hash');
  assert.is(oh.type, 'hash_of_maps');
  assert.is(oh.key!.kind, 'union');
  assert.is(oh.inner!.value!.name, '__u64');
});
cov('keyless and layout-less map types', () => {
  const q = byName(covSchema.maps, 'queue');
  assert.equal([q.key, q.keySize, q.value!.name], [null, 0, 'flow_key']);
  const r = byName(covSchema.maps, 'ringbuf');
  assert.equal([r.key, r.value, r.maxEntries], [null, null, 4096]);
  const bl = byName(covSchema.maps, 'bloom');
  assert.is(bl.mapExtra, 3n);
  assert.is(bl.key, null);
  const nm = byName(covSchema.maps, 'numa_map');
  assert.is(nm.numaNode, 0);
  assert.equal(nm.flags, ['numa_node']);
  assert.is(nm.value!.kind, 'enum');
  const sized = byName(covSchema.maps, 'sized_map');
  assert.equal([sized.key, sized.value], [{ kind: 'bytes', name: '', size: 4 }, { kind: 'bytes', name: '', size: 24 }]);
  assert.equal(byName(covSchema.maps, 'lru_percpu_map').flags, ['no_common_lru']);
  assert.is(byName(covSchema.maps, 'lru_percpu_map').perCpu, true);
});
cov('legacy maps: sizes from bpf_map_def, types from ____btf_map_<name> when present', () => {
  const lm = byName(covSchema.maps, 'legacy_map');
  assert.equal([lm.section, lm.type, lm.keySize, lm.valueSize, lm.maxEntries], ['maps', 'hash', 8, 16, 32]);
  assert.is(lm.key!.name, 'legacy_key');
  assert.is(lm.value!.name, 'legacy_value');
  const lp = byName(covSchema.maps, 'legacy_plain');
  assert.equal([lp.key, lp.value], [{ kind: 'bytes', name: '', size: 4 }, { kind: 'bytes', name: '', size: 8 }]);
  // ELF order: the `maps` section comes after `.maps` in this object, so the legacy maps follow the
  // BTF-defined ones, and global data comes last.
  const sections = covSchema.maps.map((m) => m.section);
  assert.is(sections.indexOf('maps'), sections.lastIndexOf('.maps') + 1);
  assert.is(covSchema.maps[0]!.section, '.maps');
});
cov('global data: .data, .rodata, .bss and custom sections with libbpf kernel names', () => {
  const g = covSchema.maps.filter((m) => m.section !== '.maps' && m.section !== 'maps');
  assert.equal(g.map((m) => [m.name, m.kernelName, m.maxEntries, m.keySize]).sort(), [
    ['.bss', 'coverage.bss', 1, 4], ['.data', 'coverage.data', 1, 4], ['.data.config', '.data.config', 1, 4],
    ['.rodata', 'coverage.rodata', 1, 4], ['.rodata.table', '.rodata.table', 1, 4],
  ]);
  const cfg = byName(covSchema.maps, '.data.config');
  assert.equal(fields(cfg.value), [['config_mode', 0, 4], ['config_offset', 4, 2], ['config_delta', 8, 4]]);
  assert.is(cfg.value!.size, cfg.valueSize);
});
cov('bitfields, __be32 and anonymous members reach the schema', () => {
  const arr = byName(covSchema.maps, 'array_map').value!;
  if (arr.kind !== 'struct') throw new Error('struct');
  assert.equal(arr.fields.slice(0, 4).map((f) => [f.name, f.offset, f.bitOffset, f.bitSize, f.type.kind === 'int' && f.type.signed]),
    [['lo', 0, 0, 3, false], ['mid', 0, 3, 7, false], ['neg', 1, 2, 5, true], ['wide', 1, 7, 17, false]]);
  const key = byName(covSchema.maps, 'lpm_v4').key!;
  if (key.kind !== 'struct') throw new Error('struct');
  assert.equal(key.fields[1]!.type, { kind: 'int', name: '__be32', size: 4, signed: false, byteOrder: 'big' });
  const fk = byName(covSchema.maps, 'hash_map').key!;
  if (fk.kind !== 'struct') throw new Error('struct');
  assert.ok(fk.fields.some((f) => f.name === '' && f.type.kind === 'union'));
});
cov.run();

const fix = suite('kernelBytes (DATASEC fixups)');
fix('DATASEC sizes come from ELF sections and VAR offsets from symbols, sorted', () => {
  const obj = loadObjectFile(fx('coverage.bpfel.o'));
  const btf = obj.btf!;
  let checked = 0;
  for (let id = 1; id <= btf.typeCount; id++) {
    const t = btf.type(id);
    if (t.btfKind !== BTF_KIND.DATASEC) continue;
    const sec = obj.elf.section(t.name);
    if (!sec) continue;
    assert.is(t.size, sec.size, t.name);
    let last = -1;
    for (const v of t.vars) {
      const sym = obj.elf.symbols.find((s) => s.name === btf.name(v.typeId) && s.shndx === sec.index)!;
      assert.is(v.offset, sym.value, `${t.name}: ${btf.name(v.typeId)}`);
      assert.ok(v.offset >= last);
      last = v.offset;
      checked++;
    }
  }
  assert.ok(checked >= 10, `checked ${checked}`);
});
fix('bpftool parses the fixed-up BTF and sees the same sizes', () => {
  if (toolsMissing(['bpftool'])) return skip('bpftool not installed');
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-btf-'));
  try {
    const obj = loadObjectFile(fx('firewall.bpfeb.o'));
    const p = join(dir, 'fw.btf');
    writeFileSync(p, obj.btf!.kernelBytes());
    const out = JSON.parse(execFileSync('bpftool', ['btf', 'dump', 'file', p, '-j'], { encoding: 'utf8' })) as { types: { kind: string; name: string; size: number }[] };
    const maps = out.types.find((t) => t.kind === 'DATASEC' && t.name === '.maps')!;
    assert.is(maps.size, obj.elf.section('.maps')!.size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
fix.run();

const errs = suite('loadObject errors');
function clangObject(src: string): Uint8Array | null {
  if (toolsMissing(['clang'])) { skip('clang not installed'); return null; }
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-clang-'));
  try {
    writeFileSync(join(dir, 'x.c'), src);
    execFileSync('clang', ['-target', 'bpfel', '-O2', '-g', '-c', join(dir, 'x.c'), '-o', join(dir, 'x.o')]);
    return readFileSync(join(dir, 'x.o'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const MAP_MACROS = '#define __uint(n, v) int (*n)[v]\n#define __type(n, v) typeof(v) *n\n#define SEC(s) __attribute__((section(s), used))\n';
errs('an unknown .maps member names the map and the member', () => {
  const o = clangObject(`${MAP_MACROS}struct { __uint(type, 1); __type(key, int); __type(value, int); __uint(max_entries, 4); __uint(colour, 3); } odd SEC(".maps");\n`);
  if (!o) return;
  const { schema } = loadObject(o, 'x.o');
  assert.is(schema.maps.length, 0);
  const u = schema.unusable![0]!;
  assert.equal([u.name, u.section, u.code], ['odd', '.maps', 'MAP_DEF_INVALID']);
  assert.match(u.reason, /^map 'odd': unknown attr 'colour'/);
  const e = code(() => findMap(schema, 'odd'));
  assert.is(e.code, 'MAP_DEF_INVALID');
  assert.is(e.message, u.reason);
});
errs('an int attr that is not a pointer to an array is refused', () => {
  const o = clangObject(`${MAP_MACROS}struct { int type; __uint(max_entries, 4); } plain SEC(".maps");\n`);
  if (!o) return;
  assert.match(code(() => findMap(loadObject(o, 'x.o').schema, 'plain')).message, /^map 'plain': attr 'type': expected pointer to array, got int/);
});
errs('__ulong(map_extra, v) as a pointer to a one-value enum gives map_extra (clang 14 has no ENUM64, so a u32 here)', () => {
  const o = clangObject(`${MAP_MACROS}#define __ulong(n, v) enum { n##_v = v } *n
struct { __uint(type, 30); __type(value, int); __uint(max_entries, 8); __ulong(map_extra, 0xfffffff3U); } bf SEC(".maps");\n`);
  if (!o) return;
  const m = loadObject(o, 'x.o').schema.maps[0]!;
  assert.equal([m.name, m.type, m.mapExtra], ["bf", "bloom_filter", 0xfffffff3n]);
});
errs('a missing file is an IO error naming the path', () => {
  const e = code(() => loadObjectFile('/nonexistent/x.o'));
  assert.is(e.code, 'IO');
  assert.match(e.message, /^\/nonexistent\/x\.o: cannot read/);
});
errs('an unlinked clang object gets DATASEC sizes and VAR offsets from the ELF', () => {
  const o = clangObject(`${MAP_MACROS}int a = 1; long b = 2; char c[5] = "x"; int z1; long z2;
struct { __uint(type, 2); __type(key, int); __type(value, long); __uint(max_entries, 1); } m1 SEC(".maps"), m2 SEC(".maps");
SEC("xdp") int prog(void *ctx) { return a + b + c[0] + z1 + z2; }
char _license[] SEC("license") = "GPL";\n`);
  if (!o) return;
  const raw = loadObject(o, 'tiny.o');
  const unfixed = loadBtf(raw.elf.data(raw.elf.section('.BTF')!));
  const data = unfixed.findByName('.data', BTF_KIND.DATASEC)!;
  assert.is(data.size, 0, 'clang leaves DATASEC size 0');
  assert.ok(data.vars.every((v) => v.offset === 0));
  const btf = raw.btf!;
  for (const sec of ['.data', '.bss', '.maps']) {
    const t = btf.findByName(sec, BTF_KIND.DATASEC)!;
    assert.is(t.size, raw.elf.section(sec)!.size, sec);
    const offs = t.vars.map((v) => [btf.name(v.typeId), v.offset]);
    const want = t.vars.map((v) => [btf.name(v.typeId), raw.elf.symbols.find((s) => s.name === btf.name(v.typeId))!.value]).sort((x, y) => (x[1] as number) - (y[1] as number));
    assert.equal(offs, want, sec);
  }
  const d = byName(raw.schema.maps, '.data');
  assert.equal(fields(d.value), [['a', 0, 4], ['b', 8, 8], ['c', 16, 5]]);
  assert.is(d.kernelName, 'tiny.data');
  assert.equal(raw.schema.maps.filter((m) => m.section === '.maps').map((m) => m.name), ['m1', 'm2']);
});
errs.run();

const names = suite('libbpf names');
names('object name and internal map names follow libbpf', () => {
  const cases: [string, string, string][] = [
    ['firewall.bpfel.o', '.bss', 'firewall.bss'],
    ['firewall.bpfel.o', '.rodata', 'firewall.rodata'],
    ['xdp.o', '.data', 'xdp.data'],
    ['averyveryverylongname.bpf.o', '.bss', 'averyver.bss'],
    ['x.o', '.data.config', '.data.config'],
    ['x.o', '.rodata.abracadabra', '.rodata.abracad'],
    ['my-prog.o', '.bss', 'my_prog.bss'],
  ];
  for (const [file, sec, want] of cases) assert.is(internalMapName(libbpfObjectName(file), sec), want, `${file} ${sec}`);
  assert.is(libbpfObjectName('/a/b/c.d.e'), 'c');
});
names.run();

const seed = suite('seedFormat');
seed('emits the seed walkthrough format with member names and no qualifiers', () => {
  const out = seedFormat(loadObjectFile(fx('firewall-seed.bpfel.o'))) as { maps: Record<string, any>[] };
  const table = out.maps.find((m) => m.name === 'ingress_node_firewall_table_map')!;
  assert.is(table.size, 48);
  assert.is(table.path, '/sys/fs/bpf/ingress_node_firewall_table_map');
  assert.is(table.key.kind, 'PTR');
  assert.is(table.key.type.name, 'lpm_ip_key_st');
  assert.equal(table.key.flatten.member.map((m: any) => m.variable_name), ['prefixLen', 'ingress_ifindex', 'ip_data']);
  assert.equal(table.key.flatten.member[2].totalSize, 16);
  assert.is(table.value.type.name, 'ruleType_st');
  assert.equal(table.value.flatten.member[0], { variable_name: 'ruleId', type_name: 'unsigned int', size: 4, kind: 'INT', input: null });
  const stats = out.maps.find((m) => m.name === 'ingress_node_firewall_statistics_map')!;
  assert.is(stats.path, 'n/a');
  assert.equal(stats.value.flatten.member.map((m: any) => m.variable_name), ['allow_stats', 'deny_stats']);
  assert.not.match(JSON.stringify(out), /"kind":"(CONST|VOLATILE)"/);
});
seed.run();

const fmt = suite('formatTypesC');
fmt('prints a struct with offsets and sizes', () => {
  const { btf } = loadObjectFile(fx('firewall.bpfel.o'));
  const text = formatTypesC(btf!, 'ruleType_st');
  assert.match(text, /^struct ruleType_st \{ \/\* size 12 \*\/\n/);
  assert.match(text, /\t__u16 dstPortEnd; \/\* offset 7, size 2 \*\/\n/);
  assert.match(formatTypesC(btf!, 'lpm_ip_key_st'), /__u8 ip_data\[16\]; \/\* offset 8, size 16 \*\//);
  assert.is(code(() => formatTypesC(btf!, 'nope')).code, 'NOT_FOUND');
});
fmt('prints bitfields with bit positions', () => {
  const { btf } = loadObjectFile(fx('coverage.bpfel.o'));
  assert.match(formatTypesC(btf!, 'bits'), /__s32 neg: 5; \/\* offset 1, bit 2, bits 5 \*\//);
});
fmt('prints bitfields of the older encoding (bit offset and width in the INT)', () => {
  const b = new BtfBuilder();
  const u32 = b.int('unsigned int', 4);
  const old = b.int('unsigned int', 4, { offset: 3, bits: 5 });
  b.struct('old', 4, [{ name: 'x', type: old, bitOffset: 8 }, { name: 'y', type: u32, bitOffset: 0 }]);
  const text = formatTypesC(loadBtf(b.build()), 'old');
  assert.match(text, /\tunsigned int x: 5; \/\* offset 1, bit 3, bits 5 \*\/\n/);
  assert.match(text, /\tunsigned int y; \/\* offset 0, size 4 \*\/\n/);
});
fmt('marks packed structs and unions as bpftool does, so the declaration has the layout of the object', () => {
  // Unaligned members (firewall) or a size that is no multiple of the alignment (firewall-v2): packed.
  const fw1 = formatTypesC(loadObjectFile(fx('firewall.bpfel.o')).btf!, 'ruleType_st');
  assert.match(fw1, /\n\} __attribute__\(\(packed\)\);\n$/);
  assert.match(formatTypesC(loadObjectFile(fx('firewall-v2.bpfel.o')).btf!, 'ruleType_st'), /\n\} __attribute__\(\(packed\)\);\n$/);
  const cov = loadObjectFile(fx('coverage.bpfel.o')).btf!;
  assert.match(formatTypesC(cov, 'packed_pair'), /\n\} __attribute__\(\(packed\)\);\n$/);
  // Naturally aligned: no attribute (bitfields do not count).
  assert.match(formatTypesC(cov, 'bits'), /\n\};\n$/);
  assert.match(formatTypesC(cov, 'kitchen_sink'), /\tstruct packed_pair pp; .*\n(.*\n)*\};\n$/);
  // An anonymous packed member, a packed union, and a struct holding an unaligned packed one.
  const b = new BtfBuilder();
  const u8 = b.int('unsigned char', 1);
  const u32 = b.int('unsigned int', 4);
  const inner = b.struct('', 5, [{ name: 'a', type: u8, bitOffset: 0 }, { name: 'b', type: u32, bitOffset: 8 }]);
  const un = b.struct('u', 5, [{ name: 'x', type: u32, bitOffset: 0 }, { name: 'y', type: inner, bitOffset: 0 }], true);
  b.struct('outer', 12, [{ name: 'c', type: u8, bitOffset: 0 }, { name: 'in', type: inner, bitOffset: 8 }, { name: 'd', type: u32, bitOffset: 64 }]);
  const btf = loadBtf(b.build());
  void un;
  const outer = formatTypesC(btf, 'outer');
  assert.match(outer, /\t\} __attribute__\(\(packed\)\) in; \/\* offset 1, size 5 \*\/\n/);
  assert.match(outer, /\n\};\n$/);
  assert.match(formatTypesC(btf, 'u'), /\n\} __attribute__\(\(packed\)\);\n$/);
  if (toolsMissing(['clang'])) return skip('clang not installed: the declarations are not compiled');
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-types-c-'));
  try {
    const c = join(dir, 't.c');
    const decl = (text: string) => text.replace(/\/\* [^*]* \*\//g, '');
    writeFileSync(c, ['typedef unsigned char __u8; typedef unsigned short __u16; typedef unsigned int __u32; typedef unsigned long long __u64;',
      decl(fw1), decl(formatTypesC(btf, 'u')), decl(outer),
      '_Static_assert(sizeof(struct ruleType_st) == 12 && __builtin_offsetof(struct ruleType_st, dstPortEnd) == 7, "ruleType_st");',
      '_Static_assert(sizeof(union u) == 5 && sizeof(struct outer) == 12 && __builtin_offsetof(struct outer, d) == 8, "outer");', ''].join('\n'));
    execFileSync('clang', ['-target', 'bpf', '-fsyntax-only', c], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
fmt.run();

const deb = suite('loadObject: Debian objects');
deb('every libxdp1 / xdp-tests object yields a schema', () => {
  const dir = fx('debian/objects');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.o')) : [];
  if (files.length === 0) return skip('fixtures/debian/objects is empty: run fixtures/debian/fetch.sh');
  let maps = 0;
  for (const f of files) maps += loadObjectFile(join(dir, f)).schema.maps.length;
  assert.ok(maps > 10, `maps: ${maps}`);
});
deb.run();
