/**
 * `bpfmap dump --ndjson` of a 1,000,000-entry hash map with BTF against `bpftool -j map dump` of the
 * same map: wall time and peak RSS (/usr/bin/time -f %M) of each whole process, output to /dev/null.
 * Key: the firewall's 24-byte LPM key struct; value: its 12-byte `struct ruleType_st`; both typed by the
 * fixture's BTF (BTF_LOAD), so both tools print formatted entries. Also times the library alone as a
 * whole process (`--stream`: LiveMap.entries() + ndjsonLine to stdout, run through tsx). Needs root, bpffs, bpftool, and a build
 * (dist/) for the CLI figure. Target: bpfmap <= 0.5x bpftool's wall time; memory flat in map size.
 * Environment: BENCH_ENTRIES (default 1000000). `--check` exits 1 when the ratio misses the target.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadObjectFile } from '../src/object/index.js';
import { BTF_KIND } from '../src/btf/index.js';
import { openMap } from '../src/map/index.js';
import { ndjsonLine } from '../src/text/json.js';
import { BPF_MAP_TYPE, btfLoad, closeFd, mapCreate, mapUpdateBatch, objPin } from '../src/syscall/index.js';

const N = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const repo = new URL('..', import.meta.url).pathname;
const obj = loadObjectFile(join(repo, 'fixtures/firewall.bpfel.o'));
const table = obj.schema.maps.find((m) => m.name === 'ingress_node_firewall_table_map')!;
const btf = obj.btf!;
const rule = btf.findByName('ruleType_st', BTF_KIND.STRUCT);
if (!rule) throw new Error('bench: struct ruleType_st not found in the firewall BTF');

function createMap(path: string): void {
  const btfFd = btfLoad(btf.kernelBytes());
  let fd = -1;
  try {
    fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 24, valueSize: 12, maxEntries: N, name: 'bench_dump',
      btfFd, btfKeyTypeId: table.btfKeyTypeId, btfValueTypeId: rule!.id });
    objPin(fd, path);
    fill(fd);
  } finally {
    closeFd(fd);
    closeFd(btfFd);
  }
}

/** N distinct keys (10.x.y.z/32 on ifindex i % 4) and rules, MAP_UPDATE_BATCH in chunks. */
function fill(fd: number): void {
  const chunk = 65536;
  const keys = new Uint8Array(chunk * 24), values = new Uint8Array(chunk * 12);
  const kv = new DataView(keys.buffer), vv = new DataView(values.buffer);
  for (let start = 0; start < N; start += chunk) {
    const n = Math.min(chunk, N - start);
    for (let j = 0; j < n; j++) {
      const i = start + j, k = j * 24, v = j * 12;
      kv.setUint32(k, 64, true); // prefixLen: 32 (ifindex) + 32 (IPv4)
      kv.setUint32(k + 4, i & 3, true);
      kv.setUint8(k + 8, 10); kv.setUint8(k + 9, (i >>> 16) & 0xff); kv.setUint8(k + 10, (i >>> 8) & 0xff); kv.setUint8(k + 11, i & 0xff);
      kv.setUint32(k + 12, i >>> 24, true);
      vv.setUint32(v, i + 1, true); vv.setUint8(v + 4, 6); vv.setUint16(v + 5, 80, true); vv.setUint16(v + 7, 443, true);
      vv.setUint8(v + 11, 1 + (i & 1));
    }
    mapUpdateBatch(fd, keys.subarray(0, n * 24), values.subarray(0, n * 12), n);
  }
}

interface Run { wall: number; rssKb: number }

function timed(cmd: string, args: string[]): Run {
  const devnull = openSync('/dev/null', 'w');
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', cwd: repo });
    if (r.status !== 0) throw new Error(`bench: ${cmd} failed: ${r.stderr}`);
    const m = /([\d.]+) (\d+)\s*$/.exec(r.stderr);
    if (!m) throw new Error(`bench: unexpected /usr/bin/time output: ${r.stderr}`);
    return { wall: Number(m[1]), rssKb: Number(m[2]) };
  } finally {
    closeSync(devnull);
  }
}

function best(runs: number, fn: () => Run): Run {
  let b: Run = { wall: Infinity, rssKb: 0 };
  for (let i = 0; i < runs; i++) {
    const r = fn();
    b = { wall: Math.min(b.wall, r.wall), rssKb: Math.max(b.rssKb, r.rssKb) };
  }
  return b;
}

/**
 * The library alone, as a whole process (`--stream PATH`): LiveMap.entries() written as NDJSON lines
 * (ndjsonLine) to stdout in 64 KiB writes. Returns the number of entries.
 */
function stream(path: string): number {
  const m = openMap({ pin: path });
  let count = 0;
  try {
    const name = m.schema.name;
    let buf = '';
    for (const e of m.entries()) {
      buf += ndjsonLine(name, e.key, e.value);
      if (buf.length > 1 << 16) { writeSync(1, buf); buf = ''; }
      count++;
    }
    writeSync(1, buf);
  } finally {
    m.close();
  }
  return count;
}

function main(): void {
  const dir = `/sys/fs/bpf/bpfmap-bench-${process.pid}`;
  mkdirSync(dir);
  try {
    const path = join(dir, 'bench_dump');
    const t0 = Date.now();
    createMap(path);
    process.stdout.write(`map: hash, ${N} entries, key 24 bytes, value 12 bytes, with BTF; filled in ${Date.now() - t0} ms\n`);
    const tool = best(3, () => timed('bpftool', ['-j', 'map', 'dump', 'pinned', path]));
    process.stdout.write(`bpftool -j map dump:           ${tool.wall.toFixed(2)} s, peak RSS ${(tool.rssKb / 1024).toFixed(0)} MB\n`);
    const lib = best(3, () => timed(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--stream', path]));
    process.stdout.write(`library stream (tsx, NDJSON):  ${lib.wall.toFixed(2)} s, peak RSS ${(lib.rssKb / 1024).toFixed(0)} MB, ${(lib.wall / tool.wall).toFixed(2)}x bpftool\n`);
    const cli = join(repo, 'dist/cli/bpfmap.js');
    if (existsSync(cli)) {
      const ours = best(3, () => timed(process.execPath, [cli, 'dump', '--pin', path, '--ndjson']));
      const ratio = ours.wall / tool.wall;
      process.stdout.write(`bpfmap dump --ndjson:          ${ours.wall.toFixed(2)} s, peak RSS ${(ours.rssKb / 1024).toFixed(0)} MB\n`);
      process.stdout.write(`ratio bpfmap / bpftool: ${ratio.toFixed(2)}x (target <= 0.50x)\n`);
      if (process.argv.includes('--check') && ratio > 0.5) process.exitCode = 1;
    } else {
      process.stdout.write(`bpfmap dump: skipped, ${cli} not built (npm run build)\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--stream');
if (at >= 0) {
  const n = stream(process.argv[at + 1]!);
  if (n === 0) process.exitCode = 1;
} else {
  main();
}
