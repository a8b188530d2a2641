/**
 * Ring buffer records of 32 bytes (the events fixture's struct event) to NDJSON, bpfmap against a C
 * consumer side by side. The fixture is loaded under a private bpffs directory; for each measurement
 * a bpftool child runs it with BPF_PROG_TEST_RUN `repeat` as the producer while one consumer reads
 * rb_events for BENCH_SECONDS (default 2), writing its NDJSON to /dev/null:
 *   - C: libbpf's ring_buffer__poll writing the same lines (bench/c/ringbuf-ndjson.c, built with gcc here),
 *   - bpfmap: readEvents(...).ndjson() written with writeSync, as `bpfmap events --json` does
 *     (the fast path, src/events/fast-ndjson.ts),
 *   - bpfmap plain: the same with ndjson({ fast: false }) (codec.decode + compactJson per record).
 * Before measuring, both consumers read the same 100 records and their outputs are compared (the
 * receive time aside). The 64 KiB ring drops what a consumer cannot keep up with (the program's
 * output fails with ENOSPC), so records/s is the consumer's rate. BENCH_ROUNDS (default 3) rounds,
 * each C then bpfmap then plain; the load average is printed with each: on a shared machine compare
 * the ratio within a round. Needs root, bpftool, gcc and libbpf-dev.
 *
 *   npm run bench events
 *   BENCH_SECONDS=3 BENCH_ROUNDS=5 node --import tsx bench/events.ts
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMap, loadSource, openMap, readEvents, typeNode, type TypeNode } from '../src/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = new URL('..', import.meta.url).pathname;
const object = join(root, 'fixtures/events.bpfel.o');
const pins = `/sys/fs/bpf/bpfmap-bench-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-bench-'));
const cbin = join(tmp, 'ringbuf-ndjson');
const pkt = join(tmp, 'pkt.bin');
const src = loadSource(object);
const btf = src.btf!;
const eventType: TypeNode = typeNode(btf, btf.findByName('event')!.id);
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

interface Rate {
  records: number;
  seconds: number;
  cpu: number;
}

function producer(repeat = 100_000_000): ChildProcess {
  return spawn('bpftool', ['prog', 'run', 'pinned', join(pins, 'progs/emit_events'), 'data_in', pkt, 'repeat', String(repeat)], { stdio: 'ignore' });
}

/** Zeroes the program's counter (.bss), so the next run starts at seq 0. */
function resetCounter(): void {
  const bss = readdirSync(join(pins, 'maps')).find((n) => /bss$/.test(n))!;
  execFileSync('bpftool', ['map', 'update', 'pinned', join(pins, 'maps', bss), 'key', 'hex', '00', '00', '00', '00', 'value', 'hex', ...Array(24).fill('00')]);
}

/** The C consumer for `seconds`, its stdout to `out`. */
async function runC(seconds: number, out: string, repeat?: number): Promise<Rate> {
  const fd = openSync(out, 'w');
  try {
    const c = spawn(cbin, [join(pins, 'maps/rb_events'), String(seconds)], { stdio: ['ignore', fd, 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    await new Promise((r) => setTimeout(r, 50));
    const p = producer(repeat);
    await new Promise((r) => c.on('exit', r));
    if (p.exitCode === null) p.kill('SIGKILL');
    const [records, s, cpu] = err.trim().split(/\s+/).map(Number);
    return { records: records!, seconds: s!, cpu: cpu! };
  } finally {
    closeSync(fd);
  }
}

/** bpfmap's consumer in this process for `seconds`, its NDJSON to `out`. */
async function runBpfmap(seconds: number, out: string, fast: boolean, repeat?: number): Promise<Rate> {
  const live = openMap({ map: findMap(src.schema, 'rb_events'), byteOrder: src.schema.byteOrder, pin: join(pins, 'maps/rb_events') });
  const fd = openSync(out, 'w');
  let p: ChildProcess | undefined;
  try {
    const stream = readEvents(live, { type: eventType, timeoutMs: seconds * 1000 });
    p = producer(repeat);
    let t0 = 0n;
    let c0 = process.cpuUsage();
    let first = 0;
    for await (const chunk of stream.ndjson({ fast })) {
      if (t0 === 0n) { t0 = process.hrtime.bigint(); c0 = process.cpuUsage(); first = stream.records; }
      for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    return { records: stream.records - first, seconds: s, cpu: (c.user + c.system) / 1e6 };
  } finally {
    if (p && p.exitCode === null) p.kill('SIGKILL');
    closeSync(fd);
    live.close();
  }
}

const untimed = (f: string): string => readFileSync(f, 'utf8').replace(/"time":"[^"]*"/g, '"time":"T"');

function line(name: string, r: Rate): string {
  return `  ${name.padEnd(13)} ${fmt(r.records / r.seconds).padStart(10)} records/s  (${fmt(r.records)} in ${r.seconds.toFixed(2)} s; ${fmt(r.records / r.cpu)} per CPU second)`;
}

async function main(): Promise<void> {
  execFileSync('gcc', ['-O2', '-o', cbin, join(root, 'bench/c/ringbuf-ndjson.c'), '-lbpf']);
  mkdirSync(pins);
  execFileSync('bpftool', ['prog', 'loadall', object, join(pins, 'progs'), 'pinmaps', join(pins, 'maps')]);
  writeFileSync(pkt, new Uint8Array(70).fill(1));

  // The same 100 records through both: the same lines.
  const a = join(tmp, 'c.ndjson'), b = join(tmp, 'bpfmap.ndjson');
  resetCounter();
  await runC(0.5, a, 100);
  resetCounter();
  await runBpfmap(0.5, b, true, 100);
  const same = untimed(a) === untimed(b) && untimed(a).split('\n').length === 101;
  console.log(`same NDJSON from C and bpfmap for 100 records: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;

  console.log(`ringbuf 32-byte records -> NDJSON on /dev/null, ${SECONDS} s per run, ${ROUNDS} rounds`);
  const ratios: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    console.log(`round ${i} (load average ${load()})`);
    const c = await runC(SECONDS, '/dev/null');
    console.log(line('C libbpf', c));
    const f = await runBpfmap(SECONDS, '/dev/null', true);
    console.log(line('bpfmap', f));
    const p = await runBpfmap(SECONDS, '/dev/null', false);
    console.log(line('bpfmap plain', p));
    const ratio = (f.records / f.seconds) / (c.records / c.seconds);
    ratios.push(ratio);
    console.log(`  bpfmap / C: ${ratio.toFixed(2)}x (per CPU second ${((f.records / f.cpu) / (c.records / c.cpu)).toFixed(2)}x); fast / plain: ${((f.records / f.seconds) / (p.records / p.seconds)).toFixed(1)}x`);
  }
  ratios.sort((x, y) => x - y);
  console.log(`bpfmap / C over ${ROUNDS} rounds: median ${ratios[ratios.length >> 1]!.toFixed(2)}x, min ${ratios[0]!.toFixed(2)}x, max ${ratios[ratios.length - 1]!.toFixed(2)}x`);
}

try {
  await main();
} finally {
  rmSync(pins, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}
