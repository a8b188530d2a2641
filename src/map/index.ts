/** Live maps: open, check, CRUD, iterate, create, global variables. */
export { openMap, check, findLoadedMaps } from './open.js';
export type { OpenMapOptions } from './open.js';
export { LiveMap } from './live-map.js';
export type { UpdateFlag, LookupOptions, Entry, LpmLookup, ReadCall } from './live-map.js';
export type { EntrySource, KeySource, WriteOptions, WriteCall } from './batch-writer.js';
export { prepareWrites } from './batch-writer.js';
// For apply's big tables (apply reaches the system only through map/).
export { adviseHugePages } from '../syscall/index.js';
export { compareInfo, compareTypes } from './compare.js';
export { kernelTypes } from './kernel-btf.js';
export type { KernelTypes } from './kernel-btf.js';
export { schemaFromKernel } from './schema-from-kernel.js';
export { sumPerCpu, joinPerCpu, perCpuStride, possibleCpus } from './per-cpu.js';
export { createMaps, DEFAULT_PIN_ROOT } from './create.js';
export type { CreateOptions, CreateResult } from './create.js';
export { getVariables, setVariables } from './variables.js';
export type { InnerRef } from './inner.js';
export { lpmPrefixLen } from './lpm.js';
export { pinName, isGlobalDataMap } from './pin-name.js';
export { lockMaps, withMapLock, DEFAULT_LOCK_DIR, DEFAULT_LOCK_TIMEOUT_MS } from './lock.js';
export type { LockOptions, MapLock } from './lock.js';
export { liveMapId } from './live-id.js';
export { updateFields, parseFieldPath } from './set-fields.js';
export type { FieldAssignment } from './set-fields.js';
