/**
 * flock(2) through libc: an advisory whole-file lock that the kernel drops when its holder exits
 * (also on SIGKILL), shared by every process that sees the same file (containers sharing /run).
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { libcFunction } from './binding.js';
import { errnoName } from './errno.js';

const LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
const EWOULDBLOCK = 11, EINTR = 4;

let fn: ReturnType<typeof libcFunction> | undefined;

function flock(fd: number, op: number): number {
  fn ??= libcFunction('int flock(int fd, int operation)');
  return fn.call(fd, op) as number;
}

/** Takes the exclusive lock on `fd` without waiting: true when taken, false when another holds it. */
export function flockTryExclusive(fd: number, subject: string): boolean {
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) === 0) return true;
    const errno = fn!.errno();
    if (errno === EWOULDBLOCK) return false;
    if (errno === EINTR) continue;
    throw new BpfmapError(ERROR_CODE.IO, `${subject}: flock: expected the lock, got ${errnoName(errno)}`);
  }
}

/** Releases the lock (closing the fd releases it too). */
export function flockUnlock(fd: number): void {
  flock(fd, LOCK_UN);
}
