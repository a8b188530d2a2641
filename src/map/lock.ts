/**
 * One lock per live map, by map id: an flock(2) on DIR/<id>.lock (default /run/bpfmap/locks), so
 * that every bpfmap on the host, and in containers that share /run, sees it. Writers that read,
 * modify and write a map (apply, update, delete, edit, set) hold it across the read and the write.
 * The holder writes its pid into the file, for the message of the one that waits. The kernel drops
 * the lock when the holder dies; the file is removed on release (a waiter that locked a removed
 * file sees that its inode is no longer the path's and opens the path again).
 * Several maps are locked in ascending id order, so two writers of the same maps never deadlock.
 * Re-entrant within one process: locking a map this process already holds counts up.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { flockTryExclusive } from '../syscall/index.js';
import { makeDirs } from './make-dirs.js';

export const DEFAULT_LOCK_DIR = '/run/bpfmap/locks';
/** How long a writer waits for another's lock by default (ms). */
export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

export interface LockOptions {
  /** Where the lock files live (default /run/bpfmap/locks). */
  lockDir?: string;
  /** How long to wait for another holder (ms, default 5000; 0: do not wait). */
  lockTimeoutMs?: number;
}

export interface MapLock {
  /** The map ids held, ascending. */
  readonly ids: readonly number[];
  /** Releases every lock (idempotent). */
  release(): void;
}

/** Locks this process holds: path -> fd and depth. */
const held = new Map<string, { fd: number; depth: number }>();

const waitCell = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number) => { Atomics.wait(waitCell, 0, 0, ms); };

/**
 * The holder's pid as written in the lock file. The holder writes it just after taking the lock, so
 * an empty file is read again for up to 100 ms before the holder is called "another process".
 */
/** Whether a process of this pid exists in this PID namespace (EPERM: it does, another user's). */
function running(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

function holderOf(path: string): string {
  for (let i = 0; i < 20; i++) {
    let pid: string;
    try {
      pid = readFileSync(path, 'utf8').trim();
    } catch {
      return 'another process';
    }
    if (/^\d+$/.test(pid)) return running(Number(pid)) ? `pid ${pid}` : `pid ${pid} (not running here: a process of another PID namespace, or one it started, holds the lock)`;
    if (pid !== '') return 'another process';
    sleep(5);
  }
  return 'another process';
}

function tryLock(path: string, subject: string): number | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (e) {
    throw new BpfmapError(ERROR_CODE.IO, `${subject}: cannot open the lock file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  try {
    if (!flockTryExclusive(fd, subject)) { closeSync(fd); return null; }
    let same = false;
    try { same = statSync(path).ino === fstatSync(fd).ino; } catch { same = false; }
    if (!same) { closeSync(fd); return lockRetry; }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return fd;
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    throw e;
  }
}
/** tryLock locked a file the previous holder had removed: open the path again at once. */
const lockRetry = -1;

function lockOne(id: number, dir: string, deadline: number, timeoutMs: number, subject: string): void {
  const path = join(dir, `${id}.lock`);
  const mine = held.get(path);
  if (mine) { mine.depth++; return; }
  for (;;) {
    const fd = tryLock(path, subject);
    if (fd !== null && fd !== lockRetry) { held.set(path, { fd, depth: 1 }); return; }
    if (fd === lockRetry) continue;
    const left = deadline - Date.now();
    if (left <= 0) {
      const holder = holderOf(path);
      const err = new BpfmapError(ERROR_CODE.LOCKED,
        `${subject}: locked by ${holder}, which is writing this map (lock ${path}); gave up after ${timeoutMs / 1000} s`);
      (err as { holder?: string }).holder = holder;
      throw err;
    }
    sleep(Math.min(20, left));
  }
}

function unlockOne(id: number, dir: string): void {
  const path = join(dir, `${id}.lock`);
  const mine = held.get(path);
  if (!mine) return;
  if (--mine.depth > 0) return;
  held.delete(path);
  try { unlinkSync(path); } catch { /* already gone */ }
  try { closeSync(mine.fd); } catch { /* closed */ }
}

/**
 * Locks the maps with these ids (ascending, duplicates once), waiting up to lockTimeoutMs for other
 * holders; throws LOCKED naming the holder's pid. `subjects` names each id in messages.
 */
export function lockMaps(ids: readonly number[], opts: LockOptions = {}, subjects: ReadonlyMap<number, string> = new Map()): MapLock {
  const dir = opts.lockDir ?? DEFAULT_LOCK_DIR;
  const timeoutMs = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new BpfmapError(ERROR_CODE.USAGE, `lockTimeoutMs: expected a number of ms >= 0, got ${String(opts.lockTimeoutMs)}`);
  }
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  try {
    makeDirs(dir);
  } catch (e) {
    throw new BpfmapError(ERROR_CODE.IO, `lock directory ${dir}: cannot create it (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const deadline = Date.now() + timeoutMs;
  const taken: number[] = [];
  try {
    for (const id of sorted) {
      lockOne(id, dir, deadline, timeoutMs, subjects.get(id) ?? `map id ${id}`);
      taken.push(id);
    }
  } catch (e) {
    for (const id of taken.reverse()) unlockOne(id, dir);
    throw e;
  }
  let released = false;
  return {
    ids: sorted,
    release() {
      if (released) return;
      released = true;
      for (const id of [...sorted].reverse()) unlockOne(id, dir);
    },
  };
}

/** Runs fn holding the lock of one map. */
export function withMapLock<T>(id: number, subject: string, opts: LockOptions, fn: () => T): T {
  const lock = lockMaps([id], opts, new Map([[id, subject]]));
  try {
    return fn();
  } finally {
    lock.release();
  }
}
