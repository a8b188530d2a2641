/**
 * NDJSON state input, streamed: the file is read in blocks, each block's complete lines are parsed
 * and encoded straight into the desired tables, so memory holds encoded bytes, never a million
 * decoded objects. Fast path: a block's lines are parsed by one JSON.parse (as an array); a record
 * that then fails to encode is parsed again with the exact parser (JSON.parse rounds integers beyond
 * 2^53, and the codec refuses such numbers), so 64-bit values stay exact. A block that is not valid
 * as a whole is parsed line by line, to name the line of the error.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { parseJson } from '../json.js';
import type { DesiredState } from './state.js';

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
      if (data.byteLength) line = parseLines(data.toString('utf8'), state, line);
      return;
    }
    const end = data.lastIndexOf(0x0a);
    if (end < 0) { carry = Buffer.from(data); continue; }
    line = parseLines(data.toString('utf8', 0, end + 1), state, line);
    carry = Buffer.from(data.subarray(end + 1));
    onProgress?.(total);
  }
}

export function readNdjsonFile(path: string, state: DesiredState, onProgress?: (bytes: number) => void): void {
  const fd = openSync(path, 'r');
  try { readNdjsonFd(fd, state, undefined, onProgress); } finally { closeSync(fd); }
}

/** Parses the complete lines of `text` (starting at line number `line`); returns the next line number. */
export function parseLines(text: string, state: DesiredState, line: number): number {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body === '') return line + (text.length > 0 ? 1 : 0);
  // Fast path: the whole block as one JSON array. Any blank line makes it invalid: line by line then.
  let records: unknown[] | null = null;
  try { records = JSON.parse(`[${body.replaceAll('\n', ',')}]`) as unknown[]; } catch { records = null; }
  if (records !== null) {
    let lines: string[] | null = null;
    for (let r = 0; r < records.length; r++) {
      try {
        applyRecord(records[r], state, line + r);
      } catch (e) {
        // JSON.parse rounds integers beyond 2^53, and the codec refuses such numbers: parse that line
        // again exactly and retry; a real error then comes back from the exact value.
        lines ??= body.split('\n');
        applyRecord(exactLine(lines[r]!, state, line + r), state, line + r);
      }
    }
    return line + records.length;
  }
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++, line++) {
    const l = lines[i]!;
    if (l.trim() === '') continue;
    applyRecord(exactLine(l, state, line), state, line);
  }
  return line;
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
