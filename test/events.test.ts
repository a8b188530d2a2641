// bpfmap events: the events fixture's XDP program, run with BPF_PROG_TEST_RUN through bpftool, writes
// a struct event to a ring buffer and to a perf event array on each run; the records readEvents (and
// the CLI) decode must equal what the program wrote, field by field. The program is loaded under the
// test's own bpffs directory (the fixture pins nothing by name) and removed with it.
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernel, withPinDir } from './helpers/kernel.js';
import { skip, toolsMissing } from './helpers/skip.js';
import { icmpEcho } from './helpers/packets.js';
import { BIN, ROOT } from './helpers/cli.js';
import { findMap, loadSource, openMap, readEvents, onlineCpus, type EventItem, type EventRecord, type LiveMap } from '../src/index.js';

const OBJECT = join(ROOT, 'fixtures/events.bpfel.o');
const SRC = '198.18.0.2';
const PING = icmpEcho(SRC, '198.18.0.1');

interface Loaded {
  dir: string;
  prog: string;
  /** The packet file the program runs on. */
  pkt: string;
  /** Runs the program `repeat` times on PING (blocking: the rings keep what it writes), on CPU 0 when `cpu0`. */
  run(repeat: number, cpu0?: boolean): void;
  open(map: string): LiveMap;
}

