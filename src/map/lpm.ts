/**
 * LPM trie exactness. The kernel's lookup is longest-prefix and does not say which stored prefix it
 * matched; GET_NEXT_KEY from a key that is not in the trie starts over, so it cannot test membership
 * either. The one correct answer is to walk the stored keys (O(entries)) and pick the longest one that
 * covers the query: bits are compared most significant first, after the leading u32 prefix length.
 */
import { mapGetNextKey } from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';

export interface LpmMatch {
  /** The stored key bytes that matched (its data as stored). */
  readonly key: Uint8Array;
  readonly prefixLen: number;
}

/** The u32 prefix length at the start of an LPM key (host byte order, as the kernel reads it). */
export function lpmPrefixLen(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, os.little);
}

/** True when the first `bits` bits of the data (after the prefix length) of a and b are equal. */
function lpmDataEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >>> 3;
  for (let i = 0; i < full; i++) if (a[4 + i] !== b[4 + i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[4 + full]! ^ b[4 + full]!) & mask) === 0;
}

/**
 * The prefix length of `stored` when it covers `query` (its prefix is not longer and the data agree
 * on its bits), else -1.
 */
export function lpmCovers(stored: Uint8Array, query: Uint8Array): number {
  const p = lpmPrefixLen(stored);
  if (p > lpmPrefixLen(query) || p > (query.byteLength - 4) * 8) return -1;
  return lpmDataEqual(stored, query, p) ? p : -1;
}

/** The longest stored prefix covering `query`, found by walking the trie's keys; null when none. */
export function lpmLongestMatch(fd: number, query: Uint8Array, maxEntries: number, subject: string): LpmMatch | null {
  let best: LpmMatch | null = null;
  let key: Uint8Array | null = null;
  // GET_NEXT_KEY restarts when the current key was deleted meanwhile: bound the walk.
  for (let n = 0; n <= 2 * maxEntries + 1; n++) {
    const next = mapGetNextKey(fd, key, query.byteLength, subject);
    if (next === null) break;
    const p = lpmCovers(next, query);
    if (p >= 0 && (best === null || p > best.prefixLen)) best = { key: next, prefixLen: p };
    key = next;
  }
  return best;
}
