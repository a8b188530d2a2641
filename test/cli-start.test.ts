import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Script } from 'node:vm';
import { kernel } from './helpers/kernel.js';

// dist/cli/bpfmap.js (bin/start.cjs) runs the CLI bundle from the V8 code cache the build makes.
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli');
const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const start = createRequire(import.meta.url)(join(CLI, 'bpfmap.js')) as { compile: (bundle: string) => Script; ROUTES: Record<string, string> };
const BUNDLES = ['main.cjs', 'offline.cjs', 'elements.cjs', 'yaml.cjs', 'yargs.cjs'];

const S = suite('CLI start-up');
S('the build made a code cache for every bundle, and this Node accepts each', () => {
  for (const b of BUNDLES) {
    assert.ok(existsSync(join(CLI, `${b}.cache`)), b);
    assert.is(start.compile(b).cachedDataRejected, false, b);
  }
});

S('the starter sends the offline and single-entry commands (names and aliases) to their bundles, all others to main.cjs', async () => {
  const { offlineCommands } = await import('../dist/bin/commands/offline.js');
  const { elementCommands } = await import('../dist/bin/commands/elements.js');
  const want: Record<string, string> = {};
  for (const [bundle, cmds] of [['offline.cjs', offlineCommands], ['elements.cjs', elementCommands]] as const) {
    for (const c of cmds) for (const n of [c.name, ...c.aliases]) want[n] = bundle;
  }
  assert.equal(start.ROUTES, want);
  // A group bundle holds its own commands' code, not the rest (apply, agent, exporter, migrate, events).
  const text = (b: string) => readFileSync(join(CLI, b), 'utf8');
  const main = text('main.cjs');
  for (const b of ['offline.cjs', 'elements.cjs']) {
    const group = text(b);
    for (const fn of ['applyState', 'startAgent', 'serveMetrics', 'migrateMaps', 'readEvents']) {
      assert.match(main, new RegExp(`function ${fn}\\b`), `main.cjs has ${fn}`);
      assert.not.match(group, new RegExp(`function ${fn}\\b`), `${b} has ${fn}`);
    }
  }
});

/** The bundles a command line compiles (through the starter's vm.Script), and its exit code. */
function bundlesRun(args: string[]): { bundles: string[]; code: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-start-'));
  try {
    const hook = join(dir, 'bundles.cjs');
    writeFileSync(hook, `const vm = require('node:vm'); const seen = []; const Script = vm.Script;
vm.Script = function (src, o) { seen.push(require('node:path').basename(o.filename)); return new Script(src, o); };
process.on('exit', () => { require('node:fs').writeSync(2, '\\n' + JSON.stringify(seen)); });\n`);
    const r = spawnSync(process.execPath, ['--require', hook, join(CLI, 'bpfmap.js'), ...args], { encoding: 'utf8' });
    return { bundles: JSON.parse(r.stderr.split('\n').at(-1)!) as string[], code: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

S('a command compiles only the bundles it needs; a line the fast path leaves to yargs is handed to main.cjs', () => {
  assert.equal(bundlesRun(['maps', FW, '--json']), { bundles: ['offline.cjs'], code: 0 });
  // A result of plain values prints without yaml (bin/fast-yaml.ts); one with a string to quote loads it.
  assert.equal(bundlesRun(['decode', FW, 'ingress_node_firewall_table_map', '--key', '38000000060000000a0a0a00000000000000000000000000']), { bundles: ['elements.cjs'], code: 0 });
  assert.equal(bundlesRun(['schema', FW]), { bundles: ['offline.cjs', 'yaml.cjs'], code: 0 });
  // A plain one-line key is read without yaml (src/text/fast-flow-yaml.ts); a quoted scalar loads it.
  assert.equal(bundlesRun(['encode', FW, 'ingress_node_firewall_table_map', '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}']), { bundles: ['elements.cjs'], code: 0 });
  assert.equal(bundlesRun(['encode', FW, 'ingress_node_firewall_table_map', '--key', '{ingress_ifindex: 6, ip_data: "10.10.10.0/24"}']), { bundles: ['elements.cjs', 'yaml.cjs'], code: 0 });
  assert.equal(bundlesRun(['lookup', FW, 'ingress_node_firewall_table_map', '--key', '1', '--pin-root', '/nonexistent']).bundles, ['elements.cjs']);
  assert.equal(bundlesRun(['recover', '--help']), { bundles: ['main.cjs', 'yargs.cjs'], code: 0 });
  assert.equal(bundlesRun(['maps', '--help']), { bundles: ['offline.cjs', 'main.cjs', 'yargs.cjs'], code: 0 });
  assert.equal(bundlesRun(['maps', FW, '--no-such-option']), { bundles: ['offline.cjs', 'main.cjs', 'yargs.cjs'], code: 2 });
});

// The promise the hand-over keeps (that it happens is the test above): what a group's command line
// prints through yargs is what the whole CLI prints.
S('help and usage errors of a group\'s command are those of the whole CLI', () => {
  for (const args of [['maps', '--help'], ['lookup', '--help'], ['maps', FW, '--no-such-option'], ['lookup', FW, '--pin-root', '/nonexistent']]) {
    const whole = spawnSync(process.execPath, ['-e', `process.argv.splice(1, 0, 'bpfmap'); require(${JSON.stringify(join(CLI, 'bpfmap.js'))}).run('main.cjs')`, ...args], { encoding: 'utf8' });
    const r = spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), ...args], { encoding: 'utf8' });
    assert.is(r.status, whole.status, args.join(' '));
    assert.is(r.stdout, whole.stdout, args.join(' '));
    assert.is(r.stderr, whole.stderr, args.join(' '));
  }
});

