/**
 * migrateMaps: moves the entries of the maps pinned by one version of an object into maps of the next
 * version's layout, then swaps the pins. For each map of NEW that `diffMaps` finds migratable against
 * OLD (and whose pin still holds OLD's layout):
 *
 * 1. create the map with NEW's definition and BTF (createMaps, pinned in a private directory of the
 *    pin root),
 * 2. copy every entry (per-CPU maps per CPU, keys as they are: LPM prefixes kept) through the
 *    field-by-field converter (convert.ts), batch by batch (nothing held in memory but one batch); a
 *    loss stops everything before any swap (the maps built so far are removed), unless allowLossy,
 * 3. once every new map is full, right before each map's swap: convert once more and compare every
 *    entry with what the new map holds (two order-independent digests; entry by entry only to name a
 *    difference); a difference (a write to the old map since the copy) undoes the swaps made so far,
 * 4. swap: the old map is pinned again as `<name>_old`, then the new pin is renamed onto `<name>`
 *    (rename replaces the target in one step: the name never points to nothing or a half-filled map).
 *
 * `commitMigration` removes the `_old` pins; `rollbackMigration` renames each `_old` back onto its name
 * (the same map ids under the same names as before; what the new maps gained meanwhile is dropped).
 *
 * Crashes and signals: before step 1 the migration writes its journal (journal.ts: the private
 * directory, each pin and its old map's id) and removes it after step 4. Every name points to a whole
 * map at every moment (the new maps are filled and checked under private names; rename swaps in one
 * step). A migration killed before its journal is removed is undone by the next migration of the
 * same pin root, by commit, rollback, or `recoverMigrations` (`bpfmap recover`): the `_old` pins go
 * back onto their names and the private directory is removed.
 * Two migrations of the same maps do not interleave: each holds the maps' locks (map/lock.ts) from
 * before its plan to its last swap; the second then finds the new layout and has nothing to do.
 */
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BpfObject } from '../object/index.js';
import type { MapSchema } from '../schema/types.js';
import { toHex } from '../bytes.js';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { assertHostByteOrder } from '../map/byte-order.js';
import { DEFAULT_JOURNAL_DIR } from '../apply/journal.js';
import { createMaps, DEFAULT_PIN_ROOT } from '../map/create.js';
import { lockMaps, type LockOptions, type MapLock } from '../map/lock.js';
import { LiveMap } from '../map/live-map.js';
import { openMap } from '../map/open.js';
import { pinName } from '../map/pin-name.js';
import { objPin } from '../syscall/index.js';
import { perCpuStride } from '../syscall/cpus.js';
import type { Change, MapVerdict } from '../schema/diff.js';
import { diffMaps } from '../schema/diff.js';
import { compileConverter } from './convert.js';
import type { Converter, Loss } from './convert.js';
import { liveSchemas } from './live.js';
import { fillOuter, scanOuter } from './map-in-map.js';
import {
  OLD_SUFFIX, pinnedId, privateDirOf, recoverMigration, recoverMigrations, removeMigrationJournal, removePrivateDir, writeMigrationJournal,
  type MigrationRecovery,
} from './journal.js';

export { OLD_SUFFIX };

/** Where migrations keep their journal, and what to say about an unfinished one undone first. */
export interface JournalOptions {
  /** The journal directory (default /run/bpfmap, the apply journal's). */
  journalDir?: string;
  /** Called for each unfinished migration of the pin root undone before this one starts. */
  onRecover?: (r: MigrationRecovery) => void;
}

export interface MigrateOptions extends LockOptions, JournalOptions {
  /** Where the maps are pinned (`<pinRoot>/<pin name>`); default /sys/fs/bpf. */
  pinRoot?: string;
  /** `old=new` field and map names. */
  rename?: Readonly<Record<string, string>>;
  /** Per map name: values for fields only the new layout has, by path (`rules[].priority`). */
  defaults?: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
  /** Go ahead when values do not fit (each loss is reported). */
  allowLossy?: boolean;
  /** Only plan: read and convert every entry, write nothing. */
  dryRun?: boolean;
}

