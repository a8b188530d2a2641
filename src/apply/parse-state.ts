/**
 * Reads a state file (YAML, JSON or NDJSON, detected by content) into an encoded DesiredState.
 * Documents: `{ifindexFields?: {<name>: [key.dev, ...]}, maps: {<name>: {prune?, entries?: [{key, value}], variables?: {...}}}}`.
 * NDJSON: one `{"map", "key", "value"}` per line (what `bpfmap dump --ndjson` prints), streamed.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ObjectSchema } from '../schema/types.js';
import { parseDocument } from '../codec/parse-value.js';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { utf8Text } from '../text/utf8.js';
import { readNdjsonAsync, readNdjsonFd, readNdjsonFdAsync } from './ndjson.js';
import { streamSource } from './stream-source.js';
import { DesiredState } from './state.js';

const PEEK = 64 << 10;

export interface ReadStateOptions {
  /** Set prune on every map of the state (`--prune`). */
  prune?: boolean;
  /** Name used in messages for stdin. */
  name?: string;
  /**
   * The input is known to be whole: an NDJSON stream without a trailer line, or a block-style YAML
   * document from a pipe without its `...` end marker, may then be pruned. Without it, pruning from
   * either is refused (cut off at a line boundary, each looks complete, and prune would delete the rest).
   */
  complete?: boolean;
  onProgress?: (bytes: number) => void;
}

function openInput(path: string): number {
  if (path === '-') return 0;
  try {
    return openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new BpfmapError(ERROR_CODE.PERMISSION, `${path}: permission denied`);
    throw new BpfmapError(ERROR_CODE.IO, `${path}: cannot read (${code ?? String(e)})`);
  }
}

