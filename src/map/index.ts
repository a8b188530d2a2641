/** Live maps: open, check, CRUD, iterate. */
export { openMap, check, findLoadedMaps } from './open.js';
export type { OpenMapOptions } from './open.js';
export { LiveMap } from './live-map.js';
export type { UpdateFlag, LookupOptions, Entry } from './live-map.js';
export { compareInfo, compareTypes } from './compare.js';
export { kernelTypes } from './kernel-btf.js';
export type { KernelTypes } from './kernel-btf.js';
export { schemaFromKernel } from './schema-from-kernel.js';
export { sumPerCpu, splitPerCpu, joinPerCpu } from './per-cpu.js';
