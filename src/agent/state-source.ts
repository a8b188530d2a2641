/**
 * Where an agent reads its state: one file, or a directory of files as a Kubernetes ConfigMap volume
 * mounts them. kubelet writes each version of a ConfigMap into a new hidden directory
 * `..<timestamp>`, then renames a symlink `..data` to point at it (the visible names are symlinks
 * through `..data`). A directory that has `..data` is read only through it: the target is resolved
 * once, its files are read, and the read counts only if `..data` still points there at the end, so a
 * state is never a mix of two versions. A directory without `..data` is read as it is; the watch's
 * settling (unchanged before and after the read) stands in for the swap.
 *
 * The files of a directory are its `*.yaml`, `*.yml` and `*.json` (names starting with `.` are
 * skipped), read in name order into one state; each map may be named by one file only. Each file is
 * a state document (`{maps: {...}}`); `${NAME}` references are expanded first (env.ts). The
 * generation is a hash of the files' names and bytes as written (before expansion), so every node
 * reports the same generation for the same version.
 */
import { createRequire } from 'node:module';
import { lstatSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ObjectSchema } from '../schema/types.js';
import { parseDocument } from '../codec/parse-value.js';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { readStateDocument } from '../apply/parse-state.js';
import { DesiredState } from '../apply/state.js';
import { utf8Text } from '../text/utf8.js';
import { expandEnv } from './env.js';

/** A SHA-256 hash; node:crypto is required on first use, not at import (start-up: see loadHttp in exporter/server.ts). */
function sha256(): import('node:crypto').Hash {
  return (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash('sha256');
}

const DATA = '..data';
const STATE_FILE = /\.(ya?ml|json)$/i;

function ioError(path: string, e: unknown): BpfmapError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new BpfmapError(ERROR_CODE.NOT_FOUND, `${path}: no such file or directory`);
  if (code === 'EACCES' || code === 'EPERM') return new BpfmapError(ERROR_CODE.PERMISSION, `${path}: permission denied`);
  return new BpfmapError(ERROR_CODE.IO, `${path}: cannot read (${code ?? String(e)})`);
}

function isLink(p: string): boolean {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}

function linkTarget(p: string): string {
  try { return readlinkSync(p); } catch { return '?'; }
}

/** The directory the state's files are read from now: `..data`'s target, the directory, or null for a file. */
function currentDir(path: string): { dir: string; link: string | null } | null {
  let st;
  try { st = statSync(path); } catch (e) { throw ioError(path, e); }
  if (!st.isDirectory()) return null;
  let link: string | null = null;
  try { link = readlinkSync(join(path, DATA)); } catch { link = null; }
  return link === null ? { dir: path, link: null } : { dir: resolve(path, link), link };
}

