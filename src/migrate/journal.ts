/**
 * The migration journal: before it creates its first map, a migration records where it works (the pin
 * root, its private directory) and which pins it will swap (each pin's path and the id of the old map
 * it holds) in `<dir>/migrate-<pid>.journal`, written to a temporary name, synced and renamed into
 * place (so that it is whole or absent), like the apply journal (../apply/journal.ts). The file is
 * removed once every pin is swapped and the private directory is gone.
 *
 * A file left behind means the migration was killed or crashed somewhere: while the new maps were
 * being filled (only its private directory holds them), or between swaps (some names on new maps,
 * their `_old` pins beside them). The next migration of the same pin root, `--commit`, `--rollback`
 * or `bpfmap recover` undoes it (recoverMigration): each `_old` pin that still holds the journaled
 * old map is renamed back onto its name, the private directory is removed with what it holds, then
 * the journal. At every point of this, every name points to a whole map: the old one, or the new one
 * that was filled and checked before its swap.
 *
 * Format, version 1: one JSON object
 *   {"journal":"bpfmap-migrate","version":1,"pid":N,"startTime":"TICKS","pinRoot":DIR,"privateDir":DIR,
 *    "maps":[{"pin":PATH,"oldId":N}]}
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { ioError as journalIoError, listFiles, processStartTime, writerAlive } from '../apply/journal.js';
import { closeFd, objGet, objGetInfoByFd } from '../syscall/index.js';
import { makeDirs } from '../map/make-dirs.js';

export const MIGRATE_JOURNAL_VERSION = 1;
/** The suffix of the pin that keeps the old map until commit or rollback. */
export const OLD_SUFFIX = '_old';

export interface MigrationJournal {
  readonly path: string;
  readonly pid: number;
  readonly startTime: bigint;
  readonly pinRoot: string;
  readonly privateDir: string;
  readonly maps: readonly { readonly pin: string; readonly oldId: number }[];
}

export interface MigrationRecovery {
  journal: string;
  pinRoot: string | null;
  /** rolled back: every pin on its old map again; in use: the migration is still running; discarded: unreadable, removed. */
  outcome: 'rolled back' | 'in use' | 'discarded';
  /** The pins put back onto their old map. */
  restored: string[];
  /** `_old` pins that no longer held the journaled map: left as they are. */
  problems: string[];
  pid: number | null;
}

function ioError(path: string, what: string, e: unknown): BpfmapError {
  return journalIoError(path, what, e, 'migration journal');
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

/** The private directory a migration builds its maps in, beside the pins. */
export function privateDirOf(pinRoot: string, pid: number = process.pid): string {
  return join(pinRoot, `bpfmap_migrate_${pid}`);
}

/** Writes the journal (whole or not at all) and syncs it; returns its path. */
export function writeMigrationJournal(dir: string, pinRoot: string, privateDir: string, maps: readonly { pin: string; oldId: number }[]): string {
  const path = join(dir, `migrate-${process.pid}.journal`);
  const tmp = `${path}.tmp`;
  const body = JSON.stringify({
    journal: 'bpfmap-migrate', version: MIGRATE_JOURNAL_VERSION, pid: process.pid, startTime: String(processStartTime() ?? 0n),
    pinRoot: resolve(pinRoot), privateDir: resolve(privateDir), maps,
  }) + '\n';
  try { makeDirs(dir, 0o700); } catch (e) { throw ioError(path, 'cannot make its directory', e); }
  try {
    const fd = openSync(tmp, 'w', 0o600);
    try { writeSync(fd, body); fsyncSync(fd); } finally { closeSync(fd); }
    renameSync(tmp, path);
    syncDir(dir);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* not made */ }
    throw ioError(path, 'cannot write it', e);
  }
  return path;
}

/** Removes a journal (the migration ended: swapped, or undone) and syncs its directory. */
export function removeMigrationJournal(path: string): void {
  try { unlinkSync(path); } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw ioError(path, 'cannot remove it', e);
  }
  try { syncDir(join(path, '..')); } catch { /* the directory is gone: so is the journal */ }
}

