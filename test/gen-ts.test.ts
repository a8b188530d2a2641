/**
 * `bpfmap gen ts`: the generated module of every fixture object and of the Debian corpus compiles
 * with `tsc --strict`; a typed use of the firewall (the issue's example) compiles and typed misuses do
 * not; and the values the library decodes from real maps (created in the kernel, filled with a byte
 * pattern) type-check against the generated interfaces. One tsc run over all files.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BpfObject, createMaps, generateTypeScript, isBpfmapError, type ObjectMaps, type TypedMap } from '../src/index.js';
import { skip, suite } from './helpers/skip.js';
import { kernelAvailable, withPinDir } from './helpers/kernel.js';
import { bpfmap } from './helpers/cli.js';

const root = new URL('..', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-gen-ts-'));
if (!process.env.BPFMAP_KEEP_GEN) process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const fixtures = readdirSync(join(root, 'fixtures')).filter((f) => f.endsWith('.o')).sort().map((f) => join(root, 'fixtures', f));
const corpusDirs = ['cilium', 'libbpf-tools', 'objects'].map((d) => join(root, 'fixtures/debian', d));
const corpus = corpusDirs.filter(existsSync).flatMap((d) => readdirSync(d).filter((f) => /\.(o|elf)$/.test(f)).sort().map((f) => join(d, f)));

/** Module file name of an object (unique: the directory is part of it). */
const moduleName = (path: string, dir: string) => `${dir}__${basename(path).replace(/[^A-Za-z0-9]+/g, '_')}`;
const files: string[] = [];
const generated = { fixtures: 0, corpus: 0, refused: 0 };

function generate(path: string, dir: string): string | null {
  let obj: BpfObject;
  try {
    obj = BpfObject.load(readFileSync(path), basename(path));
  } catch (e) {
    if (isBpfmapError(e)) { generated.refused++; return null; } // objects the library refuses have no types
    throw e;
  }
  const name = moduleName(path, dir);
  writeFileSync(join(tmp, `${name}.ts`), generateTypeScript(obj.schema, { path }));
  files.push(`${name}.ts`);
  return name;
}

// --- the typed use and the misuses (a line ending in `// error` must fail, no other line may) ---
const USE = `import { openObject, type Maps } from './fixtures__firewall_bpfel_o.js';
import { openObject as openCoverage } from './fixtures__coverage_bpfel_o.js';
export async function use(): Promise<void> {
  const fw = await openObject();
  const rules = fw.map('ingress_node_firewall_table_map').open({ pinRoot: '/sys/fs/bpf/fw' });
  rules.update({ ingress_ifindex: 2, ip_data: '198.18.0.0/24' }, { rules: [{ ruleId: 1, action: 2 }] });
  rules.update({ ingress_ifindex: 'eth0', ip_data: [198, 18, 0, 0], prefixLen: 56 }, { rules: { 5: { ruleId: '7', protocol: 6, dstPortStart: 0x50 } } });
  const v = rules.lookup({ ip_data: '198.18.0.1' });
  const first: number = v.rules[0]!.ruleId;
  const pretty: unknown = rules.lookup({ ip_data: '198.18.0.1' }, { prettyAddresses: true });
  for (const e of rules.entries()) { const p: number = e.key.prefixLen; const id: number = e.value.rules[0]!.ruleId; void p; void id; }
  const stats = fw.map('ingress_node_firewall_statistics_map').open({ pinRoot: '/sys/fs/bpf/fw' });
  const perCpu = stats.lookup(0);
  const packets: bigint = perCpu[0]!.allow_stats.packets;
  const sum: bigint = stats.lookup(0, { sum: true }).deny_stats.bytes;
  stats.update(0, [{ allow_stats: { packets: 1n } }, { deny_stats: { bytes: '5' } }]);
  const key: Maps['ingress_node_firewall_table_map']['keyInput'] = { ip_data: 'fe80::/64' };
  void first; void pretty; void packets; void sum; void key;
  const outer = (await openCoverage()).map('outer_hash').open();
  outer.update({ v4: '10.0.0.1' }, '/sys/fs/bpf/inner');
  outer.update({ words: { 7: 1 } }, { id: 3 });
  for (const e of outer.entries()) outer.update(e.key, '/sys/fs/bpf/inner');
}
`;
const MISUSE = `import { openObject } from './fixtures__firewall_bpfel_o.js';
import { openObject as openCoverage } from './fixtures__coverage_bpfel_o.js';
export async function misuse(): Promise<void> {
  const fw = await openObject();
  const rules = fw.map('ingress_node_firewall_table_map').open();
  rules.update({ ingress_ifindx: 2, ip_data: '198.18.0.0/24' }, { rules: [] }); // error
  rules.update({ ip_data: '198.18.0.0/24' }, { rules: [{ ruleId: 1, protocol: 'tcp' }] }); // error
  rules.update({ ip_data: '198.18.0.0/24' }, { rules: [{ ruleID: 1 }] }); // error
  rules.update({ ip_data: 'not an address' }, { rules: [] }); // error
  const n: string = rules.lookup({ ip_data: '198.18.0.1' }).rules[0]!.action; // error
  fw.map('no_such_map'); // error
  const stats = fw.map('ingress_node_firewall_statistics_map').open();
  const p: number = stats.lookup(0)[0]!.allow_stats.packets; // error
  void n; void p;
  // A union takes exactly one member.
  const outer = (await openCoverage()).map('outer_hash').open();
  outer.update({}, '/sys/fs/bpf/inner'); // error
  outer.update({ v4: 1, v6: [1] }, '/sys/fs/bpf/inner'); // error
}
`;

