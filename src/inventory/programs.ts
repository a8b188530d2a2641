/** The loaded programs and the maps each one uses (PROG_GET_NEXT_ID, OBJ_GET_INFO_BY_FD map_ids). */
import { closeFd, progGetFdById, progGetInfoByFd, progGetNextId, progMapIds, progTypeName } from '../syscall/index.js';

export interface ProgramRef {
  readonly id: number;
  /** Kernel name (at most 15 characters). */
  readonly name: string;
  /** Lower-case program type (`xdp`). */
  readonly type: string;
}

/** Map id -> the programs using it, by program id. Programs that go away meanwhile are skipped. */
export function mapUsers(): Map<number, ProgramRef[]> {
  const out = new Map<number, ProgramRef[]>();
  for (let id = progGetNextId(0); id !== null; id = progGetNextId(id)) {
    let fd: number;
    try { fd = progGetFdById(id); } catch { continue; }
    try {
      const info = progGetInfoByFd(fd, `program id ${id}`);
      const ref: ProgramRef = { id: info.id, name: info.name, type: progTypeName(info.type) };
      for (const m of progMapIds(fd, `program id ${id}`)) {
        const list = out.get(m);
        if (list) list.push(ref); else out.set(m, [ref]);
      }
    } catch { /* gone meanwhile */ } finally {
      closeFd(fd);
    }
  }
  return out;
}
