import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_F, BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { loadObjectFile, createMaps, openMap } from '../src/index.js';
import { pinName } from '../src/map/index.js';

const root = new URL('..', import.meta.url).pathname;
const firewall = loadObjectFile(join(root, 'fixtures/firewall.bpfel.o'));
const coverage = loadObjectFile(join(root, 'fixtures/coverage.bpfel.o'));
const TABLE = 'ingress_node_firewall_table_map';
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const bpftool = (...args: string[]) => JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));

const PinName = suite('pinName');
for (const [name, want] of [[TABLE, TABLE], ['.rodata', 'firewall_rodata']] as const) {
  PinName(`${name} -> ${want}`, () => assert.is(pinName(firewall.schema.maps.find((m) => m.name === name)!), want));
}
PinName('.data.config -> _data_config', () => assert.is(pinName(coverage.schema.maps.find((m) => m.name === '.data.config')!), '_data_config'));
PinName.run();

const Create = suite('createMaps (kernel)');
Create('firewall: every map created with BTF where the type takes it; bpftool prints the table formatted; re-run reuses', kernel(() => withPinDir((dir) => {
  const first = createMaps(firewall, { pinRoot: dir });
  assert.equal(first.map((r) => [r.name, r.status, r.btf]), [
    [TABLE, 'created', true],
    ['ingress_node_firewall_statistics_map', 'created', true],
    ['ingress_node_firewall_events_map', 'created', false],
    ['.rodata', 'created', true],
  ]);
  assert.match(first[2]!.note ?? '', /perf_event_array map takes no BTF/);
  for (const r of first) assert.ok(r.pinPath!.startsWith(dir + '/') && existsSync(r.pinPath!), r.pinPath!);
  const table = first[0]!;
  const m = openMap({ map: firewall.schema.maps[0]!, pinRoot: dir, byteOrder: 'little' });
  try {
    m.update({ ip_data: '10.1.2.0/24', ingress_ifindex: 3 }, { rules: { 0: { ruleId: 1, protocol: 6, dstPortStart: 80, dstPortEnd: 80, action: 1 } } });
  } finally { m.close(); }
  const dump = bpftool('map', 'dump', 'pinned', table.pinPath!) as { formatted?: { key: Record<string, unknown>; value: { rules: Record<string, unknown>[] } } }[];
  assert.ok(dump[0]!.formatted, 'bpftool formats the entry from the map BTF');
  assert.equal(dump[0]!.formatted!.key.prefixLen, 32 + 24);
  assert.equal(dump[0]!.formatted!.key.ingress_ifindex, 3);
  assert.equal(dump[0]!.formatted!.value.rules[0], { ruleId: 1, protocol: 6, dstPortStart: 80, dstPortEnd: 80, icmpType: 0, icmpCode: 0, action: 1 });
  const again = createMaps(firewall, { pinRoot: dir });
  assert.equal(again.map((r) => r.status), ['reused', 'reused', 'reused', 'reused']);
  assert.equal(again.map((r) => r.id), first.map((r) => r.id));
})));
Create('an incompatible pin at the same path is refused with the differences, and left alone', kernel(() => withPinDir((dir) => {
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.LPM_TRIE, keySize: 24, valueSize: 12, maxEntries: 1024, mapFlags: BPF_F.NO_PREALLOC, name: 'other' });
  try { objPin(fd, join(dir, TABLE)); } finally { closeFd(fd); }
  const msg = err(() => createMaps(firewall, { pinRoot: dir, names: [TABLE] }));
  assert.match(msg, /^MAP_INCOMPATIBLE: map '.*ingress_node_firewall_table_map': does not match 'ingress_node_firewall_table_map' of the object: value size: expected 1200, got 12/);
  assert.is(bpftool('map', 'show', 'pinned', join(dir, TABLE)).name, 'other');
})));
Create('names select maps; an unknown name lists the object\'s maps', kernel(() => withPinDir((dir) => {
  const r = createMaps(firewall, { pinRoot: dir, names: ['ingress_node_firewall_statistics_map'] });
  assert.equal(r.map((x) => x.name), ['ingress_node_firewall_statistics_map']);
  assert.not.ok(existsSync(join(dir, TABLE)));
  assert.match(err(() => createMaps(firewall, { pinRoot: dir, names: ['nope'] })), /^MAP_NOT_FOUND: map 'nope' is not in firewall\.bpfel\.o; maps are ingress_node_firewall_table_map, /);
})));
Create('coverage: every map of every type is created; global data holds the section\'s initial bytes', kernel(() => withPinDir((dir) => {
  const r = createMaps(coverage, { pinRoot: dir });
  assert.is(r.length, coverage.schema.maps.length);
  assert.equal(r.filter((x) => x.status !== 'created').map((x) => x.name), []);
  const noBtf = r.filter((x) => !x.btf).map((x) => x.name).sort();
  // no BTF: legacy map without a BTF companion, the sized map (key_size/value_size only), ringbuf (no
  // key/value types), and the types the kernel takes no BTF for (libbpf creates them the same way)
  assert.equal(noBtf, ['legacy_plain', 'outer_array', 'outer_hash', 'queue', 'ringbuf', 'sized_map', 'stack']);
  const data = bpftool('map', 'dump', 'pinned', join(dir, 'coverage_data')) as { formatted: { value: { '.data': Record<string, unknown>[] } } }[];
  const vars = Object.assign({}, ...data[0]!.formatted.value['.data']);
  assert.is(vars.data_counter, 7);
  const cfg = bpftool('map', 'dump', 'pinned', join(dir, '_data_config')) as { formatted: { value: { '.data.config': Record<string, unknown>[] } } }[];
  assert.equal(Object.assign({}, ...cfg[0]!.formatted.value['.data.config']).config_offset, -5);
})));
Create('same sizes, different BTF layout: refused with the type differences listed', kernel(() => withPinDir((dir) => {
  createMaps(coverage, { pinRoot: dir, names: ['inner_a'] }); // array u32 -> __u64, 16 entries
  const arrayMap = coverage.schema.maps.find((m) => m.name === 'array_map')!; // array u32 -> struct bits
  const lookalike = { ...arrayMap, maxEntries: 16, mapFlags: 0 }; // same type, sizes, entries and flags
  const msg = err(() => openMap({ map: lookalike, pin: join(dir, 'inner_a'), byteOrder: 'little' }));
  assert.match(msg, /^MAP_INCOMPATIBLE: .*value: expected struct bits, got int __u64/);
  assert.not.match(msg, /size:/);
})));
Create('same sizes, two fields swapped in the object: the pin is not reused, the moved fields named', kernel(() => withPinDir((dir) => {
  const STATS = 'ingress_node_firewall_statistics_map';
  createMaps(firewall, { pinRoot: dir, names: [STATS] });
  const stats = firewall.schema.maps.find((m) => m.name === STATS)!;
  const v = stats.value as import('../src/schema/types.js').StructNode;
  const [allow, deny] = v.fields;
  // deny_stats first, then allow_stats: the same 32 bytes, each half meaning the other thing
  const swapped = { ...stats, value: { ...v, fields: [{ ...deny!, offset: 0 }, { ...allow!, offset: 16 }] } };
  const obj = { ...firewall, schema: { ...firewall.schema, maps: [swapped] } } as typeof firewall;
  const msg = err(() => createMaps(obj, { pinRoot: dir, names: [STATS] }));
  assert.match(msg, /^MAP_INCOMPATIBLE: map '.*ingress_node_firewall_statistics_map': holds another layout than 'ingress_node_firewall_statistics_map' of the object, with the same sizes: value\.deny_stats moved \(offset 16 -> offset 0\), value\.allow_stats moved \(offset 0 -> offset 16\); not reused/);
})));
Create('externs (__kconfig, __ksym): the BTF goes in as libbpf rewrites it (same bytes as libbpf 1.1 loads), so the spin-lock map gets its BTF', kernel(() => withPinDir((dir) => {
  const file = join(root, 'fixtures/externs.bpfel.o');
  const r = createMaps(loadObjectFile(file), { pinRoot: join(dir, 'ours') });
  assert.equal(r.map((x) => [x.name, x.status, x.btf, x.note ?? '']), [['locked', 'created', true, ''], ['.bss', 'created', true, '']]);
  const dumpOf = (pin: string) => execFileSync('bpftool', ['btf', 'dump', 'id', String(bpftool('map', 'show', 'pinned', pin).btf_id)], { encoding: 'utf8' });
  const ours = dumpOf(r[0]!.pinPath!);
  // libbpf's own load of the object (bpftool prog loadall, maps pinned next to ours): the BTF it gave the kernel.
  execFileSync('bpftool', ['prog', 'loadall', file, join(dir, 'progs'), 'pinmaps', join(dir, 'libbpf')], { stdio: 'pipe' });
  assert.fixture(ours, dumpOf(join(dir, 'libbpf', 'locked')));
  // libbpf's layout: by alignment (largest first), then size (smallest first), then name; functions
  // point at one appended VAR dummy_ksym (which also names unnamed parameters), variables become ints.
  const sec = (name: string) => new RegExp(`DATASEC '${name.replace('.', '\\.')}' size=\\d+ vlen=\\d+\\n(?:\\t.*\\n?)*`).exec(ours)?.[0].trim().replace(/type_id=\d+ /g, '');
  assert.equal(sec('.kconfig'), [
    "DATASEC '.kconfig' size=25 vlen=5",
    "\toffset=0 size=8 (VAR 'CONFIG_NR_CPUS')",
    "\toffset=8 size=4 (VAR 'CONFIG_HZ')",
    "\toffset=12 size=4 (VAR 'LINUX_KERNEL_VERSION')",
    "\toffset=16 size=1 (VAR 'CONFIG_BPF_SYSCALL')",
    "\toffset=17 size=8 (VAR 'CONFIG_DEFAULT_HOSTNAME')",
  ].join('\n'));
  assert.equal(sec('.ksyms'), [
    "DATASEC '.ksyms' size=16 vlen=4",
    "\toffset=0 size=4 (VAR 'dummy_ksym')",
    "\toffset=4 size=4 (VAR 'dummy_ksym')",
    "\toffset=8 size=4 (VAR 'dummy_ksym')",
    "\toffset=12 size=4 (VAR 'init_task')",
  ].join('\n'));
  assert.match(ours, /FUNC_PROTO '\(anon\)' ret_type_id=\d+ vlen=1\n\t'dummy_ksym' type_id=/, 'the unnamed parameter is named');
  // The object as parsed keeps clang's records (bpftool shows the file so).
  assert.match(execFileSync('bpftool', ['btf', 'dump', 'file', file], { encoding: 'utf8' }), /VAR 'CONFIG_HZ' type_id=\d+, linkage=extern/);
})));
Create.run();
