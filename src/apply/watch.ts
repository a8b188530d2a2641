/**
 * Re-runs an apply whenever the state file changes: fs.watch on the file's directory (a Kubernetes
 * ConfigMap volume replaces the file by swapping a symlink, which a watch on the file itself misses)
 * plus polling as a fallback (network filesystems, overlay mounts), debounced, and only when the
 * file's identity (inode, size, mtime) really changed. A failing run is reported and watching goes
 * on: since apply validates everything before the first write, the maps keep the last good state.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface WatchOptions {
  /** Applies the file; throws when it is broken or the kernel refuses. */
  run: () => void;
  onError: (e: unknown) => void;
  debounceMs?: number;
  pollMs?: number;
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

/** Runs once now, then on every change; returns a handle whose close() stops watching. */
export function watchState(path: string, opts: WatchOptions): WatchHandle {
  const debounce = opts.debounceMs ?? 200;
  let seen = fingerprint(path);
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const runSafe = () => {
    try { opts.run(); } catch (e) { opts.onError(e); }
  };
  const check = () => {
    timer = null;
    if (closed) return;
    const now = fingerprint(path);
    if (now === seen || now === 'missing') return;
    seen = now;
    runSafe();
  };
  const kick = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounce);
  };
  runSafe();
  let watcher: FSWatcher | null = null;
  try {
    const name = basename(path);
    watcher = watch(dirname(path), { persistent: true }, (_event, file) => {
      if (file === null || file === name || String(file).startsWith('..')) kick();
    });
    watcher.on('error', () => { watcher?.close(); watcher = null; });
  } catch {
    watcher = null; // polling below still works
  }
  const poll = setInterval(kick, opts.pollMs ?? 1000);
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