/** Reads a journal; null when it is not a readable migration journal of this version. */
export function readMigrationJournal(path: string): MigrationJournal | null {
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    if (j.journal !== 'bpfmap-migrate' || j.version !== MIGRATE_JOURNAL_VERSION || typeof j.pinRoot !== 'string' || typeof j.privateDir !== 'string' ||
      typeof j.pid !== 'number' || typeof j.startTime !== 'string' || !/^\d+$/.test(j.startTime) || !Array.isArray(j.maps)) return null;
    const maps = (j.maps as { pin?: unknown; oldId?: unknown }[]).map((m) => ({ pin: String(m.pin), oldId: Number(m.oldId) }));
    return { path, pid: j.pid, startTime: BigInt(j.startTime), pinRoot: j.pinRoot, privateDir: j.privateDir, maps };
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return null;
    if (e instanceof SyntaxError) return null;
    throw ioError(path, 'cannot read it', e);
  }
}

/** The migration journals in dir (none when dir does not exist). */
export function listMigrationJournals(dir: string): string[] {
  return listFiles(dir, /^migrate-\d+\.journal$/, 'migration journal');
}

/** The id of the map pinned at pin; null when nothing is pinned there. */
export function pinnedId(pin: string): number | null {
  let fd: number;
  try { fd = objGet(pin); } catch (e) {
    if (isBpfmapError(e) && e.code === ERROR_CODE.NOT_FOUND) return null;
    throw e;
  }
  try { return objGetInfoByFd(fd, `map '${pin}'`).id; } finally { closeFd(fd); }
}

/** Removes a private directory and every pin in it. */
export function removePrivateDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) {
    try { unlinkSync(join(dir, f)); } catch (e) { if ((e as { code?: string }).code !== 'ENOENT') throw e; }
  }
  try { rmdirSync(dir); } catch (e) { if ((e as { code?: string }).code !== 'ENOENT') throw e; }
}

/** Undoes the migration a journal describes (see the file comment); leaves a running one alone. */
export function recoverMigration(path: string): MigrationRecovery {
  const j = readMigrationJournal(path);
  if (j === null) {
    removeMigrationJournal(path);
    return { journal: path, pinRoot: null, outcome: 'discarded', restored: [], problems: [], pid: null };
  }
  const base = { journal: path, pinRoot: j.pinRoot, pid: j.pid, restored: [] as string[], problems: [] as string[] };
  if (writerAlive(j)) return { ...base, outcome: 'in use' };
  for (const m of j.maps) {
    const old = m.pin + OLD_SUFFIX;
    const id = pinnedId(old);
    if (id === null) continue; // never pinned aside: the name still holds the old map
    if (id !== m.oldId) { base.problems.push(`${old} holds map id ${id}, not the old map (id ${m.oldId}): left as it is`); continue; }
    try { renameSync(old, m.pin); } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') continue; // another recovery did it
      throw ioError(path, `cannot rename ${old} onto ${m.pin}`, e);
    }
    base.restored.push(m.pin);
  }
  try { removePrivateDir(j.privateDir); } catch (e) { throw ioError(path, `cannot remove ${j.privateDir}`, e); }
  removeMigrationJournal(path);
  return { ...base, outcome: 'rolled back' };
}

/** Removes the journals a migration was killed while writing (their process is gone: nothing else was done). */
function removeCutOff(dir: string): void {
  let names: string[];
  try { names = readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /^migrate-(\d+)\.journal\.tmp$/.exec(n);
    if (m && processStartTime(Number(m[1])) === null) {
      try { unlinkSync(join(dir, n)); } catch { /* another recovery did it */ }
    }
  }
}

/** Undoes every unfinished migration journaled in dir; only those of pinRoot when given. */
export function recoverMigrations(dir: string, pinRoot?: string): MigrationRecovery[] {
  const root = pinRoot === undefined ? undefined : resolve(pinRoot);
  removeCutOff(dir);
  const out: MigrationRecovery[] = [];
  for (const p of listMigrationJournals(dir)) {
    if (root !== undefined) {
      const j = readMigrationJournal(p);
      if (j !== null && j.pinRoot !== root) continue;
    }
    out.push(recoverMigration(p));
  }
  return out;
}

/** One line for people: what recovering a migration journal did. */
export function migrationRecoveryText(r: MigrationRecovery): string {
  const what = `migration of ${r.pinRoot ?? `journal '${r.journal}'`}`;
  switch (r.outcome) {
    case 'discarded': return `${what}: unreadable journal (cut off before the migration began): removed`;
    case 'in use': return `${what}: the migration that wrote the journal (pid ${r.pid}) is still running: left alone`;
    default: {
      const n = r.restored.length;
      return `${what}: rolled back an unfinished migration (pid ${r.pid}): ${n} pin${n === 1 ? '' : 's'} put back on the old map${n === 1 ? '' : 's'}, its private maps removed` +
        (r.problems.length > 0 ? `; ${r.problems.join('; ')}` : '');
    }
  }
}
