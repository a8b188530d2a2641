/**
 * applyState: open every map the state names, plan them all (nothing is written while any entry is
 * still invalid or any map cannot be opened), then execute the plans with rollback on failure.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { lockMaps, openMap, prepareWrites } from '../map/index.js';
import type { LiveMap, LockOptions, MapLock } from '../map/index.js';
import { executePlans } from './execute.js';
import { planMap, summarize, type MapPlan, type PlanSummary } from './plan.js';
import { liveTarget } from './read-map.js';
import { recoverBeforeWrite, type RecoverReport } from './recover.js';
import type { DesiredState } from './state.js';
import { newStats, type ApplyStats } from './stats.js';

/** lockDir / lockTimeoutMs: the per-map lock held from planning to the last write (not for a dry run). */
export interface ApplyOptions extends LockOptions {
  /** Maps are pinned at DIR/<map name>. */
  pinRoot?: string;
  /** The pin path of the one map a single-map state names. */
  pin?: string;
  /** Skip the check of the live map against the object. */
  force?: boolean;
  /** Plan only; write nothing. */
  dryRun?: boolean;
  /** Called with the plans before they are executed (e.g. to print a diff). */
  onPlan?: (plans: readonly MapPlan[]) => void;
  onProgress?: (done: number, total: number) => void;
  /**
   * Journal directory: the maps' changes are recorded there before the first write, and a journal
   * an unfinished apply left for a map is rolled back before it is planned (journal.ts, recover.ts).
   * Without it, no journal.
   */
  journalDir?: string;
  /** Told of each unfinished journal rolled back before planning. */
  onRecover?: (r: RecoverReport) => void;
}

export interface ApplyResult {
  dryRun: boolean;
  maps: PlanSummary[];
  stats: ApplyStats;
}

export function applyState(state: DesiredState, opts: ApplyOptions = {}): ApplyResult {
  if (opts.pin !== undefined && state.maps.size !== 1) {
    throw new BpfmapError(ERROR_CODE.USAGE, `\`pin\`: names one map, but ${state.source} names ${state.maps.size}; use \`pinRoot\` DIR`);
  }
  if (opts.pin !== undefined && opts.pinRoot !== undefined) throw new BpfmapError(ERROR_CODE.USAGE, 'give either `pin` or `pinRoot`, not both');
  const stats = newStats();
  const opened: LiveMap[] = [];
  let lock: MapLock | null = null;
  try {
    const plans: MapPlan[] = [];
    for (const d of state.maps.values()) {
      opened.push(openMap({ map: d.map, byteOrder: state.byteOrder, pin: opts.pin, pinRoot: opts.pinRoot, force: opts.force === true }));
    }
    // Another writer of these maps goes first or after, never in between: the plan is made and
    // written under the lock (ids ascending, so two multi-map applies cannot deadlock).
    if (!opts.dryRun) lock = lockMaps(opened.map((m) => m.info.id), opts, new Map(opened.map((m) => [m.info.id, m.subject])));
    // An unfinished journal of an earlier apply of these maps is rolled back first (under the lock).
    if (opts.journalDir !== undefined && !opts.dryRun) {
      for (const live of opened) {
        const r = recoverBeforeWrite(opts.journalDir, live);
        if (r) opts.onRecover?.(r);
      }
    }
    // A big write uses a second thread: it loads while the maps are planned (fast-batch-thread.ts).
    // Each map is written on its own, so the biggest map decides.
    if (!opts.dryRun) prepareWrites(Math.max(0, ...[...state.maps.values()].map((d) => d.keys.count)));
    for (const [i, d] of [...state.maps.values()].entries()) plans.push(planMap(d, liveTarget(opened[i]!), stats));
    opts.onPlan?.(plans);
    if (!opts.dryRun) executePlans(plans, stats, { onProgress: opts.onProgress, journalDir: opts.journalDir });
    return { dryRun: opts.dryRun === true, maps: plans.map(summarize), stats };
  } finally {
    lock?.release();
    for (const m of opened) m.close();
  }
}