/** A decoded value as TypeScript source (bigint as `1n`, keys quoted). */
function literal(v: unknown, depth = 0): string {
  if (depth > 64) throw new Error('value nested too deep');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'bigint': return `${v}n`;
    case 'number': return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : Object.is(v, -0) ? '-0' : String(v);
    case 'string': return JSON.stringify(v);
    case 'boolean': return String(v);
  }
  if (Array.isArray(v)) return `[${v.map((x) => literal(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'object') return `{ ${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${literal(x, depth + 1)}`).join(', ')} }`;
  throw new Error(`cannot write a ${typeof v} as a literal`);
}

const decoded = { maps: 0, entries: 0 };

/**
 * Creates the maps of an object under `dir`, writes a byte pattern into some entries (random-looking
 * bytes exercise bools that are not 0/1, enum values without a name, text that is not printable), and
 * writes a module that assigns what entries() and lookup decode to the generated types.
 */
function decodeCheck(path: string, name: string, dir: string): void {
  const obj = BpfObject.load<ObjectMaps>(readFileSync(path), basename(path));
  // Maps their loader sizes (max_entries 0 in the object) get 4 entries.
  const maxEntries = Object.fromEntries(obj.schema.maps.filter((m) => m.maxEntries === 0).map((m) => [m.name, 4]));
  // One by one: a map the kernel refuses (loader-maps.bpf.c has some on purpose) leaves the others.
  const results = obj.schema.maps.flatMap((m) => {
    try { return createMaps(obj, { pinRoot: dir, maxEntries, names: [m.name] }); } catch (e) { if (isBpfmapError(e)) return []; throw e; }
  });
  const out: string[] = [`import type { Maps } from './${name}.js';`];
  for (const r of results) {
    if (r.status === 'skipped') continue;
    let m: TypedMap;
    try { m = obj.map(r.name).open({ pinRoot: dir }); } catch (e) { if (isBpfmapError(e)) continue; throw e; }
    try {
      const s = m.schema;
      if (['ringbuf', 'user_ringbuf', 'perf_event_array', 'array_of_maps', 'hash_of_maps', 'prog_array', 'queue', 'stack', 'bloom_filter'].includes(s.type)) continue;
      const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 101 + 11) & 255);
      const indexed = s.type.includes('array');
      for (let i = 0; i < 2; i++) {
        const key = indexed ? Uint8Array.from([i, 0, 0, 0]) : pattern(s.keySize, i);
        if (s.type === 'lpm_trie') key.set([(s.keySize - 4) * 8, 0, 0, 0]);
        try { m.updateRaw(key, pattern(m.rawValueSize, i + 1)); } catch (e) { if (!isBpfmapError(e)) throw e; }
      }
      const entries: unknown[] = [];
      for (const e of m.entries()) { entries.push(e); if (entries.length >= 2) break; }
      if (entries.length === 0) continue;
      const row = `Maps[${JSON.stringify(s.name)}]`;
      out.push(`export const v${decoded.maps}: { key: ${row}['key']; value: ${row}['lookup'] }[] = ${literal(entries)};`);
      decoded.maps++;
      decoded.entries += entries.length;
    } finally {
      m.close();
    }
  }
  writeFileSync(join(tmp, `${name}.values.ts`), `${out.join('\n')}\n`);
  files.push(`${name}.values.ts`);
}

