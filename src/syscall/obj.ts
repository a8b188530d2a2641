/**
 * OBJ_PIN and OBJ_GET. attr: pathname u64 @0, bpf_fd u32 @8, file_flags u32 @12.
 */
import { Attr } from './attr.js';
import { addressOf, bpf, bpfErrno } from './binding.js';
import { ERRNO, errnoName } from './errno.js';
import { ERROR_CODE, SyscallError } from '../errors.js';
import { BPF_CMD } from './constants.js';
import { fail } from './fail.js';
import { bpffsHint, notBpfObjectHint } from './bpffs.js';

function cPath(path: string): Uint8Array {
  const enc = new TextEncoder().encode(path);
  const b = new Uint8Array(new ArrayBuffer(enc.byteLength + 1));
  b.set(enc);
  return b;
}

/** Opens the object pinned at `path`; returns its fd. fileFlags: BPF_F_RDONLY 8, BPF_F_WRONLY 16. */
export function objGet(path: string, fileFlags = 0): number {
  const p = cPath(path);
  const attr = new Attr(16).u64(0, addressOf(p)).u32(12, fileFlags);
  const fd = bpf(BPF_CMD.OBJ_GET, attr);
  if (fd < 0) {
    const errno = bpfErrno();
    const hint = errno === ERRNO.ENOENT || errno === ERRNO.EINVAL ? bpffsHint(path) : null;
    if (hint) throw Object.assign(new SyscallError(ERROR_CODE.NOT_FOUND, hint, errno, errnoName(errno), 'OBJ_GET'), { path });
    const other = errno === ERRNO.EACCES || errno === ERRNO.EPERM ? notBpfObjectHint(path) : null;
    if (other) throw Object.assign(new SyscallError(ERROR_CODE.NOT_FOUND, other, errno, errnoName(errno), 'OBJ_GET'), { path });
    fail('OBJ_GET', { path, subject: `'${path}'` });
  }
  return fd;
}

/** Pins the object behind `fd` at `path` (in bpffs). */
export function objPin(fd: number, path: string): void {
  const p = cPath(path);
  const attr = new Attr(16).u64(0, addressOf(p)).u32(8, fd);
  if (bpf(BPF_CMD.OBJ_PIN, attr) < 0) fail('OBJ_PIN', { path, subject: `'${path}'` });
}
