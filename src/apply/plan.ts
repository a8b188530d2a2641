/**
 * The plan for one map: compare the desired entries' bytes with the live map's (read in batches) and
 * sort every key into added / changed / deleted (prune only) / unchanged. The old value of every
 * entry the plan touches is kept: it is what a rollback writes back.
 */
import { ValueError } from '../errors.js';
import { ByteTable, IntList } from './byte-table.js';
import { equalBytes } from '../bytes.js';
import type { DesiredMap } from './desired-state.js';
import { readMap, type LiveTarget } from './read-map.js';
import type { ApplyStats } from './stats.js';

const ARRAY_TYPES: ReadonlySet<string> = new Set(['array', 'percpu_array']);

export interface MapPlan {
  readonly desired: DesiredMap;
  readonly target: LiveTarget;
  /** Arrays cannot delete: a pruned index is written with zeros instead. */
  readonly arrayLike: boolean;
  /** Desired entry indices. */
  readonly added: IntList;
  readonly changed: IntList;
  /** Old values, parallel to `changed`. */
  readonly changedOld: ByteTable;
  readonly deletedKeys: ByteTable;
  readonly deletedOld: ByteTable;
  unchanged: number;
  /** Live entries the state does not name, left alone (no prune). */
  kept: number;
}

export function planMap(parsed: DesiredMap, target: LiveTarget, stats: ApplyStats): MapPlan {
  const arrayLike = ARRAY_TYPES.has(parsed.map.type);
  // Variables patch the live entry, which is added to the map planned: a copy (one entry), not the parsed state.
  let desired = parsed;
  if (parsed.variables.length > 0) { desired = parsed.copy(); applyVariables(desired, target, stats); }
  const n = desired.count;
  const plan: MapPlan = {
    desired, target, arrayLike,
    added: new IntList(), changed: new IntList(),
    changedOld: new ByteTable(target.rawValueSize, 64),
    deletedKeys: new ByteTable(target.keySize, 64), deletedOld: new ByteTable(target.rawValueSize, 64),
    unchanged: 0, kept: 0,
  };
  const matched = new Uint8Array(n);
  const ks = target.keySize, vs = target.rawValueSize;
  const dv = desired.values;
  desired.index; // duplicates are refused before the map is read
  readMap(target, stats, (keys, values, count) => {
    for (let j = 0; j < count; j++) {
      const i = n === 0 ? -1 : desired.find(keys, j * ks);
      if (i >= 0) {
        matched[i] = 1;
        if (equalBytes(dv.bytes, i * vs, values, j * vs, vs)) plan.unchanged++;
        else { plan.changed.push(i); plan.changedOld.push(values.subarray(j * vs, (j + 1) * vs)); }
      } else if (desired.prune && !(arrayLike && isZero(values, j * vs, vs))) {
        plan.deletedKeys.push(keys.subarray(j * ks, (j + 1) * ks));
        plan.deletedOld.push(values.subarray(j * vs, (j + 1) * vs));
      } else plan.kept++;
    }
  });
  for (let i = 0; i < n; i++) if (!matched[i]) plan.added.push(i);
  if (arrayLike && plan.added.count > 0) {
    const i = plan.added.get(0);
    const k = desired.keys.at(i);
    const idx = new DataView(k.buffer, k.byteOffset, 4).getUint32(0, desired.byteOrder === 'little');
    throw new ValueError(`${desired.originText(i)}: key`, `expected an index 0..${desired.map.maxEntries - 1} of ${target.subject}, got ${idx}`);
  }
  return plan;
}

function isZero(b: Uint8Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (b[off + i] !== 0) return false;
  return true;
}

/** Global-data variables patch the value of key 0: the desired one, or else the live one. */
function applyVariables(desired: DesiredMap, target: LiveTarget, stats: ApplyStats): void {
  const key0 = new Uint8Array(target.keySize);
  let i = desired.find(key0, 0);
  if (i < 0) {
    stats.lookupElem++;
    const cur = target.lookup(key0);
    desired.addRaw(key0, cur, 0);
    i = desired.count - 1;
  }
  const v = desired.values.at(i);
  for (const p of desired.variables) v.set(p.bytes, p.offset);
}

export interface PlanSummary {
  map: string;
  added: number;
  changed: number;
  deleted: number;
  unchanged: number;
  /** Live entries not in the state and kept because prune is off. */
  kept: number;
  prune: boolean;
}

export function summarize(p: MapPlan): PlanSummary {
  return { map: p.desired.map.name, added: p.added.count, changed: p.changed.count, deleted: p.deletedKeys.count,
    unchanged: p.unchanged, kept: p.kept, prune: p.desired.prune };
}
