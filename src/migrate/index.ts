/** Upgrading live maps to a new version of their object: compare, migrate. */
export { diffMaps, diffObjects, diffTypes, sameBytes } from '../schema/diff.js';
export type { MapDiff, ObjectDiff, Change, ChangeKind, MapVerdict, DiffOptions } from '../schema/diff.js';
export { liveSchemas } from './live.js';
export { compileConverter } from './convert.js';
export type { Converter, ConvertOptions, Loss } from './convert.js';
export { migrateMaps, commitMigration, rollbackMigration, OLD_SUFFIX } from './migrate.js';
export type { MigrateOptions, JournalOptions, SwapOptions, MapMigration, EntryLoss, SwapResult } from './migrate.js';
export { recoverMigration, recoverMigrations, migrationRecoveryText, listMigrationJournals } from './journal.js';
export type { MigrationRecovery } from './journal.js';
export { writeSnapshot, readSnapshotSchema, restoreSnapshot, SNAPSHOT_VERSION } from './snapshot.js';
export type { SnapshotMap, RestoreOptions, MapRestore, RestoreResult } from './snapshot.js';
