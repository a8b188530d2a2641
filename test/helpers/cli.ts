/** Runs the built CLI (dist/cli/bpfmap.js, the bundle users run) as a user would and captures exit code, stdout, stderr. */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The bundle users run; BPFMAP_CLI points the tests at another build of it. */
export const BIN = process.env.BPFMAP_CLI ?? join(ROOT, 'dist', 'cli', 'bpfmap.js');
export const FW = join(ROOT, 'fixtures', 'firewall.bpfel.o');
export const FW_EB = join(ROOT, 'fixtures', 'firewall.bpfeb.o');
export const SEED = join(ROOT, 'fixtures', 'firewall-seed.bpfel.o');
export const COV = join(ROOT, 'fixtures', 'coverage.bpfel.o');
export const COV_EB = join(ROOT, 'fixtures', 'coverage.bpfeb.o');
export const TABLE = 'ingress_node_firewall_table_map';
export const STATS = 'ingress_node_firewall_statistics_map';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function bpfmap(args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input: opts.input,
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const HELP = "run 'bpfmap --help' for usage\n";

/** Exit 2 with this message and the help hint, nothing on stdout; under --json the same as one JSON object on one line. */
export function assertUsage(args: string[], message: string): void {
  const r = bpfmap(args);
  assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  assert.is(r.stderr, `bpfmap: ${message}\n${HELP}`, args.join(' '));
  assert.is(r.stdout, '');
  const j = bpfmap([...args, '--json']);
  assert.is(j.code, 2, `${args.join(' ')} --json`);
  assert.equal(JSON.parse(j.stderr), { code: 'USAGE', message });
  assert.is(j.stderr.split('\n').length, 2, 'one line');
}
