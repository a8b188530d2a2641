/**
 * The one place that turns an errno from bpf() into a typed error: its name (524 is the kernel's
 * ENOTSUPP), a code for the CLI's exit status, words for the user and advice when there is any.
 */
import { constants } from 'node:os';
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERROR_CODE, SyscallError, type ErrorCode } from '../errors.js';
import type { BpfCmdName } from './constants.js';

/** errno numbers used by name in this package (Linux values). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

const NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(constants.errno)) if (!NAMES.has(n)) NAMES.set(n, name);
for (const [name, n] of Object.entries(ERRNO)) NAMES.set(n, name);
// Linux aliases: prefer the names people see in strace.
NAMES.set(ERRNO.EAGAIN, 'EAGAIN');
NAMES.set(ERRNO.EOPNOTSUPP, 'EOPNOTSUPP');

const WORDS: Record<string, string> = {
  EPERM: 'permission denied',
  EACCES: 'permission denied',
  ENOENT: 'no such entry',
  E2BIG: 'map is full',
  ENOSPC: 'no space left',
  EEXIST: 'entry exists',
  EINVAL: 'invalid argument',
  EBADF: 'bad file descriptor',
  EFAULT: 'bad address',
  ENOMEM: 'out of memory',
  EBUSY: 'busy',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUPP: 'operation not supported',
  ENOSYS: 'bpf() not implemented by this kernel',
  ENOTDIR: 'not a directory',
};

export function errnoName(errno: number): string {
  return NAMES.get(errno) ?? `errno ${errno}`;
}

const PERMISSION_ADVICE = 'run as root or grant CAP_BPF (and CAP_SYS_ADMIN for pinned objects)';
const ELEM_CMDS: ReadonlySet<string> = new Set(['MAP_LOOKUP_ELEM', 'MAP_DELETE_ELEM', 'MAP_UPDATE_ELEM',
  'MAP_LOOKUP_AND_DELETE_ELEM', 'MAP_GET_NEXT_KEY']);
const UPDATE_CMDS: ReadonlySet<string> = new Set(['MAP_UPDATE_ELEM', 'MAP_UPDATE_BATCH']);

export interface ErrorContext {
  /** Names the object: `map '/sys/fs/bpf/x'`, `map id 42`. */
  subject?: string;
  /** The path for OBJ_GET / OBJ_PIN. */
  path?: string;
  /** The map fd of an element command (fail() reads its fdinfo to tell a frozen map from a missing capability). */
  fd?: number;
  /** The element command had no key: a queue or stack peek / pop. */
  keyless?: boolean;
  /** The map is frozen (set by fail() from the fd's fdinfo after EPERM on a write). */
  frozen?: boolean;
}

const FROZEN_ADVICE = 'user space can only read it (it was frozen with MAP_FREEZE, as loaders freeze .rodata)';

