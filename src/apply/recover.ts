/**
 * Recovery: an apply journal left behind (the process was killed or crashed mid-write) is rolled
 * back, each key only while the map still holds what that apply wrote there (undo.ts); keys another
 * writer changed meanwhile are left alone and reported. The journal is removed afterwards. A journal
 * cut off while it was being written is discarded (nothing was written under it); one whose apply
 * is still running is left alone.
 */
import { BpfmapError, ERROR_CODE, isBpfmapError, type ErrorCode } from '../errors.js';
import { stringifyJson } from '../text/json.js';
import { lockMaps, openMap } from '../map/index.js';
import type { LiveMap, LockOptions } from '../map/index.js';
import { Writer, undoMap, type RollbackResult } from './execute.js';
import { bootOf, journalPath, listJournals, readJournal, removeJournal, writerAlive, type JournalFile } from './journal.js';
import { liveTarget, type LiveTarget } from './read-map.js';
import { newStats } from './stats.js';
import type { UndoSet } from './undo.js';
import { existsSync } from 'node:fs';

export type RecoverOutcome = 'rolled back' | 'rollback partial' | 'discarded' | 'map gone' | 'in use' | 'refused';

export interface RecoverReport {
  journal: string;
  mapId: number | null;
  map: string | null;
  outcome: RecoverOutcome;
  /** Entries put back as they were before the unfinished apply. */
  restored: number;
  /** `map 'NAME' key K` of keys another writer changed since: left as they are. */
  conflicts: string[];
  problems: string[];
  /** The pid of the apply that wrote the journal. */
  pid: number | null;
  /** 'map gone' because the journal was written before the machine last booted. */
  earlierBoot?: boolean;
  /** 'refused': the journal is kept and nothing was rolled back; the error's code (its message is `problems[0]`). */
  code?: ErrorCode;
}

function sets(j: JournalFile): UndoSet[] {
  const vs = j.valueSize;
  return [
    { count: j.added.count, keys: j.added.keys, old: null, new: j.added.new },
    { count: j.changed.count, keys: j.changed.keys, old: j.changed.old, new: j.changed.new },
    { count: j.deleted.count, keys: j.deleted.keys, old: j.deleted.old, new: j.arrayLike ? new Uint8Array(j.deleted.count * vs) : null },
  ];
}

function keyNamer(live: LiveMap | null): (k: Uint8Array) => string {
  return (k) => {
    if (live) { try { return stringifyJson(live.decodeKey(k)); } catch { /* no usable key type: hex */ } }
    return `0x${Array.from(k, (x) => x.toString(16).padStart(2, '0')).join('')}`;
  };
}

/** A map has the journal's id now, with the journal's key and value sizes (the one given, or opened by id). */
function sameSizesById(j: JournalFile, open?: { target: LiveTarget }): boolean {
  if (open) return open.target.keySize === j.keySize && open.target.rawValueSize === j.valueSize;
  let live: LiveMap;
  try { live = openMap({ id: j.mapId, force: true }); } catch (e) {
    if ((e as { code?: string }).code === ERROR_CODE.MAP_NOT_FOUND || (e as { code?: string }).code === ERROR_CODE.NOT_FOUND) return false;
    throw e;
  }
  try {
    const t = liveTarget(live);
    return t.keySize === j.keySize && t.rawValueSize === j.valueSize;
  } finally {
    live.close();
  }
}

/** Rolls back one journal against the map it names (open, or opened here by id). */
export function recoverJournal(path: string, open?: { target: LiveTarget; live: LiveMap }): RecoverReport {
  return recoverOne(path, open)!;
}

/**
 * recoverJournal; with `lock` (the map opened here), the map is written under its lock, as every
 * writer of it does: null when the journal was gone once the lock was taken (the writer that held it
 * rolled it back itself).
 */
