/**
 * NDJSON state input, streamed: the file is read in blocks, each block's complete lines are parsed
 * and encoded straight into the desired tables, so memory holds encoded bytes, never a million
 * decoded objects. Fast path: a line whose key and value are plain structs / arrays / integers is
 * read byte by byte straight into the tables (fast-json.ts); any other line is parsed with the exact
 * JSON parser (64-bit integers never rounded) and encoded by the codec, which also words the errors.
 *
 * A stream may end with a trailer line, `{"trailer":true,"entries":N,"maps":{"NAME":N}}` (what
 * `bpfmap dump --ndjson` writes last): it counts the entry records since the previous trailer (or
 * the start; concatenated dumps each carry their own), and a count that does not match refuses the
 * whole stream. A stream whose last record is a trailer is complete (state.ndjson.complete): a
 * cut-off stream never is, whatever line it was cut after. Every reader path sees the trailer: it is
 * not a canonical record, so the matcher and the fast reader give it to the exact parser.
 */
import { fstatSync, read, readSync } from 'node:fs';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { clip, parseJson } from '../text/json.js';
import { utf8Text } from '../text/utf8.js';
import type { DesiredState } from './state.js';
import type { DesiredMap } from './desired-state.js';
import { readFast, ws, type FastNode } from './fast-json.js';
import { adviseHugePages } from '../map/index.js';
import { compileLineMatcher, learnLineMatcher, type LineMatcher } from './fast-line-matcher.js';

const BLOCK = 1 << 20;
/**
 * The longest NDJSON line read (bytes). A longer line is refused while still in bytes, before it
 * grows the buffer further or becomes a string: the biggest value the kernel takes (4 MiB) written
 * as JSON byte lists fits with room to spare.
 */
export const MAX_LINE_BYTES = 32 << 20;
/** Tables may be sized up front for at most max(file size, this) bytes. */
const RESERVE_MIN = 64 << 20;

/** A read buffer of `n` bytes in memory of its own (advised huge pages when big). */
function bigBuffer(n: number): Buffer {
  const b = adviseHugePages(new Uint8Array(n));
  return Buffer.from(b.buffer, 0, n);
}

