/**
 * Ring buffer records of 32 bytes (the events fixture's struct event) decoded to NDJSON lines, as
 * `bpfmap events --json` writes them (output built, not written). The fixture is loaded under a
 * private bpffs directory; a bpftool child runs it with BPF_PROG_TEST_RUN `repeat` as the producer
 * on the other CPU while this process consumes for BENCH_SECONDS (default 2). Needs root and bpftool.
 * Prints records/s; the 64 KiB ring drops what the consumer cannot keep up with (the program's
 * output fails with ENOSPC), so records/s is the consumer's rate.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactJson, findMap, loadSource, openMap, readEvents, typeNode } from '../src/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const root = new URL('..', import.meta.url).pathname;
const object = join(root, 'fixtures/events.bpfel.o');
const pins = `/sys/fs/bpf/bpfmap-bench-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-bench-'));

async function main(): Promise<void> {
  mkdirSync(pins);
  execFileSync('bpftool', ['prog', 'load', object, join(pins, 'prog'), 'pinmaps', join(pins, 'maps')]);
  const pkt = join(tmp, 'pkt.bin');
  writeFileSync(pkt, new Uint8Array(70).fill(1));
  const src = loadSource(object);
  const btf = src.btf!;
  const live = openMap({ map: findMap(src.schema, 'rb_events'), byteOrder: src.schema.byteOrder, pin: join(pins, 'maps/rb_events') });
  const producer = spawn('bpftool', ['prog', 'run', 'pinned', join(pins, 'prog'), 'data_in', pkt, 'repeat', '100000000'], { stdio: 'ignore' });
  try {
    const stream = readEvents(live, { type: typeNode(btf, btf.findByName('event')!.id), timeoutMs: SECONDS * 1000 });
    let n = 0, bytes = 0;
    let t0 = 0n;
    let c0 = process.cpuUsage();
    for await (const batch of stream.batches()) {
      if (n === 0) { t0 = process.hrtime.bigint(); c0 = process.cpuUsage(); }
      for (const x of batch) {
        const { kind: _k, ...shown } = x;
        bytes += `${compactJson(shown)}\n`.length;
        n++;
      }
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    console.log(`ringbuf 32-byte records -> NDJSON: ${n} records in ${s.toFixed(2)} s = ${Math.round(n / s).toLocaleString('en-US')} records/s (${(bytes / n).toFixed(0)} bytes per line)`);
    // Under a loaded machine the wall-clock rate falls with the CPU share this process gets; the rate
    // per CPU second of this process is what one free core would give.
    console.log(`  consumer CPU: ${cpu.toFixed(2)} s = ${Math.round(n / cpu).toLocaleString('en-US')} records per CPU second`);
  } finally {
    if (producer.exitCode === null) producer.kill('SIGKILL');
    live.close();
  }
}

try {
  await main();
} finally {
  rmSync(pins, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
}
