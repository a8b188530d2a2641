/**
 * Executes plans: deletes, then changes, then additions, map by map, in batches (MAP_UPDATE_BATCH /
 * MAP_DELETE_BATCH) with a per-element fallback where the kernel has no batch op for the map type.
 * With a journal directory, every map's changes are journaled on disk first (journal.ts). When the
 * kernel refuses a write, every map touched is undone from its live contents (undo.ts: additions
 * deleted, changed and deleted entries written back with the old bytes taken while planning, only
 * where the map still holds what this apply wrote) and the error says what failed and how the
 * rollback went: a rollback that had to leave keys alone (another writer) is ROLLBACK_PARTIAL.
 */
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import type { EntrySource, UpdateFlag, WriteOptions } from '../map/index.js';
import type { ByteTable, IntList } from './byte-table.js';
import { mapCodecs } from '../codec/map-codecs.js';
import { stringifyJson } from '../text/json.js';
import { writeJournal, type Journal, type JournalContent } from './journal.js';
import { planUndo, type UndoSet } from './undo.js';
import type { MapPlan } from './plan.js';
import type { LiveTarget } from './read-map.js';
import type { ApplyStats } from './stats.js';

type Phase = 'delete' | 'change' | 'add';
interface Step { plan: MapPlan; phase: Phase; done: number }

