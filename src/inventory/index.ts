/** What is live on the host: loaded maps, their pins, the programs using them. */
export { listMaps, fdMemlock } from './list.js';
export type { LoadedMap, ListMapsOptions } from './list.js';
export { countEntries } from './count.js';
export type { EntryCount, CountMethod } from './count.js';
export { bpffsMounts, mapPins, fdKind } from './pins.js';
export { mapUsers } from './programs.js';
export type { ProgramRef } from './programs.js';
export { attachPoints } from './attach.js';
export type { AttachPoint } from './attach.js';
