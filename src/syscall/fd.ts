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