/** Reads NDJSON from a file descriptor into `state`; `onProgress` gets the bytes read so far. */
export function readNdjsonFd(fd: number, state: DesiredState, first: Uint8Array = new Uint8Array(0),
  onProgress?: (bytes: number) => void): void {
  // One buffer: the unfinished last line of a block moves to the front and the next read goes after
  // it (a line longer than the buffer grows it).
  let buf = bigBuffer(Math.max(2 * BLOCK, first.byteLength + BLOCK));
  buf.set(first, 0);
  let have = first.byteLength;
  const ctx = newContext(fileSize(fd), 1);
  let total = have;
  for (;;) {
    if (buf.byteLength - have < BLOCK / 2) {
      const next = bigBuffer(buf.byteLength * 2);
      next.set(buf.subarray(0, have), 0);
      buf = next;
    }
    let n: number;
    try {
      n = readSync(fd, buf, have, buf.byteLength - have, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      throw new BpfmapError(ERROR_CODE.IO, `${state.source}: cannot read (${code ?? String(e)})`);
    }
    total += n;
    have += n;
    if (n === 0) {
      if (have) { checkTail(have, state, ctx); parseBlock(buf, 0, have, state, ctx); }
      return;
    }
    const end = buf.lastIndexOf(0x0a, have - 1);
    if (end < 0) { checkTail(have, state, ctx); continue; }
    parseBlock(buf, 0, end + 1, state, ctx);
    buf.copyWithin(0, end + 1, have);
    have -= end + 1;
    checkTail(have, state, ctx);
    onProgress?.(total);
  }
}

/** Room before each block of the asynchronous reader for the unfinished line of the one before. */
const HEAD = 64 << 10;
/**
 * Block size of the asynchronous reader: bigger than the synchronous one's (whose blocks are parsed
 * while still in this core's cache), as here the other core copies them and fewer hand-overs win.
 */
const ASYNC_BLOCK = 4 << 20;

/**
 * The same as readNdjsonFd, but the next block is read on libuv's thread pool while this one is
 * parsed: the copy out of the page cache (a fifth of the time for a big file) then happens on the
 * other core.
 */
export async function readNdjsonFdAsync(fd: number, state: DesiredState, first: Uint8Array = new Uint8Array(0),
  onProgress?: (bytes: number) => void): Promise<void> {
  await readNdjsonAsync({ size: fileSize(fd), read: (buf, off, len) => readAsync(fd, buf, off, len, state.source) }, state, first, onProgress);
}

/** Where the asynchronous reader gets its bytes: `read` resolves 0 at the end; `cancel` ends a read still waiting. */
export interface AsyncByteSource {
  /** Bytes expected in all (0: unknown); tables are sized from it. */
  size: number;
  read(buf: Buffer, off: number, len: number): Promise<number>;
  cancel?(): void;
}

/** readNdjsonFdAsync over any source of bytes (a file on the thread pool, stdin through a stream). */
export async function readNdjsonAsync(src: AsyncByteSource, state: DesiredState, first: Uint8Array = new Uint8Array(0),
  onProgress?: (bytes: number) => void): Promise<void> {
  const ctx = newContext(src.size, 1);
  // Two buffers: one is parsed while the next block is read into the other. A block is read to
  // just past HEAD and the unfinished last line of the block before is copied in front of it (or,
  // when longer than HEAD, joined with it in a new buffer).
  const bufs = [bigBuffer(HEAD + ASYNC_BLOCK), bigBuffer(HEAD + ASYNC_BLOCK)];
  let tail: Uint8Array = first;
  let total = first.byteLength;
  let cur = 0;
  let pending = src.read(bufs[0]!, HEAD, ASYNC_BLOCK);
  try {
    for (;;) {
      const n = await pending;
      if (n === 0) {
        if (tail.byteLength) {
          checkTail(tail.byteLength, state, ctx);
          const last = Buffer.from(tail);
          parseBlock(last, 0, last.byteLength, state, ctx);
        }
        return;
      }
      total += n;
      let data = bufs[cur]!;
      let start = HEAD - tail.byteLength;
      let stop = HEAD + n;
      if (start >= 0) data.set(tail, start);
      else { data = Buffer.concat([tail, data.subarray(HEAD, stop)]); start = 0; stop = data.byteLength; }
      // The tail is copied: the other buffer is free for the next read.
      cur ^= 1;
      pending = src.read(bufs[cur]!, HEAD, ASYNC_BLOCK);
      const nl = data.lastIndexOf(0x0a, stop - 1);
      if (nl < start) { tail = data.subarray(start, stop); checkTail(tail.byteLength, state, ctx); continue; }
      parseBlock(data, start, nl + 1, state, ctx);
      tail = data.subarray(nl + 1, stop);
      checkTail(tail.byteLength, state, ctx);
      onProgress?.(total);
    }
  } finally {
    // Never leave a read running into a buffer (or on a descriptor the caller is about to close).
    src.cancel?.();
    await pending.catch(() => 0);
  }
}

/** An unfinished line already longer than the limit: refused before reading more of it. */
function checkTail(bytes: number, state: DesiredState, ctx: BlockContext): void {
  if (bytes > MAX_LINE_BYTES) throw lineTooLong(state, ctx.line, bytes, true);
}

function lineTooLong(state: DesiredState, line: number, bytes: number, atLeast: boolean): ValueError {
  return new ValueError(`${state.source}:${line}`,
    `line of ${atLeast ? 'more than ' : ''}${bytes} bytes; NDJSON lines are limited to ${MAX_LINE_BYTES} bytes (${MAX_LINE_BYTES >> 20} MiB)`);
}

function readAsync(fd: number, buf: Buffer, off: number, len: number, source: string): Promise<number> {
  const p = new Promise<number>((resolve, reject) => {
    const go = (): void => {
      read(fd, buf, off, len, null, (err, n) => {
        if (!err) resolve(n);
        else if (err.code === 'EAGAIN') setImmediate(go);
        else reject(new BpfmapError(ERROR_CODE.IO, `${source}: cannot read (${err.code ?? String(err)})`));
      });
    };
    go();
  });
  p.catch(() => 0); // awaited by the caller; this only keeps an abandoned read from being "unhandled"
  return p;
}

function newContext(size: number, line: number): BlockContext {
  return { line, matcher: null, matchers: new Map(), sized: false, fileSize: size, misses: 0, retryAt: 0, learned: 0, lastName: null };
}

/** After this many lines in a row that the canonical matcher did not take, it rests for MATCHER_PAUSE lines. */
const MATCHER_MISSES = 8;
/** Matchers learned from lines written another way (learnLineMatcher), at most, per input. */
const MAX_LEARNED = 16;
const MATCHER_PAUSE = 4096;

/** What parsing carries from one block to the next. */
interface BlockContext {
  line: number;
  /** The canonical-line matcher of the map the last fast line named, tried first on every line. */
  matcher: Matcher | null;
  /** Matchers made so far, by map and by the name the lines give it. */
  matchers: Map<DesiredMap, Map<string, Matcher>>;
  /** Whether the first map's tables were sized from the file size yet. */
  sized: boolean;
  fileSize: number;
  /** Lines in a row the matcher did not take, and the line from which it is tried again. */
  misses: number;
  retryAt: number;
  /** Matchers learned so far (MAX_LEARNED). */
  learned: number;
  /** The map name bytes the fast reader looked up last and the map they named (one input, one state). */
  lastName: { name: Uint8Array; m: DesiredMap } | null;
}

interface Matcher {
  readonly m: DesiredMap;
  readonly name: Buffer;
  /** Null when the map's records are too big for one (the fast reader takes them). */
  readonly fn: LineMatcher | null;
}

function matcherFor(ctx: BlockContext, m: DesiredMap, b: Uint8Array, ns: number, ne: number): Matcher {
  const name = Buffer.from(b.subarray(ns, ne));
  const text = name.toString('latin1');
  let byName = ctx.matchers.get(m);
  if (!byName) { byName = new Map(); ctx.matchers.set(m, byName); }
  let t = byName.get(text);
  if (!t) {
    const plan = m.fast!;
    t = { m, name, fn: compileLineMatcher(name, plan.key, plan.value) };
    byName.set(text, t);
  }
  return t;
}

const sameBytes = (a: Uint8Array, b: Uint8Array, s: number, e: number): boolean => {
  if (e - s !== a.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[s + i]) return false;
  return true;
};

function fileSize(fd: number): number {
  try {
    const st = fstatSync(fd);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/**
 * Parses the lines in b[pos, len) (len is just past a newline, or the end of the input). Each line
 * goes the fastest way it can: the canonical-line matcher, the fast reader, else the exact way.
 */
function parseBlock(b: Uint8Array, pos: number, len: number, state: DesiredState, ctx: BlockContext): void {
  let line = ctx.line;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let matched = 0;
  const nd = state.ndjson;
  while (pos < len) {
    const t = ctx.matcher;
    let missed = false;
    if (t !== null && t.fn !== null && line >= ctx.retryAt) {
      pos = matchRun(t.m, t.fn, b, dv, pos, len, line);
      missed = true;
      if (runLength > 0) {
        nd.complete = false;
        ctx.misses = 0;
      } else if (++ctx.misses >= MATCHER_MISSES) {
        // Lines written another way than the canonical one: stop trying the matcher on each of them.
        ctx.retryAt = line + MATCHER_PAUSE;
        ctx.misses = 0;
      }
      line += runLength;
      matched += runLength;
      if (pos >= len) break;
    }
    let e = b.indexOf(0x0a, pos);
    if (e < 0 || e > len) e = len;
    if (e - pos > MAX_LINE_BYTES) throw lineTooLong(state, line, e - pos, false);
    if (!fastRecord(b, pos, e, state, line, ctx)) {
      const text = utf8Text(b, `${state.source}:${line}`, pos, e);
      if (text.trim() !== '') {
        nd.complete = false;
        applyRecord(exactLine(text, state, line), state, line);
        state.lines.exact++;
      }
    } else if (hit.m !== null) {
      nd.complete = false;
      state.lines.fast++;
      const m = hit.m;
      if (!ctx.sized) {
        ctx.sized = true;
        // The first record's length tells about how many records a big file holds: size the tables
        // once instead of doubling them all the way up. Only a guess, so never more bytes than the
        // file has (or 64 MiB): a short first line must not make a huge allocation.
        if (ctx.fileSize > 0) {
          const guess = Math.ceil(ctx.fileSize / Math.max(16, e - pos + 1));
          const perEntry = m.keys.recordSize + m.values.recordSize + 4;
          m.reserve(Math.min(guess, Math.floor(Math.max(ctx.fileSize, RESERVE_MIN) / perEntry)));
        }
      }
      // The same name as the line before (which set the matcher) needs no second comparison.
      if (!t || t.m !== m || (!hit.sameName && !sameBytes(t.name, b, hit.ns, hit.ne))) ctx.matcher = matcherFor(ctx, m, b, hit.ns, hit.ne);
      else if (missed && ctx.learned < MAX_LEARNED) {
        // Written another way than the matcher's: learn this line's way (the next lines are likely the same).
        ctx.learned++;
        const ks = m.keys.recordSize, vs = m.values.recordSize, i = m.keys.count - 1;
        const fn = learnLineMatcher(b, pos, e, t.name, m.fast!.key, m.fast!.value,
          m.keys.bytes.subarray(i * ks, i * ks + ks), m.values.bytes.subarray(i * vs, i * vs + vs));
        if (fn) {
          ctx.matcher = { m, name: t.name, fn };
          ctx.misses = 0;
          ctx.retryAt = 0;
        }
      }
    }
    pos = e + 1;
    line++;
  }
  state.lines.matched += matched;
  ctx.line = line;
}
/** Lines the last matchRun took. */
let runLength = 0;

/**
 * Reads the canonical lines from b[pos] on with `fn` (the hot loop, kept apart from the rest of
 * parseBlock so that its optimised code never meets the other paths); returns the position of the
 * first line it does not take (len when it took them all), their number in runLength.
 */
function matchRun(m: DesiredMap, fn: LineMatcher, b: Uint8Array, dv: DataView, pos: number, len: number, line: number): number {
  const keys = m.keys, values = m.values;
  let n = 0;
  while (pos < len) {
    const ko = keys.append();
    const vo = values.append();
    const q = fn(b, dv, pos, len, keys.bytes, ko, values.bytes, vo);
    if (q < 0 || !(q === len || b[q] === 0x0a || (b[q] === 0x0d && (q + 1 === len || b[q + 1] === 0x0a)))) {
      m.dropSlot();
      break;
    }
    m.commitSlot(line + n);
    n++;
    pos = b[q] === 0x0d ? q + 2 : q + 1;
  }
  runLength = n;
  return pos;
}

/** Text lines (tests and small inputs): the same as parseBlock; returns the next line number. */
export function parseLines(text: string, state: DesiredState, line: number): number {
  const b = Buffer.from(text, 'utf8');
  const ctx = newContext(0, line);
  parseBlock(b, 0, b.byteLength, state, ctx);
  return ctx.line;
}

const K_MAP = Buffer.from('map'), K_KEY = Buffer.from('key'), K_VALUE = Buffer.from('value');
const eq = (b: Uint8Array, s: number, e: number, k: Uint8Array) => {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false;
  return true;
};

/** The map and where its name is in the line, of the last line fastRecord read (reused). */
const hit: { m: DesiredMap | null; ns: number; ne: number; sameName: boolean } = { m: null, ns: 0, ne: 0, sameName: false };

/**
 * `{"map":"NAME","key":...,"value":...}` read straight into the tables (and `hit` set); false: take
 * the exact path.
 */
function fastRecord(b: Uint8Array, s: number, e: number, state: DesiredState, line: number, ctx: BlockContext): boolean {
  hit.m = null;
  let pos = ws(b, s, e);
  if (pos === e) return true; // blank line
  if (b[pos] !== 0x7b) return false;
  pos = ws(b, pos + 1, e);
  let m: DesiredMap | null = null;
  let plan: { key: FastNode; value: FastNode } | null = null;
  let seenKey = false, seenValue = false;
  // Where the key and value are when they come before the map's name (read once the map is known).
  let keyAt = -1, keyEnd = -1, valueAt = -1, valueEnd = -1;
  const giveUp = () => { if (plan) m!.dropSlot(); return false; };
  for (;;) {
    if (b[pos] !== 0x22) return giveUp();
    const ks = pos + 1;
    let ke = ks;
    while (ke < e && b[ke] !== 0x22 && b[ke] !== 0x5c) ke++;
    if (b[ke] !== 0x22) return giveUp();
    pos = ws(b, ke + 1, e);
    if (b[pos] !== 0x3a) return giveUp();
    pos = ws(b, pos + 1, e);
    if (eq(b, ks, ke, K_MAP)) {
      if (m || b[pos] !== 0x22) return giveUp();
      const ns = pos + 1;
      let ne = ns;
      while (ne < e && b[ne] !== 0x22 && b[ne] !== 0x5c && b[ne]! < 0x80) ne++;
      if (b[ne] !== 0x22 || ne === ns) return giveUp();
      const last = ctx.lastName;
      hit.sameName = last !== null && sameBytes(last.name, b, ns, ne);
      if (hit.sameName) m = last!.m;
      else {
        m = state.map(Buffer.from(b.buffer, b.byteOffset + ns, ne - ns).toString('latin1'), `${state.source}:${line}`);
        // A copy, in a plain Uint8Array: the block's bytes are reused.
        ctx.lastName = { name: new Uint8Array(b.subarray(ns, ne)), m };
      }
      hit.ns = ns; hit.ne = ne;
      plan = m.fast;
      if (!plan) return false;
      m.openSlot();
      pos = ne + 1;
      if (keyAt >= 0 && readFast(plan.key, b, keyAt, e, m.keys.bytes, (m.keys.count - 1) * m.keys.recordSize) !== keyEnd) return giveUp();
      if (valueAt >= 0 && readFast(plan.value, b, valueAt, e, m.values.bytes, (m.values.count - 1) * m.values.recordSize) !== valueEnd) return giveUp();
    } else if (!seenKey && eq(b, ks, ke, K_KEY)) {
      if (plan) pos = readFast(plan.key, b, pos, e, m!.keys.bytes, (m!.keys.count - 1) * m!.keys.recordSize);
      else { keyAt = pos; pos = keyEnd = skipValue(b, pos, e); }
      if (pos < 0) return giveUp();
      seenKey = true;
    } else if (!seenValue && eq(b, ks, ke, K_VALUE)) {
      if (plan) pos = readFast(plan.value, b, pos, e, m!.values.bytes, (m!.values.count - 1) * m!.values.recordSize);
      else { valueAt = pos; pos = valueEnd = skipValue(b, pos, e); }
      if (pos < 0) return giveUp();
      seenValue = true;
    } else return giveUp();
    pos = ws(b, pos, e);
    if (b[pos] === 0x2c) { pos = ws(b, pos + 1, e); continue; }
    if (b[pos] !== 0x7d) return giveUp();
    if (ws(b, pos + 1, e) !== e || !seenKey || !seenValue || !plan) return giveUp();
    m!.commitSlot(line);
    hit.m = m;
    return true;
  }
}

/**
 * The end of the JSON value at b[pos] (a key or value met before the map's name), without reading
 * it; -1 for anything but an object or array (what readFast takes first), or when it does not end
 * within the line. Strings are skipped with their escapes.
 */
function skipValue(b: Uint8Array, pos: number, e: number): number {
  const open = b[pos];
  if (open !== 0x7b && open !== 0x5b) return -1;
  let depth = 0;
  for (; pos < e; pos++) {
    const c = b[pos];
    if (c === 0x22) {
      for (pos++; pos < e && b[pos] !== 0x22; pos++) if (b[pos] === 0x5c) pos++;
      if (pos >= e) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return pos + 1;
    }
  }
  return -1;
}

/**
 * The trailer `{"trailer":true,"entries":N,"maps":{"NAME":N}}`: the entry records since the previous
 * trailer must be exactly these, else the stream is refused (something was cut out or added).
 */
function readTrailer(o: Record<string, unknown>, state: DesiredState, where: string): void {
  const nd = state.ndjson;
  for (const k of Object.keys(o)) {
    if (k !== 'trailer' && k !== 'entries' && k !== 'maps') throw new ValueError(`${where}: ${clip(k, 40)}`, 'unknown trailer field; expected trailer, entries, maps');
  }
  if (o.trailer !== true) throw new ValueError(`${where}: trailer`, `expected true, got ${clip(String(o.trailer), 40)}`);
  const count = (v: unknown, at: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ValueError(`${where}: ${at}`, `expected an entry count (an integer >= 0), got ${clip(typeof v === 'string' ? `'${v}'` : String(v), 40)}`);
    return v;
  };
  const entries = count(o.entries, 'entries');
  const maps = o.maps ?? {};
  if (typeof maps !== 'object' || maps === null || Array.isArray(maps)) throw new ValueError(`${where}: maps`, 'expected a mapping of map names to entry counts');
  // Entries each map got since the previous trailer.
  const got = new Map<DesiredMap, number>();
  let total = 0;
  for (const m of state.maps.values()) {
    const d = m.count - (nd.base.get(m) ?? 0);
    if (d) got.set(m, d);
    total += d;
  }
  const named = new Set<DesiredMap>();
  for (const [name, v] of Object.entries(maps as Record<string, unknown>)) {
    const n = count(v, `maps.${clip(name, 40)}`);
    const m = state.map(name, where);
    const have = got.get(m) ?? 0;
    if (have !== n) {
      throw new ValueError(where, `trailer: map '${clip(name, 40)}': expected ${n} entries, got ${have} in the stream; the input is incomplete or was changed, nothing is applied`);
    }
    named.add(m);
  }
  for (const [m, d] of got) {
    if (!named.has(m)) throw new ValueError(where, `trailer: ${d} entries of map '${m.map.name}', which the trailer does not list; the input was changed, nothing is applied`);
  }
  if (total !== entries) {
    throw new ValueError(where, `trailer: expected ${entries} entries, got ${total} in the stream; the input is incomplete or was changed, nothing is applied`);
  }
  for (const m of state.maps.values()) nd.base.set(m, m.count);
  nd.trailers++;
  nd.complete = true;
}

function exactLine(l: string, state: DesiredState, line: number): unknown {
  try {
    return parseJson(l);
  } catch (e) {
    throw new ValueError(`${state.source}:${line}`, (e as Error).message.replace(/^: /, ''));
  }
}

/** One NDJSON record: `{map, key, value}`, or `{map, prune: true}`, or `{map, variables: {...}}`. */
function applyRecord(rec: unknown, state: DesiredState, line: number): void {
  const where = `${state.source}:${line}`;
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
    throw new ValueError(where, `expected an object {"map": ..., "key": ..., "value": ...}, got ${Array.isArray(rec) ? 'a list' : rec === null ? 'null' : typeof rec}`);
  }
  const o = rec as Record<string, unknown>;
  if (o.trailer !== undefined) { readTrailer(o, state, where); return; }
  // The header of a snapshot (src/migrate/snapshot.ts): the schema its entries were read with.
  if (o.snapshot !== undefined && o.map === undefined) return;
  const m = state.map(o.map, where);
  let used = false;
  if (o.prune !== undefined) {
    if (typeof o.prune !== 'boolean') throw new ValueError(where, `prune: expected true or false, got ${String(o.prune)}`);
    m.prune = o.prune;
    used = true;
  }
  if (o.variables !== undefined) { m.setVariables(o.variables, `${where}: variables`); used = true; }
  if (o.key !== undefined || o.value !== undefined || !used) m.add(o.key, o.value, line, where);
}
