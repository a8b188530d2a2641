// Docs that run, the convention and the offline part: every command block of README.md is executed (the
// kernel ones by test/readme.test.ts), and its output compared where the README shows output.
//
// The convention (README.md, blocks fenced with ```sh, ```console, ```ts, ```yaml):
//   - ```console: lines `$ CMD` (continued with a trailing `\`) are run; the lines up to the next `$ `
//     are the expected output (stdout and stderr together), compared after normalize() (helpers/readme-blocks.ts); the
//     exit code must be 0, or not 0 where that output shows a failure (`bpfmap: ...`, lost pings).
//   - ```sh: every command is run; it must exit 0, unless a comment line `#   TEXT` follows it: then
//     TEXT (up to a `...`) must start a line of its output, and `(exit N)` at its end is the exit code.
//   - ```yaml whose first line is `# NAME`: written to the file NAME (the commands after it use it).
//   - ```ts: type-checked (with `bpfmap` resolving to this package) and, under the kernel conditions,
//     run with tsx.
//   - An HTML comment right before a block changes that: `<!-- doc-test: kernel -->` (needs root and
//     a BPF filesystem: test/readme.test.ts runs them in a private mount namespace, in README order,
//     a counted skip elsewhere), `<!-- doc-test: no-run REASON -->` (never run; the reason is listed),
//     `<!-- doc-test: file NAME -->` (a yaml/ts block written to NAME), `<!-- doc-test: before CMD -->`
//     / `<!-- doc-test: after CMD -->` (shell run around a ts block).
// Commands run in bash in a temporary folder holding links to fixtures/, src/, a copy of examples/, dist/ and
// node_modules/ (with `bpfmap` resolving to this package), `bpfmap` being the built CLI.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from './helpers/skip.js';
import { ROOT } from './helpers/cli.js';
import { BLOCKS, check, commandsOf, consoleCommands, docDir, readBlocks, runCommands, runnable, shCommands, writeFiles } from './helpers/readme-blocks.js';

const C = suite('the convention');

C('every command block is offline, kernel or no-run with a reason; marks are known', () => {
  for (const b of BLOCKS) {
    for (const k of b.marks.keys()) assert.ok(['kernel', 'no-run', 'file', 'before', 'after'].includes(k), `README.md:${b.line}: unknown mark ${k}`);
    if (b.marks.has('no-run')) assert.ok(b.marks.get('no-run')!.length > 5, `README.md:${b.line}: no-run needs a reason`);
    // A block that touches the kernel must say so.
    if (runnable(b) && !b.marks.has('kernel')) {
      const text = commandsOf(b).map((c) => c.text).join('\n');
      assert.not.match(text, /\/sys\/fs\/bpf|nsenter|bpftool|--pin\b|\bbpfmap (list|ls|show|lookup|update|delete|dump|create|apply|get|set|edit)\b/, `README.md:${b.line}: offline block that needs the kernel`);
    }
  }
  assert.ok(BLOCKS.filter(runnable).length >= 15, 'the README has its command blocks');
});

C('readBlocks / shCommands / consoleCommands', () => {
  const md = 'x\n<!-- doc-test: kernel -->\n```sh\na \\\n  b\n#   out ... (exit 5)\nc |\n  d\n```\n\n```console\n$ e\nf\n$ g\n```\n';
  const bs = readBlocks(md);
  assert.is(bs.length, 2);
  assert.ok(bs[0]!.marks.has('kernel'));
  assert.not.ok(bs[1]!.marks.has('kernel'));
  assert.equal(shCommands(bs[0]!.body), [{ text: 'a \\\n  b', exact: false, exit: 5, expect: ['out'] }, { text: 'c |\n  d', exact: false }]);
  assert.equal(consoleCommands(bs[1]!.body), [{ text: 'e', expect: ['f'], exact: true }, { text: 'g', expect: [], exact: true }]);
});

C.run();

const O = suite('offline blocks');

O('every offline command block runs as pasted, its output as shown', async () => {
  const dir = docDir();
  try {
    writeFiles(BLOCKS, dir);
    let n = 0;
    for (const b of BLOCKS.filter((x) => runnable(x) && !x.marks.has('kernel'))) {
      const cmds = commandsOf(b);
      check(b, cmds, await runCommands(cmds, dir));
      n += cmds.length;
    }
    assert.ok(n >= 10, `${n} offline commands`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

O('every TypeScript block type-checks against the package', async () => {
  const dir = docDir();
  try {
    // Modules the README generates (`bpfmap gen ts OBJ > maps.ts`) are there for the blocks that import them.
    for (const b of BLOCKS.filter((x) => runnable(x) && !x.marks.has('kernel'))) {
      const gen = commandsOf(b).filter((c) => c.text.startsWith('bpfmap gen ts '));
      if (gen.length) check(b, gen, await runCommands(gen, dir));
    }
    const files: string[] = [];
    BLOCKS.filter((b) => b.lang === 'ts').forEach((b, n) => {
      const name = `snippet-${n}.ts`;
      writeFileSync(join(dir, name), b.body.join('\n') + '\nexport {};\n');
      files.push(name);
    });
    assert.ok(files.length >= 2);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      files,
    }));
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 0, r.stdout + r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

O.run();

