/** Upgrading live maps to a new version of their object: compare, migrate. */
export { diffMaps, diffObjects, diffTypes, sameBytes } from './diff.js';
export type { MapDiff, ObjectDiff, Change, ChangeKind, MapVerdict, DiffOptions } from './diff.js';
export { liveSchemas } from './live.js';
