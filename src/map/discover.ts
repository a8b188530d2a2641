/**
 * Default discovery: where a map of the object lives when no pin, pin root or id is given.
 *
 * 1. The object pins it by name: libbpf's pin path (`/sys/fs/bpf/<name>`) when something is pinned
 *    there (libbpf itself reuses exactly that pin).
 * 2. Otherwise the pins other loaders make, named like the map: in iproute2's `/sys/fs/bpf/tc/globals/`,
 *    at the top of bpffs, and one directory down (`/sys/fs/bpf/<dir>/<name>`: cilium/ebpf's `PinPath`,
 *    which the reference ingress-node-firewall daemon sets to `/sys/fs/bpf/xdp_ingress_node_firewall_process`,
 *    and `bpftool prog load ... pinmaps DIR`).
 * 3. With no such pin, the loaded maps whose kernel name is one a loader gives this map: the first 15
 *    characters of its name (libbpf, cilium/ebpf), and for global data libbpf's
 *    `<object name, up to 8 chars>.rodata` whatever the object file was called, as well as cilium/ebpf's
 *    and aya's bare `.rodata`.
 * A candidate must also have the map's type, key and value size (as the loader creates it) and, when it
 * carries BTF, the same key and value types: never the name alone. Candidates are counted by map id
 * (one map pinned twice is one); within a step, one candidate is the map and more than one is
 * AMBIGUOUS, listing their ids and pins. A pin is a loader's deliberate publication of a map, so an
 * unpinned map with the same shape (another instance) does not make a pinned one ambiguous.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MapSchema } from '../schema/types.js';
import { PIN_ROOT } from '../object/map-schema.js';
import { IPROUTE2_GLOBALS } from '../object/legacy-maps.js';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../errors.js';
import { bpffsHint } from '../syscall/bpffs.js';
import { closeFd, mapGetFdById, mapGetNextId, objGet, objGetInfoByFd } from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { compareTypes } from './compare.js';
import { kernelTypes } from './kernel-btf.js';
import { loaderDef } from './loader-def.js';
import { isGlobalDataMap, pinName } from './pin-name.js';

/** iproute2's directory for maps pinned by name (PIN_GLOBAL_NS). */

export interface Discovered { fd: number; subject: string; pin: string | null }

interface Candidate { info: MapInfo; pins: string[] }

const KERNEL_NAME_LEN = 15;

/** Whether a kernel map name is one that some loader gives this map of the object. */
export function kernelNameMatches(m: MapSchema, name: string): boolean {
  if (name === m.kernelName || name === m.name.slice(0, KERNEL_NAME_LEN)) return true;
  if (!isGlobalDataMap(m)) return false;
  // libbpf: `<object name up to 8 chars><section>` for .data, .rodata, .bss, whatever the object file was called.
  const sec = m.section;
  if (sec.indexOf('.', 1) >= 0 || !name.endsWith(sec)) return false;
  const prefix = name.slice(0, name.length - sec.length);
  return prefix.length <= KERNEL_NAME_LEN - Math.max(7, sec.length) && /^[A-Za-z0-9_]*$/.test(prefix);
}

/** Type, loader sizes and (when the live map has BTF) key and value types agree with the object. */
export function sameShape(m: MapSchema, info: MapInfo): boolean {
  const want = loaderDef(m);
  if (info.type !== m.typeId || info.keySize !== want.keySize || info.valueSize !== want.valueSize) return false;
  if (info.btfId === 0) return true;
  let t;
  try { t = kernelTypes(info); } catch (e) { if (isBpfmapError(e)) return false; throw e; }
  if (!t) return true;
  const diffs: string[] = [];
  if (m.key && t.key) compareTypes(m.key, t.key, 'key', diffs);
  if (m.value && t.value) compareTypes(m.value, t.value, 'value', diffs);
  return diffs.length === 0;
}

