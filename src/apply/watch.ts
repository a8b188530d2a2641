/**
 * Keeps the maps equal to a state file, not only when the file changes:
 * - the file is applied only when it is complete and stable: it has not changed (inode, size, mtime)
 *   for `settleMs` and it reads and validates; a file still being written (cut mid-line or
 *   mid-document) is waited for, never applied, and the maps keep the last good state;
 * - maps that are missing (not pinned yet, removed) are retried with backoff and applied as soon as
 *   they appear; the wait is logged once per state, not once per retry;
 * - every `resyncMs` the live maps are read and re-converged to the last good state (drift from
 *   other writers, a map recreated empty), and a pin that now holds another map (its id changed,
 *   checked every poll) triggers a full apply at once;
 * - while a newer state keeps being refused by the kernel (a map full, ...: retried with backoff),
 *   the state the maps still hold (the last one applied) is re-applied every `resyncMs` instead, so
 *   their drift is repaired all the same.
 * Changes are seen by fs.watch on the file's directory (a Kubernetes ConfigMap volume swaps a
 * symlink, which a watch on the file misses) and by polling (network and overlay filesystems).
 * Every event goes to onEvent, one per event.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { liveMapId } from '../map/index.js';
import type { ApplyResult } from './apply.js';
import type { DesiredState } from './state.js';
import { writeCalls } from './stats.js';

export type WatchEvent =
  /** The state was written: entries added, changed or deleted (after a file change, or the first). */
  | { event: 'applied'; reason: WatchReason; result: ApplyResult }
  /** Applied, and the maps already matched: nothing written. */
  | { event: 'unchanged'; reason: WatchReason; result: ApplyResult }
  /** A resync (or a re-pointed pin) found the live maps different from the last good state and fixed them. */
  | { event: 'drift repaired'; reason: WatchReason; result: ApplyResult }
  /** A map of the state is missing (not pinned yet, removed): retried with backoff. */
  | { event: 'waiting for map'; error: unknown; retryMs: number }
  /** The file does not read or validate (once it is stable): the maps keep the last good state. */
  | { event: 'file invalid'; error: unknown }
  /** The kernel refused the apply (map full, permission, ...): retried with backoff. */
  | { event: 'apply failed'; error: unknown; retryMs: number };

/** Why an apply ran: the file changed (or the first run), a resync, a retry, a pin now holding another map. */
export type WatchReason = 'file' | 'resync' | 'retry' | 'repointed';

export interface WatchOptions {
  /** Reads and validates the state file; throws when it is broken. */
  read: () => DesiredState;
  /** Applies a state; throws when a map is missing or the kernel refuses. */
  apply: (state: DesiredState) => ApplyResult;
  /** The ids of the live maps the state names (null: missing), to see a pin re-pointed; optional. */
  mapIds?: (state: DesiredState) => (number | null)[];
  onEvent: (e: WatchEvent) => void;
  /** How long the file must stay unchanged before it is read (ms, default 500). */
  settleMs?: number;
  /** Poll interval for file changes and map ids (ms, default 1000). */
  pollMs?: number;
  /** Re-converge the live maps to the last good state this often (ms, default 60000; 0: never). */
  resyncMs?: number;
  /** Backoff for missing maps and refused applies: first and longest wait (ms, default 500 and 10000). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Re-apply the last applied state every resyncMs while a newer one fails (default true; the agent,
   * which keeps its own account of generations, does it itself).
   */
  repairHeld?: boolean;
  /**
   * The version of the state as `ino:size:mtimeMs` (or 'missing'); default: stat of `path` (which
   * follows a symlink). A state made of several files (a directory) says here when any of them changed.
   */
  fingerprint?: () => string;
}

export interface WatchHandle {
  close(): void;
}

