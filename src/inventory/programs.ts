/**
 * The loaded programs and the maps each one uses (PROG_GET_NEXT_ID, OBJ_GET_INFO_BY_FD map_ids), with
 * where each program is attached (attach.ts).
 */
import { attachPoints, type AttachPoint } from './attach.js';
import { closeFd, progGetFdById, progGetInfoByFd, progGetNextId, progMapIds, progTypeName } from '../syscall/index.js';

export interface ProgramRef {
  readonly id: number;
  /** Kernel name (at most 15 characters). */
  readonly name: string;
  /** Lower-case program type (`xdp`). */
  readonly type: string;
  /** Where the program is attached, as far as the kernel tells (empty: not attached, or not seen). */
  readonly attach: readonly AttachPoint[];
}

/** Map id -> the programs using it, by program id. Programs that go away meanwhile are skipped. */
export function mapUsers(): Map<number, ProgramRef[]> {
  const out = new Map<number, ProgramRef[]>();
  let attach: Map<number, AttachPoint[]> | null = null;
  for (let id = progGetNextId(0); id !== null; id = progGetNextId(id)) {
    let fd: number;
    try { fd = progGetFdById(id); } catch { continue; }
    try {
      const info = progGetInfoByFd(fd, `program id ${id}`);
      const maps = progMapIds(fd, `program id ${id}`);
      if (maps.length === 0) continue;
      if (attach === null) {
        try { attach = attachPoints(); } catch { attach = new Map(); } // links unreadable: attach points unknown
      }
      const ref: ProgramRef = { id: info.id, name: info.name, type: progTypeName(info.type), attach: attach.get(info.id) ?? [] };
      for (const m of maps) {
        const list = out.get(m);
        if (list) list.push(ref); else out.set(m, [ref]);
      }
    } catch { /* gone meanwhile */ } finally {
      closeFd(fd);
    }
  }
  return out;
}
