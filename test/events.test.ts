// bpfmap events: the events fixture's XDP program, run with BPF_PROG_TEST_RUN through bpftool, writes
// a struct event to a ring buffer and to a perf event array on each run; the records readEvents (and
// the CLI) decode must equal what the program wrote, field by field. The program is loaded under the
// test's own bpffs directory (the fixture pins nothing by name) and removed with it.
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernel, withPinDir } from './helpers/kernel.js';
import { skip, toolsMissing } from './helpers/skip.js';
import { icmpEcho } from './helpers/packets.js';
import { BIN, ROOT } from './helpers/cli.js';
import { findMap, loadSource, parseJson, openMap, pushEvents, readEvents, type EventItem, type EventRecord, type LiveMap, typeNode } from '../src/index.js';
import { onlineCpus } from '../src/events/index.js';
import { loadYaml } from '../src/text/yaml-lazy.js';

const OBJECT = join(ROOT, 'fixtures/events.bpfel.o');
const SRC = '198.18.0.2';
const PING = icmpEcho(SRC, '198.18.0.1');

interface Loaded {
  dir: string;
  prog: string;
  /** Runs drain_user once (it forwards what was pushed to user_rb into rb_events). */
  drain(): void;
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
        const prog = join(dir, 'progs/emit_events');
        try {
          execFileSync('bpftool', ['prog', 'loadall', OBJECT, join(dir, 'progs'), 'pinmaps', join(dir, 'maps')]);
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
            drain: () => { execFileSync('bpftool', ['prog', 'run', 'pinned', join(dir, 'progs/drain_user'), 'data_in', pkt]); },
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
  return typeNode(btf, btf.findByName(name)!.id);
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

R('count with a filter consumes no record past the one it stops at; an aborted signal delivers what is there and ends', withEvents(async (l) => {
  const live = l.open('rb_events');
  try {
    l.run(10);
    const first = await collect(readEvents(live, { type: eventType('event'), filter: ['low=3'], count: 1, timeoutMs: 5000 }));
    assert.equal(first.map((x) => (x as EventRecord).value), [expected(3, 'EVENT_RINGBUF')]);
    const ac = new AbortController();
    ac.abort();
    const t0 = Date.now();
    const rest = await collect(readEvents(live, { type: eventType('event'), signal: ac.signal }));
    assert.equal(rest.map((x) => ((x as EventRecord).value as { seq: bigint }).seq), [4n, 5n, 6n, 7n, 8n, 9n]);
    assert.ok(Date.now() - t0 < 1000, 'no wait once aborted');
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

const U = suite('pushEvents: user ring buffer');

U('typed values pushed to user_rb come back from rb_events through the program, field by field', withEvents(async (l) => {
  const user = l.open('user_rb');
  const rb = l.open('rb_events');
  try {
    const values = [0, 1, 2].map((i) => ({ ...expected(1000 + i, 'EVENT_PERF'), saddr: '198.18.0.9', proto: 0x86dd }));
    assert.is(pushEvents(user, values, { type: eventType('event') }), 3);
    l.drain();
    const items = await collect(readEvents(rb, { type: eventType('event'), count: 3, timeoutMs: 2000 }));
    assert.equal(items.map((x) => (x as EventRecord).value), values.map((v) => ({ ...v, saddr: [198, 18, 0, 9] })));
  } finally {
    user.close();
    rb.close();
  }
}));

U('more than the free space is refused whole (MAP_FULL): nothing is written', withEvents(async (l) => {
  const user = l.open('user_rb');
  const rb = l.open('rb_events');
  try {
    const values = Array.from({ length: 500 }, (_, i) => expected(i, 'EVENT_PERF')); // 500 x 40 bytes > 16 KiB
    assert.throws(() => pushEvents(user, values, { type: eventType('event') }), (e: Error & { code?: string }) => e.code === 'MAP_FULL' && /nothing was written/.test(e.message));
    l.drain();
    assert.is((await collect(readEvents(rb, { type: eventType('event'), timeoutMs: 300 }))).length, 0);
    assert.is(pushEvents(user, values.slice(0, 400), { type: eventType('event') }), 400, '400 x 40 bytes fit');
  } finally {
    user.close();
    rb.close();
  }
}));

U.run();

// ---------------------------------------------------------------------------------------------
// The CLI (the built binary)

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The CLI started in the background; resolves with its output when it exits. */
function cliAsync(args: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>; stdout: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { err += d; });
  const done = new Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal, stdout: out, stderr: err }));
  });
  return { child, done, stdout: () => out };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** expected() as parseJson reads the CLI's output back (integers below 2^53 as numbers), addresses as text when pretty. */
function printed(seq: number, kind: string, pretty: boolean): Record<string, unknown> {
  const e = expected(seq, kind);
  return { ...e, seq, pkt_len: PING.length, saddr: pretty ? SRC : e.saddr };
}

const C = suite('bpfmap events (CLI)');

C('--json prints one NDJSON line per record, equal field by field to what the program wrote', withEvents(async (l) => {
  l.run(20);
  const r = cli(['events', OBJECT, 'rb_events', '--pin', join(l.dir, 'maps/rb_events'), '--type', 'event', '--json', '--count', '20']);
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((x) => parseJson(x) as Record<string, unknown>);
  assert.is(lines.length, 20);
  lines.forEach((x, i) => {
    assert.is(x.map, 'rb_events');
    assert.is(x.size, 32);
    assert.ok(typeof x.time === 'string');
    assert.equal(x.value, printed(i, 'EVENT_RINGBUF', false), `line ${i}`);
  });
  // Under --json stderr is JSON too: the closing count is a notice object.
  assert.equal(r.stderr.trimEnd().split('\n').map((x) => JSON.parse(x)), [{ notice: 'events: 20 records, 0 lost', records: 20, lost: 0 }]);
}));

C('readable output (YAML) carries the same records, addresses as text; --filter picks by field', withEvents(async (l) => {
  l.run(10);
  const r = cli(['events', OBJECT, 'rb_events', '--pin', join(l.dir, 'maps/rb_events'), '--type', 'event', '--timeout', '0.5']);
  assert.is(r.status, 0, r.stderr);
  const docs = loadYaml().parse(r.stdout, { intAsBigInt: true }) as { value: Record<string, unknown> }[];
  assert.is(docs.length, 10);
  docs.forEach((d, i) => {
    const want = printed(i, 'EVENT_RINGBUF', true);
    for (const [k, v] of Object.entries(want)) assert.is(String(d.value[k]), String(v), `record ${i} ${k}`);
  });
  l.run(10);
  const f = cli(['events', OBJECT, 'rb_events', '--pin', join(l.dir, 'maps/rb_events'), '--type', 'event', '--json', '--filter', 'low=0x0e', '--filter', 'kind=EVENT_RINGBUF', '--timeout', '0.5']);
  assert.is(f.status, 0, f.stderr);
  const lines = f.stdout.trimEnd().split('\n');
  assert.is(lines.length, 1, f.stdout);
  assert.equal((parseJson(lines[0]!) as { value: unknown }).value, printed(14, 'EVENT_RINGBUF', false));
}));

C('perf event array: records with their CPU and the packet bytes as tail (hex, or decoded with --tail-type)', withEvents(async (l) => {
  const bg = cliAsync(['events', OBJECT, 'perf_events', '--pin', join(l.dir, 'maps/perf_events'), '--type', 'event', '--tail-type', 'pkt_head', '--json', '--count', '3', '--timeout', '20']);
  // The slots point at the CLI's perf events only once it has set them up: run until it has 3 records.
  for (let i = 0; i < 100 && bg.child.exitCode === null; i++) { l.run(1); await sleep(100); }
  const r = await bg.done;
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n').map((x) => parseJson(x) as { cpu: number; value: { seq: number }; tail: unknown });
  assert.is(lines.length, 3);
  const first = Number(lines[0]!.value.seq);
  lines.forEach((x, i) => {
    assert.ok(onlineCpus().includes(x.cpu), `cpu ${x.cpu}`);
    assert.equal(x.value, printed(first + i, 'EVENT_PERF', false));
    assert.equal(x.tail, { eth: { h_dest: [...PING.subarray(0, 6)], h_source: [...PING.subarray(6, 12)], h_proto: 0x0800 }, ip_start: [...PING.subarray(14, 20)] });
  });
}));

C('SIGTERM and SIGINT stop a waiting reader cleanly: exit 0, everything received printed, the summary on stderr', withEvents(async (l) => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    const bg = cliAsync(['events', OBJECT, 'rb_events', '--pin', join(l.dir, 'maps/rb_events'), '--type', 'event', '--json']);
    await sleep(300);
    l.run(5);
    for (let i = 0; i < 50 && bg.stdout().split('\n').length < 6; i++) await sleep(100);
    bg.child.kill(sig);
    const r = await bg.done;
    assert.is(r.status, 0, `${sig}: ${r.stderr}`);
    assert.is(r.stdout.trimEnd().split('\n').length, 5, sig);
    assert.match(r.stderr, /events: 5 records, 0 lost/, sig);
  }
}));

