/**
 * Simulated nodes for `bpfmap agent`: each node is a network namespace with a mount namespace of its
 * own (its own sysfs, so /sys/class/net lists the node's interfaces, and its own bpffs), the firewall
 * fixture loaded there and attached (XDP) to the node's `fw0`, a veth towards a client namespace
 * (client 198.18.0.2 -> node 198.18.0.1 on every node: the pairs are isolated), and a management
 * link to one monitor namespace (monitor 198.19.N.1 <-> node 198.19.N.2) where Prometheus runs.
 * Interface indexes of `fw0` differ per node on purpose (padding veth pairs are made first); the
 * nodes listed in `withFw1` also get an interface `fw1`.
 *
 * A shared state directory is updated as kubelet updates a ConfigMap volume: the files go into a new
 * `..<timestamp>` directory, then a symlink `..data` is renamed over the old one.
 *
 * destroy() stops every process it started (by pid), deletes every namespace and the temporary
 * directory; it is safe after a partial setup and never throws.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './cli.js';

export const FIREWALL = join(ROOT, 'fixtures/firewall.bpfel.o');
export const AGENT_PORT = 9435;

function run(cmd: string, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Runs async; resolves with the exit status and output. */
function runAsync(cmd: string, args: string[]): Promise<{ status: number; stdout: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    p.on('close', (code) => resolve({ status: code ?? -1, stdout: out }));
    p.on('error', () => resolve({ status: -1, stdout: out }));
  });
}

/** The generation an agent reports for these files, computed independently: sha256 of each file's name, length and bytes, 16 hex digits. */
export function generationOf(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const name of Object.keys(files).sort()) {
    const b = Buffer.from(files[name]!);
    h.update(`${name}\0${b.byteLength}\0`).update(b);
  }
  return h.digest('hex').slice(0, 16);
}

export interface HttpResult { status: number; body: string }

/** GET from inside a network namespace (curl); status 0 when nothing answered. */
export function httpIn(netns: string, url: string): HttpResult {
  const r = run('nsenter', [`--net=/run/netns/${netns}`, 'curl', '-s', '--max-time', '5', '-o', '-', '-w', '\n%{http_code}', url]);
  const i = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(i + 1)) || 0, body: r.stdout.slice(0, Math.max(0, i)).replace(/\n$/, '') };
}

export class AgentProcess {
  log = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (d: Buffer) => { this.log += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { this.log += d.toString(); });
    this.exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  }
  get pid(): number { return this.proc.pid!; }
  get running(): boolean { return this.proc.exitCode === null && this.proc.signalCode === null; }
  /** The NDJSON log lines parsed. */
  events(): Record<string, unknown>[] {
    return this.log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  kill(sig: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, sig);
  }
}

export class SimNode {
  holder: ChildProcess | null = null;
  agent: AgentProcess | null = null;
  constructor(readonly index: number, readonly netns: string, readonly client: string, readonly mgmtAddr: string, readonly jdir: string, readonly lockDir: string) {}

  get holderPid(): number { return this.holder!.pid!; }

  /** Runs cmd in the node (its mount and network namespaces), in the repository root. */
  exec(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
    return run('nsenter', ['-t', String(this.holderPid), '-m', '-n', `--wd=${ROOT}`, cmd, ...args]);
  }

  check(cmd: string, args: string[]): string {
    const r = this.exec(cmd, args);
    if (r.status !== 0) throw new Error(`node ${this.index}: ${cmd} ${args.slice(0, 6).join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  bpfmap(...args: string[]): string {
    return this.check(process.execPath, [BIN, ...args]);
  }

  /** `fw0`'s interface index in the node. */
  ifindex(dev = 'fw0'): number {
    return (JSON.parse(must('ip', ['-n', this.netns, '-j', 'link', 'show', 'dev', dev])) as { ifindex: number }[])[0]!.ifindex;
  }

  /** Starts `bpfmap agent` in the node; extra arguments after the defaults. */
  startAgent(stateDir: string, env: Record<string, string>, extra: string[] = []): AgentProcess {
    const proc = spawn('nsenter', ['-t', String(this.holderPid), '-m', '-n', `--wd=${ROOT}`, process.execPath, BIN, 'agent', FIREWALL,
      '--state', stateDir, '--prune', '--listen', `0.0.0.0:${AGENT_PORT}`, '--journal', this.jdir,
      '--metrics-config', 'examples/firewall-exporter.yaml', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, BPFMAP_LOCK_DIR: this.lockDir } });
    this.agent = new AgentProcess(proc);
    return this.agent;
  }

  /** GET http://127.0.0.1:9435/PATH inside the node. */
  http(path: string): HttpResult {
    return httpIn(this.netns, `http://127.0.0.1:${AGENT_PORT}${path}`);
  }

  /** One echo request from the client to the node, waiting up to 1 s: whether the reply came. */
  async ping(): Promise<boolean> {
    const r = await runAsync('nsenter', [`--net=/run/netns/${this.client}`, 'ping', '-n', '-c', '1', '-W', '1', '198.18.0.1']);
    return r.status === 0 && / 1 received/.test(r.stdout);
  }
}

export interface FleetOptions {
  nodes: number;
  /** 1-based node numbers that get an interface `fw1`. */
  withFw1?: readonly number[];
}

export class Fleet {
  readonly nodes: SimNode[] = [];
  readonly monitor: string;
  readonly tmp: string;
  readonly stateDir: string;
  private readonly base: string;
  private versions = 0;
  private readonly started: ChildProcess[] = [];

