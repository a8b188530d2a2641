/**
 * The layout holds: every import between folders of src/ is an arrow of README.md's layout section,
 * with no circle between folders; schema extraction and encoding work where koffi cannot load and
 * there is no bpf(): the offline modules never reach the syscall layer, and the offline commands run
 * with koffi removed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync, mkdtempSync, mkdirSync, symlinkSync, rmSync, existsSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, TABLE } from './helpers/cli.js';

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Module -> its imports (resolved to .ts files of ours, or bare package names); `withTypes` keeps `import type`. */
function graph(withTypes = false): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(join(ROOT, 'src'))) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    for (let m; (m = IMPORT_RE.exec(text)); ) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (!withTypes && /^(import|export)\s+type\s/.test(m[0].trim())) continue;
      deps.push(spec.startsWith('.') ? resolve(dirname(f), spec.replace(/\.js$/, '.ts')) : spec);
    }
    g.set(f, deps);
  }
  return g;
}

/** The folder (or top-level file without .ts) of src/ a module belongs to: `btf`, `errors`, `index`. */
function unit(file: string): string {
  const r = relative(join(ROOT, 'src'), file);
  return r.includes(sep) ? r.split(sep)[0]! : r.replace(/\.ts$/, '');
}

/** The arrows of README.md's layout section: `btf        -> errors bytes` lines. */
function arrows(): Map<string, Set<string>> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Layout\n');
  const section = readme.slice(at, readme.indexOf('\n## ', at + 1) === -1 ? undefined : readme.indexOf('\n## ', at + 1));
  const out = new Map<string, Set<string>>();
  for (const m of section.matchAll(/^([a-z]+) +->(.*)$/gm)) out.set(m[1]!, new Set(m[2]!.trim().split(/\s+/).filter(Boolean)));
  return out;
}

/** Folder -> folder edges (type imports included), each with one module that makes it. */
function folderEdges(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const [f, deps] of graph(true)) {
    const a = unit(f);
    for (const d of deps) {
      if (!d.startsWith(join(ROOT, 'src') + sep)) continue;
      const b = unit(d);
      if (a === b) continue;
      const m = edges.get(a) ?? new Map<string, string>();
      if (!m.has(b)) m.set(b, relative(ROOT, f));
      edges.set(a, m);
    }
  }
  return edges;
}

function reach(g: Map<string, string[]>, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const f = stack.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const d of g.get(f) ?? []) stack.push(d);
  }
  return seen;
}

const L = suite('layout arrows');
L('the README lists the folders of src/ with their arrows', () => {
  const a = arrows();
  for (const f of ['uapi', 'errors', 'bytes', 'text', 'elf', 'btf', 'schema', 'object', 'format', 'codec', 'syscall', 'map', 'apply']) {
    assert.ok(a.has(f), `README layout has no line for ${f}`);
  }
  for (const [f, to] of a) for (const t of to) assert.ok(a.has(t), `${f} -> ${t}: ${t} has no line of its own`);
});
L('every import between folders is an arrow of the README', () => {
  const a = arrows();
  for (const [from, to] of folderEdges()) {
    const allowed = a.get(from);
    if (!allowed) continue; // a folder not listed (and index.ts) may import any
    for (const [t, where] of to) assert.ok(allowed.has(t), `${from} -> ${t} (${where}) is not an arrow of the README's layout section`);
  }
});
L('no circle between folders', () => {
  const edges = folderEdges();
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): void => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') assert.unreachable(`circle between folders: ${[...path.slice(path.indexOf(n)), n].join(' -> ')}`);
    state.set(n, 'open');
    path.push(n);
    for (const t of (edges.get(n) ?? new Map()).keys()) visit(t);
    path.pop();
    state.set(n, 'done');
  };
  for (const n of edges.keys()) visit(n);
});
L('btf imports nothing of schema, object or format; syscall knows no BTF', () => {
  const edges = folderEdges();
  for (const t of ['schema', 'object', 'format']) assert.not.ok(edges.get('btf')?.has(t), `btf -> ${t} (${edges.get('btf')?.get(t)})`);
  for (const t of ['btf', 'schema', 'object', 'format', 'codec', 'elf']) assert.not.ok(edges.get('syscall')?.has(t), `syscall -> ${t} (${edges.get('syscall')?.get(t)})`);
});
L('apply reads and writes only through src/map: it imports nothing of src/syscall', () => {
  const edges = folderEdges();
  assert.ok(edges.get('apply')?.has('map'), 'apply imports src/map');
  assert.not.ok(edges.get('apply')?.has('syscall'), `apply -> syscall (${edges.get('apply')?.get('syscall')})`);
});
L('the public API (src/index.ts) exports no helper of the command line: bin/ imports those from their modules', async () => {
  const api = await import('../src/index.js') as Record<string, unknown>;
  const cli = ['progressLine', 'ndjsonLine', 'ndjsonTrailer', 'jsonSafe', 'compactJson', 'writeTypesJsonBytes', 'loadYaml',
    'recoverText', 'migrationRecoveryText', 'writeCalls', 'readInputFile', 'looksNdjson', 'fromSeedTemplate', 'EXIT', 'exitCodeFor'];
  assert.equal(cli.filter((n) => n in api), []);
  assert.ok('BpfObject' in api && 'openMap' in api && 'applyState' in api, 'the library entry points are there');
  // No module under src/ prints to a terminal's progress line (that is bin/progress.ts).
  assert.not.ok(existsSync(join(ROOT, 'src/apply/progress.ts')));
});
L("every name the public API exports is documented in the README's Library API section", async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Library API\n');
  const section = readme.slice(at, readme.indexOf('\n## ', at + 1));
  const api = Object.keys(await import('../src/index.js'));
  assert.ok(api.length > 50 && api.length <= 90, `${api.length} exports`);
  assert.equal(api.filter((n) => !new RegExp(`\\b${n}\\b`).test(section)), []);
});
L('generated code (new Function) only in fast-path modules, named for it', () => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts') && /new Function\(/.test(readFileSync(p, 'utf8'))) found.push(relative(ROOT, p));
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'bin'));
  assert.ok(found.length > 0, 'the codec generates code');
  assert.equal(found.filter((f) => !/(^|\/)fast[-.]/.test(f)), [], `new Function outside a fast-path module: ${found.join(', ')}`);
});
L('tests call the library as its users do: a public name comes from src/index.ts, except in the files that protect an algorithm (the mutation suites)', async () => {
  const api = new Set(Object.keys(await import('../src/index.js')));
  const types = readFileSync(join(ROOT, 'src/index.ts'), 'utf8');
  for (const m of types.matchAll(/export type \{([^}]*)\}/g)) for (const n of m[1]!.split(',')) api.add(n.trim().split(/\s+as\s+/).at(-1)!);
  // The mutation run's files import the folder they test from src/ directly (a smaller import per mutant).
  const mutation = new Set([...readFileSync(join(ROOT, 'test/mutate/run.mjs'), 'utf8').matchAll(/'([\w-]+)'/g)].map((m) => m[1]!));
  const deep: string[] = [];
  for (const f of tsFiles(join(ROOT, 'test')).filter((f) => f.endsWith('.test.ts'))) {
    if (mutation.has(f.split(sep).at(-1)!.replace(/\.test\.ts$/, ''))) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(/^import (?:type )?\{([^}]*)\} from '(?:\.\.\/)+src\/([^']+)';$/gm)) {
      if (m[2] === 'index.js') continue;
      for (const n of m[1]!.split(',').map((x) => x.trim().replace(/^type /, '')).filter(Boolean)) {
        // A name imported under its own name that index.ts also exports (under that name).
        if (!n.includes(' as ') && api.has(n)) deep.push(`${relative(ROOT, f)}: ${n} from src/${m[2]}`);
      }
    }
  }
  assert.equal(deep, [], 'import these from src/index.ts');
});
L.run();

