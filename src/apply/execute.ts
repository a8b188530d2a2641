/**
 * Executes plans: deletes, then changes, then additions, map by map, in batches (MAP_UPDATE_BATCH /
 * MAP_DELETE_BATCH) with a per-element fallback where the kernel has no batch op for the map type.
 * Every step is journaled with how many entries went in; when the kernel refuses a write, the
 * journal is undone in reverse (additions deleted, changed values and deleted entries written back
 * from the snapshot taken while planning) and the error says what failed and how the rollback went.
 */
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { BPF_UPDATE, mapDeleteBatch, mapDeleteElem, mapUpdateBatch, mapUpdateElem } from '../syscall/index.js';
import type { ByteTable, IntList } from './byte-table.js';
import type { MapPlan } from './plan.js';
import type { LiveTarget } from './read-map.js';
import type { ApplyStats } from './stats.js';

const CHUNK = 16384;

type Phase = 'delete' | 'change' | 'add';
interface Step { plan: MapPlan; phase: Phase; done: number }

/** Where the entries of a write come from: record i's key and value. */
interface Source {
  count: number;
  key(i: number): Uint8Array;
  value(i: number): Uint8Array;
  /** Copies records [start, start + n) packed into keys / values (no per-record views). */
  gather?(start: number, n: number, keys: Uint8Array, values: Uint8Array): void;
}

