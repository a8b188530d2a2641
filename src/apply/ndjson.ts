/**
 * NDJSON state input, streamed: the file is read in blocks, each block's complete lines are parsed
 * and encoded straight into the desired tables, so memory holds encoded bytes, never a million
 * decoded objects. Fast path: a line whose key and value are plain structs / arrays / integers is
 * read byte by byte straight into the tables (fast-json.ts); any other line is parsed with the exact
 * JSON parser (64-bit integers never rounded) and encoded by the codec, which also words the errors.
 */
import { readSync } from 'node:fs';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { parseJson } from '../json.js';
import type { DesiredState } from './state.js';
import type { DesiredMap } from './desired-state.js';
import { readFast, ws, type FastNode } from './fast-json.js';

const BLOCK = 1 << 20;

/** Reads NDJSON from a file descriptor into `state`; `onProgress` gets the bytes read so far. */
export function readNdjsonFd(fd: number, state: DesiredState, first: Uint8Array = new Uint8Array(0),
  onProgress?: (bytes: number) => void): void {
  const buf = Buffer.allocUnsafe(BLOCK);
  let carry = Buffer.from(first);
  let line = 1;
  let total = first.byteLength;
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, BLOCK, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      throw new BpfmapError(ERROR_CODE.IO, `${state.source}: cannot read (${code ?? String(e)})`);
    }
    total += n;
    const data = carry.byteLength ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
    if (n === 0) {
      if (data.byteLength) line = parseBlock(data, data.byteLength, state, line);
      return;
    }
    const end = data.lastIndexOf(0x0a);
    if (end < 0) { carry = Buffer.from(data); continue; }
    line = parseBlock(data, end + 1, state, line);
    carry = Buffer.from(data.subarray(end + 1));
    onProgress?.(total);
  }
}

/**
 * Parses the lines in b[0, len) (starting at line number `line`); returns the next line number. Each
 * line goes the fast way when it can (see fast-json.ts), else the exact way.
 */
function parseBlock(b: Uint8Array, len: number, state: DesiredState, line: number): number {
  let pos = 0;
  while (pos < len) {
    let e = b.indexOf(0x0a, pos);
    if (e < 0 || e > len) e = len;
    if (!fastRecord(b, pos, e, state, line)) {
      const text = Buffer.from(b.buffer, b.byteOffset + pos, e - pos).toString('utf8');
      if (text.trim() !== '') applyRecord(exactLine(text, state, line), state, line);
    }
    pos = e + 1;
    line++;
  }
  return line;
}

/** Text lines (tests and small inputs): the same as parseBlock. */
export function parseLines(text: string, state: DesiredState, line: number): number {
  const b = Buffer.from(text, 'utf8');
  return parseBlock(b, b.byteLength, state, line);
}

const K_MAP = Buffer.from('map'), K_KEY = Buffer.from('key'), K_VALUE = Buffer.from('value');
const eq = (b: Uint8Array, s: number, e: number, k: Uint8Array) => {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (b[s + i] !== k[i]) return false;
  return true;
};

/** `{"map":"NAME","key":...,"value":...}` read straight into the tables; false: take the exact path. */
function fastRecord(b: Uint8Array, s: number, e: number, state: DesiredState, line: number): boolean {
  let pos = ws(b, s, e);
  if (pos === e) return true; // blank line
  if (b[pos] !== 0x7b) return false;
  pos = ws(b, pos + 1, e);
  let m: DesiredMap | null = null;
  let plan: { key: FastNode; value: FastNode } | null = null;
  let seenKey = false, seenValue = false;
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
      m = state.map(Buffer.from(b.buffer, b.byteOffset + ns, ne - ns).toString('latin1'), `${state.source}:${line}`);
      plan = m.fast;
      if (!plan) return false;
      m.openSlot();
      pos = ne + 1;
    } else if (plan && !seenKey && eq(b, ks, ke, K_KEY)) {
      pos = readFast(plan.key, b, pos, e, m!.keys.bytes, (m!.keys.count - 1) * m!.keys.recordSize);
      if (pos < 0) return giveUp();
      seenKey = true;
    } else if (plan && !seenValue && eq(b, ks, ke, K_VALUE)) {
      pos = readFast(plan.value, b, pos, e, m!.values.bytes, (m!.values.count - 1) * m!.values.recordSize);
      if (pos < 0) return giveUp();
      seenValue = true;
    } else return giveUp();
    pos = ws(b, pos, e);
    if (b[pos] === 0x2c) { pos = ws(b, pos + 1, e); continue; }
    if (b[pos] !== 0x7d) return giveUp();
    if (ws(b, pos + 1, e) !== e || !seenKey || !seenValue) return giveUp();
    m!.commitSlot(line);
    return true;
  }
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
