/**
 * Snapshot and restore. A snapshot is NDJSON: a header line `{"snapshot":1,"schema":{...}}` holding
 * the schema the entries were read with (`bpfmap schema --json` of the maps it holds), then one
 * `{"map","key","value"}` line per entry (numbers, not addresses; per-CPU values as one value per
 * CPU), then the trailer `{"trailer":true,"entries":N,"maps":{...}}` that apply checks. So a
 * snapshot is also apply input for the same object (apply skips the header line).
 *
 * restoreSnapshot reads it back with its own schema, converts every entry field by field to the maps
 * of another version of the object (the converter migrate uses: same renames, defaults and losses),
 * creates the maps that are not pinned yet, and applies the result (all or nothing, journaled,
 * locked): each restored map then holds exactly the snapshot's entries.
 */
import { closeSync, openSync, readdirSync, readSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BpfObject } from '../object/index.js';
import type { MapSchema, ObjectSchema } from '../schema/types.js';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { compactJson, ndjsonLine, ndjsonTrailer, parseJson } from '../text/json.js';
import { applyState, type ApplyResult } from '../apply/apply.js';
import { readStateFile } from '../apply/parse-state.js';
import { DesiredState } from '../apply/state.js';
import { createMaps, DEFAULT_PIN_ROOT } from '../map/create.js';
import { kernelTypes } from '../map/kernel-btf.js';
import type { LockOptions } from '../map/lock.js';
import { openMap } from '../map/open.js';
import { isGlobalDataMap, pinName } from '../map/pin-name.js';
import { schemaFromKernel } from '../map/schema-from-kernel.js';
import { reviveSchema } from '../schema/revive.js';
import { closeFd, objGet, objGetInfoByFd } from '../syscall/index.js';
import { diffMaps } from '../schema/diff.js';
import { convertEntries, lossError, newScan, summary, type CopyReport, type EntryLoss, type MigrateOptions } from './migrate.js';

export const SNAPSHOT_VERSION = 1;

/** Map types a snapshot holds: entries with a key whose values read back as written (apply's). */
const SNAPSHOT_TYPES: ReadonlySet<string> = new Set(['hash', 'lru_hash', 'percpu_hash', 'lru_percpu_hash', 'array', 'percpu_array', 'lpm_trie']);

export interface SnapshotMap { readonly name: string; readonly pinPath: string; readonly entries: number }

/**
 * The maps a snapshot takes: those of obj pinned under pinRoot (global data left out: it belongs to a
 * loaded program), or without obj every map pinned in pinRoot, typed by the kernel's copy of its BTF
 * and named by its pin.
 */
function snapshotSchemas(obj: BpfObject | null, root: string): { map: MapSchema; pin: string }[] {
  if (obj) {
    return obj.schema.maps.filter((m) => SNAPSHOT_TYPES.has(m.type) && !isGlobalDataMap(m))
      .map((m) => ({ map: m, pin: join(root, pinName(m)) }))
      .filter((x) => { try { closeFd(objGet(x.pin)); return true; } catch (e) { if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_FOUND) return false; throw e; } });
  }
  let names: string[];
  try { names = readdirSync(root).sort(); } catch (e) {
    throw new BpfmapError(ERROR_CODE.NOT_FOUND, `pin root '${root}': cannot list it (${(e as { code?: string }).code ?? String(e)})`);
  }
  const out: { map: MapSchema; pin: string }[] = [];
  for (const n of names) {
    const pin = join(root, n);
    let fd: number;
    try { fd = objGet(pin); } catch { continue; } // a directory, or not a map
    try {
      const info = objGetInfoByFd(fd, `map '${pin}'`);
      const live = schemaFromKernel(info, kernelTypes(info), pin);
      // Global data (`<obj>.rodata`, `.bss`, `.data`) belongs to a loaded program: left out, as with an object.
      if (SNAPSHOT_TYPES.has(live.type) && !/\.(?:data|rodata|bss)/.test(info.name)) out.push({ map: { ...live, name: n }, pin });
    } catch (e) {
      if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_SUPPORTED) continue; // a program or link pin
      throw e;
    } finally { closeFd(fd); }
  }
  return out;
}