const G = suite('import graph');
G('elf, btf, schema, object, format, text, uapi, codec and gen never reach src/syscall, src/map or koffi', () => {
  const g = graph();
  const offline = [...g.keys()].filter((f) => /\/src\/(elf|btf|schema|object|format|text|uapi|codec|gen)\//.test(f));
  assert.ok(offline.length > 40, 'found the offline modules');
  for (const f of offline) {
    for (const r of reach(g, f)) {
      assert.not.ok(r.includes('/src/syscall/') || r.includes('/src/map/') || r === 'koffi', `${relative(ROOT, f)} reaches ${relative(ROOT, r)}`);
    }
  }
});
G('only src/syscall imports koffi', () => {
  const g = graph();
  for (const [f, deps] of g) {
    if (deps.includes('koffi')) assert.match(relative(ROOT, f), /^src\/syscall\//);
  }
});
G.run();

const K = suite('offline commands without koffi');
K('maps, schema, encode, decode and types run when koffi cannot be resolved', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-nokoffi-'));
  try {
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'fixtures'), join(dir, 'fixtures'));
    symlinkSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    mkdirSync(join(dir, 'node_modules'));
    for (const n of readdirSync(join(ROOT, 'node_modules'))) {
      if (n === 'koffi' || n === '@koromix' || n.startsWith('.')) continue;
      symlinkSync(join(ROOT, 'node_modules', n), join(dir, 'node_modules', n));
    }
    const run = (args: string[]) => spawnSync(process.execPath, [join(dir, 'dist/cli/bpfmap.js'), ...args], { cwd: dir, encoding: 'utf8' });
    // Proof that koffi really is gone there: a kernel command fails to load it.
    const probe = spawnSync(process.execPath, ['-e', "import('koffi').then(()=>process.exit(0),()=>process.exit(7))"], { cwd: join(dir, 'dist'), encoding: 'utf8' });
    assert.is(probe.status, 7, 'koffi must not resolve in the sandbox');
    const fw = 'fixtures/firewall.bpfel.o';
    for (const args of [['maps', fw], ['schema', fw, '--json'], ['types', fw, 'ruleType_st'],
      ['encode', fw, TABLE, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'],
      ['decode', fw, TABLE, '--key', '38000000060000000a0a0a00000000000000000000000000'],
      ['template', fw, TABLE], ['gen', 'ts', fw]]) {
      const r = run(args);
      assert.is(r.stderr, '', `${args[0]}: ${r.stderr}`);
      assert.is(r.status, 0, args[0]);
    }
    const k = run(['lookup', '--pin', '/sys/fs/bpf/definitely-not-here', '--key', '1']);
    assert.is.not(k.status, 0);
    assert.ok(existsSync(join(dir, 'dist')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
K.run();
