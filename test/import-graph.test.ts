/**
 * Schema extraction and encoding must work where koffi cannot load and there is no bpf(): the offline
 * modules never import the syscall layer, and the offline commands run with koffi removed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, statSync, mkdtempSync, mkdirSync, symlinkSync, rmSync, existsSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, relative } from 'node:path';
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

/** Module -> its imports (resolved to .ts files of ours, or bare package names). */
function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(join(ROOT, 'src'))) {
    const text = readFileSync(f, 'utf8');
    const deps: string[] = [];
    const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
    for (let m; (m = re.exec(text)); ) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (/^import\s+type\s/.test(m[0].trim())) continue;
      deps.push(spec.startsWith('.') ? resolve(dirname(f), spec.replace(/\.js$/, '.ts')) : spec);
    }
    g.set(f, deps);
  }
  return g;
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

const G = suite('import graph');
G('elf, btf and codec never reach src/syscall or koffi', () => {
  const g = graph();
  const offline = [...g.keys()].filter((f) => /\/src\/(elf|btf|codec)\//.test(f) || f.includes('/src/text/'));
  assert.ok(offline.length > 20, 'found the offline modules');
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
      ['template', fw, TABLE]]) {
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