function copy(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/** Writes and deletes through the target's LiveMap (its batch writer), counting calls and entries in `stats`. */
export class Writer {
  private readonly updates: WriteOptions;
  private readonly deletes: WriteOptions;
  constructor(stats: ApplyStats, progress: (n: number) => void) {
    this.updates = { flagsHold: true, twoThreads: true, onCall: (c, worker) => { stats[c]++; if (worker === true) stats.updateBatchSecondThread++; }, onDone: (n) => { stats.entriesWritten += n; }, onChunk: progress };
    this.deletes = { onCall: (c) => { stats[c]++; }, onDone: (n) => { stats.entriesDeleted += n; }, onChunk: progress };
  }

  /**
   * Writes src[0, count); throws with `done` on the error. The plan knows the flags hold for every
   * entry, so batches carry them (the kernel's batch update takes none); one by one they are checked.
   */
  update(t: LiveTarget, src: EntrySource, flags: UpdateFlag, twoThreads = true): void {
    t.write(src, { ...this.updates, flags, twoThreads });
  }

  delete(t: LiveTarget, src: EntrySource): void {
    t.remove(src, this.deletes);
  }
}

function picked(plan: MapPlan, list: IntList, values: ByteTable | null, count = list.count): EntrySource {
  const d = plan.desired;
  const ks = d.keys.recordSize, vs = d.values.recordSize;
  return {
    count,
    recordSizes: { key: ks, value: (values ?? d.values).recordSize },
    key: (i) => d.keys.at(list.get(i)),
    value: (i) => (values ?? d.values).at(values ? i : list.get(i)),
    gather: (start, n, kOut, vOut) => {
      const kb = d.keys.bytes, vb = (values ?? d.values).bytes;
      for (let j = 0; j < n;) {
        // A run of consecutive records (all of them when every entry is added) is copied at once.
        const i = list.get(start + j);
        let r = 1;
        while (j + r < n && list.get(start + j + r) === i + r) r++;
        const vi = values ? start + j : i;
        if (r < 8) {
          for (let x = 0; x < r; x++) {
            copy(kb, (i + x) * ks, kOut, (j + x) * ks, ks);
            copy(vb, (vi + x) * vs, vOut, (j + x) * vs, vs);
          }
        } else {
          kOut.set(kb.subarray(i * ks, (i + r) * ks), j * ks);
          vOut.set(vb.subarray(vi * vs, (vi + r) * vs), j * vs);
        }
        j += r;
      }
    },
    packed: (start, n) => {
      if (values !== null || n === 0) return null;
      const first = list.get(start);
      for (let j = 1; j < n; j++) if (list.get(start + j) !== first + j) return null;
      return { keys: d.keys.bytes.subarray(first * ks, (first + n) * ks), values: d.values.bytes.subarray(first * vs, (first + n) * vs) };
    },
  };
}

export function table(keys: ByteTable, values: ByteTable | null, zero: Uint8Array, count = keys.count): EntrySource {
  return { count, key: (i) => keys.at(i), value: (i) => (values ? values.at(i) : zero) };
}

export interface ExecuteOptions {
  /** Called with the number of entries written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Journal every map's changes in this directory before the first write (journal.ts). */
  journalDir?: string;
}

/** Total entry writes the plans need. */
function planWrites(plans: readonly MapPlan[]): number {
  let n = 0;
  for (const p of plans) n += p.added.count + p.changed.count + p.deletedKeys.count;
  return n;
}

export function executePlans(plans: readonly MapPlan[], stats: ApplyStats, opts: ExecuteOptions = {}): void {
  const total = planWrites(plans);
  let written = 0;
  const w = new Writer(stats, (n) => { written += n; opts.onProgress?.(written, total); });
  const journals = opts.journalDir !== undefined ? journalPlans(opts.journalDir, plans) : [];
  try {
    runPlans(plans, w, stats);
  } finally {
    for (const j of journals) j.remove();
  }
}

/** Writes the journals of the plans that change something; all or none. */
function journalPlans(dir: string, plans: readonly MapPlan[]): Journal[] {
  const out: Journal[] = [];
  try {
    for (const p of plans) {
      if (p.target.mapId === undefined || p.added.count + p.changed.count + p.deletedKeys.count === 0) continue;
      out.push(writeJournal(dir, journalContent(p)));
    }
  } catch (e) {
    for (const j of out) j.remove();
    throw e;
  }
  return out;
}

function runPlans(plans: readonly MapPlan[], w: Writer, stats: ApplyStats): void {
  const journal: Step[] = [];
  let current: Step | null = null;
  try {
    for (const plan of plans) {
      const t = plan.target;
      const anyFlag: UpdateFlag = plan.arrayLike ? 'any' : 'exist';
      current = { plan, phase: 'delete', done: 0 };
      if (plan.arrayLike) w.update(t, table(plan.deletedKeys, null, new Uint8Array(t.rawValueSize)), 'any');
      else w.delete(t, table(plan.deletedKeys, null, new Uint8Array(0)));
      current.done = plan.deletedKeys.count; journal.push(current);
      current = { plan, phase: 'change', done: 0 };
      w.update(t, picked(plan, plan.changed, null), anyFlag);
      current.done = plan.changed.count; journal.push(current);
      current = { plan, phase: 'add', done: 0 };
      w.update(t, picked(plan, plan.added, null), 'noexist');
      current.done = plan.added.count; journal.push(current);
      current = null;
    }
  } catch (e) {
    if (current) { current.done = (e as { done?: number }).done ?? 0; journal.push(current); }
    const failedAt = current ? describeFailure(current) : '';
    const touched = [...new Set(journal.filter((s) => s.done > 0 || s === current).map((s) => s.plan))];
    const r = rollback(touched, w, stats);
    const base = isBpfmapError(e) ? e.message : String((e as Error)?.message ?? e);
    const code = r.problems.length === 0 && r.conflicts.length === 0 ? (isBpfmapError(e) ? e.code : ERROR_CODE.INTERNAL) : ERROR_CODE.ROLLBACK_PARTIAL;
    const err = new BpfmapError(code, `apply: ${failedAt}${base}; ${rollbackText(r)}`, { cause: e });
    (err as { rolledBack?: boolean }).rolledBack = r.problems.length === 0 && r.conflicts.length === 0;
    throw err;
  }
}

function describeFailure(s: Step): string {
  const p = s.plan;
  const name = p.desired.map.name;
  if (s.phase === 'delete') return `map '${name}': deleting entry ${s.done + 1} of ${p.deletedKeys.count}: `;
  const list = s.phase === 'add' ? p.added : p.changed;
  const what = s.phase === 'add' ? 'adding' : 'changing';
  const origin = s.done < list.count ? ` (${p.desired.originText(list.get(s.done))})` : '';
  return `map '${name}': ${what} entry ${s.done + 1} of ${list.count}${origin}: `;
}

/** How a rollback (or a recovery) went. */
export interface RollbackResult {
  /** Entries put back as they were. */
  restored: number;
  /** `map 'NAME' key K` of each key another writer changed meanwhile (left alone). */
  conflicts: string[];
  /** Writes of the rollback the kernel refused. */
  problems: string[];
}

/** One line: "rolled back: ..." or "rollback partial: ...". */
export function rollbackText(r: RollbackResult): string {
  const n = r.restored;
  const entries = `${n} entr${n === 1 ? 'y' : 'ies'}`;
  if (r.problems.length === 0 && r.conflicts.length === 0) return `rolled back: the ${entries} written before the failure were restored, the maps are as before`;
  const parts = [`rollback partial: ${entries} restored`];
  if (r.conflicts.length > 0) {
    const shown = r.conflicts.slice(0, 5).join(', ');
    const more = r.conflicts.length > 5 ? ` and ${r.conflicts.length - 5} more` : '';
    parts.push(`${r.conflicts.length} entr${r.conflicts.length === 1 ? 'y' : 'ies'} another writer changed meanwhile left as they are (${shown}${more})`);
  }
  if (r.problems.length > 0) parts.push(`the kernel refused part of the rollback (${r.problems.join('; ')}): the maps may differ from before`);
  return parts.join('; ');
}

/** Undoes the plans, each map from its live contents (undo.ts); returns what could not be undone. */
function rollback(plans: readonly MapPlan[], w: Writer, stats: ApplyStats): RollbackResult {
  const out: RollbackResult = { restored: 0, conflicts: [], problems: [] };
  for (let j = plans.length - 1; j >= 0; j--) {
    const plan = plans[j]!;
    const d = plan.desired;
    const c = mapCodecs(d.map, d.byteOrder);
    const name = (k: Uint8Array) => { try { return stringifyJson(c.key.decode(k, 0)); } catch { return `0x${hex(k)}`; } };
    undoMap(plan.target, `map '${d.map.name}'`, undoSets(plan), w, stats, name, out);
  }
  return out;
}

/** Plans and runs the undo of one map, adding to `out`. */
export function undoMap(t: LiveTarget, subject: string, sets: readonly UndoSet[], w: Writer, stats: ApplyStats,
  keyName: (k: Uint8Array) => string, out: RollbackResult): void {
  let u;
  try { u = planUndo(t, sets, stats); } catch (e) { out.problems.push(`reading ${subject}: ${(e as Error).message}`); return; }
  for (let i = 0; i < u.conflicts.count; i++) out.conflicts.push(`${subject} key ${keyName(u.conflicts.at(i))}`);
  try {
    w.delete(t, table(u.deleteKeys, null, new Uint8Array(0)));
    out.restored += u.deleteKeys.count;
  } catch (e) { out.problems.push(`deleting added entries of ${subject}: ${(e as Error).message}`); }
  try {
    // One thread: a failed write then leaves nothing past the failed entry (a two-thread write may),
    // and a recovery does not start the second thread for one write.
    w.update(t, table(u.writeKeys, u.writeValues, new Uint8Array(0)), 'any', false);
    out.restored += u.writeKeys.count;
  } catch (e) { out.problems.push(`writing back old entries of ${subject}: ${(e as Error).message}`); }
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Records (list[start..start+n)) of a table packed into out; runs of consecutive records at once. */
function gatherRows(t: ByteTable, list: IntList, start: number, n: number, out: Uint8Array): void {
  const size = t.recordSize, b = t.bytes;
  for (let j = 0; j < n;) {
    const i = list.get(start + j);
    let r = 1;
    while (j + r < n && list.get(start + j + r) === i + r) r++;
    if (r < 8) for (let x = 0; x < r; x++) copy(b, (i + x) * size, out, (j + x) * size, size);
    else out.set(b.subarray(i * size, (i + r) * size), j * size);
    j += r;
  }
}

function rows(t: ByteTable, list: IntList): Uint8Array {
  const out = new Uint8Array(list.count * t.recordSize);
  gatherRows(t, list, 0, list.count, out);
  return out;
}

/** Everything a plan changes, as undo sets (copies). */
function undoSets(p: MapPlan): UndoSet[] {
  const d = p.desired, vs = p.target.rawValueSize;
  const n = p.deletedKeys.count;
  return [
    { count: p.added.count, keys: rows(d.keys, p.added), old: null, new: rows(d.values, p.added) },
    { count: p.changed.count, keys: rows(d.keys, p.changed), old: p.changedOld.range(0, p.changed.count), new: rows(d.values, p.changed) },
    { count: n, keys: p.deletedKeys.range(0, n), old: p.deletedOld.range(0, n), new: p.arrayLike ? new Uint8Array(n * vs) : null },
  ];
}

/** What the journal of a plan holds (journal.ts). */
function journalContent(p: MapPlan): JournalContent {
  const d = p.desired, t = p.target;
  const ks = t.keySize, vs = t.rawValueSize;
  const slice = (tb: ByteTable, size: number) => (s: number, n: number, out: Uint8Array) => out.set(tb.bytes.subarray(s * size, (s + n) * size));
  return {
    mapId: t.mapId!, mapName: d.map.name, keySize: ks, valueSize: vs, arrayLike: p.arrayLike,
    added: { count: p.added.count, keys: (s, n, o) => gatherRows(d.keys, p.added, s, n, o), new: (s, n, o) => gatherRows(d.values, p.added, s, n, o) },
    changed: { count: p.changed.count, keys: (s, n, o) => gatherRows(d.keys, p.changed, s, n, o), old: slice(p.changedOld, vs),
      new: (s, n, o) => gatherRows(d.values, p.changed, s, n, o) },
    deleted: { count: p.deletedKeys.count, keys: slice(p.deletedKeys, ks), old: slice(p.deletedOld, vs) },
  };
}
