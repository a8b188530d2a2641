export type * from './types.js';
export { PERCPU_MAP_TYPES } from './types.js';
export { typeNode, MAX_SCHEMA_NODES } from './from-btf.js';
export { reviveSchema } from './revive.js';
