/**
 * Error classes and codes. Every error thrown from src/ is a BpfmapError with a stable `code`.
 * Identify errors by `name === 'BpfmapError'` and `code`, never by instanceof, so that two copies of
 * the package still agree (see isBpfmapError).
 */

export const ERROR_CODE = {
  ELF_MALFORMED: 'ELF_MALFORMED',
  BTF_MALFORMED: 'BTF_MALFORMED',
  BTF_UNSUPPORTED: 'BTF_UNSUPPORTED',
  MAP_DEF_INVALID: 'MAP_DEF_INVALID',
  SCHEMA_INVALID: 'SCHEMA_INVALID',
  VALUE_INVALID: 'VALUE_INVALID',
  VALUE_RANGE: 'VALUE_RANGE',
  MAP_INCOMPATIBLE: 'MAP_INCOMPATIBLE',
  MAP_NOT_FOUND: 'MAP_NOT_FOUND',
  AMBIGUOUS: 'AMBIGUOUS',
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  KEY_EXISTS: 'KEY_EXISTS',
  NOT_FOUND: 'NOT_FOUND',
  PERMISSION: 'PERMISSION',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  MAP_FULL: 'MAP_FULL',
  MAP_FROZEN: 'MAP_FROZEN',
  SYSCALL: 'SYSCALL',
  USAGE: 'USAGE',
  IO: 'IO',
  INPUT_INCOMPLETE: 'INPUT_INCOMPLETE',
  INTERNAL: 'INTERNAL',
  /** Another process holds the map's lock (see map/lock.ts) past the timeout. */
  LOCKED: 'LOCKED',
  /** Compare-and-swap: the entry changed between the read and the write; nothing was written. */
  CONFLICT: 'CONFLICT',
  /** Another process is writing the map (its apply journal is open). */
  BUSY: 'BUSY',
  /** A rollback or recovery that left some keys as they are (changed by another writer) or failed part-way. */
  ROLLBACK_PARTIAL: 'ROLLBACK_PARTIAL',
} as const;

export type ErrorCode = (typeof ERROR_CODE)[keyof typeof ERROR_CODE];

export class BpfmapError extends Error {
  override readonly name = 'BpfmapError';
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Malformed ELF input; `offset` is the file offset where the problem was found, if known. */
export class ElfError extends BpfmapError {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(ERROR_CODE.ELF_MALFORMED, message);
    this.offset = offset;
  }
}

/** Malformed or unsupported BTF; `typeId` names the type when known. */
export class BtfError extends BpfmapError {
  readonly typeId: number | undefined;
  constructor(message: string, typeId?: number, code: ErrorCode = ERROR_CODE.BTF_MALFORMED) {
    super(code, message);
    this.typeId = typeId;
  }
}

/** A bad value for a key/value; `path` is like `value.rules[3].dstPortEnd`. Message starts with the path. */
export class ValueError extends BpfmapError {
  readonly path: string;
  constructor(path: string, message: string, code: ErrorCode = ERROR_CODE.VALUE_INVALID) {
    super(code, path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/** A failed bpf() call. */
export class SyscallError extends BpfmapError {
  readonly errno: number;
  readonly errnoName: string;
  readonly command: string;
  constructor(code: ErrorCode, message: string, errno: number, errnoName: string, command: string) {
    super(code, message);
    this.errno = errno;
    this.errnoName = errnoName;
    this.command = command;
  }
}

export function isBpfmapError(e: unknown): e is BpfmapError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'BpfmapError' &&
    typeof (e as { code?: unknown }).code === 'string';
}

/** A value error (by code and shape, not instanceof: two copies of the package must agree). */
export function isValueError(e: unknown): e is ValueError {
  return isBpfmapError(e) && (e.code === ERROR_CODE.VALUE_INVALID || e.code === ERROR_CODE.VALUE_RANGE) &&
    typeof (e as { path?: unknown }).path === 'string';
}
