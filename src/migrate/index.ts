/** Upgrading live maps to a new version of their object: compare, migrate. */
export { diffMaps, diffObjects, diffTypes, sameBytes } from '../schema/diff.js';
export type { MapDiff, ObjectDiff, Change, ChangeKind, MapVerdict, DiffOptions } from '../schema/diff.js';
export { liveSchemas } from './live.js';
export { compileConverter } from './convert.js';
export type { Converter, ConvertOptions, Loss } from './convert.js';
export { migrateMaps, commitMigration, rollbackMigration, OLD_SUFFIX } from './migrate.js';
export type { MigrateOptions, MapMigration, EntryLoss, SwapResult } from './migrate.js';
