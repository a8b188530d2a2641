// The --help examples of every command (from bin/commands/*.ts) and how test/help-examples*.test.ts run them.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './cli.js';

export interface Example { command: string; text: string; description: string }

export const OFFLINE = new Set(['maps', 'schema', 'types', 'template', 'encode', 'decode', 'completion', 'gen']);
/** Examples that are not run, with why. */
export const NO_RUN: Record<string, string> = {
  '--watch': 'runs until stopped',
  '/etc/bpfmap/state.yaml': 'runs until stopped (--watch)',
  'EDITOR=nano': 'opens an editor on a terminal',
  '$0 agent ': 'serves until stopped (test/agent-fleet.test.ts runs agents and stops them with SIGTERM)',
  '$0 exporter ': 'serves until stopped (test/exporter-live.test.ts starts the exporter, scrapes it and stops it with SIGTERM)',
};
/** The examples of every command, from the sources' tables (bin/spec.ts), in file order (the live ones build on each other). */
export function examples(): Example[] {
  const out: Example[] = [];
  const dir = join(ROOT, 'bin/commands');
  for (const f of readdirSync(dir).sort()) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/command: '([a-z]+)'|^ {4}\[(['"])(.*?)\2,\s*(['"])(.*?)\4\],$/gm)) {
      if (m[1]) { out.push({ command: m[1], text: '', description: '' }); continue; }
      const last = [...out].reverse().find((e) => e.text === '') ?? out.at(-1);
      out.push({ command: last!.command, text: m[3]!.replace(/\\'/g, "'"), description: m[5]! });
    }
  }
  return out;
}

export const ALL = examples();
export const EX = ALL.filter((e) => e.text !== '');
export const COMMANDS = ALL.filter((e) => e.text === '').map((e) => e.command);

export function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-help-'));
  for (const d of ['fixtures', 'src', 'dist', 'package.json']) symlinkSync(join(ROOT, d), join(dir, d));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  return dir;
}

export interface Result { code: number; out: string }

/** Examples whose success is another exit code than 0: `diff` says "migratable" with 10. */
export const EXIT: readonly [RegExp, number][] = [[/^\$0 diff /, 10]];
export const command = (e: Example): string => asShell(e);
export const expectedExit = (e: { text: string }): number => EXIT.find(([re]) => re.test(e.text))?.[1] ?? 0;

export function sh(script: string, dir: string, wrap: string[] = []): Promise<Result> {
  const full = `bpfmap() { node ${JSON.stringify(BIN)} "$@"; }\nexport -f bpfmap\n${script}`;
  return new Promise((resolve, reject) => {
    const argv = [...wrap, 'bash', '-c', full];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Offline: the commands that read only files, unless the example names a live map. */
export const offline = (e: Example) => OFFLINE.has(e.command) && !/ pinned /.test(e.text);
export const noRun = (e: Example) => Object.keys(NO_RUN).find((k) => e.text.includes(k));
export const asShell = (e: Example) => e.text.replace(/\$0/g, 'bpfmap');

