/** Live maps: open, check, CRUD, iterate, create, global variables. */
export { openMap, check, findLoadedMaps } from './open.js';
export type { OpenMapOptions } from './open.js';
export { LiveMap } from './live-map.js';
export type { UpdateFlag, LookupOptions, Entry, LpmLookup } from './live-map.js';
export { compareInfo, compareTypes } from './compare.js';
export { kernelTypes } from './kernel-btf.js';
export type { KernelTypes } from './kernel-btf.js';
export { schemaFromKernel } from './schema-from-kernel.js';
export { sumPerCpu, joinPerCpu } from './per-cpu.js';
export { createMaps, DEFAULT_PIN_ROOT } from './create.js';
export type { CreateOptions, CreateResult } from './create.js';
export { getVariables, setVariables } from './variables.js';
export type { InnerRef } from './inner.js';
export { lpmPrefixLen } from './lpm.js';
export { pinName, isGlobalDataMap } from './pin-name.js';
export { lockMaps, withMapLock, DEFAULT_LOCK_DIR, DEFAULT_LOCK_TIMEOUT_MS } from './lock.js';
export type { LockOptions, MapLock } from './lock.js';
export { liveMapId } from './live-id.js';
