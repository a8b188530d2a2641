/**
 * mmap(2) and munmap(2) through libc, for the rings of ring buffers and perf events. Addresses are
 * numbers (user-space addresses fit in 53 bits on every supported architecture).
 */
import { libcFunction } from './binding.js';
import { syscallError } from './errno.js';

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;

let mmapFn: ReturnType<typeof libcFunction> | undefined;
let munmapFn: ReturnType<typeof libcFunction> | undefined;

/** Maps `len` bytes of `fd` at `offset` (MAP_SHARED unless told); returns the address. Throws SyscallError. */
export function mmap(len: number, prot: number, fd: number, offset: number, subject: string, flags = MAP_SHARED): number {
  mmapFn ??= libcFunction('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, long off)');
  const addr = Number(mmapFn.call(0, len, prot, flags, fd, offset));
  // MAP_FAILED is (void *)-1: the largest uintptr_t, far above 2^53 as a number.
  if (addr >= Number.MAX_SAFE_INTEGER) throw syscallError('mmap', mmapFn.errno(), { subject });
  return addr;
}

/** Unmaps a region returned by mmap; a failure (bad address) is a bug, so it is ignored. */
export function munmap(addr: number, len: number): void {
  munmapFn ??= libcFunction('int munmap(uintptr_t addr, size_t len)');
  munmapFn.call(addr, len);
}
