/** File descriptors of bpf objects: closed deterministically by their owner. */
import { closeSync } from 'node:fs';

/** Closes an fd; ignores fds that are not open (negative or already closed). */
export function closeFd(fd: number): void {
  if (fd < 0) return;
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** Runs fn with an fd from open() and closes it afterwards, also when fn throws. */
export function withFd<T>(open: () => number, fn: (fd: number) => T): T {
  const fd = open();
  try {
    return fn(fd);
  } finally {
    closeFd(fd);
  }
}
