/**
 * Batch commands: MAP_LOOKUP_BATCH, MAP_LOOKUP_AND_DELETE_BATCH, MAP_UPDATE_BATCH, MAP_DELETE_BATCH.
 * attr (batch): in_batch u64 @0, out_batch u64 @8, keys u64 @16, values u64 @24, count u32 @32,
 * map_fd u32 @36, elem_flags u64 @40, flags u64 @48 (56 bytes).
 */
import { Attr } from './attr.js';
import { bpf, bpfErrno, Scratch } from './binding.js';
import { BPF_CMD } from './constants.js';
import { ERRNO, syscallError } from './errno.js';
import { fail, subjectOf } from './fail.js';

const BATCH_ATTR_SIZE = 56;
const keysBuf = new Scratch();
const valuesBuf = new Scratch();
const inBuf = new Scratch();
const outBuf = new Scratch();

export interface BatchResult {
  /** Number of entries returned. */
  count: number;
  /** count * keySize bytes. */
  keys: Uint8Array;
  /** count * valueSize bytes (valueSize: the per-CPU size for per-CPU maps). */
  values: Uint8Array;
  /** Cursor to pass as `inBatch` for the next call; null when the map has no more entries. */
  next: Uint8Array | null;
}

/**
 * One batch of up to `maxCount` entries, starting after the opaque cursor `inBatch` (null: from the
 * beginning). `batchTokenSize` is the cursor size (the key size for hash maps; 4 is enough for
 * arrays, but the key size is always safe). ENOENT with a count is the end of the map, not an error.
 */
export function mapLookupBatch(fd: number, inBatch: Uint8Array | null, maxCount: number, keySize: number,
  valueSize: number, subject?: string, andDelete = false): BatchResult {
  const tokenSize = Math.max(keySize, 4);
  const inAddr = inBatch === null ? 0 : inBuf.put(inBatch);
  const outAddr = outBuf.ensure(tokenSize);
  const kAddr = keysBuf.ensure(maxCount * keySize);
  const vAddr = valuesBuf.ensure(maxCount * valueSize);
  const attr = new Attr(BATCH_ATTR_SIZE).u64(0, inAddr).u64(8, outAddr).u64(16, kAddr).u64(24, vAddr)
    .u32(32, maxCount).u32(36, fd);
  const cmd = andDelete ? BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH : BPF_CMD.MAP_LOOKUP_BATCH;
  let done = false;
  if (bpf(cmd, attr) < 0) {
    if (bpfErrno() !== ERRNO.ENOENT) fail(andDelete ? 'MAP_LOOKUP_AND_DELETE_BATCH' : 'MAP_LOOKUP_BATCH', subjectOf(fd, subject));
    done = true;
  }
  const count = attr.getU32(32);
  return {
    count,
    keys: keysBuf.bytes.slice(0, count * keySize),
    values: valuesBuf.bytes.slice(0, count * valueSize),
    next: done ? null : outBuf.bytes.slice(0, tokenSize),
  };
}

export function mapLookupAndDeleteBatch(fd: number, inBatch: Uint8Array | null, maxCount: number, keySize: number,
  valueSize: number, subject?: string): BatchResult {
  return mapLookupBatch(fd, inBatch, maxCount, keySize, valueSize, subject, true);
}

/**
 * Writes `count` entries (keys packed at keySize, values at valueSize). Returns how many were written
 * before an error; throws when the kernel refused one (the error's `done` tells how many went in).
 */
export function mapUpdateBatch(fd: number, keys: Uint8Array, values: Uint8Array, count: number,
  elemFlags: number | bigint = 0, subject?: string): number {
  const kAddr = keysBuf.put(keys);
  const vAddr = valuesBuf.put(values);
  return batchWrite('MAP_UPDATE_BATCH', updateBatchAttr(fd, kAddr, vAddr, count, elemFlags), fd, subject);
}

/**
 * The bpf_attr of MAP_UPDATE_BATCH: `count` entries whose keys and values lie packed at these
 * addresses, into `fd`; written over `attr` (zeroed first) when one is given.
 */
export function updateBatchAttr(fd: number, kAddr: number, vAddr: number, count: number,
  elemFlags: number | bigint = 0, attr: Attr = new Attr(BATCH_ATTR_SIZE)): Attr {
  attr.bytes.fill(0);
  return attr.u64(16, kAddr).u64(24, vAddr).u32(32, count).u32(36, fd).u64(40, BigInt(elemFlags));
}

/** Deletes `count` keys (packed at keySize). Returns how many were deleted; see mapUpdateBatch. */
export function mapDeleteBatch(fd: number, keys: Uint8Array, count: number, subject?: string): number {
  const kAddr = keysBuf.put(keys);
  const attr = new Attr(BATCH_ATTR_SIZE).u64(16, kAddr).u32(32, count).u32(36, fd);
  return batchWrite('MAP_DELETE_BATCH', attr, fd, subject);
}

/**
 * Runs a batch write and returns the kernel's count. On failure the error's `done` is that count: the
 * entries handled before the one that failed (the count passed in when it failed before the first).
 */
function batchWrite(cmd: 'MAP_UPDATE_BATCH' | 'MAP_DELETE_BATCH', attr: Attr, fd: number, subject?: string): number {
  if (bpf(BPF_CMD[cmd], attr) < 0) {
    const e = syscallError(cmd, bpfErrno(), subjectOf(fd, subject));
    throw Object.assign(e, { done: attr.getU32(32) });
  }
  return attr.getU32(32);
}
