/**
 * A private mount namespace with its own bpffs at /sys/fs/bpf, kept alive by one sleeping process.
 * Programs that pin their maps by name (the firewall fixture) are loaded in it, so nothing leaks into
 * the host's /sys/fs/bpf; killing the namespace's only process releases the programs, maps and pins
 * (a program attached to a link stays alive until the link goes away).
 *
 * Commands run inside it through nsenter, in the repository root, so the bpfmap CLI finds the pins at
 * their default paths with no flags, exactly as a user types it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernel } from './kernel.js';
import { skip, toolsMissing } from './skip.js';
import { BIN } from './cli.js';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const FIREWALL = join(ROOT, 'fixtures/firewall.bpfel.o');
/** The built CLI; BPFMAP_CLI points the tests at another build of it. */
export const BPFMAP_BIN = BIN;
export const PROG = '/sys/fs/bpf/fw_prog';
export const TABLE = '/sys/fs/bpf/ingress_node_firewall_table_map';
export const STATS = '/sys/fs/bpf/ingress_node_firewall_statistics_map';
export const XDP_DROP = 1;
export const XDP_PASS = 2;

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface RuleStats {
  allowPackets: bigint;
  allowBytes: bigint;
  denyPackets: bigint;
  denyBytes: bigint;
}

function hexArgs(b: Uint8Array): string[] {
  return [...b].map((x) => x.toString(16).padStart(2, '0'));
}

export class PrivateBpffs {
  private constructor(private readonly child: ChildProcess, readonly pid: number, readonly tmp: string) {}

  static async start(): Promise<PrivateBpffs> {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t bpf bpf /sys/fs/bpf && echo ready && exec sleep 600'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`unshare: exited ${code} before the namespace was ready: ${err.trim()}`)));
        child.once('error', reject);
      });
    } catch (e) {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      throw e;
    }
    return new PrivateBpffs(child, child.pid!, mkdtempSync(join(tmpdir(), 'bpfmap-fw-')));
  }

  /** nsenter arguments that enter this mount namespace (plus `extra` namespaces) in the repo root. */
  enter(extra: string[] = []): string[] {
    return ['-t', String(this.pid), '-m', `--wd=${ROOT}`, ...extra];
  }

  /** Runs cmd inside the namespace; never throws on a non-zero exit. */
  exec(cmd: string, args: string[], extra: string[] = [], input?: string): RunResult {
    const r = spawnSync('nsenter', [...this.enter(extra), cmd, ...args], { encoding: 'utf8', input, env: { ...process.env, FORCE_COLOR: '0' } });
    if (r.error) throw r.error;
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Runs cmd inside the namespace; throws with its stderr on a non-zero exit. */
  check(cmd: string, args: string[], extra: string[] = []): string {
    const r = this.exec(cmd, args, extra);
    if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 5).join(' ')} ...: exit ${r.status}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  bpftool(...args: string[]): string {
    return this.check('bpftool', args);
  }

  /** The built bpfmap CLI (the dist/cli bundle) inside the namespace. */
  bpfmap(...args: string[]): RunResult {
    return this.exec(process.execPath, [BPFMAP_BIN, ...args]);
  }

  /** Runs the program once on the frame with BPF_PROG_TEST_RUN; returns the XDP verdict. */
  run(frame: Uint8Array, prog = PROG): number {
    const file = join(this.tmp, 'pkt.bin');
    writeFileSync(file, frame);
    return (JSON.parse(this.bpftool('-j', 'prog', 'run', 'pinned', prog, 'data_in', file, 'repeat', '1')) as { retval: number }).retval;
  }

  /** Writes raw key and value bytes into the rule table with bpftool (no bpfmap code involved). */
  setRules(key: Uint8Array, value: Uint8Array): void {
    this.bpftool('map', 'update', 'pinned', TABLE, 'key', 'hex', ...hexArgs(key), 'value', 'hex', ...hexArgs(value));
  }

  deleteRules(key: Uint8Array): void {
    this.bpftool('map', 'delete', 'pinned', TABLE, 'key', 'hex', ...hexArgs(key));
  }

  /** Statistics of one rule id, summed over the CPUs from the raw per-CPU bytes bpftool reads. */
  stats(ruleId: number): RuleStats {
    const key = new Uint8Array(4);
    new DataView(key.buffer).setUint32(0, ruleId, true);
    const out = JSON.parse(this.bpftool('-j', 'map', 'lookup', 'pinned', STATS, 'key', 'hex', ...hexArgs(key))) as { values: { cpu: number; value: string[] }[] };
    const sum = [0n, 0n, 0n, 0n];
    for (const { value } of out.values) {
      const bytes = Uint8Array.from(value.map((h) => parseInt(h, 16)));
      const dv = new DataView(bytes.buffer);
      for (let i = 0; i < 4; i++) sum[i]! += dv.getBigUint64(i * 8, true);
    }
    return { allowPackets: sum[0]!, allowBytes: sum[1]!, denyPackets: sum[2]!, denyBytes: sum[3]! };
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      try { process.kill(this.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export interface PrivateBpffsOptions {
  /** BPF object to load (pinned at PROG) before the body runs. */
  load?: string;
  /** Tools the body needs besides bpftool, unshare and nsenter. */
  tools?: readonly string[];
  /** The body runs the built CLI: fail clearly when dist/ is missing. */
  cli?: boolean;
}

/**
 * Wraps a test body: a fresh private bpffs (with `load` loaded), stopped afterwards even on failure.
 * Skips without root, bpffs or tools, and fails instead under BPFMAP_REQUIRE_KERNEL=1.
 */
export function withPrivateBpffs(body: (ns: PrivateBpffs) => void | Promise<void>, opts: PrivateBpffsOptions = {}): (ctx?: unknown) => Promise<void> {
  return async (ctx?: unknown) => {
    await kernel(async () => {
      const missing = toolsMissing(['bpftool', 'unshare', 'nsenter', ...(opts.tools ?? [])]);
      if (missing) {
        skip(`private bpffs test: ${missing} not installed`);
        return;
      }
      if (opts.cli && !existsSync(BPFMAP_BIN)) throw new Error(`${BPFMAP_BIN} is missing: build first (npx tsc -p tsconfig.json)`);
      const ns = await PrivateBpffs.start();
      try {
        if (opts.load !== undefined) ns.bpftool('prog', 'load', opts.load, PROG);
        await body(ns);
      } finally {
        ns.stop();
      }
    })(ctx);
  };
}