  private constructor() {
    const tag = randomBytes(3).toString('hex');
    this.base = `bpfmap-${process.pid}-${tag}`;
    this.monitor = `${this.base}-mon`;
    this.tmp = mkdtempSync(join(tmpdir(), 'bpfmap-fleet-'));
    this.stateDir = join(this.tmp, 'state');
    mkdirSync(this.stateDir);
  }

  static async create(opts: FleetOptions): Promise<Fleet> {
    const f = new Fleet();
    try {
      must('ip', ['netns', 'add', f.monitor]);
      must('ip', ['-n', f.monitor, 'link', 'set', 'lo', 'up']);
      for (let i = 1; i <= opts.nodes; i++) {
        const node = new SimNode(i, `${f.base}-n${i}`, `${f.base}-c${i}`, `198.19.${i}.2`, join(f.tmp, `journal-${i}`), join(f.tmp, `locks-${i}`));
        f.nodes.push(node);
        must('ip', ['netns', 'add', node.netns]);
        must('ip', ['netns', 'add', node.client]);
        for (const ns of [node.netns, node.client]) must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
        // Padding: node i's fw0 comes after i-1 veth pairs, so its index differs from the other nodes'.
        for (let p = 1; p < i; p++) must('ip', ['-n', node.netns, 'link', 'add', `pad${p}`, 'type', 'veth', 'peer', 'name', `pad${p}p`]);
        must('ip', ['-n', node.netns, 'link', 'add', 'fw0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.client]);
        must('ip', ['-n', node.netns, 'addr', 'add', '198.18.0.1/24', 'dev', 'fw0']);
        must('ip', ['-n', node.client, 'addr', 'add', '198.18.0.2/24', 'dev', 'eth0']);
        must('ip', ['-n', node.netns, 'link', 'set', 'fw0', 'up']);
        must('ip', ['-n', node.client, 'link', 'set', 'eth0', 'up']);
        if (opts.withFw1?.includes(i)) must('ip', ['-n', node.netns, 'link', 'add', 'fw1', 'type', 'veth', 'peer', 'name', 'fw1p']);
        must('ip', ['-n', f.monitor, 'link', 'add', `m${i}`, 'type', 'veth', 'peer', 'name', 'mg0', 'netns', node.netns]);
        must('ip', ['-n', f.monitor, 'addr', 'add', `198.19.${i}.1/24`, 'dev', `m${i}`]);
        must('ip', ['-n', node.netns, 'addr', 'add', `${node.mgmtAddr}/24`, 'dev', 'mg0']);
        must('ip', ['-n', f.monitor, 'link', 'set', `m${i}`, 'up']);
        must('ip', ['-n', node.netns, 'link', 'set', 'mg0', 'up']);
        node.holder = await f.holder(node.netns);
        node.check('bpftool', ['prog', 'load', FIREWALL, '/sys/fs/bpf/fw_prog']);
        node.check('ip', ['link', 'set', 'dev', 'fw0', 'xdp', 'pinned', '/sys/fs/bpf/fw_prog']);
      }
    } catch (e) {
      await f.destroy();
      throw e;
    }
    return f;
  }

  /** A process that holds a new mount namespace, in network namespace `netns`, with sysfs and bpffs of its own. */
  private async holder(netns: string): Promise<ChildProcess> {
    const child = spawn('unshare', ['-m', '--propagation', 'private', 'nsenter', `--net=/run/netns/${netns}`, 'sh', '-c',
      'mount -t sysfs sysfs /sys && mount -t bpf bpf /sys/fs/bpf && echo ready && exec sleep 900'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.push(child);
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`node namespace holder exited ${code}: ${err.trim()}`)));
      child.once('error', reject);
    });
    return child;
  }

  /** Starts a process in the monitor namespace (stopped by destroy()). */
  spawnInMonitor(cmd: string, args: string[]): ChildProcess {
    const p = spawn('nsenter', [`--net=/run/netns/${this.monitor}`, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.started.push(p);
    return p;
  }

  /**
   * Publishes a new version of the state as kubelet does: files into `..<timestamp>`, a new symlink
   * renamed over `..data`, the visible names as symlinks through `..data`, the old version removed.
   * Returns the moment of the swap (ms, performance.now()).
   */
  publish(files: Record<string, string>): number {
    const dir = this.stateDir;
    const version = `..${new Date().toISOString().replace(/[-:.TZ]/g, '_')}${String(++this.versions).padStart(4, '0')}`;
    mkdirSync(join(dir, version));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, version, name), text);
    let old: string | null = null;
    try { old = readlinkSync(join(dir, '..data')); } catch { old = null; }
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    const swapped = performance.now();
    for (const name of Object.keys(files)) if (!existsSync(join(dir, name))) symlinkSync(join('..data', name), join(dir, name));
    // kubelet removes the old version after the swap (an agent reading it has resolved ..data already).
    if (old !== null) rmSync(join(dir, old), { recursive: true, force: true });
    return swapped;
  }

  /** Stops every process started (agents, Prometheus, holders) by pid, deletes the namespaces and the directory. */
  async destroy(): Promise<void> {
    const procs = [...this.nodes.map((n) => n.agent?.proc), ...this.started].filter((p): p is ChildProcess => p !== undefined && p.pid !== undefined);
    await Promise.all(procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      try { process.kill(p.pid!, 'SIGKILL'); } catch { return; }
      await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    }));
    for (const n of this.nodes) {
      for (const ns of [n.netns, n.client]) if (existsSync(`/run/netns/${ns}`)) run('ip', ['netns', 'del', ns]);
    }
    if (existsSync(`/run/netns/${this.monitor}`)) run('ip', ['netns', 'del', this.monitor]);
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Namespaces of this fleet still there (for the cleanup check). */
  leftovers(): string[] {
    return readdirSync('/run/netns').filter((n) => n.startsWith(this.base));
  }
}
