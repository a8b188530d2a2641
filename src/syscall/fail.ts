/** Throws the mapped error for the last failed bpf() call. */
import type { SyscallError } from '../errors.js';
import { bpfErrno } from './binding.js';
import { syscallError, type ErrorContext } from './errno.js';

export function fail(command: string, ctx: ErrorContext = {}): never {
  const e: SyscallError = syscallError(command, bpfErrno(), ctx);
  throw e;
}

/** A subject for messages when the caller gave none. */
export function subjectOf(fd: number, subject?: string): ErrorContext {
  return { subject: subject ?? `map fd ${fd}` };
}
