/**
 * Objects nobody on this project wrote, fetched from Debian by fixtures/debian/fetch.sh:
 * cilium/ebpf 0.9.1's test objects in both byte orders (golang-github-cilium-ebpf-dev) and the objects
 * libbpf-tools embeds in its binaries as skeletons (carved out by fixtures/debian/carve.mjs).
 *
 * For every object: the schema loads or is refused with one of bpfmap's own errors; every unusable map
 * has a reason; `types` equals `bpftool btf dump file X -j` (or both say the object has no BTF); the
 * map definitions equal libbpf's own view of them (bpf_object__open_file, no loading: the
 * test/oracle/libbpf-maps.c program) wherever libbpf 1.1 opens the object; a big-endian object gives
 * the same maps as its little-endian twin (libbpf refuses the foreign byte order).
 */
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skip, suite } from './helpers/skip.js';
import { bpfmap } from './helpers/cli.js';
import { kernel } from './helpers/kernel.js';
import { kernelBtfBytes } from '../src/object/index.js';
import { btfLoad, closeFd } from '../src/syscall/index.js';
import { loadBtf, writeTypesJson, type MapSchema, type ObjectSchema, loadSource, isBpfmapError } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const dirOf = (d: string) => join(root, 'fixtures/debian', d);
const list = (d: string, ext: string) => (existsSync(dirOf(d)) ? readdirSync(dirOf(d)).filter((f) => f.endsWith(ext)).sort().map((f) => join(dirOf(d), f)) : []);
const cilium = list('cilium', '.elf');
const tools = list('libbpf-tools', '.o');

function have(cmd: string, args: string[]): boolean {
  try { execFileSync(cmd, args, { stdio: 'ignore' }); return true; } catch { return false; }
}

/** A counted skip, or a failure under BPFMAP_REQUIRE_KERNEL=1 (CI fetches and installs everything). */
function missing(what: string): true {
  skip(`Debian corpus: ${what}`);
  return true;
}

const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-corpus-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let oracle: string | null = null;
function libbpfOracle(): string | null {
  if (oracle) return oracle;
  const out = join(tmp, 'libbpf-maps');
  try {
    execFileSync('gcc', ['-O1', '-o', out, join(root, 'test/oracle/libbpf-maps.c'), '-lbpf'], { stdio: 'pipe' });
  } catch (e) {
    missing(`cannot build test/oracle/libbpf-maps.c with gcc and libbpf-dev: ${(e as Error).message.split('\n')[0]}`);
    return null;
  }
  return (oracle = out);
}