export interface EntryLoss extends Loss {
  /** The entry's key, hex (as `bpfmap dump --hex` prints it). */
  readonly key: string;
  /** Per-CPU maps: the CPU. */
  readonly cpu?: number;
}

/** What copying a map's entries into a new layout did (a migration's or a restore's). */
export interface CopyReport {
  readonly name: string;
  readonly entries: number;
  readonly added: readonly string[];
  readonly dropped: readonly string[];
  readonly converted: readonly string[];
  /** The first 1000 losses; `lossCount` counts them all. */
  readonly losses: readonly EntryLoss[];
  readonly lossCount: number;
}

export interface MapMigration extends CopyReport {
  readonly pinPath: string;
  readonly verdict: MapVerdict | 'already-new' | 'not-pinned';
  /** migrated; planned (dry run); unchanged (identical, compatible, already the new layout, not pinned). */
  readonly status: 'migrated' | 'planned' | 'unchanged';
  /** Kernel ids of the map before and after (equal when unchanged). */
  readonly oldId: number;
  readonly newId: number;
}

const MAX_LOSSES_SHOWN = 5;

interface Plan {
  cur: MapSchema;
  old: MapSchema;
  pin: string;
  changes: readonly Change[];
  verdict: MapVerdict | 'already-new' | 'not-pinned';
}

export function summary(changes: readonly Change[]): { added: string[]; dropped: string[]; converted: string[] } {
  return {
    added: changes.filter((c) => c.change === 'added').map((c) => c.path),
    dropped: changes.filter((c) => c.change === 'removed').map((c) => c.path),
    converted: changes.filter((c) => !['added', 'removed', 'type-name'].includes(c.change)).map((c) => `${c.path} ${c.change}${c.from !== undefined && c.to !== undefined ? ` ${c.from} -> ${c.to}` : ''}`),
  };
}

function defaultsOf(opts: Pick<MigrateOptions, 'defaults'>, name: string): Map<string, bigint> {
  const d = opts.defaults?.[name] ?? {};
  return new Map(Object.entries(d).map(([k, v]) => [k.replace(/^value\./, ''), v]));
}

/** Per map of NEW: what its pin holds and what changes. */
function planAll(oldObj: BpfObject, newObj: BpfObject, root: string, opts: MigrateOptions): Plan[] {
  const rename = opts.rename ?? {};
  for (const name of Object.keys(opts.defaults ?? {})) {
    if (!newObj.schema.maps.some((m) => m.name === name)) throw new BpfmapError(ERROR_CODE.USAGE, `defaults: '${name}' is not a map of the new object`);
  }
  for (const [from, to] of Object.entries(rename)) {
    if (oldObj.schema.maps.some((m) => m.name === from) || newObj.schema.maps.some((m) => m.name === to)) {
      throw new BpfmapError(ERROR_CODE.USAGE, `rename: '${from}=${to}' names a map: migrate renames fields only (a map's pin keeps its name); nothing was changed`);
    }
  }
  const live = liveSchemas(newObj.schema.maps, root);
  const plans: Plan[] = [];
  for (const cur of newObj.schema.maps) {
    const pin = join(root, pinName(cur));
    const from = Object.entries(rename).find(([, to]) => to === cur.name)?.[0] ?? cur.name;
    const old = oldObj.schema.maps.find((m) => m.name === from);
    const l = live.find((m) => m.name === cur.name);
    if (!old || !l) { plans.push({ cur, old: old ?? cur, pin, changes: [], verdict: 'not-pinned' }); continue; }
    const d = diffMaps(old, cur, { rename });
    if (d.verdict === 'incompatible') {
      throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE, `map '${cur.name}': cannot be migrated: ${d.reason}; nothing was changed`);
    }
    if (d.verdict === 'migratable') {
      const fromLive = diffMaps(l, cur, { rename });
      if (fromLive.verdict === 'identical' || fromLive.verdict === 'compatible') { plans.push({ cur, old, pin, changes: [], verdict: 'already-new' }); continue; }
      const asOld = diffMaps(l, old);
      if (asOld.verdict !== 'identical' && asOld.verdict !== 'compatible') {
        throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
          `map '${pin}': holds neither the old nor the new layout of '${cur.name}' (against the old: ${asOld.changes.map((c) => `${c.path} ${c.change}`).join(', ')}); nothing was changed`);
      }
      if (existsSync(pin + OLD_SUFFIX)) {
        throw new BpfmapError(ERROR_CODE.USAGE, `map '${pin}': ${pin}${OLD_SUFFIX} exists: a migration is waiting for commit or rollback; nothing was changed`);
      }
    }
    plans.push({ cur, old, pin, changes: d.changes, verdict: d.verdict });
  }
  return plans;
}

