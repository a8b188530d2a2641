/** Resolves OBJ / MAP / --pin / --pin-root / --id into an open live map. */
import { loadSource, findMap, openMap, recoverBeforeWrite, recoverText, DEFAULT_JOURNAL_DIR } from '../src/index.js';
import { oneLine } from './report.js';
import type { LiveMap } from '../src/index.js';
import { UsageError, type TargetArgs } from './options.js';

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

/**
 * withMap for commands that write the map: an unfinished apply journal for it (in the default
 * journal directory) is rolled back first, said on stderr.
 */
export async function withWritableMap<T>(a: TargetArgs, fn: (live: LiveMap) => T | Promise<T>): Promise<T> {
  return withMap(a, (live) => {
    const r = recoverBeforeWrite(DEFAULT_JOURNAL_DIR, live);
    if (r) process.stderr.write(`bpfmap: ${oneLine(recoverText(r))}\n`);
    return fn(live);
  });
}