function copy(src: Uint8Array, from: number, dst: Uint8Array, to: number, n: number): void {
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

class Writer {
  private noBatch = new Set<number>();
  constructor(private readonly stats: ApplyStats, private readonly progress: (n: number) => void) {}

  /** Writes src[0, count); returns how many went in, or throws with `done` on the error. */
  update(t: LiveTarget, src: Source, flags: number): void {
    const ks = t.keySize, vs = t.rawValueSize;
    let keys = new Uint8Array(0), values = new Uint8Array(0);
    for (let start = 0; start < src.count; start += CHUNK) {
      const n = Math.min(CHUNK, src.count - start);
      if (!this.noBatch.has(t.fd)) {
        if (keys.byteLength < n * ks) { keys = new Uint8Array(n * ks); values = new Uint8Array(n * vs); }
        if (src.gather) src.gather(start, n, keys, values);
        else for (let i = 0; i < n; i++) { keys.set(src.key(start + i), i * ks); values.set(src.value(start + i), i * vs); }
        try {
          this.stats.updateBatch++;
          // The kernel takes no NOEXIST / EXIST for a batch (elem_flags may only hold BPF_F_LOCK).
          mapUpdateBatch(t.fd, keys.subarray(0, n * ks), values.subarray(0, n * vs), n, 0, t.subject);
          this.stats.entriesWritten += n;
          this.progress(n);
          continue;
        } catch (e) {
          const done = doneOf(e, n);
          if (done === 0 && start === 0 && unsupported(e)) this.noBatch.add(t.fd);
          else { this.stats.entriesWritten += done; throw withDone(e, start + done); }
        }
      }
      for (let i = 0; i < n; i++) {
        try {
          this.stats.updateElem++;
          mapUpdateElem(t.fd, src.key(start + i), src.value(start + i), flags, t.subject);
          this.stats.entriesWritten++;
        } catch (e) { throw withDone(e, start + i); }
      }
      this.progress(n);
    }
  }

  delete(t: LiveTarget, src: Source): void {
    const ks = t.keySize;
    let keys = new Uint8Array(0);
    for (let start = 0; start < src.count; start += CHUNK) {
      const n = Math.min(CHUNK, src.count - start);
      if (!this.noBatch.has(-t.fd - 1)) {
        if (keys.byteLength < n * ks) keys = new Uint8Array(n * ks);
        for (let i = 0; i < n; i++) keys.set(src.key(start + i), i * ks);
        try {
          this.stats.deleteBatch++;
          mapDeleteBatch(t.fd, keys.subarray(0, n * ks), n, t.subject);
          this.stats.entriesDeleted += n;
          this.progress(n);
          continue;
        } catch (e) {
          const done = doneOf(e, n);
          if (done === 0 && start === 0 && unsupported(e)) this.noBatch.add(-t.fd - 1);
          else { this.stats.entriesDeleted += done; throw withDone(e, start + done); }
        }
      }
      for (let i = 0; i < n; i++) {
        try {
          this.stats.deleteElem++;
          mapDeleteElem(t.fd, src.key(start + i), t.subject);
          this.stats.entriesDeleted++;
        } catch (e) { throw withDone(e, start + i); }
      }
      this.progress(n);
    }
  }
}

/**
 * Entries a failed batch wrote. The kernel writes the count back only once it has started on the
 * elements; an error before that (bad flags, no memory) leaves the count we passed in: nothing done.
 */
function doneOf(e: unknown, n: number): number {
  const d = (e as { done?: number }).done ?? 0;
  return d >= n ? 0 : d;
}

function unsupported(e: unknown): boolean {
  const x = e as { code?: string; errnoName?: string };
  return x.code === ERROR_CODE.NOT_SUPPORTED || x.errnoName === 'EINVAL';
}

function withDone(e: unknown, done: number): unknown {
  if (typeof e === 'object' && e !== null) (e as { done?: number }).done = done;
  return e;
}

function picked(plan: MapPlan, list: IntList, values: ByteTable | null, count = list.count): Source {
  const d = plan.desired;
  const ks = d.keys.recordSize, vs = d.values.recordSize;
  return {
    count,
    key: (i) => d.keys.at(list.get(i)),
    value: (i) => (values ?? d.values).at(values ? i : list.get(i)),
    gather: (start, n, kOut, vOut) => {
      const kb = d.keys.bytes, vb = (values ?? d.values).bytes;
      for (let j = 0; j < n;) {
        // A run of consecutive records (all of them when every entry is added) is copied at once.
        const i = list.get(start + j);
        let r = 1;
        while (j + r < n && list.get(start + j + r) === i + r) r++;
        const vi = values ? start + j : i;
        if (r < 8) {
          for (let x = 0; x < r; x++) {
            copy(kb, (i + x) * ks, kOut, (j + x) * ks, ks);
            copy(vb, (vi + x) * vs, vOut, (j + x) * vs, vs);
          }
        } else {
          kOut.set(kb.subarray(i * ks, (i + r) * ks), j * ks);
          vOut.set(vb.subarray(vi * vs, (vi + r) * vs), j * vs);
        }
        j += r;
      }
    },
  };
}
function table(keys: ByteTable, values: ByteTable | null, zero: Uint8Array, count = keys.count): Source {
  return { count, key: (i) => keys.at(i), value: (i) => (values ? values.at(i) : zero) };
}

export interface ExecuteOptions {
  /** Called with the number of entries written so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Total entry writes the plans need. */
function planWrites(plans: readonly MapPlan[]): number {
  let n = 0;
  for (const p of plans) n += p.added.count + p.changed.count + p.deletedKeys.count;
  return n;
}

export function executePlans(plans: readonly MapPlan[], stats: ApplyStats, opts: ExecuteOptions = {}): void {
  const total = planWrites(plans);
  let written = 0;
  const w = new Writer(stats, (n) => { written += n; opts.onProgress?.(written, total); });
  const journal: Step[] = [];
  let current: Step | null = null;
  try {
    for (const plan of plans) {
      const t = plan.target;
      const anyFlag = plan.arrayLike ? BPF_UPDATE.ANY : BPF_UPDATE.EXIST;
      current = { plan, phase: 'delete', done: 0 };
      if (plan.arrayLike) w.update(t, table(plan.deletedKeys, null, new Uint8Array(t.rawValueSize)), BPF_UPDATE.ANY);
      else w.delete(t, table(plan.deletedKeys, null, new Uint8Array(0)));
      current.done = plan.deletedKeys.count; journal.push(current);
      current = { plan, phase: 'change', done: 0 };
      w.update(t, picked(plan, plan.changed, null), anyFlag);
      current.done = plan.changed.count; journal.push(current);
      current = { plan, phase: 'add', done: 0 };
      w.update(t, picked(plan, plan.added, null), BPF_UPDATE.NOEXIST);
      current.done = plan.added.count; journal.push(current);
      current = null;
    }
  } catch (e) {
    if (current) { current.done = (e as { done?: number }).done ?? 0; journal.push(current); }
    const failedAt = current ? describeFailure(current) : '';
    const problems = rollback(journal, w);
    const undone = journal.reduce((a, s) => a + s.done, 0);
    const base = isBpfmapError(e) ? e.message : String((e as Error)?.message ?? e);
    const code = isBpfmapError(e) ? e.code : ERROR_CODE.INTERNAL;
    const tail = problems.length === 0
      ? `rolled back: the ${undone} entr${undone === 1 ? 'y' : 'ies'} written before the failure were restored, the maps are as before`
      : `rollback incomplete (${problems.join('; ')}): the maps may differ from before`;
    const err = new BpfmapError(code, `apply: ${failedAt}${base}; ${tail}`, { cause: e });
    (err as { rolledBack?: boolean }).rolledBack = problems.length === 0;
    throw err;
  }
}

function describeFailure(s: Step): string {
  const p = s.plan;
  const name = p.desired.map.name;
  if (s.phase === 'delete') return `map '${name}': deleting entry ${s.done + 1} of ${p.deletedKeys.count}: `;
  const list = s.phase === 'add' ? p.added : p.changed;
  const what = s.phase === 'add' ? 'adding' : 'changing';
  const origin = s.done < list.count ? ` (${p.desired.originText(list.get(s.done))})` : '';
  return `map '${name}': ${what} entry ${s.done + 1} of ${list.count}${origin}: `;
}

/** Undoes the journal in reverse; returns what could not be undone. */
function rollback(journal: readonly Step[], w: Writer): string[] {
  const problems: string[] = [];
  for (let j = journal.length - 1; j >= 0; j--) {
    const { plan, phase, done } = journal[j]!;
    if (done === 0) continue;
    const t = plan.target;
    try {
      if (phase === 'add') w.delete(t, picked(plan, plan.added, null, done));
      else if (phase === 'change') w.update(t, picked(plan, plan.changed, plan.changedOld, done), BPF_UPDATE.ANY);
      else w.update(t, table(plan.deletedKeys, plan.deletedOld, new Uint8Array(0), done), BPF_UPDATE.ANY);
    } catch (e) {
      problems.push(`${phase} of map '${plan.desired.map.name}': ${(e as Error).message}`);
    }
  }
  return problems;
}