/** Losses kept per map (the count is exact; the list stops here). */
const MAX_LOSSES_KEPT = 1000;

export interface Scan { entries: number; skipped: number; lossCount: number; losses: EntryLoss[] }

/**
 * The old map's entries in the new layout, batch by batch: keys packed at the key size, values at the
 * new map's raw value size (per CPU for per-CPU maps). Losses (with their key) go to `scan`.
 */
function converted(src: LiveMap, p: Plan, opts: MigrateOptions, scan: Scan): Generator<EntryBatch> {
  return convertEntries({ byteOrder: src.byteOrder, perCpu: src.perCpu, nCpus: src.nCpus, keySize: src.info.keySize, batches: () => src.batches() }, p.old, p.cur, opts, scan);
}

/** Packed entries: `count` keys, then their values (raw: per CPU for per-CPU maps). */
export interface EntryBatch { count: number; keys: Uint8Array; values: Uint8Array }

/** Where entries to convert come from: a live map, or a snapshot read back. */
export interface EntrySource {
  readonly byteOrder: 'little' | 'big';
  readonly perCpu: boolean;
  readonly nCpus: number;
  readonly keySize: number;
  batches(): Iterable<EntryBatch>;
}

/** The entries of `src` (in `old`'s layout) converted to `cur`'s, batch by batch; see converted. */
export function* convertEntries(src: EntrySource, old: MapSchema, cur: MapSchema, opts: Pick<MigrateOptions, 'rename' | 'defaults'>, scan: Scan): Generator<EntryBatch> {
  const p = { old, cur };
  const used = new Set<string>();
  const defaults = defaultsOf(opts, p.cur.name);
  const conv: Converter = compileConverter(p.old.value!, p.cur.value!, { rename: opts.rename ?? {}, defaults, byteOrder: src.byteOrder }, 'value', used);
  for (const k of defaults.keys()) {
    if (!used.has(k)) throw new BpfmapError(ERROR_CODE.USAGE, `defaults: ${p.cur.name}: '${k}' is not a field the new layout adds`);
  }
  const cpus = src.nCpus, ks = src.keySize;
  const oStride = src.perCpu ? perCpuStride(p.old.valueSize) : p.old.valueSize;
  const nStride = src.perCpu ? perCpuStride(p.cur.valueSize) : p.cur.valueSize;
  const oSize = oStride * cpus, nSize = nStride * cpus;
  const isArray = p.cur.type === 'array' || p.cur.type === 'percpu_array';
  const little = src.byteOrder === 'little';
  const lost: Loss[] = [];
  for (const b of src.batches()) {
    const keys = new Uint8Array(b.count * ks), values = new Uint8Array(b.count * nSize);
    let n = 0;
    for (let i = 0; i < b.count; i++) {
      const key = b.keys.subarray(i * ks, (i + 1) * ks), so = i * oSize;
      if (isArray && new DataView(key.buffer, key.byteOffset, 4).getUint32(0, little) >= p.cur.maxEntries) {
        let inUse = false;
        for (let j = so; j < so + oSize; j++) if (b.values[j] !== 0) { inUse = true; break; }
        if (inUse) addLoss(scan, { key: toHex(key), path: 'key', reason: `index past the new max_entries ${p.cur.maxEntries}, dropped` });
        scan.skipped++;
        continue;
      }
      for (let c = 0; c < cpus; c++) {
        lost.length = 0;
        conv(b.values, so + c * oStride, values, n * nSize + c * nStride, 'value', lost);
        for (const l of lost) addLoss(scan, { key: toHex(key), ...l, ...(src.perCpu ? { cpu: c } : {}) });
      }
      keys.set(key, n * ks);
      n++;
    }
    scan.entries += n;
    if (n > 0) yield { count: n, keys, values };
  }
}