C('errors: a map that is not a ring, an unknown --type', withEvents(async (l) => {
  const bss = cli(['events', OBJECT, 'rb_events', '--pin', join(l.dir, 'maps/rb_events'), '--type', 'no_such_struct']);
  assert.is(bss.status, 3, bss.stderr);
  assert.match(bss.stderr, /--type no_such_struct: no type of that name/);
}));

C.run();

const CP = suite('bpfmap push (CLI, user ring buffer)');

CP('a list of typed values is pushed as records and comes back through the program; too many is MAP_FULL (exit 6, as for a full map) with nothing written', withEvents(async (l) => {
  const r = cli(['push', OBJECT, 'user_rb', '--pin-root', join(l.dir, 'maps'), '--type', 'event', '--json',
    '--value', "[{seq: 7, magic: 1, kind: EVENT_RINGBUF, saddr: 198.18.0.7, proto: 1, low: 7, pkt_len: 99}, {seq: 18446744073709551615, kind: EVENT_PERF}]"]);
  assert.is(r.status, 0, r.stderr);
  assert.equal(parseJson(r.stdout), { map: 'user_rb', pushed: 2 });
  l.drain();
  const e = cli(['events', OBJECT, 'rb_events', '--pin-root', join(l.dir, 'maps'), '--type', 'event', '--json', '--count', '2']);
  assert.is(e.status, 0, e.stderr);
  const got = e.stdout.trimEnd().split('\n').map((x) => (parseJson(x) as { value: unknown }).value);
  assert.equal(got, [
    { seq: 7, magic: 1, kind: 'EVENT_RINGBUF', saddr: [198, 18, 0, 7], proto: 1, low: 7, pkt_len: 99 },
    { seq: 18446744073709551615n, magic: 0, kind: 'EVENT_PERF', saddr: [0, 0, 0, 0], proto: 0, low: 0, pkt_len: 0 },
  ]);
  const many = `[${Array.from({ length: 500 }, (_, i) => `{seq: ${i}}`).join(',')}]`;
  const full = cli(['push', OBJECT, 'user_rb', '--pin-root', join(l.dir, 'maps'), '--type', 'event', '--value', many]);
  assert.is(full.status, 6, full.stderr);
  assert.match(full.stderr, /nothing was written/);
}));

CP.run();
