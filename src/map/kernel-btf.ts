/** The key and value types of a live map, decoded from the kernel's copy of its BTF. */
import type { TypeNode } from '../schema/types.js';
import { loadBtf } from '../btf/index.js';
import type { Btf } from '../btf/index.js';
import { BTF_KIND as K } from '../btf/kinds.js';
import { btfGetFdById, btfGetInfoByFd, closeFd } from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { typeNode } from '../schema/from-btf.js';

export interface KernelTypes {
  key: TypeNode | null;
  value: TypeNode | null;
  /**
   * The map's full name in its object, when the BTF tells it (the kernel keeps 15 characters): the
   * DATASEC of a global-data map (`.rodata`), or the one `.maps` variable whose name starts with the
   * kernel name and whose `key` / `value` members point at the map's BTF key / value types.
   */
  objectName?: string;
}

/** null when the map carries no BTF. */
export function kernelTypes(info: MapInfo): KernelTypes | null {
  if (info.btfId === 0) return null;
  const fd = btfGetFdById(info.btfId);
  let bytes: Uint8Array;
  try {
    bytes = btfGetInfoByFd(fd, `btf id ${info.btfId} of map '${info.name}'`);
  } finally {
    closeFd(fd);
  }
  const btf = loadBtf(bytes);
  const out: KernelTypes = {
    key: info.btfKeyTypeId ? typeNode(btf, info.btfKeyTypeId) : null,
    value: info.btfValueTypeId ? typeNode(btf, info.btfValueTypeId) : null,
  };
  const name = objectMapName(btf, info);
  if (name !== null) out.objectName = name;
  return out;
}

/** The pointee id of member `name` of a `.maps` definition struct (0 when absent). */
function pointee(btf: Btf, def: number, name: string): number {
  const m = btf.type(def).members.find((x) => x.name === name);
  if (!m) return 0;
  const p = btf.type(m.typeId);
  return p.kind === 'ptr' ? p.targetId : -1;
}

/** See KernelTypes.objectName; null when the BTF does not say, or names more than one map. */
export function objectMapName(btf: Btf, info: MapInfo): string | null {
  if (info.btfValueTypeId !== 0 && btf.kind(info.btfValueTypeId) === K.DATASEC) return btf.name(info.btfValueTypeId) || null;
  const hits: string[] = [];
  for (const id of btf.idsByName('.maps')) {
    if (btf.kind(id) !== K.DATASEC) continue;
    for (const v of btf.type(id).vars) {
      if (btf.kind(v.typeId) !== K.VAR) continue;
      const name = btf.name(v.typeId);
      if (name.length < info.name.length || !name.startsWith(info.name) || (info.name.length < 15 && name !== info.name)) continue;
      const def = btf.resolve(btf.type(v.typeId).targetId);
      if (btf.kind(def) !== K.STRUCT) continue;
      if (pointee(btf, def, 'key') === info.btfKeyTypeId && pointee(btf, def, 'value') === info.btfValueTypeId) hits.push(name);
    }
  }
  return hits.length === 1 ? hits[0]! : null;
}
