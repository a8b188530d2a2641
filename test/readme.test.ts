// Docs that run: every command block of README.md is executed, and its output compared where the
// README shows output.
//
// The convention (README.md, blocks fenced with ```sh, ```console, ```ts, ```yaml):
//   - ```console: lines `$ CMD` (continued with a trailing `\`) are run; the lines up to the next `$ `
//     are the expected output (stdout and stderr together), compared after normalize() below; the
//     exit code must be 0, or not 0 where that output shows a failure (`bpfmap: ...`, lost pings).
//   - ```sh: every command is run; it must exit 0, unless a comment line `#   TEXT` follows it: then
//     TEXT (up to a `...`) must start a line of its output, and `(exit N)` at its end is the exit code.
//   - ```yaml whose first line is `# NAME`: written to the file NAME (the commands after it use it).
//   - ```ts: type-checked (with `bpfmap` resolving to this package) and, under the kernel conditions,
//     run with tsx.
//   - An HTML comment right before a block changes that: `<!-- doc-test: kernel -->` (needs root and
//     bpffs: run in a private mount namespace with its own bpffs at /sys/fs/bpf, in README order,
//     a counted skip elsewhere), `<!-- doc-test: no-run REASON -->` (never run; the reason is listed),
//     `<!-- doc-test: file NAME -->` (a yaml/ts block written to NAME), `<!-- doc-test: before CMD -->`
//     / `<!-- doc-test: after CMD -->` (shell run around a ts block).
// Commands run in bash in a temporary folder holding links to fixtures/, src/, a copy of examples/, dist/ and
// node_modules/ (with `bpfmap` resolving to this package), `bpfmap` being the built CLI.
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './helpers/cli.js';
import { kernelAvailable } from './helpers/kernel.js';
import { skip, suite, toolsMissing } from './helpers/skip.js';

export interface Block {
  line: number; // 1-based line of the opening fence
  lang: string;
  body: string[];
  marks: Map<string, string>; // doc-test marks of the comments right before it
}

/** The fenced blocks of a markdown text, with the doc-test marks before each. */
export function readBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  let marks = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const mark = /^\s*<!-- doc-test: (\S+)\s*(.*?)\s*-->\s*$/.exec(l);
    if (mark) { marks.set(mark[1]!, mark[2]!); continue; }
    const fence = /^(\s*)```(\S*)\s*$/.exec(l);
    if (fence) {
      const indent = fence[1]!.length;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
      out.push({ line: i + 1, lang: fence[2]!, body, marks });
      marks = new Map();
      i = j;
      continue;
    }
    if (l.trim() !== '') marks = new Map();
  }
  return out;
}

interface Command { text: string; expect?: string[]; exact: boolean; exit?: number }

/** The commands of a ```console block with the output shown after each. */
export function consoleCommands(body: string[]): Command[] {
  const out: Command[] = [];
  for (let i = 0; i < body.length; i++) {
    if (!body[i]!.startsWith('$ ')) continue;
    let text = body[i]!.slice(2);
    while (text.endsWith('\\') && i + 1 < body.length) text += '\n' + body[++i]!;
    const expect: string[] = [];
    while (i + 1 < body.length && !body[i + 1]!.startsWith('$ ')) expect.push(body[++i]!);
    out.push({ text, expect, exact: true });
  }
  return out;
}

