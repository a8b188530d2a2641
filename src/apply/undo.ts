/**
 * What undoing an apply on one map takes, decided from the map as it is now: a key goes back to its
 * old bytes only while the map still holds what the apply wrote there (or, for a key the apply
 * deleted, while it is still absent). A key that holds neither what the apply wrote nor what was
 * there before was changed by another writer meanwhile: it is left alone and reported. Used by the
 * rollback after a failed write (execute.ts) and by the recovery of a journal (recover.ts).
 */
import { equalBytes } from '../bytes.js';
import { ByteTable } from './byte-table.js';
import { KeyIndex } from './key-index.js';
import { readMap, type LiveTarget } from './read-map.js';
import { lpmIdentity } from '../map/lpm.js';
import type { ApplyStats } from './stats.js';

/** `count` entries in packed arrays: keys, the bytes before the apply and the bytes it writes (null: absent). */
export interface UndoSet {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly old: Uint8Array | null;
  readonly new: Uint8Array | null;
}

export interface UndoPlan {
  /** Keys to delete (the apply added them). */
  readonly deleteKeys: ByteTable;
  /** Keys to write back, with their old values. */
  readonly writeKeys: ByteTable;
  readonly writeValues: ByteTable;
  /** Keys another writer changed since the apply wrote them: left alone. */
  readonly conflicts: ByteTable;
}

const ABSENT = 0, IS_NEW = 1, IS_OLD = 2, OTHER = 3;

/** Reads the live map once and sorts every entry of the sets into restore / leave / conflict. */
export function planUndo(t: LiveTarget, sets: readonly UndoSet[], stats: ApplyStats): UndoPlan {
  const ks = t.keySize, vs = t.rawValueSize;
  const plan: UndoPlan = { deleteKeys: new ByteTable(ks, 64), writeKeys: new ByteTable(ks, 64), writeValues: new ByteTable(vs, 64), conflicts: new ByteTable(ks, 16) };
  const total = sets.reduce((n, s) => n + s.count, 0);
  if (total === 0) return plan;
  const keys = new ByteTable(ks, total);
  const setOf = new Int32Array(total), rowOf = new Int32Array(total);
  sets.forEach((s, si) => {
    keys.bytes.set(s.keys.subarray(0, s.count * ks), keys.count * ks);
    for (let r = 0; r < s.count; r++) { setOf[keys.count + r] = si; rowOf[keys.count + r] = r; }
    keys.count += s.count;
  });
  // LPM tries: found by prefix, as the plan matched them (a live key may differ in host bits).
  let ids = keys;
  const probe = new Uint8Array(ks);
  if (t.lpm) {
    ids = new ByteTable(ks, total);
    for (let i = 0; i < total; i++) lpmIdentity(keys.at(i), ids.bytes, ids.append());
  }
  const index = new KeyIndex(ids, total);
  for (let i = 0; i < total; i++) index.add(i);
  const status = new Uint8Array(total);
  readMap(t, stats, (lk, lv, count) => {
    for (let j = 0; j < count; j++) {
      const i = t.lpm ? index.find(lpmIdentity(lk.subarray(j * ks, (j + 1) * ks), probe), 0) : index.find(lk, j * ks);
      if (i < 0) continue;
      const s = sets[setOf[i]!]!, r = rowOf[i]!;
      status[i] = s.new && equalBytes(s.new, r * vs, lv, j * vs, vs) ? IS_NEW
        : s.old && equalBytes(s.old, r * vs, lv, j * vs, vs) ? IS_OLD : OTHER;
    }
  });
  for (let i = 0; i < total; i++) {
    const s = sets[setOf[i]!]!, r = rowOf[i]!;
    const st = status[i]!;
    const key = keys.at(i);
    const restore = st === IS_NEW || (st === ABSENT && s.new === null);
    if (restore) {
      if (s.old === null) plan.deleteKeys.push(key);
      else { plan.writeKeys.push(key); plan.writeValues.push(s.old.subarray(r * vs, (r + 1) * vs)); }
    } else if (st === OTHER || (st === ABSENT && s.old !== null)) plan.conflicts.push(key);
  }
  return plan;
}