/** Loads the events fixture under a fresh pin directory; skips without bpftool. */
function withEvents(body: (l: Loaded) => Promise<void>): (ctx?: unknown) => Promise<void> {
  return async (ctx?: unknown) => {
    await kernel(async () => {
      const missing = toolsMissing(['bpftool']);
      if (missing) { skip(`${missing} not installed`); return; }
      await withPinDir(async (dir) => {
        const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-events-'));
        const prog = join(dir, 'prog');
        try {
          execFileSync('bpftool', ['prog', 'load', OBJECT, prog, 'pinmaps', join(dir, 'maps')]);
          const pkt = join(tmp, 'pkt.bin');
          writeFileSync(pkt, PING);
          const src = loadSource(OBJECT);
          await body({
            dir,
            prog,
            pkt,
            run: (repeat, cpu0) => {
              const args = ['prog', 'run', 'pinned', prog, 'data_in', pkt, 'repeat', String(repeat)];
              if (cpu0) execFileSync('taskset', ['-c', '0', 'bpftool', ...args]);
              else execFileSync('bpftool', args);
            },
            open: (name) => openMap({ map: findMap(src.schema, name), byteOrder: src.schema.byteOrder, pin: join(dir, 'maps', name) }),
          });
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      });
    })(ctx);
  };
}

function eventType(name: string) {
  const btf = loadSource(OBJECT).btf!;
  return btf.typeNode(btf.findByName(name)!.id);
}

async function collect(it: AsyncIterable<EventItem>): Promise<EventItem[]> {
  const out: EventItem[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The struct event the program writes on run `seq` (as decoded with default options). */
function expected(seq: number, kind: string): Record<string, unknown> {
  return { seq: BigInt(seq), magic: 0xfeedf00d, kind, saddr: [198, 18, 0, 2], proto: 0x0800, low: seq & 0xffff, pkt_len: BigInt(PING.length) };
}

const R = suite('readEvents: ring buffer');

R('1000 runs give 1000 records in order, equal to what the program wrote; discarded records are skipped', withEvents(async (l) => {
  const live = l.open('rb_events');
  try {
    l.run(1000);
    const items = await collect(readEvents(live, { type: eventType('event'), timeoutMs: 300 }));
    assert.is(items.length, 1000);
    items.forEach((x, i) => {
      assert.is(x.kind, 'record');
      const r = x as EventRecord;
      assert.is(r.size, 32);
      assert.is(r.cpu, undefined, 'a ring buffer has no cpu');
      assert.match(r.time, /^\d{4}-\d\d-\d\dT/);
      assert.equal(r.value, expected(i, 'EVENT_RINGBUF'), `record ${i}`);
    });
  } finally {
    live.close();
  }
}));

R('a waiting reader is woken by epoll: records written while it waits arrive long before its timeout', withEvents(async (l) => {
  const live = l.open('rb_events');
  try {
    const t0 = Date.now();
    const done = collect(readEvents(live, { type: eventType('event'), count: 50, timeoutMs: 10_000 }));
    await new Promise((r) => setTimeout(r, 100));
    await new Promise<void>((resolve, reject) => {
      const c = spawn('bpftool', ['prog', 'run', 'pinned', l.prog, 'data_in', l.pkt, 'repeat', '50'], { stdio: 'ignore' });
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bpftool exit ${code}`))));
    });
    const items = await done;
    assert.is(items.length, 50, 'count stops the stream');
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    assert.equal((items[49] as EventRecord).value, expected(49, 'EVENT_RINGBUF'));
  } finally {
    live.close();
  }
}));

R.run();

const P = suite('readEvents: perf event array');

P('200 runs give 200 records with their CPU, the struct decoded and the 20 appended packet bytes as the tail', withEvents(async (l) => {
  const live = l.open('perf_events');
  try {
    const stream = readEvents(live, { type: eventType('event'), timeoutMs: 1500 });
    l.run(200);
    const items = await collect(stream);
    assert.is(items.length, 200);
    const cpus = new Set(onlineCpus());
    items.forEach((x, i) => {
      const r = x as EventRecord;
      assert.is(r.kind, 'record');
      assert.ok(cpus.has(r.cpu!), `cpu ${r.cpu}`);
      assert.is(r.size, 52, '32-byte struct + 20 packet bytes (4 + 52 is a multiple of 8: no padding)');
      assert.equal(r.value, expected(i, 'EVENT_PERF'), `record ${i}`);
      assert.is(r.tail, Buffer.from(PING.subarray(0, 20)).toString('hex'));
    });
    assert.is(stream.lost, 0);
  } finally {
    live.close();
  }
}));

P('tailType decodes the bytes past the type', withEvents(async (l) => {
  const live = l.open('perf_events');
  try {
    const stream = readEvents(live, { type: eventType('event'), tailType: eventType('pkt_head'), count: 1, timeoutMs: 1500 });
    l.run(1);
    const [r] = (await collect(stream)) as EventRecord[];
    assert.equal(r!.tail, { eth: { h_dest: [...PING.subarray(0, 6)], h_source: [...PING.subarray(6, 12)], h_proto: 0x0800 }, ip_start: [...PING.subarray(14, 20)] });
    assert.is(r!.rest, undefined);
  } finally {
    live.close();
  }
}));

P('a stalled consumer loses records: PERF_RECORD_LOST is reported, and received + lost = sent', withEvents(async (l) => {
  const missing = toolsMissing(['taskset']);
  if (missing) return skip(`${missing} not installed`);
  const live = l.open('perf_events');
  try {
    const stream = readEvents(live, { type: eventType('event'), perfPages: 1, timeoutMs: 2000 });
    // On one CPU: the kernel writes the LOST record into the ring that overflowed, at that CPU's next output.
    l.run(1000, true); // nobody reads: a 4 KiB ring holds 64 samples of 64 bytes
    const it = stream[Symbol.asyncIterator]();
    const items: EventItem[] = [];
    const first = await it.next();
    items.push(first.value as EventItem);
    // The kernel writes the LOST record at its next output into the ring, once there is room.
    l.run(1, true);
    for (let n = await it.next(); !n.done; n = await it.next()) items.push(n.value);
    const records = items.filter((x): x is EventRecord => x.kind === 'record');
    const lost = items.filter((x) => x.kind === 'lost').reduce((s, x) => s + (x.kind === 'lost' ? x.lost : 0), 0);
    assert.ok(lost > 0, 'some were lost');
    assert.is(lost, stream.lost);
    assert.is(records.length + lost, 1001);
    assert.ok(records.length < 100, `${records.length} records fit`);
    assert.equal((records.at(-1)!.value as { seq: bigint }).seq, 1000n, 'the record after the loss arrives');
  } finally {
    live.close();
  }
}));

P.run();