/** Whether the fd is a map (its fdinfo has `map_type:`); true where /proc cannot tell. */
export function isMapFd(fd: number): boolean {
  try { return /^map_type:/m.test(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')); } catch { return true; }
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

/** Pin paths another loader may have used for this map. */
function pinPaths(m: MapSchema): string[] {
  const name = pinName(m);
  const out = [join(IPROUTE2_GLOBALS, name), join(PIN_ROOT, name)];
  let dirs: string[] = [];
  try { dirs = readdirSync(PIN_ROOT); } catch { /* bpffs not there: no pins */ }
  for (const d of dirs.sort()) {
    const dir = join(PIN_ROOT, d);
    if (isDir(dir)) out.push(join(dir, name));
  }
  return [...new Set(out)].filter((p) => p !== m.pinPath);
}

function add(found: Map<number, Candidate>, info: MapInfo, pin: string | null): void {
  const c = found.get(info.id) ?? { info, pins: [] };
  if (pin !== null && !c.pins.includes(pin)) c.pins.push(pin);
  found.set(info.id, c);
}

function fromPins(m: MapSchema, found: Map<number, Candidate>): void {
  for (const p of pinPaths(m)) {
    let fd: number;
    try { fd = objGet(p); } catch { continue; } // nothing pinned there (or not ours to read)
    try {
      if (!isMapFd(fd)) continue;
      const info = objGetInfoByFd(fd, `map '${p}'`);
      if (sameShape(m, info)) add(found, info, p);
    } finally {
      closeFd(fd);
    }
  }
}

function fromLoaded(m: MapSchema, found: Map<number, Candidate>): void {
  for (let id = mapGetNextId(0); id !== null; id = mapGetNextId(id)) {
    let fd: number;
    try { fd = mapGetFdById(id); } catch { continue; } // gone meanwhile
    try {
      const info = objGetInfoByFd(fd);
      if (kernelNameMatches(m, info.name) && sameShape(m, info)) add(found, info, null);
    } finally {
      closeFd(fd);
    }
  }
}

export interface DiscoveryCandidate { id: number; name: string; pins: string[] }

function list(found: Map<number, Candidate>): DiscoveryCandidate[] {
  return [...found.values()].sort((a, b) => a.info.id - b.info.id).map((c) => ({ id: c.info.id, name: c.info.name, pins: c.pins }));
}

/** Steps 2 and 3 above: the pinned candidates, or when there are none, the loaded ones. */
export function discoverCandidates(m: MapSchema): DiscoveryCandidate[] {
  const pinned = new Map<number, Candidate>();
  fromPins(m, pinned);
  if (pinned.size > 0) return list(pinned);
  const loaded = new Map<number, Candidate>();
  fromLoaded(m, loaded);
  return list(loaded);
}

function describe(c: DiscoveryCandidate): string {
  return `id ${c.id} '${c.name}'${c.pins.length ? ` pinned at ${c.pins.join(', ')}` : ''}`;
}

/** Opens the map default discovery finds; MAP_NOT_FOUND or AMBIGUOUS (listing the ids) otherwise. */
export function discover(m: MapSchema): Discovered {
  if (m.pinPath) {
    try {
      return { fd: objGet(m.pinPath), subject: `map '${m.pinPath}'`, pin: m.pinPath };
    } catch (e) {
      if (!isBpfmapError(e) || e.code !== ERROR_CODE.NOT_FOUND) throw e;
    }
  }
  const all = discoverCandidates(m);
  if (all.length === 0) {
    const want = loaderDef(m);
    const hint = bpffsHint(join(PIN_ROOT, pinName(m)));
    if (hint) {
      throw new BpfmapError(ERROR_CODE.NOT_FOUND,
        `map '${m.name}': not found: ${hint.slice(hint.indexOf('no pinned object: ') + 'no pinned object: '.length)}; ` +
        `and no loaded ${m.type} map named '${m.kernelName}' with the object's shape (or give \`pin\` / \`pinRoot\` / \`id\`)`);
    }
    throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND,
      `map '${m.name}': not found: nothing pinned as '${pinName(m)}' in ${PIN_ROOT}, ${IPROUTE2_GLOBALS} or a directory of ${PIN_ROOT}` +
      `${m.pinPath ? ` (nor at ${m.pinPath})` : ''}, and no loaded ${m.type} map named '${m.kernelName}' with key size ${want.keySize}, ` +
      `value size ${want.valueSize} and the object's types; is the program loaded? (or give \`pin\` / \`pinRoot\` / \`id\`)`);
  }
  if (all.length > 1) {
    throw new BpfmapError(ERROR_CODE.AMBIGUOUS,
      `map '${m.name}': ${all.length} live maps match: ${all.map(describe).join('; ')}; pick one with \`id\` N or \`pin\` PATH`);
  }
  const c = all[0]!;
  if (c.pins.length > 0) {
    const pin = c.pins[0]!;
    return { fd: objGet(pin), subject: `map '${pin}'`, pin };
  }
  return { fd: mapGetFdById(c.id), subject: `map '${c.name}' (id ${c.id})`, pin: null };
}
