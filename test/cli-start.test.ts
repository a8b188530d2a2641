import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Script } from 'node:vm';

// dist/cli/bpfmap.js (bin/start.cjs) runs the CLI bundle from the V8 code cache the build makes.
const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli');
const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const start = createRequire(import.meta.url)(join(CLI, 'bpfmap.js')) as { compile: () => Script; cacheFile: string };

const S = suite('CLI start-up');
S('the build made a code cache that this Node accepts', () => {
  assert.ok(existsSync(start.cacheFile), start.cacheFile);
  assert.is(start.compile().cachedDataRejected, false);
});

S('a cache this Node cannot use (damaged, or gone) is ignored: the command runs as usual', () => {
  const want = spawnSync(process.execPath, [join(CLI, 'bpfmap.js'), 'maps', FW, '--json'], { encoding: 'utf8' });
  assert.is(want.status, 0, want.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-start-'));
  try {
    cpSync(CLI, dir, { recursive: true });
    const cache = join(dir, 'main.cjs.cache');
    for (const damage of [() => writeFileSync(cache, Buffer.alloc(4096, 7)), () => rmSync(cache)]) {
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
  assert.match(v.stderr, /main\.cjs:\d+/);
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