function recoverOne(path: string, open?: { target: LiveTarget; live: LiveMap }, lock?: LockOptions): RecoverReport | null {
  const j = readJournal(path);
  const base = { journal: path, restored: 0, conflicts: [] as string[], problems: [] as string[] };
  if (j === null) {
    removeJournal(path);
    return { ...base, mapId: null, map: null, outcome: 'discarded', pid: null };
  }
  const info = { mapId: j.mapId, map: j.mapName, pid: j.pid };
  // The maps of an earlier boot are gone; a map of this boot may have the same id: never roll back onto it.
  // (Checked before the writer: a pid and start time may come again after a reboot.)
  const boot = bootOf(j, path);
  if (boot === 'earlier') {
    removeJournal(path);
    return { ...base, ...info, outcome: 'map gone', earlierBoot: true };
  }
  if (writerAlive(j)) return { ...base, ...info, outcome: 'in use' };
  if (boot === 'earlier by time') {
    if (sameSizesById(j, open)) {
      // No boot id, only a time stamp from before this boot: a clock set forward after the write looks
      // the same. With a map of the journal's sizes under its id, either guess could undo the wrong map.
      throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `journal '${path}' has no boot id and was last written before this boot began, `
        + `but map id ${j.mapId} exists with its key/value sizes ${j.keySize}/${j.valueSize}: it may be the map '${j.mapName}' the journal names `
        + '(the clock set forward since the write) or a map of this boot with the same id; nothing rolled back; check the map and remove the file by hand');
    }
    removeJournal(path);
    return { ...base, ...info, outcome: 'map gone', earlierBoot: true };
  }
  if (lock !== undefined && !open) {
    // Another writer of the map (an apply, an update) may be rolling this journal back itself and
    // then writing the map: the journal is read again once the lock is held.
    const held = lockMaps([j.mapId], lock, new Map([[j.mapId, `map '${j.mapName}' (id ${j.mapId})`]]));
    try {
      return existsSync(path) ? recoverOne(path) : null;
    } finally {
      held.release();
    }
  }
  let live: LiveMap | null = open?.live ?? null;
  let opened = false;
  if (!live) {
    try { live = openMap({ id: j.mapId, force: true }); opened = true; } catch (e) {
      if ((e as { code?: string }).code !== ERROR_CODE.MAP_NOT_FOUND && (e as { code?: string }).code !== ERROR_CODE.NOT_FOUND) throw e;
      removeJournal(path);
      return { ...base, ...info, outcome: 'map gone' };
    }
  }
  try {
    const t = open?.target ?? liveTarget(live);
    if (t.keySize !== j.keySize || t.rawValueSize !== j.valueSize) {
      throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `journal '${path}': map id ${j.mapId} has key/value sizes ${t.keySize}/${t.rawValueSize}, the journal ${j.keySize}/${j.valueSize}; check the map and remove the file by hand`);
    }
    const r: RollbackResult = { restored: 0, conflicts: [], problems: [] };
    undoMap(t, `map '${j.mapName}'`, sets(j), new Writer(newStats(), () => {}), newStats(), keyNamer(live), r);
    removeJournal(path);
    const outcome: RecoverOutcome = r.conflicts.length === 0 && r.problems.length === 0 ? 'rolled back' : 'rollback partial';
    return { ...base, ...info, ...r, outcome };
  } finally {
    if (opened) live.close();
  }
}

/**
 * Before writing a map: rolls back the journal an unfinished apply left for it, if any. Refuses
 * (BUSY) while the apply that wrote it is still running.
 */
export function recoverBeforeWrite(dir: string, live: LiveMap): RecoverReport | null {
  const path = journalPath(dir, live.info.id);
  if (!existsSync(path)) return null;
  const r = recoverJournal(path, { target: liveTarget(live), live });
  if (r.outcome === 'in use') {
    throw new BpfmapError(ERROR_CODE.BUSY, `${live.subject}: an apply (pid ${r.pid}) is writing it (journal '${path}'); wait for it to end`);
  }
  return r;
}

/**
 * Rolls back every journal in dir (those of running applies are left alone), each map under its lock
 * (`lock`: where the lock files are, how long to wait). A journal that cannot be rolled back (its map
 * does not match it, a file of an unknown version, its map locked by another writer until the
 * timeout) is kept and reported as `refused` with the error; the journals after it are still
 * recovered. A journal another writer rolled back meanwhile is not reported.
 */
export function recoverAll(dir: string, lock: LockOptions = {}): RecoverReport[] {
  return listJournals(dir).flatMap((p): RecoverReport[] => {
    try {
      const r = recoverOne(p, undefined, lock);
      return r ? [r] : [];
    } catch (e) {
      if (!isBpfmapError(e)) throw e;
      return [{ journal: p, mapId: null, map: null, outcome: 'refused', restored: 0, conflicts: [], problems: [e.message], pid: null, code: e.code }];
    }
  });
}

/** One line for people: what recovering a journal did. */
export function recoverText(r: RecoverReport): string {
  const what = r.map !== null ? `map '${r.map}' (id ${r.mapId})` : `journal '${r.journal}'`;
  const n = `${r.restored} entr${r.restored === 1 ? 'y' : 'ies'}`;
  switch (r.outcome) {
    case 'discarded': return `${what}: unfinished journal cut off before any write: nothing to roll back; removed`;
    case 'map gone': return r.earlierBoot === true
      ? `${what}: journal written before the machine last booted: the map it names is gone (a map of this boot may have its id): nothing rolled back; journal removed`
      : `${what}: the map no longer exists: nothing to roll back; journal removed`;
    case 'refused': return `${r.problems[0] ?? `journal '${r.journal}': refused`}`;
    case 'in use': return `${what}: the apply that wrote the journal (pid ${r.pid}) is still running: left alone`;
    case 'rolled back': return `${what}: rolled back an unfinished apply (pid ${r.pid}): ${n} restored, the map is as before it`;
    default: {
      const c = r.conflicts;
      const parts = [`${what}: rollback partial of an unfinished apply (pid ${r.pid}): ${n} restored`];
      if (c.length > 0) parts.push(`${c.length} entr${c.length === 1 ? 'y' : 'ies'} another writer changed meanwhile left as they are (${c.slice(0, 5).join(', ')}${c.length > 5 ? ` and ${c.length - 5} more` : ''})`);
      if (r.problems.length > 0) parts.push(`the kernel refused part of it (${r.problems.join('; ')})`);
      return parts.join('; ');
    }
  }
}
