/**
 * readEvents: an async iterator of decoded records from a BPF_MAP_TYPE_RINGBUF or a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY. The rings are set up when readEvents returns (for a perf event
 * array, its slots then point at our perf events), so a caller can start the producer right after.
 */
import { readFileSync } from 'node:fs';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { toHex, type ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';
import { compileCodec, type Codec, type DecodeOptions } from '../codec/index.js';
import type { LiveMap } from '../map/index.js';
import { pageSize } from '../map/loader-def.js';
import { Epoll } from '../syscall/index.js';
import { RingbufReader } from './ringbuf.js';
import { PerfReader } from './perf.js';
import type { RawSink, RingReader } from './ring.js';
import { compileFilters, type EventFilter } from './filter.js';
import { compactJson } from '../text/json.js';
import { compileRecordLine, compileValueWriter, NdjsonBuffer, type RecordLineWriter } from './fast-ndjson.js';

export interface ReadEventsOptions {
  /** Type of each record; default: the map's own value type. Without either, the record is hex. */
  type?: TypeNode | null;
  /** Type of the bytes past `type` (e.g. a header); without it they are hex. */
  tailType?: TypeNode | null;
  /** Byte order of the types (the object's). Default: the map's. */
  byteOrder?: ByteOrder;
  /** Stop after this many records (that passed the filters). */
  count?: number;
  /** Stop after this long (ms) without regard to records. */
  timeoutMs?: number;
  /** `field.path=value` tests on the decoded record; all must hold. */
  filter?: readonly string[];
  decode?: DecodeOptions;
  /** Perf event arrays: data pages per CPU ring (a power of two; default 8). */
  perfPages?: number;
  /** Perf event arrays: the CPUs to open (default: the online ones). */
  cpus?: readonly number[];
  /** Aborting stops the stream after what was received is delivered. */
  signal?: AbortSignal;
  /** Called each time everything received has been delivered and the stream is about to wait (flush output here). */
  onWait?: () => void;
}

export interface EventRecord {
  readonly kind: 'record';
  readonly map: string;
  /** The CPU the record was sent on (perf event arrays only). */
  readonly cpu?: number;
  /** When bpfmap received it (ISO 8601, ms). */
  readonly time: string;
  /** Bytes of the record (perf: including the kernel's padding to 4 mod 8). */
  readonly size: number;
  /** The decoded record; hex when there is no type, null when the record is shorter than the type. */
  readonly value: unknown;
  /** Bytes past the type: hex, or decoded with tailType. */
  readonly tail?: unknown;
  /** Bytes past tailType, as hex. */
  readonly rest?: string;
}

export interface LostReport {
  readonly kind: 'lost';
  readonly map: string;
  readonly cpu: number;
  readonly time: string;
  /** Records the kernel dropped because the ring was full. */
  readonly lost: number;
}

export type EventItem = EventRecord | LostReport;

/** Online CPUs from a list like `0-3,8`. */
export function onlineCpus(text = readFileSync('/sys/devices/system/cpu/online', 'utf8')): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new BpfmapError(ERROR_CODE.SYSCALL, `/sys/devices/system/cpu/online: expected a CPU list like 0-3, got '${text.trim()}'`);
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

/** The longest single epoll wait: bounds how late a stop() or a timeout is noticed. */
const WAIT_SLICE_MS = 200;
/**
 * After a drain that found records, the next one comes after this timer instead of an epoll wait: a
 * consumer that sleeps in epoll_wait while records flow is woken for nearly every record (perf's
 * wakeup_events is 1, a ring buffer wakes whenever its consumer has caught up), and on two CPUs those
 * wake-ups slowed the producer of bench/noloss.ts from 200,000 to 175,000 runs/s (perf map alone) and
 * to 88,000 (both maps at once); with this timer it keeps 200,000. A drain that finds nothing goes
 * back to epoll, so a lone record is still seen at once.
 */
const BUSY_POLL_MS = 1;
/**
 * A drain that found this many records drains again on the next turn of the event loop instead of
 * after the timer: at millions of records a second a 64 KiB ring fills in a fraction of that
 * millisecond and drops the rest. bench/events.ts, three alternating pairs on an idle machine
 * (2026-12-08, C consumer 3.8-5.4 M records/s): 0.87-0.94 M records/s with the timer alone (using a
 * third of a CPU), 3.85-4.39 M/s with this. Below it the timer stays: bench/noloss.ts (about 200
 * records per millisecond) kept its producer at 198,000-199,000 runs/s with nothing lost either way.
 */
const DRAIN_AGAIN = 512;
/** Records decoded per drain before they are handed out (bounds the queue's memory). */
const DRAIN_BATCH = 4096;

export class EventStream implements AsyncIterable<EventItem> {
  readonly map: string;
  /** Records delivered so far. */
  records = 0;
  /** Records the kernel reported lost so far (perf), summed over CPUs. */
  lost = 0;
  private readonly reader: RingReader;
  private readonly epoll: Epoll;
  private readonly codec: Codec | null;
  private readonly tailCodec: Codec | null;
  private readonly decode: DecodeOptions;
  private readonly filter: EventFilter | null;
  private readonly count: number;
  private readonly deadline: number;
  private queue: EventItem[] = [];
  /** Records (not lost reports) in `queue`. */
  private queuedRecords = 0;
  private stopped = false;
  private closed = false;
  private time = '';
  private readonly sink: RawSink;
  private readonly onWait: (() => void) | undefined;
  /** The fast NDJSON line writer (fast-ndjson.ts), or null when the types or a filter rule it out. */
  private readonly line: RecordLineWriter | null;

  constructor(live: LiveMap, opts: ReadEventsOptions = {}) {
    const type = live.info.typeName;
    this.map = live.schema.name;
    const order = opts.byteOrder ?? live.byteOrder;
    const node = opts.type ?? live.schema.value ?? null;
    this.codec = node ? compileCodec(node, { byteOrder: order, size: node.size, root: 'value' }) : null;
    this.tailCodec = opts.tailType ? compileCodec(opts.tailType, { byteOrder: order, size: opts.tailType.size, root: 'value' }) : null;
    this.decode = opts.decode ?? {};
    this.filter = opts.filter && opts.filter.length > 0 ? compileFilters(opts.filter) : null;
    this.count = opts.count ?? Infinity;
    this.onWait = opts.onWait;
    this.line = fastLine(this.map, node, opts.tailType ?? null, order, this.decode, this.filter !== null);
    this.deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
    const page = pageSize();
    if (type === 'ringbuf') {
      this.reader = new RingbufReader(live.fd, live.info.maxEntries, page, live.subject);
    } else if (type === 'perf_event_array') {
      const pages = opts.perfPages ?? 8;
      if (!Number.isInteger(pages) || pages < 1 || (pages & (pages - 1)) !== 0) {
        throw new BpfmapError(ERROR_CODE.USAGE, `\`perfPages\`: expected a power of two, got ${pages}`);
      }
      const cpus = (opts.cpus ?? onlineCpus()).filter((c) => c < live.info.maxEntries);
      this.reader = new PerfReader(live.fd, cpus, page, pages, live.subject);
    } else {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${live.subject}: events are read from ringbuf and perf_event_array maps, got ${type}`);
    }
    try {
      this.epoll = new Epoll();
      for (const fd of this.reader.fds) this.epoll.add(fd, live.subject);
    } catch (e) {
      this.reader.close();
      throw e;
    }
    opts.signal?.addEventListener('abort', () => this.stop(), { once: true });
    if (opts.signal?.aborted) this.stop();
    this.sink = {
      record: (bytes, off, len, cpu) => this.onRecord(bytes, off, len, cpu),
      lost: (n, cpu) => {
        this.lost += n;
        this.queue.push({ kind: 'lost', map: this.map, cpu, time: this.time, lost: n });
      },
    };
  }

  private onRecord(bytes: Uint8Array, off: number, len: number, cpu: number): void {
    if (this.records + this.queuedRecords >= this.count) return;
    const c = this.codec;
    let value: unknown;
    let tail: unknown;
    let rest: string | undefined;
    let used = 0;
    if (c === null) {
      value = toHex(bytes.subarray(off, off + len));
      used = len;
    } else if (len < c.size) {
      value = null;
    } else {
      value = c.decode(bytes, off, this.decode);
      used = c.size;
    }
    if (this.filter && !this.filter(value)) return;
    if (used < len) {
      const t = bytes.subarray(off + used, off + len);
      const tc = this.tailCodec;
      if (tc && t.length >= tc.size) {
        tail = tc.decode(t, 0, this.decode);
        if (t.length > tc.size) rest = toHex(t.subarray(tc.size));
      } else {
        tail = toHex(t);
      }
    }
    const r: { -readonly [K in keyof EventRecord]: EventRecord[K] } = cpu >= 0
      ? { kind: 'record', map: this.map, cpu, time: this.time, size: len, value }
      : { kind: 'record', map: this.map, time: this.time, size: len, value };
    if (tail !== undefined) r.tail = tail;
    if (rest !== undefined) r.rest = rest;
    this.queue.push(r);
    this.queuedRecords++;
  }

  /** Moves what is in the rings into the queue; returns how many items are queued. */
  private fill(): number {
    this.time = new Date().toISOString();
    const room = Math.min(DRAIN_BATCH, this.count - this.records);
    if (room > 0) this.reader.drain(this.sink, room);
    return this.queue.length;
  }

  /** Ends the stream after what has been received is delivered (safe from a signal handler). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * The same items as the iterator, in the arrays they were drained in (up to DRAIN_BATCH): one await
   * per batch instead of one per record, for consumers that keep up with a busy ring (the CLI).
   */
  async *batches(): AsyncGenerator<EventItem[]> {
    try {
      let found = 0;
      for (;;) {
        if (this.queue.length === 0 && this.records < this.count) this.fill();
        if (this.queue.length > 0) {
          const q = this.queue;
          this.queue = [];
          this.records += this.queuedRecords;
          this.queuedRecords = 0;
          found += q.length;
          yield q;
          continue;
        }
        if (this.records >= this.count || this.stopped) return;
        const left = this.deadline - Date.now();
        if (left <= 0) return;
        await this.wait(left, found);
        found = 0;
      }
    } finally {
      this.close();
    }
  }

  /**
   * The items as NDJSON (what `bpfmap events --json` prints: each item without its `kind`), in chunks
   * of whole lines. A chunk is valid until the next iteration (its buffer is reused). `fast: false`
   * forces the plain path (decode, then compactJson) that the fast one must equal byte for byte.
   */
  async *ndjson(opts: { fast?: boolean } = {}): AsyncGenerator<Uint8Array> {
    const line = opts.fast === false ? null : this.line;
    if (line === null) {
      const out = new NdjsonBuffer(1 << 16);
      for await (const batch of this.batches()) {
        out.pos = 0;
        for (const x of batch) out.text(`${compactJson(shown(x))}\n`);
        yield out.buf.subarray(0, out.pos);
      }
      return;
    }
    const out = new NdjsonBuffer(FAST_CHUNK + (1 << 16));
    const time = new Uint8Array(24);
    const sink: RawSink = {
      record: (bytes, off, len, cpu) => {
        if (this.records >= this.count) return;
        line(out, time, bytes, off, len, cpu);
        this.records++;
      },
      lost: (n, cpu) => {
        this.lost += n;
        out.text(`${compactJson({ map: this.map, cpu, time: this.time, lost: n })}\n`);
      },
    };
    try {
      for (;;) {
        let more = false;
        const before = this.records;
        if (this.records < this.count) {
          this.time = new Date().toISOString();
          for (let i = 0; i < 24; i++) time[i] = this.time.charCodeAt(i);
          const max = Math.min(FAST_BATCH, this.count - this.records);
          more = this.reader.drain(sink, max) === max;
        }
        if (out.pos >= FAST_CHUNK || (out.pos > 0 && !more)) {
          yield out.buf.subarray(0, out.pos);
          out.pos = 0;
        }
        if (more) continue;
        if (this.records >= this.count || this.stopped) return;
        const left = this.deadline - Date.now();
        if (left <= 0) return;
        await this.wait(left, this.records - before);
      }
    } finally {
      this.close();
    }
  }

  /**
   * Waits for records after a drain that found `found`: none, epoll; a few, a short timer; many, the
   * next turn of the event loop (see DRAIN_AGAIN).
   */
  private async wait(left: number, found: number): Promise<void> {
    this.onWait?.();
    if (found >= DRAIN_AGAIN) await new Promise((resolve) => setImmediate(resolve));
    else if (found > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(left, BUSY_POLL_MS)));
    else await this.epoll.wait(Math.min(left, WAIT_SLICE_MS));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EventItem> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * Unmaps the rings and closes the fds it opened (the map itself stays open: the caller's). Iterating
   * to the end does it; call it for a stream that is never iterated (its perf events stay in the map
   * until then).
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    this.reader.close();
    this.epoll.close();
  }
}

/** Bytes of NDJSON gathered before a chunk is handed out, and records per drain, on the fast path. */
const FAST_CHUNK = 1 << 18;
const FAST_BATCH = 16384;

/** What is printed for an item: the item without its `kind`. */
function shown(x: EventItem): Record<string, unknown> {
  const { kind: _kind, ...rest } = x;
  return rest;
}

function fastLine(map: string, node: TypeNode | null, tail: TypeNode | null, order: ByteOrder, decode: DecodeOptions, filtered: boolean): RecordLineWriter | null {
  if (filtered || ('' + map).length > 256) return null;
  const value = node ? compileValueWriter(node, order, decode) : null;
  if (node && !value) return null;
  const tailWriter = tail ? compileValueWriter(tail, order, decode) : null;
  if (tail && !tailWriter) return null;
  return compileRecordLine({ map, value, tail: tailWriter });
}

/** Opens the rings of a ringbuf or perf event array map; iterate the result for decoded records. */
export function readEvents(live: LiveMap, opts: ReadEventsOptions = {}): EventStream {
  return new EventStream(live, opts);
}