function addLoss(scan: Scan, l: EntryLoss): void {
  scan.lossCount++;
  if (scan.losses.length < MAX_LOSSES_KEPT) scan.losses.push(l);
}

export const newScan = (): Scan => ({ entries: 0, skipped: 0, lossCount: 0, losses: [] });

export function lossError(name: string, scan: Scan): BpfmapError {
  const losses = scan.losses;
  const shown = losses.slice(0, MAX_LOSSES_SHOWN).map((l) => `key ${l.key}${l.cpu !== undefined ? ` cpu ${l.cpu}` : ''}: ${l.path}: ${l.reason}`);
  return new BpfmapError(ERROR_CODE.VALUE_RANGE,
    `map '${name}': ${scan.lossCount} value${scan.lossCount === 1 ? '' : 's'} would not fit the new layout: ${shown.join('; ')}` +
    `${scan.lossCount > MAX_LOSSES_SHOWN ? `; and ${scan.lossCount - MAX_LOSSES_SHOWN} more` : ''}; nothing was changed (allowLossy: true writes them clamped, zero or dropped)`);
}

interface Digest { n: number; a: number; b: number }
const newDigest = (): Digest => ({ n: 0, a: 0, b: 0 });

/**
 * Adds each entry (key bytes, then the value bytes of each CPU, padding left out) to an
 * order-independent digest: two FNV-1a hashes with different seeds, summed mod 2^32, and a count.
 */
function digest(bt: EntryBatch, ks: number, vs: number, size: number, stride: number, cpus: number, zeroSkip: boolean, d: Digest): void {
  const k = bt.keys, v = bt.values;
  for (let i = 0; i < bt.count; i++) {
    const vo = i * vs;
    if (zeroSkip) {
      let zero = true;
      for (let c = 0; c < cpus && zero; c++) for (let j = 0; j < size; j++) if (v[vo + c * stride + j] !== 0) { zero = false; break; }
      if (zero) continue;
    }
    let a = 0x811c9dc5, b = 0x01000193 ^ 0x5bd1e995;
    for (let j = i * ks, e = j + ks; j < e; j++) { a = Math.imul(a ^ k[j]!, 0x01000193); b = Math.imul(b ^ k[j]!, 0x01000193) ^ (b >>> 15); }
    for (let c = 0; c < cpus; c++) {
      for (let j = vo + c * stride, e = j + size; j < e; j++) { a = Math.imul(a ^ v[j]!, 0x01000193); b = Math.imul(b ^ v[j]!, 0x01000193) ^ (b >>> 15); }
    }
    d.n++;
    d.a = (d.a + (a >>> 0)) >>> 0;
    d.b = (d.b + (b >>> 0)) >>> 0;
  }
}

/** Whether two per-CPU (or plain) value buffers hold the same value bytes (padding ignored). */
function sameValue(a: Uint8Array, b: Uint8Array, size: number, stride: number, cpus: number): boolean {
  for (let c = 0; c < cpus; c++) {
    for (let i = 0; i < size; i++) if (a[c * stride + i] !== b[c * stride + i]) return false;
  }
  return true;
}

/**
 * Creates the new map and fills it from the old one (converting again: what the old map holds now).
 * Returns its private pin (in `tmp`) and id. Losses that appeared since the scan stop it unless allowLossy.
 */
