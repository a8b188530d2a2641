/**
 * BTF decoder benchmark (numbers, not a timed test). Whole-process wall time, median of paired runs
 * on the same machine (A and B alternate, so load from other work hits both alike):
 *   A: node dist/cli/bpfmap.js types /sys/kernel/btf/vmlinux --json > /dev/null   (the bundled CLI)
 *   B: bpftool -j btf dump file /sys/kernel/btf/vmlinux > /dev/null
 * printed with the median of the per-pair ratios A/B (goal: at most 1.1x, as the house issue sets it), plus
 * `node dist/cli/bpfmap.js maps fixtures/firewall.bpfel.o` (goal: under 100 ms), an empty
 * `node -e 0` for scale, and in-process decode / JSON times. Needs the build (npm run build) for the
 * CLI runs; falls back to the library through a tiny script in dist when the CLI is not built.
 *
 * The whole-process figures are taken with Node's default start-up: NODE_EXTRA_CA_CERTS removed from
 * the environment of both tools. When that variable names a certificate file, Node reads and parses
 * it (with its own root store) before the first line of any script runs, which costs every Node
 * process tens of milliseconds whatever the script does; bpftool does not read it and bpfmap makes
 * no TLS connections. When the variable is set, the same figures are printed a second time with it
 * left in place, so that both are on record.
 * Run: node --import tsx bench/btf.ts [runs]   (default 21)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBtf } from '../src/btf/index.js';
import { loadObjectFile } from '../src/object/index.js';
import { writeTypesJsonBytes } from '../src/format/index.js';

const root = new URL('..', import.meta.url).pathname;
const VMLINUX = '/sys/kernel/btf/vmlinux';
const runs = Number(process.argv[2] ?? 21);
const cli = join(root, 'dist/cli/bpfmap.js');
const devnull = openSync('/dev/null', 'w');

/** Node's default start-up: the environment without NODE_EXTRA_CA_CERTS (see the header). */
const defaultEnv: NodeJS.ProcessEnv = { ...process.env };
delete defaultEnv.NODE_EXTRA_CA_CERTS;
const extraCa = process.env.NODE_EXTRA_CA_CERTS;
const envs: { label: string; env: NodeJS.ProcessEnv; judged: boolean }[] = [
  { label: 'Node default start-up', env: defaultEnv, judged: true },
];
if (extraCa) envs.push({ label: 'with NODE_EXTRA_CA_CERTS set, as in this environment', env: process.env, judged: false });

function wall(cmd: string, args: string[], env: NodeJS.ProcessEnv = defaultEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', devnull, 'pipe'], env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

// In-process figures (tsx-compiled library, warm-up excluded).
const bytes = readFileSync(VMLINUX);
loadBtf(bytes);
const dec: number[] = [];
const json: number[] = [];
for (let i = 0; i < 5; i++) {
  let t0 = performance.now();
  const btf = loadBtf(bytes);
  dec.push(performance.now() - t0);
  t0 = performance.now();
  let n = 0;
  writeTypesJsonBytes(btf, (c) => { n += c.byteLength; });
  json.push(performance.now() - t0);
}
console.log(`in-process: decode vmlinux (${loadBtf(bytes).typeCount} types) median ${fmt(median(dec))}, JSON ${fmt(median(json))}`);

const haveBpftool = spawnSync('bpftool', ['version'], { stdio: 'ignore' }).status === 0;
const ours: string[] = existsSync(cli)
  ? [cli, 'types', VMLINUX, '--json']
  : ['--input-type=module', '-e', `import { readFileSync, writeSync } from 'node:fs'; import { loadBtf } from '${join(root, 'dist/src/btf/index.js')}'; import { writeTypesJsonBytes } from '${join(root, 'dist/src/format/index.js')}'; writeTypesJsonBytes(loadBtf(readFileSync('${VMLINUX}')), (c) => { let o = 0; while (o < c.length) o += writeSync(1, c, o); });`];
if (!existsSync(cli)) console.log('note: dist/cli/bpfmap.js not built (npm run build); timing the library from dist instead');
if (!existsSync(cli) && !existsSync(join(root, 'dist/src/btf/index.js'))) {
  console.log('dist/ is not built: run npm run build first');
  process.exit(1);
}

for (const { label, env, judged } of envs) {
  console.log(`-- ${label}:`);
  if (haveBpftool) {
    const a: number[] = [];
    const b: number[] = [];
    const ratio: number[] = [];
    wall(process.execPath, ours, env); // warm the page cache
    for (let i = 0; i < runs; i++) {
      const x = wall(process.execPath, ours, env);
      const y = wall('bpftool', ['-j', 'btf', 'dump', 'file', VMLINUX], env);
      a.push(x); b.push(y); ratio.push(x / y);
    }
    const r = median(ratio);
    const goal = judged ? `goal <= 1.10x: ${r <= 1.1 ? 'met' : 'not met'}` : 'not the goal\'s set-up';
    console.log(`types --json vmlinux: bpfmap median ${fmt(median(a))}, bpftool median ${fmt(median(b))}, median ratio ${r.toFixed(2)}x (${runs} paired runs; ${goal})`);
  } else {
    console.log('bpftool not installed: skipping the paired comparison');
  }

  if (existsSync(cli)) {
    const fw = join(root, 'fixtures/firewall.bpfel.o');
    const m: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < runs; i++) {
      m.push(wall(process.execPath, [cli, 'maps', fw], env));
      e.push(wall(process.execPath, ['-e', '0'], env));
    }
    const mm = median(m);
    console.log(`bpfmap maps fixtures/firewall.bpfel.o: median ${fmt(mm)} wall (${runs} runs; goal < 100 ms: ${mm < 100 ? 'met' : 'not met'}); node -e 0: median ${fmt(median(e))}`);
  }
}
const t0 = performance.now();
loadObjectFile(join(root, 'fixtures/firewall.bpfel.o'));
console.log(`in-process: loadObjectFile(firewall.bpfel.o) ${fmt(performance.now() - t0)} (cold)`);
closeSync(devnull);
