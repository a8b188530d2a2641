/** Resolves OBJ / MAP / --pin / --pin-root / --id into an open live map. */
import { loadSource, findMap, openMap, withMapLock } from '../src/index.js';
import type { LiveMap } from '../src/index.js';
import { UsageError, lockOptions, type LockArgs, type TargetArgs } from './options.js';

function openTarget(a: TargetArgs): LiveMap {
  if (a.object === undefined) {
    if (a.pin === undefined && a.id === undefined) {
      throw new UsageError('name an object and a map (bpfmap CMD OBJ MAP), or a map with --pin PATH or --id N');
    }
    return openMap({ pin: a.pin, id: a.id, force: a.force === true });
  }
  const src = loadSource(a.object);
  if (a.map === undefined) {
    const names = src.schema.maps.map((m) => m.name);
    throw new UsageError(`name a map of ${a.object}: ${names.join(', ') || '(it has none)'}`);
  }
  const map = findMap(src.schema, a.map);
  if (a.pin !== undefined && a['pin-root'] !== undefined) throw new UsageError('give either --pin or --pin-root, not both');
  return openMap({ map, byteOrder: src.schema.byteOrder, pin: a.pin, pinRoot: a['pin-root'], id: a.id, force: a.force === true });
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

/** withMap, holding the map's lock (see --lock-timeout) for the whole of fn: a read-modify-write. */
export async function withLockedMap<T>(a: TargetArgs & LockArgs, fn: (live: LiveMap) => T): Promise<T> {
  const opts = lockOptions(a);
  return withMap(a, (live) => withMapLock(live.info.id, live.subject, opts, () => fn(live)));
}