function fill(newObj: BpfObject, src: LiveMap, p: Plan, opts: MigrateOptions, tmp: string): { pin: string; id: number; scan: Scan } {
  const made = createMaps(newObj, { names: [p.cur.name], pinRoot: tmp });
  const pin = made[0]!.pinPath!;
  const scan = newScan();
  try {
    const dst = openMap({ map: p.cur, pin, byteOrder: newObj.schema.byteOrder });
    try {
      if (p.cur.inner && p.old.inner) fillOuter(newObj, src, dst, p.old, p.cur, opts, scan);
      else for (const b of converted(src, p, opts, scan)) dst.updateBatchRaw(b.keys, b.values, b.count);
      if (scan.lossCount > 0 && !opts.allowLossy) throw lossError(p.pin, scan);
    } finally {
      dst.close();
    }
  } catch (e) {
    try { unlinkSync(pin); } catch { /* reported by the caller's cleanup */ }
    throw e;
  }
  return { pin, id: made[0]!.id, scan };
}

/**
 * Converts the old map once more and compares every entry with what the new map (at `pin`) returns;
 * run right before the map's swap, so that a write to the old map since is seen (CONFLICT).
 */
function check(newObj: BpfObject, src: LiveMap, p: Plan, opts: MigrateOptions, pin: string): void {
  if (p.cur.inner && p.old.inner) return; // fillOuter checked each inner map as it copied it
  const dst = openMap({ map: p.cur, pin, byteOrder: newObj.schema.byteOrder });
  try {
    const ks = dst.info.keySize, vs = dst.rawValueSize;
    const stride = dst.perCpu ? perCpuStride(p.cur.valueSize) : p.cur.valueSize;
    // The check: the new map's entries and the old map's, converted again, as two order-independent
    // digests (one batched read of each, where a lookup per entry took 4/5 of a 1M-entry
    // migration); only when they differ, entry by entry, to name the key.
    const zeroSkip = p.cur.type === 'array' || p.cur.type === 'percpu_array'; // slots past the old max_entries read as zeros
    const want = newDigest(), got = newDigest();
    for (const b of converted(src, p, { ...opts }, newScan())) digest(b, ks, vs, p.cur.valueSize, stride, dst.nCpus, zeroSkip, want);
    for (const b of dst.batches()) digest(b, ks, vs, p.cur.valueSize, stride, dst.nCpus, zeroSkip, got);
    if (want.n !== got.n || want.a !== got.a || want.b !== got.b) {
      for (const b of converted(src, p, { ...opts }, newScan())) {
        for (let i = 0; i < b.count; i++) {
          const key = b.keys.subarray(i * ks, (i + 1) * ks);
          const back = dst.lookupRaw(key);
          if (!sameValue(back, b.values.subarray(i * vs, (i + 1) * vs), p.cur.valueSize, stride, dst.nCpus)) {
            throw new BpfmapError(ERROR_CODE.CONFLICT,
              `map '${p.cur.name}': key ${toHex(key)}: the new map's value differs from the old one's, converted (written meanwhile?); nothing was swapped`);
          }
        }
      }
      throw new BpfmapError(ERROR_CODE.CONFLICT,
        `map '${p.cur.name}': the new map holds ${got.n} entries, the old one converted ${want.n} (written meanwhile?); nothing was swapped`);
    }
  } finally {
    dst.close();
  }
}

/** The ids of the maps pinned for the object's maps under root, in the object's order (0: nothing pinned). */
function pinnedIds(obj: BpfObject, root: string): number[] {
  return obj.schema.maps.flatMap((m) => {
    const p = join(root, pinName(m));
    return [pinnedId(p) ?? 0, pinnedId(p + OLD_SUFFIX) ?? 0];
  });
}

/**
 * Locks the maps pinned for obj's maps (and their `_old` pins), then runs fn; when a pin changed
 * while this waited for the locks (another migration swapped it), locks the new maps instead.
 */
function withPinLocks<T>(obj: BpfObject, root: string, opts: LockOptions, fn: () => T): T {
  for (let tries = 0; ; tries++) {
    const ids = pinnedIds(obj, root);
    const subjects = new Map<number, string>();
    obj.schema.maps.forEach((m, i) => {
      const p = join(root, pinName(m));
      if (ids[2 * i]) subjects.set(ids[2 * i]!, `map '${p}'`);
      if (ids[2 * i + 1]) subjects.set(ids[2 * i + 1]!, `map '${p}${OLD_SUFFIX}'`);
    });
    const lock: MapLock = lockMaps(ids.filter((id) => id !== 0), opts, subjects);
    try {
      if (tries < 10 && pinnedIds(obj, root).some((id, i) => id !== ids[i])) continue;
      return fn();
    } finally {
      lock.release();
    }
  }
}

