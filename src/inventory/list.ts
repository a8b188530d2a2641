/**
 * listMaps: every map loaded on the host (MAP_GET_NEXT_ID), with its size, how full it is, its memory,
 * its BTF key/value type names, its bpffs pins and the programs that use it.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadBtf } from '../btf/index.js';
import type { Btf } from '../btf/index.js';
import { typeName } from '../codec/type-name.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import {
  btfGetFdById, btfGetInfoByFd, closeFd, mapGetFdById, mapGetNextId, objGetInfoByFd,
} from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { countEntries, type CountMethod } from './count.js';
import { bpffsMounts, mapPins } from './pins.js';
import { mapUsers, type ProgramRef } from './programs.js';
import { typeNode } from '../schema/from-btf.js';

export interface LoadedMap {
  readonly id: number;
  /** Kernel name (at most 15 characters). */
  readonly name: string;
  /** Lower-case map type (`lpm_trie`). */
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  /** Entries in use; null when not counted (no keys, or `count: false`). */
  readonly entries: number | null;
  /** entries / maxEntries (0..1); null when not counted. */
  readonly fill: number | null;
  /** How `entries` was counted. */
  readonly countedBy: CountMethod | null;
  /** Bytes charged to the map (fdinfo `memlock`); null when /proc does not tell. */
  readonly memlock: number | null;
  /** The map's BTF: its id and the key / value type names; null when the map has none. */
  readonly btf: { readonly id: number; readonly key: string | null; readonly value: string | null } | null;
  /** Every bpffs path the map is pinned at. */
  readonly pins: readonly string[];
  /** The loaded programs that use the map. */
  readonly programs: readonly ProgramRef[];
}

export interface ListMapsOptions {
  /** Only maps whose kernel name starts with this (a longer name matches its first 15 characters). */
  name?: string;
  /** Only maps of this type (`hash`, `lpm_trie`, ...). */
  type?: string;
  /** Only maps pinned somewhere under this directory. */
  pinDir?: string;
  /** Only the map with this id. */
  id?: number;
  /** Count the entries (default true): one batch lookup or key walk per map. */
  count?: boolean;
  /** bpffs directories to look for pins in (default: every bpffs mount). */
  bpffs?: readonly string[];
}

/** The memlock line of the fd's /proc/self/fdinfo. */
export function fdMemlock(fd: number): number | null {
  try {
    const m = /^memlock:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function under(path: string, dir: string): boolean {
  const d = resolve(dir);
  return path === d || path.startsWith(d.endsWith('/') ? d : `${d}/`);
}

function btfNames(info: MapInfo, cache: Map<number, Btf | null>): LoadedMap['btf'] {
  if (info.btfId === 0) return null;
  let btf = cache.get(info.btfId);
  if (btf === undefined) {
    btf = null;
    try {
      const fd = btfGetFdById(info.btfId);
      try { btf = loadBtf(btfGetInfoByFd(fd, `btf id ${info.btfId}`)); } finally { closeFd(fd); }
    } catch { /* gone, or BTF we cannot read: names stay unknown */ }
    cache.set(info.btfId, btf);
  }
  const name = (id: number): string | null => {
    if (!btf || id === 0) return null;
    try { return typeName(typeNode(btf, id)); } catch { return null; }
  };
  return { id: info.btfId, key: name(info.btfKeyTypeId), value: name(info.btfValueTypeId) };
}

/** Every loaded map that passes the filters, by id. */
export function listMaps(o: ListMapsOptions = {}): LoadedMap[] {
  if (o.id !== undefined && (!Number.isInteger(o.id) || o.id < 0 || o.id > 0xffffffff)) {
    throw new BpfmapError(ERROR_CODE.USAGE, `id: expected an integer 0..4294967295, got ${o.id}`);
  }
  if (o.pinDir !== undefined) {
    // A mistyped directory would list nothing, as if nothing were pinned there.
    let dir = false;
    try { dir = statSync(o.pinDir).isDirectory(); } catch (e) {
      throw new BpfmapError(ERROR_CODE.NOT_FOUND, `pin dir '${o.pinDir}': no such directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    if (!dir) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `pin dir '${o.pinDir}': not a directory`);
  }
  const pins = mapPins(o.bpffs ?? bpffsMounts());
  const infos: MapInfo[] = [];
  for (let id = mapGetNextId(0); id !== null; id = mapGetNextId(id)) {
    if (o.id !== undefined && id !== o.id) continue;
    if (o.pinDir !== undefined && !(pins.get(id) ?? []).some((p) => under(p, o.pinDir!))) continue;
    const info = withFd(id, (fd) => objGetInfoByFd(fd, `map id ${id}`));
    if (info === null) continue;
    if (o.type !== undefined && info.typeName !== o.type) continue;
    if (o.name !== undefined && !info.name.startsWith(o.name.slice(0, 15))) continue;
    infos.push(info);
  }
  const users = infos.length > 0 ? mapUsers() : new Map<number, ProgramRef[]>();
  const btfCache = new Map<number, Btf | null>();
  const out: LoadedMap[] = [];
  for (const info of infos) {
    // One fd at a time (a host may hold more maps than a process may hold fds).
    const live = withFd(info.id, (fd) => ({
      count: o.count === false ? { entries: null, method: null } : countEntries(fd, info),
      memlock: fdMemlock(fd),
    }));
    if (live === null) continue; // gone meanwhile
    const c = live.count;
    out.push({
      id: info.id,
      name: info.name,
      type: info.typeName,
      keySize: info.keySize,
      valueSize: info.valueSize,
      maxEntries: info.maxEntries,
      mapFlags: info.mapFlags,
      entries: c.entries,
      fill: c.entries === null || info.maxEntries === 0 ? null : c.entries / info.maxEntries,
      countedBy: c.method,
      memlock: live.memlock,
      btf: btfNames(info, btfCache),
      pins: pins.get(info.id) ?? [],
      programs: users.get(info.id) ?? [],
    });
  }
  return out;
}

/** Runs fn on a fresh fd of map `id` (read-only when the map refuses read-write); null when it is gone. */
function withFd<T>(id: number, fn: (fd: number) => T): T | null {
  let fd: number;
  try { fd = mapGetFdById(id); } catch {
    try { fd = mapGetFdById(id, 8 /* BPF_F_RDONLY */); } catch { return null; }
  }
  try {
    return fn(fd);
  } catch (e) {
    if ((e as { code?: string }).code === ERROR_CODE.NOT_FOUND) return null;
    throw e;
  } finally {
    closeFd(fd);
  }
}
