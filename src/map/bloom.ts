/** Bloom filter membership: MAP_LOOKUP_ELEM with a NULL key and the candidate in the value buffer. */
import { ElemHandle } from '../syscall/index.js';

/** true when the value may be in the filter, false when it certainly is not. */
export function bloomContains(fd: number, value: Uint8Array, subject: string): boolean {
  const h = new ElemHandle(fd, 0, value.byteLength, subject);
  h.value.set(value);
  return h.lookup();
}