/**
 * Undoes the unfinished migrations of root (journaled in opts.journalDir). One still running is left
 * alone; with `busy`, it is refused (BUSY): the caller holds the locks, so it migrates other maps.
 */
function recoverFirst(root: string, opts: JournalOptions, busy: boolean): void {
  for (const r of recoverMigrations(opts.journalDir ?? DEFAULT_JOURNAL_DIR, root)) {
    if (r.outcome === 'in use') {
      if (!busy) continue;
      throw new BpfmapError(ERROR_CODE.BUSY, `pin root '${root}': a migration (pid ${r.pid}) is running there (journal '${r.journal}'); wait for it to end`);
    }
    opts.onRecover?.(r);
  }
}

/** Moves the live maps of OLD under `pinRoot` to NEW's layouts; see the file comment. */
export function migrateMaps(oldObj: BpfObject, newObj: BpfObject, opts: MigrateOptions = {}): MapMigration[] {
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  assertHostByteOrder(newObj.schema.byteOrder, newObj.schema.object || 'new object');
  assertHostByteOrder(oldObj.schema.byteOrder, oldObj.schema.object || 'old object');
  if (opts.dryRun) return migrateLocked(oldObj, newObj, root, opts);
  recoverFirst(root, opts, false);
  return withPinLocks(newObj, root, opts, () => {
    recoverFirst(root, opts, true); // one that ended (or died) while this waited for the locks
    return migrateLocked(oldObj, newObj, root, opts);
  });
}

function migrateLocked(oldObj: BpfObject, newObj: BpfObject, root: string, opts: MigrateOptions): MapMigration[] {
  const plans = planAll(oldObj, newObj, root, opts);
  const results: MapMigration[] = [];
  const work: { p: Plan; src: LiveMap; scan: Scan }[] = [];
  try {
    for (const p of plans) {
      if (p.verdict !== 'migratable') {
        let id = 0;
        if (p.verdict !== 'not-pinned') { const m = openMap({ map: p.cur, pin: p.pin, force: true }); id = m.info.id; m.close(); }
        results.push({ name: p.cur.name, pinPath: p.pin, verdict: p.verdict, status: 'unchanged', entries: 0, added: [], dropped: [], converted: [], losses: [], lossCount: 0, oldId: id, newId: id });
        continue;
      }
      const src = openMap({ map: p.old, pin: p.pin, byteOrder: oldObj.schema.byteOrder });
      const w = { p, src, scan: newScan() };
      work.push(w);
      if (!p.old.value || !p.cur.value) {
        throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `map '${p.cur.name}': a map without a value layout is not migrated`);
      }
      // A dry run converts without writing. Otherwise build() converts as it writes, and a loss stops
      // everything before any swap (the maps built so far are removed with the private directory).
      if (!opts.dryRun) continue;
      if (p.cur.inner && p.old.inner) scanOuter(src, p.old, p.cur, opts, w.scan);
      else for (const _ of converted(src, p, opts, w.scan)) { /* counted in scan */ }
    }
    const result = (w: (typeof work)[number], scan: Scan, newId: number): MapMigration => ({
      name: w.p.cur.name, pinPath: w.p.pin, verdict: w.p.verdict, status: opts.dryRun ? 'planned' : 'migrated',
      entries: scan.entries, ...summary(w.p.changes), losses: scan.losses, lossCount: scan.lossCount, oldId: w.src.info.id, newId,
    });
    for (const w of work) results.push(result(w, w.scan, w.src.info.id));
    if (opts.dryRun || work.length === 0) return order(results, plans);
    // Journaled before the first map is made: from here on, a crash is undone by the next run.
    const tmp = privateDirOf(root);
    removePrivateDir(tmp); // one a killed process of the same pid left (its journal was undone above)
    const journal = writeMigrationJournal(opts.journalDir ?? DEFAULT_JOURNAL_DIR, root, tmp, work.map((w) => ({ pin: w.p.pin, oldId: w.src.info.id })));
    // Fill every new map first (nothing swapped until all are full), then check each right before its
    // swap: a check done before the other maps were filled would miss what was written to its old map
    // meanwhile (seconds for a big map), and the swap would drop it silently.
    const built: { w: (typeof work)[number]; pin: string; id: number; scan: Scan }[] = [];
    try {
      for (const w of work) built.push({ w, ...fill(newObj, w.src, w.p, opts, tmp) });
    } catch (e) {
      removePrivateDir(tmp);
      removeMigrationJournal(journal);
      throw e;
    }
    for (const [n, b] of built.entries()) {
      try {
        check(newObj, b.w.src, b.w.p, opts, b.pin);
      } catch (e) {
        if (n === 0) {
          removePrivateDir(tmp);
          removeMigrationJournal(journal);
          throw e;
        }
        const back = recoverMigration(journal); // the maps swapped before this one go back
        const msg = `${(e as Error).message.replace(/; nothing was swapped$/, '')}; rolled back: ${back.problems.length === 0 ? 'every pin holds its old map' : back.problems.join('; ')}`;
        throw new BpfmapError(isBpfmapError(e) ? e.code : ERROR_CODE.IO, msg, { cause: e });
      }
      try {
        objPin(b.w.src.fd, b.w.p.pin + OLD_SUFFIX);
        renameSync(b.pin, b.w.p.pin);
      } catch (e) {
        const back = recoverMigration(journal);
        const msg = `swapping '${b.w.p.pin}' failed (${(e as Error).message}); rolled back: ${back.problems.length === 0 ? 'every pin holds its old map' : back.problems.join('; ')}`;
        throw new BpfmapError(isBpfmapError(e) ? e.code : ERROR_CODE.IO, msg, { cause: e });
      }
      const i = results.findIndex((r) => r.name === b.w.p.cur.name);
      results[i] = result(b.w, b.scan, b.id);
    }
    removePrivateDir(tmp);
    removeMigrationJournal(journal);
    return order(results, plans);
  } finally {
    for (const w of work) w.src.close();
  }
}

