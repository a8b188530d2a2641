/** bpfmap apply: a desired state (YAML, JSON, NDJSON) made true in the kernel, all or nothing. */
export { applyState } from './apply.js';
export type { ApplyOptions, ApplyResult } from './apply.js';
export { readStateFile, readStateFileAsync, readStateDocument, looksNdjson } from './parse-state.js';
export type { ReadStateOptions } from './parse-state.js';
export { DesiredState } from './state.js';
export { DesiredMap } from './desired-state.js';
export type { PlanSummary, MapPlan } from './plan.js';
export { planDiff } from './diff.js';
export type { ApplyStats } from './stats.js';
export { writeCalls } from './stats.js';
export { watchState, liveMapIds } from './watch.js';
export type { WatchEvent, WatchOptions, WatchReason, WatchHandle } from './watch.js';
export { recoverAll, recoverJournal, recoverBeforeWrite, recoverText } from './recover.js';
export type { RecoverReport, RecoverOutcome } from './recover.js';
export { DEFAULT_JOURNAL_DIR, journalPath } from './journal.js';
