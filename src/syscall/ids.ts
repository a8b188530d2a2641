/**
 * Ids of loaded objects: MAP_GET_NEXT_ID, PROG_GET_NEXT_ID, MAP_GET_FD_BY_ID, BTF_GET_FD_BY_ID, PROG_GET_FD_BY_ID.
 * attr: start_id / map_id / btf_id / prog_id u32 @0, next_id u32 @4, open_flags u32 @8.
 */
import { Attr } from './attr.js';
import { bpf, bpfErrno } from './binding.js';
import { BPF_CMD } from './constants.js';
import { ERRNO } from './errno.js';
import { fail } from './fail.js';

/** The id of the next object after `startId` (0 for the first) by a *_GET_NEXT_ID command; null when there is none. */
export function nextId(cmd: number, name: string, what: string, startId: number): number | null {
  const attr = new Attr(12).u32(0, startId);
  if (bpf(cmd, attr) < 0) {
    if (bpfErrno() === ERRNO.ENOENT) return null;
    fail(name, { subject: `${what} id after ${startId}` });
  }
  return attr.getU32(4);
}

/** The id of the next loaded map after `startId` (0 for the first); null when there is none. */
export function mapGetNextId(startId: number): number | null {
  return nextId(BPF_CMD.MAP_GET_NEXT_ID, 'MAP_GET_NEXT_ID', 'map', startId);
}

/** The id of the next loaded program after `startId` (0 for the first); null when there is none. */
export function progGetNextId(startId: number): number | null {
  return nextId(BPF_CMD.PROG_GET_NEXT_ID, 'PROG_GET_NEXT_ID', 'program', startId);
}

/** An fd of the object with this id, by a *_GET_FD_BY_ID command. */
export function byId(cmd: number, name: string, what: string, id: number, openFlags: number): number {
  const attr = new Attr(12).u32(0, id).u32(8, openFlags);
  const fd = bpf(cmd, attr);
  if (fd < 0) fail(name, { subject: `${what} id ${id}` });
  return fd;
}

export function mapGetFdById(id: number, openFlags = 0): number {
  return byId(BPF_CMD.MAP_GET_FD_BY_ID, 'MAP_GET_FD_BY_ID', 'map', id, openFlags);
}

export function btfGetFdById(id: number): number {
  return byId(BPF_CMD.BTF_GET_FD_BY_ID, 'BTF_GET_FD_BY_ID', 'btf', id, 0);
}

export function progGetFdById(id: number): number {
  return byId(BPF_CMD.PROG_GET_FD_BY_ID, 'PROG_GET_FD_BY_ID', 'program', id, 0);
}
