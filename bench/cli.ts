/**
 * Single CLI operations, whole process (numbers, not a timed test; goal: a single CLI op under
 * 100 ms). Runs, interleaved so that load from other work hits each alike:
 *   node -e 0                                      (Node's own start-up, for scale)
 *   bpfmap lookup OBJ MAP --key '{...}'            (an LPM entry of the firewall, YAML result)
 *   bpfmap lookup OBJ MAP --key '{...}' --json
 *   bpfmap update OBJ MAP --key '{...}' --value '{...}'   (the same entry again: the map stays as it is)
 *   bpfmap maps OBJ
 * on maps the bench creates and pins under a directory of its own in bpffs (removed afterwards), its
 * lock files in a temporary directory (BPFMAP_LOCK_DIR). The lookups and the update need root and
 * bpffs; without them only `maps` is timed. Prints medians, and the median of
 * each command's time less `node -e 0` of the same round (what bpfmap adds to Node's start-up).
 *
 * With BPFMAP_BENCH_CLI2=path/to/other/dist/cli/bpfmap.js, every command also runs through that build
 * in the same rounds, and the paired differences (that build minus this one) are printed with their
 * standard error: how a change is measured against the build before it.
 *
 * Taken with Node's default start-up: NODE_EXTRA_CA_CERTS removed from the environment (see
 * bench/btf.ts; it adds tens of milliseconds to every Node process and bpfmap makes no TLS connections).
 * Run: node --import tsx bench/cli.ts [rounds]   (default 30, as `npm run bench cli` runs it; needs npm run build)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const rounds = Number(process.argv[2] ?? 30);
const cli = join(root, 'dist/cli/bpfmap.js');
const other = process.env.BPFMAP_BENCH_CLI2;
const fw = join(root, 'fixtures/firewall.bpfel.o');
const table = 'ingress_node_firewall_table_map';
const key = '{ingress_ifindex: 2, ip_data: 198.18.0.0/24}';
const value = '{rules: [{ruleId: 1, protocol: 6, dstPortStart: 80, action: 2}]}';
const devnull = openSync('/dev/null', 'w');
const lockDir = mkdtempSync(join(tmpdir(), 'bpfmap-bench-locks-'));
const env: NodeJS.ProcessEnv = { ...process.env, BPFMAP_LOCK_DIR: lockDir };
delete env.NODE_EXTRA_CA_CERTS;

if (!existsSync(cli)) {
  console.log('dist/cli/bpfmap.js is not built: run npm run build first');
  process.exit(1);
}

/** Runs a command; its wall time in ms (throws on a non-zero exit). */
function wall(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', devnull, 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const stderrOfMean = (xs: number[]): number => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

const pinRoot = `/sys/fs/bpf/bpfmap-bench-cli-${process.pid}`;
let live: boolean | undefined = false;
try {
  if (process.getuid?.() === 0 && existsSync('/sys/fs/bpf')) {
    mkdirSync(pinRoot);
    wall([cli, 'create', fw, '--pin-root', pinRoot]);
    wall([cli, 'update', fw, table, '--pin-root', pinRoot, '--key', key, '--value', value]);
    live = true;
  }
} catch (e) {
  console.log(`lookups and update not timed: the maps could not be made (${(e as Error).message.split('\n')[0]})`);
  live = undefined;
}
if (live === false) console.log('lookups and update not timed: they need root and bpffs at /sys/fs/bpf');

try {
  const commands: Record<string, string[]> = { maps: ['maps', fw] };
  if (live) {
    commands.lookup = ['lookup', fw, table, '--key', key, '--pin-root', pinRoot];
    commands['lookup --json'] = ['lookup', fw, table, '--key', key, '--pin-root', pinRoot, '--json'];
    commands.update = ['update', fw, table, '--key', key, '--value', value, '--pin-root', pinRoot];
  }
  const builds: Record<string, string> = { this: cli, ...(other ? { other } : {}) };
  const node: number[] = [];
  const t: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    node.push(wall(['-e', '0']));
    for (const [name, args] of Object.entries(commands)) {
      // The two builds take turns going first, so that an effect of the order falls on both alike.
      const order = i % 2 === 0 ? Object.entries(builds) : Object.entries(builds).reverse();
      for (const [b, path] of order) (t[`${b} ${name}`] ??= []).push(wall([path, ...args]));
    }
  }
  console.log(`${rounds} interleaved rounds, NODE_EXTRA_CA_CERTS unset; node -e 0: median ${fmt(median(node))}`);
  for (const name of Object.keys(commands)) {
    const xs = t[`this ${name}`]!;
    const added = xs.map((x, i) => x - node[i]!);
    console.log(`bpfmap ${name}: median ${fmt(median(xs))} (goal < 100 ms: ${median(xs) < 100 ? 'met' : 'not met'}), `
      + `${fmt(median(added))} over node -e 0 (median of the rounds' differences)`);
    if (other) {
      const ys = t[`other ${name}`]!;
      const d = ys.map((y, i) => y - xs[i]!);
      console.log(`  other build: median ${fmt(median(ys))}; other - this: mean ${fmt(mean(d))} (standard error ${fmt(stderrOfMean(d))}), median ${fmt(median(d))}`);
    }
  }
} finally {
  if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
  rmSync(lockDir, { recursive: true, force: true });
}
