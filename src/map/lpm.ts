/**
 * LPM trie exactness. The kernel's lookup is longest-prefix and does not say which stored prefix it
 * matched, so bpfmap asks the trie which prefixes it holds. GET_NEXT_KEY answers that: given a key
 * stored under exactly that prefix it returns the key after it in the trie's order (ENOENT after
 * the last one), and given any other key it starts over at the first key, which is never the key
 * after a stored one. A prefix is therefore stored when GET_NEXT_KEY from it gives ENOENT or
 * anything but the first key, and the longest stored prefix covering a query is the first one found
 * trying the query's prefix length, then each shorter one (at most one call per prefix bit, whatever
 * the number of entries).
 */
import { equalBytes } from '../bytes.js';
import { mapGetNextKey } from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';

export interface LpmMatch {
  /** The stored prefix that matched: the query cut to it (data bits past the prefix zero). */
  readonly key: Uint8Array;
  readonly prefixLen: number;
}

/** The u32 prefix length at the start of an LPM key (host byte order, as the kernel reads it). */
export function lpmPrefixLen(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, os.little);
}

/**
 * The longest stored prefix covering `query`, null when none: tries the query's prefix length and
 * then each shorter one (see the header), so at most prefix-length + 1 calls. The key returned is
 * the query cut to that prefix (bits past it zero), which is the stored key as the trie compares it.
 */
export function lpmLongestMatch(fd: number, query: Uint8Array, subject: string): LpmMatch | null {
  const first = mapGetNextKey(fd, null, query.byteLength, subject);
  if (first === null) return null; // empty trie
  const bits = (query.byteLength - 4) * 8;
  const probe = query.slice();
  const dv = new DataView(probe.buffer);
  let len = Math.min(lpmPrefixLen(query), bits);
  for (let b = len; b < bits; b++) clearBit(probe, b);
  for (;;) {
    dv.setUint32(0, len, os.little);
    const next = mapGetNextKey(fd, probe, probe.byteLength, subject);
    if (next === null || !equalBytes(next, 0, first, 0, first.byteLength)) return { key: probe, prefixLen: len };
    if (len === 0) return null;
    clearBit(probe, --len); // the next shorter prefix: its last bit goes
  }
}

/**
 * The identity of an LPM key: a copy (into `out` at `outOff` when given) with every data bit past its
 * prefix length cleared. The kernel stores a key's bytes as given but compares only the prefix's
 * bits, so `10.20.1.1/16` and `10.20.0.0/16` are one entry: their identities are equal. A prefix
 * length beyond the data counts as all of it.
 */
export function lpmIdentity(key: Uint8Array, out: Uint8Array = new Uint8Array(key.byteLength), outOff = 0): Uint8Array {
  out.set(key, outOff);
  const view = out.subarray(outOff, outOff + key.byteLength);
  const bits = (key.byteLength - 4) * 8;
  const len = Math.min(lpmPrefixLen(key), bits);
  if (len < bits) {
    const byte = 4 + (len >>> 3);
    if (len & 7) view[byte]! &= (0xff00 >>> (len & 7)) & 0xff;
    view.fill(0, byte + ((len & 7) ? 1 : 0));
  }
  return out;
}

/** Clears data bit `b` (most significant first) of an LPM key. */
function clearBit(key: Uint8Array, b: number): void {
  key[4 + (b >>> 3)]! &= ~(0x80 >>> (b & 7));
}
