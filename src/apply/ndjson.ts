/**
 * NDJSON state input, streamed: the file is read in blocks, each block's complete lines are parsed
 * and encoded straight into the desired tables, so memory holds encoded bytes, never a million
 * decoded objects. Fast path: a block without a run of 16+ digits (the only way to write an integer
 * JSON.parse would round) is parsed by one JSON.parse of all its lines; otherwise, and to name the
 * line of a syntax error, line by line with the exact parser.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { parseJson } from '../json.js';
import type { DesiredState } from './state.js';

const BLOCK = 4 << 20;
const LONG_DIGITS = /\d{16}/;

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
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let records: unknown[] | null = null;
  if (!LONG_DIGITS.test(text)) {
    const nonEmpty: string[] = [];
    for (const l of lines) if (l.trim() !== '') nonEmpty.push(l);
    try { records = JSON.parse(`[${nonEmpty.join(',')}]`) as unknown[]; } catch { records = null; }
  }
  let r = 0;
  for (let i = 0; i < lines.length; i++, line++) {
    const l = lines[i]!;
    if (records === null && l.trim() === '') continue;
    if (records !== null && l.trim() === '') continue;
    let rec: unknown;
    if (records !== null) rec = records[r++];
    else {
      try { rec = parseJson(l); } catch (e) {
        throw new ValueError(`${state.source}:${line}`, (e as Error).message.replace(/^: /, ''));
      }
    }
    applyRecord(rec, state, line);
  }
  return line;
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
