/**
 * Element commands: MAP_LOOKUP_ELEM, MAP_UPDATE_ELEM, MAP_DELETE_ELEM, MAP_GET_NEXT_KEY,
 * MAP_LOOKUP_AND_DELETE_ELEM, MAP_FREEZE.
 *
 * attr: map_fd u32 @0, key u64 @8, value / next_key u64 @16, flags u64 @24 (32 bytes).
 * Keys and values are copied through module-level scratch buffers at stable addresses; a NULL key
 * (queue, stack, bloom filter) is passed as `null`.
 */
import { Attr } from './attr.js';
import { bpf, bpfErrno, Scratch } from './binding.js';
import { BPF_CMD } from './constants.js';
import { ERRNO } from './errno.js';
import { fail, subjectOf } from './fail.js';
import { os } from './native-endian.js';

const LE = os.little;

const ELEM_ATTR_SIZE = 32;
const attr = new Attr(ELEM_ATTR_SIZE);
const keyBuf = new Scratch();
const valBuf = new Scratch();

// The hot path writes only what changed since the last call: single lookups are dominated by the
// syscall itself, and the JS around it must stay within a few tens of nanoseconds.
let lastKey = -1;
let lastValue = -1;

function setElem(fd: number, key: number, value: number, flags: number | bigint): void {
  const v = attr.view;
  v.setUint32(0, fd, LE);
  if (key !== lastKey) { attr.u64(8, key); lastKey = key; }
  if (value !== lastValue) { attr.u64(16, value); lastValue = value; }
  if (flags === 0) { v.setUint32(24, 0, LE); v.setUint32(28, 0, LE); }
  else attr.u64(24, typeof flags === 'bigint' ? flags : BigInt(flags));
}

/** Copy of the value stored under `key` (`valueSize` bytes; per-CPU maps: the whole per-CPU buffer). */
export function mapLookupElem(fd: number, key: Uint8Array | null, valueSize: number, flags: number | bigint = 0,
  subject?: string): Uint8Array {
  const k = key === null ? 0 : putSmall(keyBuf, key);
  const v = valBuf.ensure(valueSize);
  setElem(fd, k, v, flags);
  if (bpf(BPF_CMD.MAP_LOOKUP_ELEM, attr) < 0) fail('MAP_LOOKUP_ELEM', subjectOf(fd, subject, key === null));
  return valBuf.bytes.slice(0, valueSize);
}

/** Like mapLookupElem, but writes the value into `out` (no allocation: the fast path). */
export function mapLookupElemInto(fd: number, key: Uint8Array | null, out: Uint8Array, flags: number | bigint = 0,
  subject?: string): void {
  const n = out.byteLength;
  const k = key === null ? 0 : putSmall(keyBuf, key);
  const v = n <= valBuf.bytes.byteLength ? valBuf.addr : valBuf.ensure(n);
  setElem(fd, k, v, flags);
  if (bpf(BPF_CMD.MAP_LOOKUP_ELEM, attr) < 0) fail('MAP_LOOKUP_ELEM', subjectOf(fd, subject, key === null));
  const src = valBuf.bytes;
  if (n <= 32) for (let i = 0; i < n; i++) out[i] = src[i]!;
  else out.set(src.subarray(0, n));
}

/** Scratch.put with a plain loop for small keys (cheaper than TypedArray.set's setup). */
function putSmall(s: Scratch, src: Uint8Array): number {
  const n = src.byteLength;
  if (n > 32 || n > s.bytes.byteLength) return s.put(src);
  const dst = s.bytes;
  for (let i = 0; i < n; i++) dst[i] = src[i]!;
  return s.addr;
}

/** flags: BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2, BPF_F_LOCK 4. */
export function mapUpdateElem(fd: number, key: Uint8Array | null, value: Uint8Array, flags: number | bigint = 0,
  subject?: string): void {
  const k = key === null ? 0 : putSmall(keyBuf, key);
  const v = putSmall(valBuf, value);
  setElem(fd, k, v, flags);
  if (bpf(BPF_CMD.MAP_UPDATE_ELEM, attr) < 0) fail('MAP_UPDATE_ELEM', subjectOf(fd, subject));
}

export function mapDeleteElem(fd: number, key: Uint8Array | null, subject?: string): void {
  const k = key === null ? 0 : keyBuf.put(key);
  setElem(fd, k, 0, 0);
  if (bpf(BPF_CMD.MAP_DELETE_ELEM, attr) < 0) fail('MAP_DELETE_ELEM', subjectOf(fd, subject));
}

/**
 * The key after `key` (the first key when `key` is null); null at the end of the map.
 * LPM tries and hashes start over from the first key when `key` is not in the map.
 */
export function mapGetNextKey(fd: number, key: Uint8Array | null, keySize: number, subject?: string): Uint8Array | null {
  const k = key === null ? 0 : keyBuf.put(key);
  const n = valBuf.ensure(keySize);
  setElem(fd, k, n, 0);
  if (bpf(BPF_CMD.MAP_GET_NEXT_KEY, attr) < 0) {
    // ENOENT: no key after this one, the end of an iteration; no error is made for it.
    if (bpfErrno() === ERRNO.ENOENT) return null;
    fail('MAP_GET_NEXT_KEY', subjectOf(fd, subject));
  }
  return valBuf.bytes.slice(0, keySize);
}

/** Reads and removes: pop for queue/stack (key null), or a hash entry (kernel 5.14+). */
export function mapLookupAndDeleteElem(fd: number, key: Uint8Array | null, valueSize: number, flags: number | bigint = 0,
  subject?: string): Uint8Array {
  const k = key === null ? 0 : keyBuf.put(key);
  const v = valBuf.ensure(valueSize);
  setElem(fd, k, v, flags);
  if (bpf(BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM, attr) < 0) {
    fail('MAP_LOOKUP_AND_DELETE_ELEM', subjectOf(fd, subject, key === null));
  }
  return valBuf.bytes.slice(0, valueSize);
}

/** Makes the map read-only for user space (attr: map_fd u32 @0). */
export function mapFreeze(fd: number, subject?: string): void {
  const a = new Attr(8).u32(0, fd);
  if (bpf(BPF_CMD.MAP_FREEZE, a) < 0) fail('MAP_FREEZE', subjectOf(fd, subject));
}
