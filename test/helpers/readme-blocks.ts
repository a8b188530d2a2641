// The README's fenced blocks and how test/readme*.test.ts run them (the convention is in readme-offline.test.ts).
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './cli.js';

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

export interface Command { text: string; expect?: string[]; exact: boolean; exit?: number }

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

export const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
export const BLOCKS = readBlocks(README);

/** A temporary folder where the README's relative paths work. */
export function docDir(): string {
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

export interface Result { code: number; out: string }

/** Runs the commands of one block in one bash (shell state carries over), each one's output apart. */
export function runCommands(cmds: Command[], dir: string, wrap: string[] = []): Promise<Result[]> {
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

export function check(b: Block, cmds: Command[], results: Result[]): void {
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

export function commandsOf(b: Block): Command[] {
  return b.lang === 'console' ? consoleCommands(b.body) : shCommands(b.body);
}

/** yaml blocks that name their file (`# NAME` first, or a file mark) are written into dir. */
export function writeFiles(blocks: Block[], dir: string): void {
  for (const b of blocks) {
    const name = b.marks.get('file') ?? (b.lang === 'yaml' ? /^# (\S+\.ya?ml)$/.exec(b.body[0] ?? '')?.[1] : undefined);
    if (name && b.lang !== 'ts') writeFileSync(join(dir, name), b.body.join('\n') + '\n');
  }
}

export const runnable = (b: Block) => (b.lang === 'sh' || b.lang === 'console') && !b.marks.has('no-run');