/** The commands of a ```sh block, with what the `#   ` comment lines after each expect. */
export function shCommands(body: string[]): Command[] {
  const out: Command[] = [];
  for (let i = 0; i < body.length; i++) {
    const l = body[i]!;
    if (/^\s*#   /.test(l) && out.length > 0) {
      const c = out.at(-1)!;
      let t = l.replace(/^\s*#   /, '');
      const exit = /\s*\(exit (\d+)\)\s*$/.exec(t);
      if (exit) { c.exit = Number(exit[1]); t = t.slice(0, exit.index); }
      (c.expect ??= []).push(t.replace(/\s*\.\.\.$/, ''));
      continue;
    }
    if (l.trim() === '' || /^\s*#/.test(l)) continue;
    let text = l;
    while ((/\\\s*$/.test(text) || /\|\s*$/.test(text)) && i + 1 < body.length) text += '\n' + body[++i]!;
    out.push({ text, exact: false });
  }
  return out;
}

/** What differs from run to run: times, ids, MAC addresses, ping timings. */
export function normalize(s: string): string {
  return s.split('\n').map((l) => l
    .replace(/time=[\d.]+ ms/g, 'time=T ms')
    .replace(/, time \d+ms/g, ', time Tms')
    .replace(/^rtt min\/avg\/max\/mdev = .*$/, 'rtt min/avg/max/mdev = T')
    .replace(/\b(id|prog\/xdp id) \d+/g, '$1 N')
    .replace(/tag [0-9a-f]{16}/g, 'tag X')
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2} brd/g, 'MAC brd')
    .replace(/@if\d+/g, '@ifN')
    .replace(/\s+$/, '')).join('\n').replace(/\n+$/, '');
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = readBlocks(README);

/** A temporary folder where the README's relative paths work. */
function docDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-readme-'));
  for (const d of ['fixtures', 'src', 'dist', 'package.json']) symlinkSync(join(ROOT, d), join(dir, d));
  // A copy, not a link: examples/sync-rules.ts runs only as the main module, which a link hides.
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const d of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', d), join(dir, 'node_modules', d));
  symlinkSync(ROOT, join(dir, 'node_modules', 'bpfmap'));
  return dir;
}

const PRELUDE = `bpfmap() { node ${JSON.stringify(BIN)} "$@"; }\nexport -f bpfmap\n`;

interface Result { code: number; out: string }

/** Runs the commands of one block in one bash (shell state carries over), each one's output apart. */
function runCommands(cmds: Command[], dir: string, wrap: string[] = []): Promise<Result[]> {
  const res = join(dir, '.res');
  rmSync(res, { recursive: true, force: true });
  mkdirSync(res);
  let script = PRELUDE;
  cmds.forEach((c, n) => { script += `{\n${c.text}\n} >${res}/${n}.out 2>&1 </dev/null; echo $? >${res}/${n}.rc\n`; });
  script += 'wait\n';
  return new Promise((resolve, reject) => {
    const argv = [...wrap, 'bash', '-c', script];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', COLUMNS: '200' } });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', () => {});
    child.on('error', reject);
    child.on('close', () => {
      try {
        resolve(cmds.map((_, n) => ({ code: Number(readFileSync(join(res, `${n}.rc`), 'utf8')), out: readFileSync(join(res, `${n}.out`), 'utf8') })));
      } catch (e) { reject(new Error(`block did not finish: ${err}\n${String(e)}`)); }
    });
  });
}

function check(b: Block, cmds: Command[], results: Result[]): void {
  cmds.forEach((c, n) => {
    const r = results[n]!;
    const where = `README.md:${b.line}: ${c.text.split('\n')[0]}`;
    if (c.exact) {
      const want = normalize(c.expect!.join('\n'));
      assert.equal(normalize(r.out), want, where);
      // Output that shows a failure (an error line, ping's lost packets) comes with a non-zero exit.
      if (!/^bpfmap: |100% packet loss/m.test(want)) assert.is(r.code, 0, `${where}: exit ${r.code}\n${r.out}`);
      else assert.is.not(r.code, 0, where);
      return;
    }
    assert.is(r.code, c.exit ?? 0, `${where}: exit ${r.code}\n${r.out}`);
    for (const e of c.expect ?? []) {
      assert.ok(r.out.split('\n').some((l) => l.trimStart().startsWith(e.trim())), `${where}: expected a line starting ${JSON.stringify(e)}, got\n${r.out}`);
    }
  });
}

function commandsOf(b: Block): Command[] {
  return b.lang === 'console' ? consoleCommands(b.body) : shCommands(b.body);
}

/** yaml blocks that name their file (`# NAME` first, or a file mark) are written into dir. */
function writeFiles(blocks: Block[], dir: string): void {
  for (const b of blocks) {
    const name = b.marks.get('file') ?? (b.lang === 'yaml' ? /^# (\S+\.ya?ml)$/.exec(b.body[0] ?? '')?.[1] : undefined);
    if (name && b.lang !== 'ts') writeFileSync(join(dir, name), b.body.join('\n') + '\n');
  }
}

const runnable = (b: Block) => (b.lang === 'sh' || b.lang === 'console') && !b.marks.has('no-run');

// ---------------------------------------------------------------------------------------------

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