/** Code and advice for an errno from a command (exported for tests and for callers that re-map). */
export function classifyErrno(command: BpfCmdName | string, errno: number, path?: string,
  ctx: Pick<ErrorContext, 'keyless' | 'frozen'> = {}): { code: ErrorCode; advice: string } {
  const name = errnoName(errno);
  switch (name) {
    case 'EPERM':
    case 'EACCES':
      if (ctx.frozen) return { code: ERROR_CODE.MAP_FROZEN, advice: FROZEN_ADVICE };
      return { code: ERROR_CODE.PERMISSION, advice: PERMISSION_ADVICE };
    case 'ENOENT':
      if (command === 'OBJ_GET') {
        return { code: ERROR_CODE.NOT_FOUND, advice: `no pinned object at ${path ?? '?'}; is bpffs mounted and the program loaded?` };
      }
      if (command === 'MAP_GET_FD_BY_ID' || command === 'BTF_GET_FD_BY_ID' || command === 'PROG_GET_FD_BY_ID') {
        return { code: ERROR_CODE.MAP_NOT_FOUND, advice: 'no loaded object with this id' };
      }
      if (command === 'MAP_UPDATE_ELEM') {
        return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'the key is not in the map and flags exist only replaces; use flags any to create it' };
      }
      if (ctx.keyless && (command === 'MAP_LOOKUP_ELEM' || command === 'MAP_LOOKUP_AND_DELETE_ELEM')) {
        return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'the queue or stack is empty' };
      }
      if (command === 'MAP_LOOKUP_ELEM') return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'the key is not in the map' };
      if (command === 'MAP_DELETE_ELEM') return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'the key is not in the map' };
      if (command === 'MAP_DELETE_BATCH') return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'a key is not in the map (the keys before it were deleted)' };
      if (command === 'MAP_LOOKUP_AND_DELETE_ELEM') return { code: ERROR_CODE.KEY_NOT_FOUND, advice: 'the key is not in the map' };
      if (ELEM_CMDS.has(command)) return { code: ERROR_CODE.KEY_NOT_FOUND, advice: '' };
      if (command === 'OBJ_PIN') return { code: ERROR_CODE.NOT_FOUND, advice: `the directory of ${path ?? '?'} does not exist` };
      return { code: ERROR_CODE.SYSCALL, advice: '' };
    case 'EEXIST':
      if (command === 'OBJ_PIN') return { code: ERROR_CODE.KEY_EXISTS, advice: `${path ?? 'the path'} is already pinned` };
      if (command === 'MAP_UPDATE_ELEM') {
        return { code: ERROR_CODE.KEY_EXISTS, advice: 'the key is already in the map and flags noexist only creates; use flags any to replace it' };
      }
      return { code: ERROR_CODE.KEY_EXISTS, advice: '' };
    case 'E2BIG':
    case 'ENOSPC':
      if (UPDATE_CMDS.has(command)) return { code: ERROR_CODE.MAP_FULL, advice: 'delete entries or create the map with a larger max_entries' };
      return { code: ERROR_CODE.SYSCALL, advice: '' };
    case 'ENOTDIR':
      // A pin path under a regular file (a file given as the pin root): the input's fault, not the kernel's.
      if (command === 'OBJ_GET' || command === 'OBJ_PIN') {
        const file = path === undefined ? undefined : fileOnPath(path);
        return { code: ERROR_CODE.VALUE_INVALID, advice: `${file ?? 'a directory of the path'} is not a directory; pins live in directories of bpffs` };
      }
      return { code: ERROR_CODE.SYSCALL, advice: '' };
    case 'EOPNOTSUPP':
    case 'ENOTSUPP':
      return { code: ERROR_CODE.NOT_SUPPORTED, advice: 'this map type or kernel does not support the operation' };
    case 'ENOSYS':
      return { code: ERROR_CODE.NOT_SUPPORTED, advice: 'the kernel was built without CONFIG_BPF_SYSCALL' };
    default:
      return { code: ERROR_CODE.SYSCALL, advice: '' };
  }
}

/** The nearest existing path above `path` when it is not a directory (what made OBJ_GET / OBJ_PIN fail with ENOTDIR). */
function fileOnPath(path: string): string | undefined {
  for (let dir = dirname(path), i = 0; i < 64; dir = dirname(dir), i++) {
    try {
      return statSync(dir).isDirectory() ? undefined : dir;
    } catch {
      if (dirname(dir) === dir) return undefined;
    }
  }
  return undefined;
}

/** The SyscallError for a failed command: `map '/sys/fs/bpf/x': permission denied (EPERM): run as root ...`. */
export function syscallError(command: BpfCmdName | string, errno: number, ctx: ErrorContext = {}): SyscallError {
  const name = errnoName(errno);
  const { code, advice } = classifyErrno(command, errno, ctx.path, ctx);
  const subject = ctx.subject ?? (ctx.path !== undefined ? `'${ctx.path}'` : `bpf(${command})`);
  const words = ctx.frozen && code === ERROR_CODE.MAP_FROZEN ? 'is frozen' : WORDS[name] ?? 'failed';
  let msg = `${subject}: ${words} (${name})`;
  if (advice) msg += `: ${advice}`;
  const e = new SyscallError(code, msg, errno, name, command);
  // The pin path, for machine-readable error reports (`path` of the --json error object).
  return ctx.path !== undefined ? Object.assign(e, { path: ctx.path }) : e;
}
