/** Events: typed records streamed from ring buffers and perf event arrays. */
export { readEvents, EventStream, onlineCpus } from './read-events.js';
export type { ReadEventsOptions, EventRecord, LostReport, EventItem } from './read-events.js';
export { compileFilters } from './filter.js';
export type { EventFilter } from './filter.js';
export { pushEvents, UserRingbufWriter } from './user-ringbuf.js';
export type { PushEventsOptions } from './user-ringbuf.js';