function readSome(fd: number, buf: Buffer, off: number, source: string): number {
  for (;;) {
    try {
      return readSync(fd, buf, off, buf.byteLength - off, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EISDIR') throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${source}: is a directory, expected a state file`);
      throw new BpfmapError(ERROR_CODE.IO, `${source}: cannot read (${code ?? String(e)})`);
    }
  }
}

/** True when the text's first line is a whole JSON object naming a map: NDJSON. */
export function looksNdjson(head: string): boolean {
  const t = head.replace(/^\s+/, '');
  if (t[0] !== '{') return false;
  const nl = t.indexOf('\n');
  const first = (nl < 0 ? t : t.slice(0, nl)).trim();
  // A record, or a trailer (the whole dump of an empty map is one trailer line), or a snapshot's header.
  if (!first.endsWith('}') || !/^\{\s*"(?:map|trailer|snapshot)"\s*:/.test(first)) return false;
  return nl >= 0 ? true : !/"maps"\s*:/.test(first);
}

export function readStateFile(path: string, schema: ObjectSchema, opts: ReadStateOptions = {}): DesiredState {
  const input = openState(path, schema, opts);
  try {
    if (input.ndjson) readNdjsonFd(input.fd, input.state, input.first, opts.onProgress);
    else readDocumentRest(input);
  } finally {
    if (input.fd !== 0) closeSync(input.fd);
  }
  return finishState(input.state, opts);
}

/**
 * The same as readStateFile; NDJSON is read on libuv's thread pool a block ahead of the parsing (the
 * CLI's way: faster for big files, as the copying and the parsing run on two cores).
 */
export async function readStateFileAsync(path: string, schema: ObjectSchema, opts: ReadStateOptions = {}): Promise<DesiredState> {
  if (path === '-' && !stdinIsFile()) return readStdinStream(schema, opts);
  const input = openState(path, schema, opts);
  try {
    if (input.ndjson) await readNdjsonFdAsync(input.fd, input.state, input.first, opts.onProgress);
    else readDocumentRest(input);
  } finally {
    if (input.fd !== 0) closeSync(input.fd);
  }
  return finishState(input.state, opts);
}

function stdinIsFile(): boolean {
  try { return fstatSync(0).isFile(); } catch { return false; }
}

/**
 * stdin as a pipe, socket or terminal, read through process.stdin (epoll) rather than on the thread
 * pool: a signal that comes while the writer holds the pipe open then ends the command at once.
 */
async function readStdinStream(schema: ObjectSchema, opts: ReadStateOptions): Promise<DesiredState> {
  const source = opts.name ?? 'stdin';
  const state = new DesiredState(schema, source);
  const src = streamSource(process.stdin, source);
  try {
    const head = Buffer.allocUnsafe(PEEK);
    let n = 0;
    for (;;) {
      const r = await src.read(head, n, head.byteLength - n);
      if (r === 0) break;
      n += r;
      if (n === head.byteLength || head.subarray(0, n).includes(0x0a)) break;
    }
    const first = head.subarray(0, n);
    if (looksNdjson(first.toString('utf8'))) {
      await readNdjsonAsync(src, state, first, opts.onProgress);
    } else {
      const parts: Buffer[] = [Buffer.from(first)];
      const buf = Buffer.allocUnsafe(1 << 20);
      for (let r = await src.read(buf, 0, buf.byteLength); r > 0; r = await src.read(buf, 0, buf.byteLength)) parts.push(Buffer.from(buf.subarray(0, r)));
      readDocumentText(Buffer.concat(parts), state, false);
    }
  } finally {
    src.close();
  }
  return finishState(state, opts);
}

interface StateInput {
  state: DesiredState;
  fd: number;
  source: string;
  /** The bytes read so far (up to the first newline, or PEEK). */
  first: Buffer;
  ndjson: boolean;
}

/** Opens the file and reads its start, which tells NDJSON from a YAML/JSON document. */
function openState(path: string, schema: ObjectSchema, opts: ReadStateOptions): StateInput {
  const source = path === '-' ? (opts.name ?? 'stdin') : path;
  const state = new DesiredState(schema, source);
  const fd = openInput(path);
  try {
    const head = Buffer.allocUnsafe(PEEK);
    let n = 0;
    for (;;) {
      const r = readSome(fd, head, n, source);
      if (r === 0) break;
      n += r;
      if (n === head.byteLength || head.subarray(0, n).includes(0x0a)) break;
    }
    const first = head.subarray(0, n);
    const ndjson = path.endsWith('.ndjson') || path.endsWith('.jsonl') || looksNdjson(first.toString('utf8'));
    return { state, fd, source, first, ndjson };
  } catch (e) {
    if (fd !== 0) closeSync(fd);
    throw e;
  }
}

/** A YAML/JSON document: the rest of the file, then parsed whole. */
function readDocumentRest(input: StateInput): void {
  const parts: Buffer[] = [Buffer.from(input.first)];
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const r = readSome(input.fd, buf, 0, input.source);
    if (r === 0) break;
    parts.push(Buffer.from(buf.subarray(0, r)));
  }
  readDocumentText(Buffer.concat(parts), input.state, isRegularFile(input.fd));
}

function isRegularFile(fd: number): boolean {
  try { return fstatSync(fd).isFile(); } catch { return false; }
}

/**
 * `regular`: read from a regular file (written whole, as a rule). From a pipe a document is taken
 * for whole only when a cut could not leave it valid: JSON or YAML in flow style (a cut one does not
 * parse), or YAML that ends with the document end marker `...`. A block-style YAML document cut at a
 * line boundary is a smaller valid document, and prune would delete what the cut took away.
 */
function readDocumentText(bytes: Buffer, state: DesiredState, regular: boolean): void {
  const text = utf8Text(bytes, state.source);
  state.document = regular || wholeDocument(text);
  state.openDocument = !state.document;
  if (text.trim() !== '') readStateDocument(parseDocument(text, state.source), state); // empty: no maps named
}

function wholeDocument(text: string): boolean {
  const t = text.trim();
  return t === '' || t[0] === '{' || t[0] === '[' || /(^|\n)\.\.\.$/.test(t);
}

function finishState(state: DesiredState, opts: ReadStateOptions): DesiredState {
  if (opts.prune) for (const m of state.maps.values()) m.prune = true;
  checkComplete(state, opts);
  return state;
}

/**
 * Pruning deletes what the input does not list, so it needs input known to be whole: a JSON document,
 * a YAML one read from a file, in flow style or ending with `...`, NDJSON ending with a matching
 * trailer, or the caller's word (`complete: true`).
 */
export function checkComplete(state: DesiredState, opts: { complete?: boolean }): void {
  if (state.document || state.ndjson.complete || opts.complete) return;
  const pruned = [...state.maps.values()].filter((m) => m.prune).map((m) => m.map.name);
  if (pruned.length === 0) return;
  if (state.openDocument) {
    throw new BpfmapError(ERROR_CODE.INPUT_INCOMPLETE,
      `${state.source}: a YAML document read from a pipe may have been cut off at a line boundary (what is left still parses), ` +
      `and prune would delete every entry it does not list (maps ${pruned.join(', ')}); nothing is applied. ` +
      "End it with the document end marker '...' on a line of its own, write it in flow style or as JSON, " +
      'or pass complete: true if the input is known to be whole');
  }
  const why = state.ndjson.trailers > 0 ? 'has records after its last trailer line' : 'has no trailer line';
  throw new BpfmapError(ERROR_CODE.INPUT_INCOMPLETE,
    `${state.source}: NDJSON that ${why} may have been cut off, and prune would delete every entry it does not list ` +
    `(maps ${pruned.join(', ')}); nothing is applied. End it with {"trailer":true,"entries":N,"maps":{...}} as \`bpfmap dump --ndjson\` does, ` +
    'or pass complete: true if the input is known to be whole');
}

/** A parsed YAML/JSON state document into `state`. */
export function readStateDocument(doc: unknown, state: DesiredState): void {
  const src = state.source;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ValueError(src, `expected a mapping with 'maps', got ${Array.isArray(doc) ? 'a list' : typeof doc}`);
  }
  for (const k of Object.keys(doc)) {
    if (k !== 'maps' && k !== 'ifindexFields') throw new ValueError(`${src}: ${k}`, `unknown top-level field; expected 'maps' or 'ifindexFields'`);
  }
  // Fields declared interface indexes, before any entry is encoded.
  const decl = (doc as { ifindexFields?: unknown }).ifindexFields;
  if (decl !== undefined) {
    if (typeof decl !== 'object' || decl === null || Array.isArray(decl)) {
      throw new ValueError(`${src}: ifindexFields`, `expected a mapping of map names to lists of field paths ({MAP: [key.dev]}), got ${Array.isArray(decl) ? 'a list' : decl === null ? 'nothing' : typeof decl}`);
    }
    for (const [name, paths] of Object.entries(decl as Record<string, unknown>)) state.declareIfindexFields(name, paths, `${src}: ifindexFields.${name}`);
  }
  const maps = (doc as { maps?: unknown }).maps;
  if (typeof maps !== 'object' || maps === null || Array.isArray(maps)) {
    throw new ValueError(`${src}: maps`, `expected a mapping of map names to {entries, prune, variables}, got ${maps === undefined ? 'nothing' : Array.isArray(maps) ? 'a list' : typeof maps}`);
  }
  for (const [name, body] of Object.entries(maps as Record<string, unknown>)) {
    const where = `${src}: maps.${name}`;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValueError(where, `expected a mapping with entries, prune or variables, got ${Array.isArray(body) ? 'a list' : body === null ? 'nothing' : typeof body}`);
    }
    const b = body as Record<string, unknown>;
    for (const k of Object.keys(b)) {
      if (k !== 'entries' && k !== 'prune' && k !== 'variables') throw new ValueError(`${where}.${k}`, 'unknown field; expected entries, prune or variables');
    }
    const entries = b.entries ?? [];
    if (!Array.isArray(entries)) throw new ValueError(`${where}.entries`, `expected a list of {key, value}, got ${typeof entries}`);
    const before = state.maps.size;
    const m = state.map(name, where, Math.max(16, entries.length));
    // Two names of one map (its object name and its kernel name): one would silently win.
    if (state.maps.size === before) {
      const other = Object.keys(maps as object).find((n) => n !== name && (() => { try { return state.map(n, where) === m; } catch { return false; } })());
      throw new ValueError(where, `names map '${m.map.name}' a second time (as '${other ?? m.map.name}' before); each map may appear once`);
    }
    if (b.prune !== undefined) {
      if (typeof b.prune !== 'boolean') throw new ValueError(`${where}.prune`, `expected true or false, got ${String(b.prune)}`);
      m.prune = b.prune;
    }
    entries.forEach((e, i) => {
      const w = `${where}.entries[${i}]`;
      if (typeof e !== 'object' || e === null || Array.isArray(e)) throw new ValueError(w, `expected {key, value}, got ${Array.isArray(e) ? 'a list' : typeof e}`);
      const o = e as Record<string, unknown>;
      for (const k of Object.keys(o)) if (k !== 'key' && k !== 'value') throw new ValueError(`${w}.${k}`, 'unknown field; expected key and value');
      m.add(o.key, o.value, -(i + 1), w);
    });
    if (b.variables !== undefined) m.setVariables(b.variables, `${where}.variables`);
  }
}
