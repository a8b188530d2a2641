/**
 * Map-in-map and prog-array values: the kernel takes an fd on update and hands back an id on lookup.
 * An inner reference is a pin path, `id:N`, `{ id: N }`, `{ pin: PATH }` or `{ fd: N }` (an fd the
 * caller owns). A plain number is refused: it could be either an id or an fd.
 */
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import type { MapSchema } from '../schema/types.js';
import {
  closeFd, mapGetFdById, objGet, objGetInfoByFd, progGetFdById, progGetInfoByFd,
} from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';
import { compareInfo } from './compare.js';

export const FD_MAP_TYPES: ReadonlySet<string> = new Set(['array_of_maps', 'hash_of_maps', 'prog_array']);

export interface InnerRef {
  /** The inner map's or program's id. */
  readonly id: number;
  /** Its kernel name, when it could still be opened. */
  readonly name?: string;
}

type Parsed = { pin: string } | { id: number } | { fd: number };

const HINT = "expected a pin path, 'id:N', { id: N }, { pin: PATH } or { fd: N }";

function parse(ref: unknown, path: string): Parsed {
  if (typeof ref === 'string') {
    const m = /^id:\s*(\d+)$/.exec(ref.trim());
    if (m) return { id: Number(m[1]) };
    if (ref.startsWith('/')) return { pin: ref };
    throw new ValueError(path, `${HINT}, got '${ref}'`);
  }
  if (ref && typeof ref === 'object' && !Array.isArray(ref)) {
    const o = ref as Record<string, unknown>;
    const n = (v: unknown): number | null => {
      const x = typeof v === 'bigint' ? Number(v) : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff ? x : null;
    };
    if ('pin' in o && typeof o.pin === 'string') return { pin: o.pin };
    if ('id' in o && n(o.id) !== null) return { id: n(o.id)! };
    if ('fd' in o && n(o.fd) !== null) return { fd: n(o.fd)! };
  }
  throw new ValueError(path, `${HINT}, got ${typeof ref === 'object' ? JSON.stringify(ref, (_k, v) => typeof v === 'bigint' ? String(v) : v) : String(ref)}`);
}

/**
 * Runs fn with an fd for the inner object (opened by pin or id, closed afterwards; a caller's fd is
 * used as is). `outerType` decides whether an id names a map or a program.
 */
export function withInnerFd<T>(ref: unknown, outerType: string, path: string, fn: (fd: number) => T): T {
  const p = parse(ref, path);
  if ('fd' in p) return fn(p.fd);
  const fd = 'pin' in p ? objGet(p.pin) : outerType === 'prog_array' ? progGetFdById(p.id) : mapGetFdById(p.id);
  try {
    return fn(fd);
  } finally {
    closeFd(fd);
  }
}

/**
 * The error for an inner map the kernel refused (EINVAL) as the value of `outer`: a MAP_INCOMPATIBLE
 * error listing how the map `ref` names differs from the object's inner map definition, or `e`
 * itself when there is nothing to compare (no definition, a prog array, or no difference found). The
 * kernel checks type, key and value size and flags (arrays: max_entries too), and says only EINVAL.
 */
export function innerRefused(e: unknown, fd: number, ref: unknown, outer: MapSchema, path: string): unknown {
  const inner = outer.inner;
  if ((e as { errnoName?: string }).errnoName !== 'EINVAL' || !inner || outer.type === 'prog_array') return e;
  let diffs: string[];
  try {
    const info = objGetInfoByFd(fd);
    // Only array-like inner maps must have the definition's max_entries.
    diffs = compareInfo(inner, info, inner.type === 'array' || inner.type === 'percpu_array' ? undefined : 0);
  } catch {
    return e;
  }
  if (diffs.length === 0) return e;
  const p = parse(ref, path);
  const what = 'pin' in p ? `map '${p.pin}'` : 'id' in p ? `map id ${p.id}` : `map fd ${p.fd}`;
  return new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
    `${path}: ${what}: does not match the inner map of '${outer.name}': ${diffs.join('; ')}`, { cause: e });
}

/** The 4-byte value the kernel expects: the fd in host byte order. */
export function fdValue(fd: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, fd, os.little);
  return b;
}

/** The inner object's id from a looked-up value, with its name when it can be opened. */
export function describeInner(value: Uint8Array, outerType: string): InnerRef {
  if (value.byteLength < 4) {
    throw new BpfmapError(ERROR_CODE.INTERNAL, `${outerType} value: expected 4 bytes, got ${value.byteLength}`);
  }
  const id = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, os.little);
  let fd = -1;
  try {
    if (outerType === 'prog_array') {
      fd = progGetFdById(id);
      return { id, name: progGetInfoByFd(fd).name };
    }
    fd = mapGetFdById(id);
    return { id, name: objGetInfoByFd(fd).name };
  } catch {
    return { id }; // gone meanwhile, or not allowed to open it: the id is still the answer
  } finally {
    closeFd(fd);
  }
}
