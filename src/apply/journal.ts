/**
 * The apply journal: before its first write to a map, apply records everything it is about to change
 * there (each key's old bytes, or "absent", and the bytes it will write, or "absent" for a delete) in
 * `<dir>/map-<id>.journal`. A crash or SIGKILL leaves the file
 * behind; the next writer of that map (or `recover`) rolls it back (recover.ts). The file is removed
 * when the apply ends, completed or rolled back.
 *
 * Format, version 2, little-endian:
 *   header  "BPFMAPJ\x01" | u32 version | u32 map id | u32 key size | u32 value size (raw) |
 *           u32 pid | u32 flags (1: array-like) | u32 added | u32 changed | u32 deleted |
 *           u64 process start time (/proc/PID/stat field 22) | 16 bytes boot id (version 2 only;
 *           /proc/sys/kernel/random/boot_id, zeros if unknown) | u32 name length | name (UTF-8)
 *   body    added:   keys, new values
 *           changed: keys, old values, new values
 *           deleted: keys, old values (array-like maps: the new value is zeros, else absent)
 *   commit  "BPFMAPJ\xff" | u64 bytes before the commit record
 * The commit record is written after the body: a file without a valid commit record was cut off
 * while the journal itself was being written, before the first write to the map, and is discarded.
 *
 * Nothing is fsync'ed. What the journal guards against is the death of the writing process (SIGKILL,
 * an OOM kill, a crash): its writes are then already in the kernel's page cache, in order, and every
 * later reader sees them. fsync would only add survival of a kernel crash or power loss, which the
 * maps themselves (kernel memory) do not survive; on tmpfs (what /run, the default directory's
 * parent, is on most systems) it does nothing at all. On an ext4 directory the three syncs of a
 * 1,000,000-entry journal and the directory sync of its removal cost ~45 ms of a ~1.1 s apply (CPU
 * profile, 2026-12-06).
 *
 * A journal left from an earlier boot (on a directory that is not tmpfs) names maps that died with
 * that boot, whose ids the maps of this boot reuse: the boot id tells it apart, and it is discarded,
 * never rolled back onto another map. A file without a boot id (version 1, or written where the
 * kernel gave none) is told by its time stamp, which recover.ts does not trust alone (see bootOf).
 */
