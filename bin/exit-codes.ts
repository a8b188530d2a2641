/**
 * Exit codes: what each error code of the library means for the process. The library itself knows
 * no exit codes; this is the CLI's table.
 */
import type { ErrorCode } from '../src/index.js';

/** The CLI's exit codes (documented in the README and its --help epilog). */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  PERMISSION: 4,
  INVALID: 5,
  KERNEL: 6,
  ROLLBACK_PARTIAL: 7,
} as const;

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  ELF_MALFORMED: EXIT.INVALID,
  BTF_MALFORMED: EXIT.INVALID,
  BTF_UNSUPPORTED: EXIT.INVALID,
  MAP_DEF_INVALID: EXIT.INVALID,
  SCHEMA_INVALID: EXIT.INVALID,
  VALUE_INVALID: EXIT.INVALID,
  VALUE_RANGE: EXIT.INVALID,
  MAP_INCOMPATIBLE: EXIT.INVALID,
  MAP_NOT_FOUND: EXIT.NOT_FOUND,
  AMBIGUOUS: EXIT.USAGE,
  KEY_NOT_FOUND: EXIT.NOT_FOUND,
  KEY_EXISTS: EXIT.KERNEL,
  NOT_FOUND: EXIT.NOT_FOUND,
  PERMISSION: EXIT.PERMISSION,
  NOT_SUPPORTED: EXIT.KERNEL,
  MAP_FULL: EXIT.KERNEL,
  MAP_FROZEN: EXIT.KERNEL,
  SYSCALL: EXIT.KERNEL,
  USAGE: EXIT.USAGE,
  IO: EXIT.NOT_FOUND,
  INPUT_INCOMPLETE: EXIT.INVALID,
  INTERNAL: EXIT.INTERNAL,
  LOCKED: EXIT.KERNEL,
  CONFLICT: EXIT.KERNEL,
  BUSY: EXIT.KERNEL,
  ROLLBACK_PARTIAL: EXIT.ROLLBACK_PARTIAL,
};

export function exitCodeFor(code: string): number {
  return (EXIT_BY_CODE as Record<string, number>)[code] ?? EXIT.INTERNAL;
}