function tsc(): { status: number | null; errors: { file: string; line: number; text: string }[]; out: string } {
  const config = {
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true,
      types: ['node'], typeRoots: [join(root, 'node_modules/@types')],
      paths: { bpfmap: [join(root, 'src/index.ts')] },
    },
    files,
  };
  writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const r = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(tmp, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const out = `${r.stdout}${r.stderr}`;
  const errors = [...out.matchAll(/^(\S+?)\((\d+),\d+\): error (.*)$/gm)].map((m) => ({ file: basename(m[1]!), line: Number(m[2]), text: m[3]! }));
  return { status: r.status, errors, out };
}

const Gen = suite('generateTypeScript');

Gen('every fixture object gets a module', () => {
  for (const f of fixtures) if (generate(f, 'fixtures')) generated.fixtures++;
  assert.is(generated.fixtures, fixtures.length, 'every fixture loads');
  writeFileSync(join(tmp, 'use.ts'), USE);
  writeFileSync(join(tmp, 'misuse.ts'), MISUSE);
  files.push('use.ts', 'misuse.ts');
});

Gen('every object of the Debian corpus gets a module (or is one the library refuses)', () => {
  if (corpus.length === 0) return skip('Debian corpus: fixtures/debian/{cilium,libbpf-tools,objects} not fetched (fixtures/debian/fetch.sh)');
  for (const f of corpus) if (generate(f, basename(join(f, '..')).replace(/\W/g, '_'))) generated.corpus++;
  // Today every corpus object loads (the broken ones with their unusable maps listed in a comment).
  assert.is(generated.corpus, corpus.length, `${generated.corpus} of ${corpus.length} generated, ${generated.refused} refused`);
});

Gen('values decoded from real maps (every map of every bpfel fixture) have the generated types', async (ctx) => {
  const k = kernelAvailable();
  if (!k.ok) return skip(`kernel test: ${k.reason}`, ctx);
  await withPinDir((dir) => {
    for (const f of fixtures.filter((x) => x.endsWith('.bpfel.o'))) {
      const sub = join(dir, basename(f).replace(/\W/g, '_'));
      mkdirSync(sub);
      decodeCheck(f, moduleName(f, 'fixtures'), sub);
    }
  });
  assert.ok(decoded.maps >= 20, `decoded ${decoded.maps} maps`);
});

Gen('tsc --strict: all modules, the typed use and the decoded values compile; each misuse fails', () => {
  const r = tsc();
  console.log(`tsc over ${files.length} files: ${generated.fixtures} fixture and ${generated.corpus} corpus modules (${generated.refused} objects refused by the library), ${decoded.entries} entries of ${decoded.maps} live maps`);
  const marked = MISUSE.split('\n').flatMap((l, i) => (l.endsWith('// error') ? [i + 1] : []));
  const misuse = r.errors.filter((e) => e.file === 'misuse.ts');
  const others = r.errors.filter((e) => e.file !== 'misuse.ts');
  assert.equal(others, [], `errors outside misuse.ts:\n${r.out.slice(0, 4000)}`);
  assert.equal([...new Set(misuse.map((e) => e.line))], marked, `misuse.ts errors:\n${misuse.map((e) => `${e.line}: ${e.text}`).join('\n')}`);
  assert.ok(r.status !== 0, 'tsc fails on the misuses');
  assert.match(misuse.map((e) => e.text).join('\n'), /'ingress_ifindx' does not exist/);
});

Gen('the CLI writes the same module', () => {
  const fw = join(root, 'fixtures/firewall.bpfel.o');
  const r = bpfmap(['gen', 'ts', fw]);
  assert.is(r.code, 0, r.stderr);
  const obj = BpfObject.load(readFileSync(fw), basename(fw));
  assert.is(r.stdout, generateTypeScript(obj.schema, { path: fw, command: 'bpfmap gen ts firewall.bpfel.o' }));
  const bad = bpfmap(['gen', 'c', fw]);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /language: got "c", expected one of "ts"/);
});

Gen.run();
