/** Apply journals as a killed apply leaves them, for recovery tests. */
import { readFileSync, writeFileSync } from 'node:fs';
import { writeJournal } from '../../src/apply/journal.js';
import type { LiveMap } from '../../src/index.js';

/**
 * Writes into `dir` the journal of an apply that added the entry under `key` of `live` (which must
 * hold it) and died: its pid is one no process has. A rollback deletes the entry. Returns its path.
 */
export function deadApplyJournal(dir: string, live: LiveMap, key: unknown): string {
  const k = live.encodeKey(key)!, v = live.lookupRaw(k);
  const j = writeJournal(dir, { mapId: live.info.id, mapName: live.schema.name, keySize: k.byteLength, valueSize: v.byteLength, arrayLike: false,
    added: { count: 1, keys: (_s, _n, o) => o.set(k), new: (_s, _n, o) => o.set(v) },
    changed: { count: 0, keys: () => {} }, deleted: { count: 0, keys: () => {} } });
  const b = readFileSync(j.path);
  b.writeUInt32LE(0x7ffffff0, 24); // the writer's pid
  writeFileSync(j.path, b);
  return j.path;
}
