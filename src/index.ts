/**
 * bpfmap's public library API. Explicit named exports only.
 *
 * Offline (any OS, no kernel): loadObject/loadObjectFile, loadBtf, the schema types, the codec.
 * Linux (bpf()): openMap, createMaps and the LiveMap operations; koffi is loaded on first use only.
 */
export {
  ERROR_CODE,
  BpfmapError,
  ElfError,
  BtfError,
  ValueError,
  SyscallError,
  isBpfmapError,
} from './errors.js';
export type { ErrorCode } from './errors.js';
export { toHex, fromHex } from './bytes.js';
export type { ByteOrder } from './bytes.js';
export type {
  TypeNode,
  IntNode,
  FloatNode,
  EnumNode,
  EnumValue,
  ArrayNode,
  StructNode,
  UnionNode,
  PointerNode,
  BytesNode,
  Field,
  MapSchema,
  ObjectSchema,
  UnusableMap,
  MapPinning,
} from './schema/types.js';
export { PERCPU_MAP_TYPES } from './schema/types.js';

export { loadObject, loadObjectFile } from './object/index.js';
export { loadBtf, isRawBtf } from './btf/index.js';
export { formatTypesC, typesJson, writeTypesJson, seedFormat } from './format/index.js';
export { loadSplitBtf, defaultBtfBase } from './btf/index.js';
export type { Btf } from './btf/index.js';
export type { BpfObject as ObjectFile } from './object/index.js';

export { loadSource, loadSourceBytes, findMap } from './object/source.js';
export type { Source } from './object/source.js';
export { reviveSchema } from './schema/revive.js';
/** A BTF type as a schema node (what a map's key or value looks like). */
export { typeNode } from './schema/from-btf.js';

export { parseJson, stringifyJson } from './text/json.js';
export {
  compileCodec,
  mapCodecs,
  parseValueText,
  parseDocument,
  templateYaml,
  parseInteger,
} from './codec/index.js';
export type { Codec, DecodeOptions } from './codec/index.js';

export {
  openMap,
  check,
  LiveMap,
  sumPerCpu,
  createMaps,
  DEFAULT_PIN_ROOT,
  getVariables,
  setVariables,
  isGlobalDataMap,
} from './map/index.js';
export type { OpenMapOptions, UpdateFlag, LookupOptions, Entry, LpmLookup, CreateOptions, CreateResult, InnerRef } from './map/index.js';
export type { MapInfo } from './syscall/info.js';
export { possibleCpus } from './syscall/cpus.js';

export {
  applyState,
  readStateFile,
  readStateFileAsync,
  readStateDocument,
  DesiredState,
  DesiredMap,
  planDiff,
  watchState,
  liveMapIds,
} from './apply/index.js';
export type {
  ApplyOptions,
  ApplyResult,
  ReadStateOptions,
  PlanSummary,
  MapPlan,
  ApplyStats,
  WatchOptions,
  WatchHandle,
  WatchEvent,
  WatchReason,
} from './apply/index.js';

export { listMaps } from './inventory/index.js';
export type { LoadedMap, ListMapsOptions, EntryCount, CountMethod, ProgramRef, AttachPoint } from './inventory/index.js';
export { ensureDefaultBpffs } from './syscall/bpffs.js';
export { lockMaps, withMapLock, DEFAULT_LOCK_DIR } from './map/index.js';
export type { LockOptions, MapLock } from './map/index.js';
/** Apply journals: crash recovery of unfinished applies. */
export { recoverAll, recoverBeforeWrite, DEFAULT_JOURNAL_DIR } from './apply/index.js';
export type { RecoverReport, RecoverOutcome } from './apply/index.js';

export {
  planExporter,
  parseExporterConfig,
  scrape,
  scrapeText,
  serveMetrics,
} from './exporter/index.js';
export type { ExporterPlan, ExporterConfig, ScrapeOptions, ScrapeResult, ServeOptions, MetricFamily, ExpositionFormat } from './exporter/index.js';

export { diffMaps, diffObjects, sameBytes, liveSchemas, migrateMaps, commitMigration, rollbackMigration } from './migrate/index.js';
export type { MapDiff, ObjectDiff, Change, ChangeKind, MapVerdict, DiffOptions, MigrateOptions, MapMigration, EntryLoss, SwapResult } from './migrate/index.js';
export { recoverMigrations } from './migrate/index.js';
export type { MigrationRecovery, SwapOptions } from './migrate/index.js';
export { writeSnapshot, restoreSnapshot } from './migrate/index.js';
export type { SnapshotMap, RestoreOptions, MapRestore, RestoreResult } from './migrate/index.js';

export { readEvents, EventStream } from './events/index.js';
export type { ReadEventsOptions, EventRecord, LostReport, EventItem } from './events/index.js';
export { pushEvents } from './events/index.js';
export type { PushEventsOptions } from './events/index.js';
/** Partial updates: change some fields of one entry by read-modify-write (`rules[3].action`). */
export { updateFields, parseFieldPath } from './map/index.js';
export type { FieldAssignment } from './map/index.js';
/** The object-first entry point: `(await BpfObject.open(path)).map(name).open({ pinRoot })`, typed by `bpfmap gen ts`. */
export { BpfObject, ObjectMap } from './map/bpf-object.js';
export type { MapTypes, ObjectMaps, MapTable, TypedMap, MapOpenOptions } from './map/bpf-object.js';
export { generateTypeScript } from './gen/typescript.js';
export type { GenTsOptions } from './gen/typescript.js';
/** Interface indexes by declaration: fields that take interface names besides those named `*ifindex`. */
export { markIfindexFields, markObjectIfindexFields } from './codec/index.js';
/** The node agent: keep an object's maps equal to a state file or ConfigMap directory; /metrics, /healthz, /readyz. */
export { startAgent } from './agent/index.js';
export type { Agent, AgentEvent, AgentOptions, Probe, StateFiles } from './agent/index.js';