function order(results: MapMigration[], plans: readonly Plan[]): MapMigration[] {
  return plans.map((p) => results.find((r) => r.name === p.cur.name)!);
}

export interface SwapResult { readonly name: string; readonly pinPath: string; readonly done: boolean }

function pinsOf(obj: BpfObject, root: string): { name: string; pin: string }[] {
  return obj.schema.maps.map((m) => ({ name: m.name, pin: join(root, pinName(m)) }));
}

export interface SwapOptions extends LockOptions, JournalOptions {
  pinRoot?: string;
}

/**
 * Removes the `_old` pins a migration left (the old maps go away once nothing else holds them). An
 * unfinished migration (killed before its end) is undone first, not committed.
 */
export function commitMigration(obj: BpfObject, opts: SwapOptions = {}): SwapResult[] {
  return eachOldPin(obj, opts, (pin) => unlinkSync(pin + OLD_SUFFIX));
}

/** Puts every `_old` pin back onto its name (the new map's pin is replaced); an unfinished migration is undone first. */
export function rollbackMigration(obj: BpfObject, opts: SwapOptions = {}): SwapResult[] {
  return eachOldPin(obj, opts, (pin) => renameSync(pin + OLD_SUFFIX, pin));
}

/** Under the maps' pin locks, after undoing an unfinished migration: `act` on each map that has an `_old` pin. */
function eachOldPin(obj: BpfObject, opts: SwapOptions, act: (pin: string) => void): SwapResult[] {
  const root = opts.pinRoot ?? DEFAULT_PIN_ROOT;
  recoverFirst(root, opts, false);
  return withPinLocks(obj, root, opts, () => {
    recoverFirst(root, opts, true);
    return pinsOf(obj, root).map(({ name, pin }) => {
      if (!existsSync(pin + OLD_SUFFIX)) return { name, pinPath: pin, done: false };
      act(pin);
      return { name, pinPath: pin, done: true };
    });
  });
}
