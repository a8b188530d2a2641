// Docs that run, the kernel part: every ```sh/```console block marked `<!-- doc-test: kernel -->` and
// every ```ts block runs in README order, in a private mount namespace with its own bpffs. The
// convention and the offline blocks: test/readme-offline.test.ts.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kernelAvailable } from './helpers/kernel.js';
import { skip, suite, toolsMissing } from './helpers/skip.js';
import { BLOCKS, check, commandsOf, docDir, runCommands, runnable, writeFiles, type Command } from './helpers/readme-blocks.js';

const K = suite('kernel blocks');

K('every kernel block and TypeScript block runs in README order, in a private bpffs', async () => {
  const k = kernelAvailable();
  if (!k.ok) return skip(`kernel blocks: ${k.reason}`);
  const missing = toolsMissing(['unshare', 'nsenter', 'bpftool', 'ip', 'ping']);
  if (missing) return skip(`kernel blocks: ${missing} not installed`);
  const dir = docDir();
  const ns = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t bpf bpf /sys/fs/bpf && echo ready && exec sleep 600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => { ns.stdout!.once('data', () => resolve()); ns.once('exit', (c) => reject(new Error(`unshare exited ${c}`))); });
    const wrap = ['nsenter', '-t', String(ns.pid), '-m', `--wd=${dir}`];
    writeFiles(BLOCKS, dir);
    let n = 0;
    let tsN = 0;
    for (const b of BLOCKS) {
      if (b.lang === 'ts' && !b.marks.has('no-run')) {
        const name = `snippet-${tsN++}.ts`;
        writeFileSync(join(dir, name), b.body.join('\n') + '\n');
        const cmds: Command[] = [];
        if (b.marks.has('before')) cmds.push({ text: b.marks.get('before')!, exact: false });
        cmds.push({ text: `node --import tsx ${name}`, exact: false });
        if (b.marks.has('after')) cmds.push({ text: b.marks.get('after')!, exact: false });
        check(b, cmds, await runCommands(cmds, dir, wrap));
        n += cmds.length;
        continue;
      }
      if (b.lang === 'ts') tsN++;
      if (!runnable(b) || !b.marks.has('kernel')) continue;
      const cmds = commandsOf(b);
      check(b, cmds, await runCommands(cmds, dir, wrap));
      n += cmds.length;
    }
    assert.ok(n >= 20, `${n} kernel commands`);
  } finally {
    // The walkthrough's network namespaces, if a block failed before its clean-up.
    for (const netns of ['fw-client', 'fw-server']) spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    if (ns.pid !== undefined) { try { process.kill(ns.pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true });
  }
});

K.run();
