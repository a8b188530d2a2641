/** Throws the mapped error for the last failed bpf() call. */
import { readFileSync } from 'node:fs';
import type { SyscallError } from '../errors.js';
import { bpfErrno } from './binding.js';
import { errnoName, syscallError, type ErrorContext } from './errno.js';

/** Commands that write a map: EPERM from them on a frozen map means frozen, not a missing capability. */
const WRITES: ReadonlySet<string> = new Set(['MAP_UPDATE_ELEM', 'MAP_DELETE_ELEM', 'MAP_UPDATE_BATCH', 'MAP_DELETE_BATCH',
  'MAP_LOOKUP_AND_DELETE_ELEM', 'MAP_LOOKUP_AND_DELETE_BATCH']);

/** The kernel's `frozen:` line of the map fd's fdinfo (Linux 5.2+); false when it cannot be read. */
function isFrozen(fd: number): boolean {
  try {
    return /^frozen:\s*1\s*$/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'));
  } catch {
    return false;
  }
}

export function fail(command: string, ctx: ErrorContext = {}): never {
  const errno = bpfErrno();
  const name = errnoName(errno);
  const frozen = ctx.fd !== undefined && (name === 'EPERM' || name === 'EACCES') && WRITES.has(command) && isFrozen(ctx.fd);
  const e: SyscallError = syscallError(command, errno, frozen ? { ...ctx, frozen } : ctx);
  throw e;
}

/** A subject for messages when the caller gave none, with the fd (and whether the command had a key). */
export function subjectOf(fd: number, subject?: string, keyless = false): ErrorContext {
  return { subject: subject ?? `map fd ${fd}`, fd, keyless };
}