/** Writes a snapshot of the maps (see the file comment) line by line to `write`; returns what it holds. */
export function writeSnapshot(obj: BpfObject | null, opts: { pinRoot?: string }, write: (line: string) => void): SnapshotMap[] {
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  const maps = snapshotSchemas(obj, root);
  const byteOrder = obj?.schema.byteOrder ?? (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big');
  const schema: ObjectSchema = { object: obj?.schema.object ?? '', byteOrder, maps: maps.map((m) => m.map) };
  write(`{"snapshot":${SNAPSHOT_VERSION},"schema":${compactJson(schema)}}\n`);
  const out: SnapshotMap[] = [];
  const counts: Record<string, number> = {};
  for (const { map, pin } of maps) {
    const live = openMap({ map, pin, byteOrder, force: obj === null });
    let n = 0;
    try {
      for (const e of live.entries({ prettyAddresses: false, labelCpus: false, compact: true })) { write(ndjsonLine(map.name, e.key, e.value)); n++; }
    } finally { live.close(); }
    counts[map.name] = n;
    out.push({ name: map.name, pinPath: pin, entries: n });
  }
  write(ndjsonTrailer(counts));
  return out;
}

/** The schema in a snapshot's header line. */
export function readSnapshotSchema(path: string): ObjectSchema {
  let fd: number;
  try { fd = path === '-' ? 0 : openSync(path, 'r'); } catch (e) {
    const code = (e as { code?: string }).code;
    throw new BpfmapError(code === 'ENOENT' ? ERROR_CODE.NOT_FOUND : ERROR_CODE.IO, `${path}: cannot read (${code ?? String(e)})`);
  }
  const chunks: Buffer[] = [];
  try {
    for (let total = 0; ;) {
      const b = Buffer.allocUnsafe(1 << 16);
      const n = readSync(fd, b, 0, b.byteLength, total);
      if (n === 0) break;
      const nl = b.subarray(0, n).indexOf(0x0a);
      chunks.push(b.subarray(0, nl < 0 ? n : nl));
      total += n;
      if (nl >= 0) break;
      if (total > 64 << 20) break;
    }
  } finally { if (fd !== 0) closeSync(fd); }
  const bad = (what: string) => new BpfmapError(ERROR_CODE.VALUE_INVALID, `${path}:1: ${what}`);
  let head: unknown;
  try { head = parseJson(Buffer.concat(chunks).toString('utf8')); } catch (e) { throw bad(`expected the snapshot header {"snapshot":1,"schema":{...}}: ${(e as Error).message}`); }
  const h = head as { snapshot?: unknown; schema?: unknown } | null;
  if (h === null || typeof h !== 'object' || h.snapshot === undefined) throw bad('expected the snapshot header {"snapshot":1,"schema":{...}} (a file `bpfmap snapshot` wrote)');
  if (h.snapshot !== SNAPSHOT_VERSION && h.snapshot !== BigInt(SNAPSHOT_VERSION)) throw bad(`snapshot version ${String(h.snapshot)}, expected ${SNAPSHOT_VERSION}`);
  return reviveSchema(h.schema, `${path}:1 schema`);
}

export interface RestoreOptions extends LockOptions, Pick<MigrateOptions, 'rename' | 'defaults' | 'allowLossy'> {
  pinRoot?: string;
  /** Convert and plan only; create and write nothing. */
  dryRun?: boolean;
  /** The apply journal's directory (crash safety of the writes); default none. */
  journalDir?: string;
}

/** What restoring one map did: the entries copied into the new layout. */
export type MapRestore = CopyReport;

export interface RestoreResult {
  readonly maps: readonly MapRestore[];
  readonly apply: ApplyResult;
}

/** Restores a snapshot into the maps of `newObj` under pinRoot; see the file comment. */
/** Removes the pin at `path` if it still holds the map of this id (not one another process put there since). */
function unpinIfId(path: string, id: number): void {
  let fd = -1;
  try {
    fd = objGet(path);
    if (objGetInfoByFd(fd).id === id) unlinkSync(path);
  } catch {
    // gone already, or not ours to remove
  } finally {
    if (fd >= 0) closeFd(fd);
  }
}

export function restoreSnapshot(path: string, newObj: BpfObject, opts: RestoreOptions = {}): RestoreResult {
  const old = readSnapshotSchema(path);
  const read = readStateFile(path, old, { complete: true });
  if (!read.ndjson.complete) throw new BpfmapError(ERROR_CODE.INPUT_INCOMPLETE, `${path}: the snapshot does not end with its trailer line: it was cut off; nothing was restored`);
  const rename = opts.rename ?? {};
  const state = new DesiredState(newObj.schema, path);
  const maps: MapRestore[] = [];
  for (const d of read.maps.values()) {
    const cur = newObj.schema.maps.find((m) => m.name === d.map.name);
    if (!cur) throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND, `map '${d.map.name}' of the snapshot: the new object has no map of that name; nothing was restored`);
    const diff = diffMaps(d.map, cur, { rename });
    if (diff.verdict === 'incompatible') throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `map '${cur.name}': the snapshot cannot be restored into it: ${diff.reason}; nothing was restored`);
    if (!d.map.value || !cur.value) throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `map '${cur.name}': a map without a value layout is not restored`);
    const ks = d.map.keySize, vs = d.rawValueSize;
    const src = {
      byteOrder: read.byteOrder, perCpu: d.map.perCpu, nCpus: d.nCpus, keySize: ks,
      batches: () => [{ count: d.count, keys: d.keys.bytes.subarray(0, d.count * ks), values: d.values.bytes.subarray(0, d.count * vs) }],
    };
    const scan = newScan();
    const nd = state.map(cur.name, path, d.count);
    nd.prune = true;
    for (const b of convertEntries(src, d.map, cur, opts, scan)) {
      const nvs = nd.rawValueSize;
      for (let i = 0; i < b.count; i++) {
        nd.keys.push(b.keys.subarray(i * ks, (i + 1) * ks));
        nd.values.push(b.values.subarray(i * nvs, (i + 1) * nvs));
        nd.origins.push(i + 2);
      }
    }
    if (scan.lossCount > 0 && !opts.allowLossy) throw lossError(cur.name, scan);
    maps.push({ name: cur.name, entries: scan.entries, ...summary(diff.changes), losses: scan.losses, lossCount: scan.lossCount });
  }
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  const created = !opts.dryRun && state.maps.size > 0
    ? createMaps(newObj, { names: [...state.maps.keys()], pinRoot: root }).filter((r) => r.status === 'created') : [];
  let apply: ApplyResult;
  try {
    apply = applyState(state, {
      pinRoot: root, dryRun: opts.dryRun === true,
      ...(opts.lockDir !== undefined ? { lockDir: opts.lockDir } : {}),
      ...(opts.lockTimeoutMs !== undefined ? { lockTimeoutMs: opts.lockTimeoutMs } : {}),
      ...(opts.journalDir !== undefined ? { journalDir: opts.journalDir } : {}),
    });
  } catch (e) {
    // The maps made for this restore go with it: a failed restore leaves the pins as they were.
    for (const r of created) if (r.pinPath !== null) unpinIfId(r.pinPath, r.id);
    throw e;
  }
  return { maps, apply };
}