function fingerprint(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** When the file version `fp` was last modified (ms), or `now` when unknown or in the future. */
function modifiedAt(fp: string, now: number): number {
  const t = Number(fp.split(':')[2]);
  return Number.isFinite(t) ? Math.min(now, t) : now;
}

/** A missing map or pin: waited for, not an error of the state. */
function isMissing(e: unknown): boolean {
  return isBpfmapError(e) && (e.code === ERROR_CODE.MAP_NOT_FOUND || e.code === ERROR_CODE.NOT_FOUND);
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Watches `path` and keeps the maps right (see the file comment); close() stops it. */
export function watchState(path: string, opts: WatchOptions): WatchHandle {
  const settle = opts.settleMs ?? 500;
  const pollMs = opts.pollMs ?? 1000;
  const resyncMs = opts.resyncMs ?? 60_000;
  const retryMin = opts.retryMinMs ?? 500, retryMax = opts.retryMaxMs ?? 10_000;
  const version = opts.fingerprint ?? (() => fingerprint(path));
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  /** The file version read last (good or bad) and the one seen changing, with since when. */
  let handled = '';
  let candidate = '';
  let candidateSince = 0;
  /** The last good state, and the file version it was read from. */
  let good: DesiredState | null = null;
  let goodPrint = '';
  /** An apply is due: why, and not before when. */
  let due: WatchReason | null = null;
  let dueAt = 0;
  let backoff = 0;
  let nextResync = Infinity;
  /** The live map ids of the last successful apply. */
  let ids: (number | null)[] | null = null;
  /** The state the maps hold (the last one applied), and when it is next re-applied while a newer one fails. */
  let held: DesiredState | null = null;
  let nextHeldRepair = Infinity;
  /** The last waiting / failure / invalid message logged: each state is logged once. */
  let logged = '';

  const schedule = (ms: number) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, Math.max(0, ms));
  };

  const logOnce = (key: string, e: WatchEvent) => {
    if (logged === key) return;
    logged = key;
    opts.onEvent(e);
  };

  const readFile = (): DesiredState | null => {
    const fp = version();
    try {
      const s = opts.read();
      // Changed while being read: not stable after all; read again once it settles.
      if (version() !== fp) { candidate = ''; return null; }
      handled = fp;
      return s;
    } catch (e) {
      if (version() !== fp) { candidate = ''; return null; }
      handled = fp;
      logOnce(`invalid:${fp}:${message(e)}`, { event: 'file invalid', error: e });
      return null;
    }
  };

  const runApply = (reason: WatchReason) => {
    if (!good) return;
    // The last good state, never the file read again: a retry or resync may come while the file is
    // being rewritten, and only a version that has settled is read. Applying does not change a
    // state (variables are planned on a copy), so the live section is patched as it is now.
    const state = good;
    try {
      const result = opts.apply(state);
      const wrote = writeCalls(result.stats) > 0;
      const ev = !wrote ? 'unchanged' : reason === 'resync' || reason === 'repointed' ? 'drift repaired' : 'applied';
      logged = '';
      opts.onEvent({ event: ev, reason, result } as WatchEvent);
      due = null;
      backoff = 0;
      nextResync = resyncMs > 0 ? Date.now() + resyncMs : Infinity;
      held = state;
      nextHeldRepair = nextResync;
      try { ids = opts.mapIds ? opts.mapIds(state) : null; } catch { ids = null; }
    } catch (e) {
      backoff = backoff === 0 ? retryMin : Math.min(retryMax, backoff * 2);
      due = 'retry';
      dueAt = Date.now() + backoff;
      const missing = isMissing(e);
      logOnce(`${missing ? 'missing' : 'failed'}:${message(e)}`,
        missing ? { event: 'waiting for map', error: e, retryMs: backoff } : { event: 'apply failed', error: e, retryMs: backoff });
      if (!missing) repairHeld(state);
    }
  };

  /** The maps hold `held` (the failed apply rolled back): its drift is repaired every resyncMs. */
  const repairHeld = (failed: DesiredState) => {
    if (opts.repairHeld === false || held === null || held === failed || Date.now() < nextHeldRepair) return;
    nextHeldRepair = resyncMs > 0 ? Date.now() + resyncMs : Infinity;
    try {
      const result = opts.apply(held);
      if (writeCalls(result.stats) > 0) opts.onEvent({ event: 'drift repaired', reason: 'resync', result });
    } catch {
      // Refused too (rolled back): the newer state's failure is what is reported.
    }
  };

  function tick(): void {
    timer = null;
    if (closed) return;
    const now = Date.now();
    const fp = version();
    let wait = pollMs;
    if (fp !== handled) {
      // Stable: this version has not been modified for `settle` ms (its mtime, or since it was seen).
      if (fp !== candidate) { candidate = fp; candidateSince = modifiedAt(fp, now); }
      if (fp === 'missing') {
        logOnce(`invalid:missing`, { event: 'file invalid', error: new BpfmapError(ERROR_CODE.NOT_FOUND, `${path}: no such file; waiting for it`) });
      } else if (now - candidateSince >= settle) {
        const s = readFile();
        if (s) { good = s; goodPrint = fp; due = 'file'; dueAt = now; backoff = 0; }
      } else wait = Math.min(wait, settle - (now - candidateSince));
    }
    if (good && due === null) {
      // A pin now holding another map (or none) comes first: it is said as such, then re-applied.
      if (ids && opts.mapIds) {
        let cur: (number | null)[] | null = null;
        try { cur = opts.mapIds(good); } catch { cur = null; }
        if (cur && cur.some((id, i) => id !== ids![i])) { due = cur.some((id) => id === null) ? 'retry' : 'repointed'; dueAt = now; }
      }
      if (due === null && now >= nextResync) { due = 'resync'; dueAt = now; }
    }
    if (good && due !== null) {
      if (Date.now() >= dueAt) runApply(due);
      if (due !== null) wait = Math.min(wait, Math.max(10, dueAt - Date.now()));
    }
    if (good && nextResync !== Infinity) wait = Math.min(wait, Math.max(10, nextResync - Date.now()));
    schedule(wait);
  }

  let watcher: FSWatcher | null = null;
  try {
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: true }, (_event, file) => {
      if (file === null || file === name || String(file).startsWith('..')) schedule(0);
    });
    watcher.on('error', () => { watcher?.close(); watcher = null; });
  } catch {
    watcher = null; // polling still works
  }
  tick();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      watcher?.close();
    },
  };
}

/**
 * The ids of the live maps a state names, in its order (null where there is none); cheap to poll:
 * a map found by default discovery is looked for where it was found last (map/live-id.ts).
 */
export function liveMapIds(state: DesiredState, opts: { pin?: string; pinRoot?: string }): (number | null)[] {
  const out: (number | null)[] = [];
  for (const d of state.maps.values()) out.push(liveMapId({ map: d.map, pin: opts.pin, pinRoot: opts.pinRoot }));
  return out;
}