/** The state files of a directory, in name order. */
function listFiles(dir: string): string[] {
  let names: string[];
  try { names = readdirSync(dir); } catch (e) { throw ioError(dir, e); }
  // A state file that cannot be looked at (a link to nothing, no permission) is an error, not left
  // out: with --prune, the entries it holds would be deleted. Directories and the like are no state files.
  return names.filter((n) => !n.startsWith('.') && STATE_FILE.test(n)).sort().filter((n) => {
    const p = join(dir, n);
    try { return statSync(p).isFile(); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && isLink(p)) {
        throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${p}: a symbolic link to a file that does not exist (${linkTarget(p)}); its entries are not guessed away`);
      }
      throw ioError(p, e);
    }
  });
}

/**
 * The version of the state now, as `id:size:mtimeMs` (the watch's fingerprint; 'missing' when there
 * is none): cheap, and different whenever the state may have changed.
 */
export function stateVersion(path: string): string {
  try {
    const cur = currentDir(path);
    if (cur === null) {
      const s = statSync(path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    }
    const d = statSync(cur.dir);
    if (cur.link !== null) return `${d.ino}-${cur.link.replace(/:/g, '_')}:${d.size}:${d.mtimeMs}`;
    // A plain directory: every file's inode, size and time.
    const h = sha256();
    let size = 0, mtime = d.mtimeMs;
    // Every candidate name, whether it can be looked at or not: the read then says why a state file
    // is unusable (a link to nothing), instead of the whole state looking missing.
    for (const n of readdirSync(cur.dir).filter((x) => !x.startsWith('.') && STATE_FILE.test(x)).sort()) {
      let s;
      try { s = statSync(join(cur.dir, n)); } catch (e) { h.update(`${n}\0${(e as NodeJS.ErrnoException).code ?? '?'}\0`); continue; }
      if (!s.isFile()) continue;
      h.update(`${n}\0${s.ino}\0${s.size}\0${s.mtimeMs}\0`);
      size += s.size;
      mtime = Math.max(mtime, s.mtimeMs);
    }
    return `${h.digest('hex').slice(0, 16)}:${size}:${mtime}`;
  } catch {
    return 'missing';
  }
}

/** The bytes of one version of the state, read whole before anything is parsed. */
export interface StateFiles {
  path: string;
  /** Hash of the files' names and bytes as written (16 hex digits). */
  generation: string;
  /** Each file: its name as shown in messages and its bytes. */
  files: { shown: string; bytes: Buffer }[];
  /** Whether `path` is a directory (messages naming it are rewritten to name the file). */
  dir: boolean;
}

/**
 * Reads the bytes of the state at `path` (file or directory, see the file comment); throws BUSY when
 * kubelet swapped `..data` during the read (the watch then reads the new version).
 */
export function readStateFiles(path: string): StateFiles {
  const cur = currentDir(path);
  const dir = cur?.dir ?? null;
  const names = dir === null ? [''] : listFiles(dir);
  if (dir !== null && names.length === 0) {
    throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${path}: no state file in the directory (expected *.yaml, *.yml or *.json)`);
  }
  const hash = sha256();
  const files: StateFiles['files'] = [];
  for (const n of names) {
    const shown = dir === null ? path : join(path, n);
    let bytes: Buffer;
    try { bytes = readFileSync(dir === null ? path : join(dir, n)); } catch (e) { throw ioError(shown, e); }
    hash.update(`${n}\0${bytes.byteLength}\0`).update(bytes);
    files.push({ shown, bytes });
  }
  if (cur?.link != null) {
    let now: string | null = null;
    try { now = readlinkSync(join(path, DATA)); } catch { now = null; }
    if (now !== cur.link) throw new BpfmapError(ERROR_CODE.BUSY, `${path}: ${DATA} changed while the state was read; reading the new version`);
  }
  return { path, generation: hash.digest('hex').slice(0, 16), files, dir: dir !== null };
}

/** The files of one version parsed into one state: `${NAME}` expanded from `env`, then validated and encoded. */
export function parseStateFiles(f: StateFiles, schema: ObjectSchema, env: Readonly<Record<string, string | undefined>>, opts: { prune?: boolean } = {}): DesiredState {
  const state = new DesiredState(schema, f.path);
  state.document = true;
  for (const { shown, bytes } of f.files) {
    try {
      const text = expandEnv(utf8Text(bytes, shown), env, shown);
      const before = new Set(state.maps.keys());
      if (text.trim() !== '') readStateDocument(parseDocument(text, shown), state);
      // A key (or LPM prefix) given twice is refused here, as a state that does not validate, not at
      // apply time: an apply that fails is retried, and the last good state would not be repaired.
      for (const [name, m] of state.maps) if (!before.has(name)) void m.index;
    } catch (e) {
      // Name the file of the directory in messages that name the directory.
      if (f.dir && isBpfmapError(e) && e.message.startsWith(`${f.path}: `)) {
        throw new BpfmapError(e.code, `${shown}: ${e.message.slice(f.path.length + 2)}`);
      }
      throw e;
    }
  }
  if (opts.prune) for (const m of state.maps.values()) m.prune = true;
  return state;
}
