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
import { findMap, loadSource, openMap, readEvents, type EventItem, type EventRecord, type LiveMap } from '../src/index.js';

const OBJECT = join(ROOT, 'fixtures/events.bpfel.o');
const SRC = '198.18.0.2';
const PING = icmpEcho(SRC, '198.18.0.1');

interface Loaded {
  dir: string;
  prog: string;
  /** Runs the program `repeat` times on PING (blocking: the rings keep what it writes). */
  run(repeat: number): void;
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
            run: (repeat) => { execFileSync('bpftool', ['prog', 'run', 'pinned', prog, 'data_in', pkt, 'repeat', String(repeat)]); },
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

R.run();
