/**
 * Resolves OBJ / MAP / --pin / --pin-root / --id / --name, and bpftool's handles as positionals
 * (`pinned PATH`, `id N`, `name NAME` in place of OBJ MAP), into an open live map.
 */
import { loadSource, findMap, markIfindexFields, openMap, withMapLock, ensureDefaultBpffs, recoverBeforeWrite, DEFAULT_JOURNAL_DIR } from '../src/index.js';
import { recoverText } from '../src/apply/recover.js';
import { journalPath } from '../src/apply/journal.js';
import { existsSync } from 'node:fs';
import { notice, oneLine } from './report.js';
import type { LiveMap, MapSchema } from '../src/index.js';
import { UsageError, lockOptions, type LockArgs, type TargetArgs } from './options.js';
import { openTyped } from './type-override.js';

const HANDLES: Readonly<Record<string, 'pin' | 'id' | 'name'>> = { pinned: 'pin', id: 'id', name: 'name' };
const FLAG = { pin: '--pin', id: '--id', name: '--name' } as const;

/** A map id from the command line: a decimal integer 0..4294967295, else a usage error naming `what`. */
export function parseMapId(v: unknown, what: string): number {
  const s = String(v);
  if (!/^\d+$/.test(s) || Number(s) > 0xffffffff) throw new UsageError(`${what}: expected a map id (an integer 0..4294967295), got ${s}`);
  return Number(s);
}

/** `pinned PATH` / `id N` / `name NAME` in the OBJ MAP positionals become --pin / --id / --name. */
export function resolveHandles(a: TargetArgs): TargetArgs {
  const h = a.object === undefined ? undefined : HANDLES[a.object];
  const out: TargetArgs = { ...a };
  if (h !== undefined) {
    if (a.map === undefined) throw new UsageError(`${a.object}: name the map after it (${a.object} ${h === 'pin' ? 'PATH' : h === 'id' ? 'N' : 'NAME'})`);
    if (a[h] !== undefined) throw new UsageError(`give the map once: '${a.object} ${a.map}' or ${FLAG[h]}, not both`);
    // --pin and --pin-root exclude each other by declaration (TARGET_CONFLICTS); `pinned PATH` is --pin.
    if (h === 'pin' && a['pin-root'] !== undefined) throw new UsageError(`give the map once: '${a.object} ${a.map}' or --pin-root, not both`);
    out.object = undefined;
    out.map = undefined;
    if (h === 'pin') out.pin = a.map; else if (h === 'id') out.id = parseMapId(a.map, `id ${a.map}`); else out.name = a.map;
  }
  // The flags exclude each other by declaration (TARGET_CONFLICTS); a handle word and another flag do here.
  const given = (['pin', 'id', 'name'] as const).filter((k) => out[k] !== undefined);
  if (given.length > 1) throw new UsageError(`give one of ${given.map((k) => FLAG[k]).join(', ')}, not several`);
  return out;
}

/**
 * Mounts bpffs at /sys/fs/bpf when the command is about to pin or open a pin there (no paths: the
 * default pins) and it is missing, running as root, as bpftool does; says so on stderr.
 */
export function ensureBpffs(paths: readonly (string | undefined)[]): void {
  const dir = ensureDefaultBpffs(paths);
  if (dir !== null) notice(`bpffs was not mounted at ${dir}; mounted it (mount -t bpf bpf ${dir})`);
}

/** The map with the --ifindex-field paths declared interface indexes (unchanged without any). */
export function ifindexFields(map: MapSchema, paths: readonly string[] | undefined): MapSchema {
  return paths && paths.length > 0 ? markIfindexFields(map, paths) : map;
}

function openTarget(args: TargetArgs): LiveMap {
  const a = resolveHandles(args);
  const id = a.id;
  if (id === undefined && a.name === undefined) ensureBpffs([a.pin, a['pin-root']]);
  if (a.object === undefined) {
    if (a.pin === undefined && id === undefined && a.name === undefined) {
      throw new UsageError('name an object and a map (bpfmap CMD OBJ MAP), or a live map with --pin PATH, --id N or --name NAME (or bpftool\'s: pinned PATH, id N, name NAME)');
    }
    return openTyped({ ...a, id });
  }
  if (a['key-type'] !== undefined || a['value-type'] !== undefined || a.types !== undefined) {
    throw new UsageError('--types, --key-type and --value-type type a live map named without an object (--pin, --id, --name)');
  }
  const src = loadSource(a.object);
  if (a.map === undefined) {
    const names = src.schema.maps.map((m) => m.name);
    throw new UsageError(`name a map of ${a.object}: ${names.join(', ') || '(it has none)'}`);
  }
  const map = ifindexFields(findMap(src.schema, a.map), a['ifindex-field']);
  return openMap({ map, byteOrder: src.schema.byteOrder, pin: a.pin, pinRoot: a['pin-root'], id, name: a.name, force: a.force === true });
}

/** Runs fn with the map open and closes it afterwards, also on errors. */
export async function withMap<T>(a: TargetArgs, fn: (live: LiveMap) => T | Promise<T>): Promise<T> {
  const live = openTarget(a);
  try {
    return await fn(live);
  } finally {
    live.close();
  }
}

/** An unfinished apply journal for the map (in the default journal directory) is rolled back first, said on stderr. */
function recoverFirst(live: LiveMap): void {
  const r = recoverBeforeWrite(DEFAULT_JOURNAL_DIR, live);
  if (r) notice(oneLine(recoverText(r)));
}

/** withMap for commands that write the map: an unfinished apply journal for it is rolled back first. */
export async function withWritableMap<T>(a: TargetArgs & LockArgs, fn: (live: LiveMap) => T | Promise<T>): Promise<T> {
  return withMap(a, (live) => {
    // A journal is rolled back under the map's lock, as every writer does: an apply that holds it may
    // be rolling the same journal back itself, then writing the map. (Without one, no lock yet: the
    // write takes it and checks that what was read is still there.)
    if (existsSync(journalPath(DEFAULT_JOURNAL_DIR, live.info.id))) withMapLock(live.info.id, live.subject, lockOptions(a), () => recoverFirst(live));
    return fn(live);
  });
}

/**
 * withWritableMap, holding the map's lock (see --lock-timeout) for the whole of fn, recovery
 * included: a read-modify-write.
 */
export async function withLockedMap<T>(a: TargetArgs & LockArgs, fn: (live: LiveMap) => T): Promise<T> {
  const opts = lockOptions(a);
  return withMap(a, (live) => withMapLock(live.info.id, live.subject, opts, () => {
    recoverFirst(live);
    return fn(live);
  }));
}