S('the command bundles are written as the starter compiles them (pre-wrapped), so it takes their text as read', () => {
  const { wrapped } = start as unknown as { wrapped: (text: string) => string };
  for (const b of ['main.cjs', 'offline.cjs', 'elements.cjs']) {
    const text = readFileSync(join(CLI, b), 'utf8');
    assert.ok(text.startsWith('(function (exports, require, module, __filename, __dirname) {'), b);
    assert.ok(text.endsWith('\n})'), b);
    assert.is(wrapped(text), text, `${b} is not wrapped twice`);
  }
  // A plain CommonJS text is wrapped, its #! line made a comment, its lines kept.
  const plain = '#!/usr/bin/env node\nmodule.exports = 1;\n';
  const w = wrapped(plain);
  assert.is(w, '(function (exports, require, module, __filename, __dirname) {///usr/bin/env node\nmodule.exports = 1;\n\n})');
  assert.is(w.split('\n').length, plain.split('\n').length + 1);
  assert.is(wrapped(w), w);
});

S('a cache this Node cannot use (damaged, or gone) is ignored: the command runs as usual', () => {
  const want = spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), 'maps', FW, '--json'], { encoding: 'utf8' });
  assert.is(want.status, 0, want.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-start-'));
  try {
    cpSync(CLI, dir, { recursive: true });
    const caches = BUNDLES.map((b) => join(dir, `${b}.cache`));
    for (const damage of [() => caches.forEach((c) => writeFileSync(c, Buffer.alloc(4096, 7))), () => caches.forEach((c) => rmSync(c))]) {
      damage();
      const r = spawnSync(process.execPath, [join(dir, 'bpfmap.js'), 'maps', FW, '--json'], { encoding: 'utf8' });
      assert.is(r.stderr, '');
      assert.is(r.status, 0);
      assert.is(r.stdout, want.stdout);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

S('errors keep their exit codes and one-line messages through the loader, stack traces with --verbose', () => {
  const r = spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), 'maps', '/nonexistent.o'], { encoding: 'utf8' });
  assert.is(r.status, 3);
  assert.is(r.stderr, 'bpfmap: /nonexistent.o: no such file\n');
  const v = spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), 'maps', '/nonexistent.o', '--verbose'], { encoding: 'utf8' });
  assert.is(v.status, 3);
  assert.match(v.stderr, /offline\.cjs:\d+/);
});
// bin/fast-exit.ts: a group bundle's command ends its process as soon as it is done (Node would run
// its event loop until nothing is left). A timer preloaded into the process would hold it 30 s.
S('a command of a group bundle ends its process when done: a pending timer does not hold it, exit listeners run, its output is whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-start-'));
  try {
    const hook = join(dir, 'timer.cjs');
    writeFileSync(hook, "setTimeout(() => {}, 30000); process.on('exit', (c) => { require('node:fs').writeSync(2, `exit listener ${c}\\n`); });\n");
    const run = (...args: string[]) => spawnSync(process.execPath, ['--require', hook, join(CLI, 'bpfmap.js'), ...args], { encoding: 'utf8', timeout: 15_000 });
    const plain = (...args: string[]) => spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), ...args], { encoding: 'utf8' });
    for (const args of [['maps', FW, '--json'], ['encode', FW, 'ingress_node_firewall_table_map', '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'],
      ['lookup', FW, 'no_such_map', '--key', '1'], ['maps', '/nonexistent.o', '--json']]) {
      const t = Date.now();
      const r = run(...args);
      const want = plain(...args);
      assert.ok(r.status !== null, `${args[0]} ended by itself (${r.signal ?? ''} after ${Date.now() - t} ms)`);
      assert.ok(Date.now() - t < 15_000);
      assert.is(r.status, want.status, args.join(' '));
      assert.is(r.stdout, want.stdout, args.join(' '));
      assert.is(r.stderr, `${want.stderr}exit listener ${want.status}\n`, args.join(' '));
    }
    assert.is(plain('lookup', FW, 'no_such_map', '--key', '1').status, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

S('an offline command loads none of the built-in modules only servers and the agent use (http, net, crypto)', () => {
  // They cost every command about 10 ms of start-up (see loadHttp in src/exporter/server.ts).
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-start-'));
  try {
    const hook = join(dir, 'loaded.cjs');
    writeFileSync(hook, "process.on('exit', () => { require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)); });\n");
    const r = spawnSync(process.execPath, ['--require', hook, join(CLI, 'bpfmap.js'), 'maps', FW, '--json'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const loaded = (JSON.parse(r.stderr) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    assert.ok(loaded.includes('fs'), loaded.join(' '));
    assert.equal(loaded.filter((m) => ['http', 'net', 'crypto', 'https', 'tls'].includes(m)), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

S('npm run demo (the README\'s first command): the offline part, then on the kernel its maps written, read back and their pins removed', kernel(() => {
  const r = spawnSync(process.execPath, [join(CLI, 'demo.js')], { encoding: 'utf8', cwd: ROOT });
  assert.is(r.status, 0, r.stderr);
  for (const part of ['# Every map of the firewall object', '# An LPM key as named fields', '# Create the maps', '# Which rules apply to 10.10.10.7?', '# Per-CPU statistics of rule 1']) {
    assert.ok(r.stdout.includes(part), part);
  }
  const pins = /# Removed the demo's pins \((\/sys\/fs\/bpf\/bpfmap-demo-\d+)\)/.exec(r.stdout);
  assert.ok(pins, r.stdout.slice(-300));
  assert.not.ok(existsSync(pins![1]!), 'the demo\'s pin root is gone');
}));

// A reader that goes away early (`bpfmap ... | head`) is not an error: both ways the CLI writes, fd 1
// with writeSync (the commands) and stdout's stream (yargs' help), end with exit 0 and say nothing.
for (const args of [['--help'], ['maps', FW], ['types', FW, '--json'], ['schema', FW, '--json'], ['template', FW, 'ingress_node_firewall_table_map']]) {
  S(`bpfmap ${args.join(' ').replace(ROOT, '')} into a pipe its reader has closed: exit 0, nothing on stderr`, async () => {
    const child = spawn(process.execPath, [join(CLI, 'bpfmap.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the read end is closed before the CLI has started
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.is(stderr, '');
    assert.is(code, 0);
  });
}

S.run();
