/**
 * The id of the live map openMap would open, cheap enough to poll (apply --watch checks it every
 * second to see a pin re-pointed). With a pin or pin root: one OBJ_GET and its info. With default
 * discovery (discover.ts: every candidate pin path, every loaded map, the kernel BTF of each
 * candidate): the place found last (its pin, or the id of an unpinned map) is checked first, and the
 * full discovery runs again only when that place no longer holds a map, or every REDISCOVER_MS.
 * Measured: a firewall map with BTF pinned one directory down in bpffs, 5 entries in /sys/fs/bpf:
 * 4.9 ms per check with full discovery (openMap), 0.10 ms cached; without BTF 1.8 ms and 0.18 ms.
 */
import type { MapSchema } from '../schema/types.js';
import { closeFd, mapGetFdById, objGet, objGetInfoByFd } from '../syscall/index.js';
import { discover } from './discover.js';
import type { OpenMapOptions } from './open.js';
import { join } from 'node:path';
import { pinName } from './pin-name.js';

const REDISCOVER_MS = 30_000;

/** Where default discovery found a map last: its pin (null: unpinned, by id), its id, and when. */
const found = new WeakMap<MapSchema, { pin: string | null; id: number; at: number }>();

function idOf(fd: number): number {
  try { return objGetInfoByFd(fd).id; } finally { closeFd(fd); }
}

/** The live map's id, or null when there is none (not pinned, not loaded, ambiguous). */
export function liveMapId(o: OpenMapOptions): number | null {
  try {
    if (o.pin !== undefined) return idOf(objGet(o.pin));
    if (o.pinRoot !== undefined && o.map) return idOf(objGet(join(o.pinRoot, pinName(o.map))));
    if (o.id !== undefined) return idOf(mapGetFdById(o.id));
    if (!o.map) return null;
  } catch {
    return null;
  }
  const m = o.map;
  const last = found.get(m);
  if (last && Date.now() - last.at < REDISCOVER_MS) {
    try {
      // The pin may hold another map now: its id says so (and the caller re-applies, checking it).
      return last.pin !== null ? idOf(objGet(last.pin)) : idOf(mapGetFdById(last.id));
    } catch {
      found.delete(m); // gone from there: look everywhere again
    }
  }
  try {
    const d = discover(m);
    const id = idOf(d.fd);
    found.set(m, { pin: d.pin, id, at: Date.now() });
    return id;
  } catch {
    return null;
  }
}