import { closeSync, openSync, readFileSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { makeDirs } from '../map/make-dirs.js';

export const JOURNAL_VERSION = 2;
/** Where journals live unless told otherwise: on most systems tmpfs, like the maps themselves gone after a reboot. */
export const DEFAULT_JOURNAL_DIR = '/run/bpfmap';
const MAGIC = [0x42, 0x50, 0x46, 0x4d, 0x41, 0x50, 0x4a]; // "BPFMAPJ"
const HEAD = 0x01, COMMIT = 0xff;
const FIXED_V1 = 8 + 4 * 9 + 8 + 4;
const BOOT_ID = 16;
const FIXED = FIXED_V1 + BOOT_ID;
const COMMIT_SIZE = 16;
const CHUNK = 1 << 20;

const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

let bootId: Uint8Array | null | undefined;
/** This boot's id (16 bytes), or null where the kernel does not tell it. */
export function currentBootId(): Uint8Array | null {
  if (bootId === undefined) {
    try {
      const hex = readFileSync(BOOT_ID_PATH, 'latin1').trim().replace(/-/g, '');
      bootId = /^[0-9a-f]{32}$/i.test(hex) ? Uint8Array.from(hex.match(/../g)!, (x) => parseInt(x, 16)) : null;
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** When this boot began (ms since the epoch, from btime in /proc/stat), or null where unknown. */
function bootTimeMs(): number | null {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'));
    return m ? Number(m[1]) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Which boot wrote the journal at `path`: `this` or `earlier` where both boot ids are known (they
 * differ or not); where either is unknown (a version 1 file, or no boot id from the kernel), its time
 * stamp tells: `this` if it was last written after this boot began, else `earlier by time` (a guess:
 * a clock set forward after the write moves btime past it too; recover.ts checks the map before it
 * takes it).
 */
export function bootOf(j: Pick<JournalFile, 'bootId'>, path: string): 'this' | 'earlier' | 'earlier by time' {
  const now = currentBootId();
  if (j.bootId !== null && now !== null) return j.bootId.some((x, i) => x !== now[i]) ? 'earlier' : 'this';
  const boot = bootTimeMs();
  try {
    return boot !== null && statSync(path).mtimeMs < boot ? 'earlier by time' : 'this';
  } catch {
    return 'this';
  }
}

/** One section of entries: `count` records, each a key with its old and new bytes (null: absent). */
export interface EntrySource {
  readonly count: number;
  /** Copies records [start, start + n)'s keys / values packed into out (n * size bytes). */
  keys(start: number, n: number, out: Uint8Array): void;
  old?(start: number, n: number, out: Uint8Array): void;
  new?(start: number, n: number, out: Uint8Array): void;
}

export interface JournalContent {
  mapId: number;
  mapName: string;
  keySize: number;
  valueSize: number;
  arrayLike: boolean;
  added: EntrySource;
  changed: EntrySource;
  deleted: EntrySource;
}

export interface JournalFile {
  path: string;
  version: number;
  mapId: number;
  mapName: string;
  keySize: number;
  valueSize: number;
  arrayLike: boolean;
  pid: number;
  startTime: bigint;
  /** The boot it was written in (version 2; null: version 1, or unknown then). */
  bootId: Uint8Array | null;
  /** Packed sections, views into the file's bytes. */
  added: { count: number; keys: Uint8Array; new: Uint8Array };
  changed: { count: number; keys: Uint8Array; old: Uint8Array; new: Uint8Array };
  deleted: { count: number; keys: Uint8Array; old: Uint8Array };
}

export function journalPath(dir: string, mapId: number): string {
  return join(dir, `map-${mapId}.journal`);
}

/** This process's start time in clock ticks since boot (with the pid, names a process across pid reuse). */
export function processStartTime(pid: number = process.pid): bigint | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return BigInt(f[19]!);
  } catch {
    return null;
  }
}

/** A failed file operation on a journal (`kind` names which) as a typed error: PERMISSION or IO. */
export function ioError(path: string, what: string, e: unknown, kind = 'journal'): BpfmapError {
  const code = (e as { code?: string }).code;
  const msg = (e as Error).message ?? String(e);
  return new BpfmapError(code === 'EACCES' || code === 'EPERM' ? ERROR_CODE.PERMISSION : ERROR_CODE.IO,
    `${kind} '${path}': ${what}: ${msg}`, { cause: e });
}

/** An open journal: remove() when the apply has ended (completed or rolled back). */
export interface Journal {
  readonly path: string;
  remove(): void;
}

/** Writes the journal of one map; returns it once complete (commit record written). */
export function writeJournal(dir: string, c: JournalContent): Journal {
  const path = journalPath(dir, c.mapId);
  try { makeDirs(dir, 0o700); } catch (e) { throw ioError(path, 'cannot make its directory', e); }
  let fd: number;
  try { fd = openSync(path, 'w', 0o600); } catch (e) { throw ioError(path, 'cannot create it', e); }
  let written = 0;
  const put = (b: Uint8Array) => { let o = 0; while (o < b.byteLength) o += writeSync(fd, b, o); written += b.byteLength; };
  try {
    const name = new TextEncoder().encode(c.mapName);
    const head = new Uint8Array(FIXED + name.byteLength);
    const dv = new DataView(head.buffer);
    head.set(MAGIC); head[7] = HEAD;
    let o = 8;
    for (const v of [JOURNAL_VERSION, c.mapId, c.keySize, c.valueSize, process.pid, c.arrayLike ? 1 : 0, c.added.count, c.changed.count, c.deleted.count]) {
      dv.setUint32(o, v, true); o += 4;
    }
    dv.setBigUint64(o, processStartTime() ?? 0n, true); o += 8;
    head.set(currentBootId() ?? new Uint8Array(BOOT_ID), o); o += BOOT_ID;
    dv.setUint32(o, name.byteLength, true); o += 4;
    head.set(name, o);
    put(head);
    const ks = c.keySize, vs = c.valueSize;
    const buf = new Uint8Array(Math.max(CHUNK, ks, vs));
    const section = (count: number, size: number, fill: ((s: number, n: number, out: Uint8Array) => void) | undefined) => {
      if (!fill) return;
      const per = Math.max(1, Math.floor(buf.byteLength / size));
      for (let s = 0; s < count; s += per) {
        const n = Math.min(per, count - s);
        const out = buf.subarray(0, n * size);
        fill(s, n, out);
        put(out);
      }
    };
    section(c.added.count, ks, (s, n, out) => c.added.keys(s, n, out));
    section(c.added.count, vs, c.added.new);
    section(c.changed.count, ks, (s, n, out) => c.changed.keys(s, n, out));
    section(c.changed.count, vs, c.changed.old);
    section(c.changed.count, vs, c.changed.new);
    section(c.deleted.count, ks, (s, n, out) => c.deleted.keys(s, n, out));
    section(c.deleted.count, vs, c.deleted.old);
    const commit = new Uint8Array(COMMIT_SIZE);
    commit.set(MAGIC); commit[7] = COMMIT;
    new DataView(commit.buffer).setBigUint64(8, BigInt(written), true);
    put(commit);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(path); } catch { /* already gone */ }
    throw e instanceof BpfmapError ? e : ioError(path, 'cannot write it', e);
  } finally {
    try { closeSync(fd); } catch { /* closed above */ }
  }
  return { path, remove: () => removeJournal(path) };
}

/** Removes a journal. */
export function removeJournal(path: string): void {
  try { unlinkSync(path); } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw ioError(path, 'cannot remove it', e);
  }
}

/**
 * Reads a journal. `null`: cut off while it was being written (no commit record), so nothing was
 * written to the map under it. A file that is not a journal, or of another version, is an error.
 */
export function readJournal(path: string): JournalFile | null {
  let b: Uint8Array;
  try { b = readFileSync(path); } catch (e) { throw ioError(path, 'cannot read it', e); }
  const bad = (what: string) => new BpfmapError(ERROR_CODE.VALUE_INVALID,
    `journal '${path}': ${what}; check the map and remove the file by hand`);
  if (b.byteLength < 8) return null;
  for (let i = 0; i < 7; i++) if (b[i] !== MAGIC[i]) throw bad('not a bpfmap journal (bad magic)');
  if (b.byteLength < 12) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u32 = (o: number) => dv.getUint32(o, true);
  const version = u32(8);
  if (version !== 1 && version !== 2) throw bad(`version ${version}, expected 1 or ${JOURNAL_VERSION}`);
  const fixed = version === 1 ? FIXED_V1 : FIXED;
  if (b.byteLength < fixed) return null;
  const [mapId, keySize, valueSize, pid, flags, nAdd, nChg, nDel] = [12, 16, 20, 24, 28, 32, 36, 40].map(u32) as number[];
  const startTime = dv.getBigUint64(44, true);
  const boot = version === 1 ? null : b.slice(52, 52 + BOOT_ID);
  const nameLen = u32(fixed - 4);
  let o = fixed + nameLen;
  const body = nAdd! * (keySize! + valueSize!) + nChg! * (keySize! + 2 * valueSize!) + nDel! * (keySize! + valueSize!);
  const end = o + body;
  if (b.byteLength !== end + COMMIT_SIZE) return null;
  for (let i = 0; i < 7; i++) if (b[end + i] !== MAGIC[i]) return null;
  if (b[end + 7] !== COMMIT || dv.getBigUint64(end + 8, true) !== BigInt(end)) return null;
  const take = (n: number) => { const v = b.subarray(o, o + n); o += n; return v; };
  const mapName = new TextDecoder().decode(b.subarray(fixed, fixed + nameLen));
  const ks = keySize!, vs = valueSize!;
  const added = { count: nAdd!, keys: take(nAdd! * ks), new: take(nAdd! * vs) };
  const changed = { count: nChg!, keys: take(nChg! * ks), old: take(nChg! * vs), new: take(nChg! * vs) };
  const deleted = { count: nDel!, keys: take(nDel! * ks), old: take(nDel! * vs) };
  return { path, version, mapId: mapId!, mapName, keySize: ks, valueSize: vs, arrayLike: (flags! & 1) !== 0, pid: pid!, startTime,
    bootId: boot !== null && boot.some((x) => x !== 0) ? boot : null, added, changed, deleted };
}

/** The journal files in dir (none when dir does not exist). */
export function listJournals(dir: string): string[] {
  return listFiles(dir, /^map-\d+\.journal$/);
}

/** The paths of the files of dir whose names match, sorted (none when dir does not exist); `kind` names them in errors. */
export function listFiles(dir: string, names: RegExp, kind = 'journal'): string[] {
  let all: string[];
  try { all = readdirSync(dir); } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw ioError(dir, 'cannot list it', e, kind);
  }
  return all.filter((n) => names.test(n)).sort().map((n) => join(dir, n));
}

/** The apply that wrote the journal is still running (same pid, same start time). */
export function writerAlive(j: Pick<JournalFile, 'pid' | 'startTime'>): boolean {
  if (j.pid === process.pid) return false;
  const t = processStartTime(j.pid);
  return t !== null && (j.startTime === 0n || t === j.startTime);
}