interface LibbpfMap { name: string; type: number; keySize: number; valueSize: number; maxEntries: number; mapFlags: number; mapExtra: string }
function libbpfView(path: string): { error: string } | { maps: LibbpfMap[] } {
  const lines = execFileSync(libbpfOracle()!, [path], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  const parsed = lines.map((l) => JSON.parse(l) as LibbpfMap & { error?: string });
  if (parsed.length === 1 && parsed[0]!.error !== undefined) return { error: parsed[0]!.error };
  return { maps: parsed };
}

type Outcome = { schema: ObjectSchema; btf: boolean } | { error: string; code: string };
function ours(path: string): Outcome {
  try {
    const src = loadSource(path);
    return { schema: src.schema, btf: src.btf !== null };
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    return { error: e.message, code: e.code };
  }
}

// --- types against bpftool (the normalisation of test/btf-diff.test.ts) ---
type Entry = Record<string, unknown>;
const parseTypes = (text: string): Entry[] => (JSON.parse(text.replace(/"val":(-?\d+)/g, '"val":"$1"')) as { types: Entry[] }).types;
function normaliseBpftool(t: Entry): Entry {
  if (t.kind === 'ENUM' && t.encoding === 'UNSIGNED') {
    return { ...t, values: (t.values as { name: string; val: string }[]).map((v) => ({ ...v, val: BigInt.asUintN(32, BigInt(v.val)).toString() })) };
  }
  return t;
}
function compareTypes(path: string): string | null {
  const bt = spawnSync('bpftool', ['btf', 'dump', 'file', path, '-j'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const src = loadSource(path);
  if (bt.status !== 0) {
    // bpftool cannot read BTF from it: neither can we.
    return src.btf === null ? null : `${path}: bpftool found no BTF (${bt.stderr.trim()}), we did`;
  }
  if (!src.btf || !src.object) return `${path}: bpftool read BTF, we found none`;
  // bpftool prints the section as it is (clang leaves DATASEC sizes and VAR offsets 0); so does
  // `bpfmap types`' raw view: compare the unfixed blob.
  const elf = src.object.elf;
  const chunks: string[] = [];
  writeTypesJson(loadBtf(elf.data(elf.section('.BTF')!)), (c) => { chunks.push(c); });
  const got = parseTypes(chunks.join(''));
  const want = parseTypes(bt.stdout).map(normaliseBpftool);
  if (got.length !== want.length) return `${path}: ${got.length} types, bpftool ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = JSON.stringify(got[i]);
    const b = JSON.stringify(want[i]);
    if (a !== b) return `${path}: type ${i + 1}:\n  ours:    ${a.slice(0, 300)}\n  bpftool: ${b.slice(0, 300)}`;
  }
  return null;
}

/** The map fields libbpf and the schema share. */
const GLOBAL = /^\.(data|rodata|bss)(\.|$)/;
function mine(m: MapSchema): LibbpfMap {
  return {
    name: GLOBAL.test(m.section) ? m.kernelName : m.name, type: m.typeId, keySize: m.keySize, valueSize: m.valueSize,
    maxEntries: m.maxEntries, mapFlags: m.mapFlags, mapExtra: String(m.mapExtra ?? 0n),
  };
}
function compareMaps(path: string, schema: ObjectSchema, lib: LibbpfMap[]): string | null {
  // libbpf also makes maps for .kconfig / .ksyms externs and struct_ops: loader business, not definitions.
  const theirs = lib.filter((m) => !m.name.endsWith('.kconfig') && !m.name.endsWith('.ksyms') && m.type !== 26)
    .map(({ name, type, keySize, valueSize, maxEntries, mapFlags, mapExtra }) => ({ name, type, keySize, valueSize, maxEntries, mapFlags, mapExtra }));
  const got = schema.maps.map(mine);
  const key = (m: LibbpfMap) => m.name;
  const a = JSON.stringify([...got].sort((x, y) => key(x).localeCompare(key(y))));
  const b = JSON.stringify([...theirs].sort((x, y) => key(x).localeCompare(key(y))));
  if (schema.unusable) return `${path}: libbpf opens it, we report unusable maps: ${JSON.stringify(schema.unusable)}`;
  return a === b ? null : `${path}: maps differ from libbpf's\n  ours:   ${a}\n  libbpf: ${b}`;
}

/** Maps without the byte-order-dependent parts (kernel names of global data carry the file name). */
function shape(s: ObjectSchema): string {
  return JSON.stringify(s.maps.map(({ kernelName: _k, ...m }) => m), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

const C = suite('Debian corpus (fixtures/debian/fetch.sh)');

C('every object: schema or a stated refusal; types equal bpftool; maps equal libbpf 1.1 where it opens the object', () => {
  if (cilium.length === 0 || tools.length === 0) { missing('fixtures/debian/cilium or fixtures/debian/libbpf-tools is empty: run bash fixtures/debian/fetch.sh'); return; }
  if (!have('bpftool', ['version'])) { missing('bpftool is not installed'); return; }
  if (!libbpfOracle()) return;
  assert.ok(cilium.length >= 30, `cilium objects: ${cilium.length}`);
  assert.ok(tools.length >= 40, `libbpf-tools objects: ${tools.length}`);
  const problems: string[] = [];
  const refusedByLibbpf: string[] = [];
  let maps = 0, compared = 0;
  for (const path of [...cilium, ...tools]) {
    const o = ours(path);
    if ('error' in o) { problems.push(`${path}: refused: ${o.error}`); continue; }
    for (const u of o.schema.unusable ?? []) if (!u.reason.includes(`'${u.name}'`)) problems.push(`${path}: unusable map ${u.name} without a reason naming it: ${u.reason}`);
    maps += o.schema.maps.length;
    const t = compareTypes(path);
    if (t) problems.push(t);
    if (o.schema.byteOrder === 'big') continue;
    const lib = libbpfView(path);
    if ('error' in lib) { refusedByLibbpf.push(`${path.slice(root.length)}: ${lib.error.trim()}`); continue; }
    const d = compareMaps(path, o.schema, lib.maps);
    if (d) problems.push(d); else compared++;
  }
  assert.is(problems.length, 0, problems.join('\n'));
  assert.ok(maps > 200, `maps: ${maps}`);
  // libbpf 1.1 opens every libbpf-tools object and most of cilium's; it refuses legacy `maps` sections
  // (libbpf >= 1.0), static programs and unresolved externs, which are loader matters, not map definitions.
  assert.ok(compared >= tools.length + 5, `compared with libbpf: ${compared}`);
  for (const r of refusedByLibbpf) assert.match(r, /legacy map definitions|is static and not supported|failed to find BTF for extern/, r);
});

C('cilium/ebpf: big-endian objects give the same maps as their little-endian twins', () => {
  if (cilium.length === 0) { missing('fixtures/debian/cilium is empty: run bash fixtures/debian/fetch.sh'); return; }
  let pairs = 0;
  for (const eb of cilium.filter((p) => p.endsWith('-eb.elf'))) {
    const el = eb.replace(/-eb\.elf$/, '-el.elf');
    const a = ours(eb), b = ours(el);
    assert.ok(!('error' in a) && !('error' in b), `${eb}: ${JSON.stringify(a)}`);
    if ('error' in a || 'error' in b) continue;
    assert.is(a.schema.byteOrder, 'big');
    assert.is(shape(a.schema), shape(b.schema), eb);
    assert.equal(a.schema.unusable, b.schema.unusable?.map((u) => ({ ...u, reason: u.reason.replace(/-el\.elf/g, '-eb.elf') })), eb);
    pairs++;
  }
  assert.ok(pairs >= 15, `pairs: ${pairs}`);
});

C('cilium/ebpf: the objects libbpf and stricter readers refuse', () => {
  if (cilium.length === 0) { missing('fixtures/debian/cilium is empty: run bash fixtures/debian/fetch.sh'); return; }
  const get = (n: string) => { const o = ours(join(dirOf('cilium'), n)); if ('error' in o) throw new Error(o.error); return o; };
  const row = (m: MapSchema) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries];
  // __array(values, ...) next to value_size / a prog array of functions: accepted as libbpf does.
  assert.equal(get('btf_map_init-el.elf').schema.maps.map(row), [
    ['prog_array_init', 'prog_array', 4, 4, 2], ['inner_map', 'array', 4, 4, 1], ['outer_map_init', 'array_of_maps', 4, 4, 2]]);
  // iproute2's 36-byte struct bpf_elf_map with PIN_GLOBAL_NS: tc's pin path.
  const ip = get('iproute2_map_compat-el.elf').schema.maps;
  assert.equal(ip.map((m) => [...row(m), m.pinPath]), [['hash_map', 'hash', 4, 8, 2, '/sys/fs/bpf/tc/globals/hash_map']]);
  // A definition with a non-zero field after map_flags: refused for that map, with the offset.
  assert.equal(get('invalid_map-el.elf').schema.unusable, [{ name: 'invalid_map', section: 'maps', code: 'MAP_DEF_INVALID',
    reason: "map 'invalid_map': its 24-byte definition has a non-zero value (1) at offset 20, after map_flags: fields bpfmap does not know (libbpf refuses them too)" }]);
  // clang 7: legacy maps and no BTF at all: maps as bytes; types refused because there is no BTF.
  const c7 = get('loader-clang-7-el.elf');
  assert.is(c7.btf, false);
  assert.equal(c7.schema.maps.filter((m) => m.section === 'maps').map(row), [
    ['hash_map', 'hash', 4, 8, 1], ['hash_map2', 'hash', 4, 8, 2], ['perf_event_array', 'perf_event_array', 0, 0, 4096], ['array_of_hash_map', 'array_of_maps', 4, 0, 2]]);
});

C('the CLI on a sample: maps, schema and types succeed or refuse with the reason', () => {
  if (cilium.length === 0 || tools.length === 0) { missing('fixtures/debian is not fetched: run bash fixtures/debian/fetch.sh'); return; }
  const c = (n: string) => join(dirOf('cilium'), n);
  const invalid = bpfmap(['maps', c('invalid_map-eb.elf')]);
  assert.is(invalid.code, 0, invalid.stderr);
  assert.match(invalid.stdout, /^invalid_map\s+unusable/m);
  assert.match(invalid.stdout, /\n {2}map 'invalid_map': its 24-byte definition has a non-zero value \(1\) at offset 20, after map_flags/);
  const c7 = bpfmap(['types', c('loader-clang-7-el.elf')]);
  assert.is(c7.code, 5);
  assert.is(c7.stderr, `bpfmap: ${c('loader-clang-7-el.elf')}: has no BTF (.BTF section)\n`);
  assert.is(bpfmap(['schema', c('loader-clang-7-el.elf'), '--json']).code, 0);
  for (const f of [c('btf_map_init-eb.elf'), ...tools.slice(0, 2)]) {
    for (const cmd of ['maps', 'schema', 'types']) {
      const r = bpfmap([cmd, f, '--json']);
      assert.is(r.code, 0, `${cmd} ${f}: ${r.stderr}`);
      assert.is(r.stderr, '');
    }
  }
});

C('libbpf-tools: the kernel takes every little-endian object\'s BTF as libbpf rewrites it (externs included)', kernel(() => {
  if (tools.length === 0) { missing('fixtures/debian/libbpf-tools is empty: run bash fixtures/debian/fetch.sh'); return; }
  let withExterns = 0;
  for (const path of tools) {
    const o = loadSource(path);
    if (o.schema.byteOrder !== 'little' || !o.btf) continue;
    const raw = o.btf.kernelBytes();
    const bytes = kernelBtfBytes(raw);
    if (bytes !== raw) withExterns++;
    closeFd(btfLoad(bytes, path));
  }
  assert.ok(withExterns >= 5, `objects with externs: ${withExterns}`);
}));
C.run();
