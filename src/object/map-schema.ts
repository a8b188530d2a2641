/** Assembles a MapSchema from a map definition (shared by `.maps`, legacy `maps` and global data). */
import type { IntNode, MapPinning, MapSchema, TypeNode } from '../schema/types.js';
import { PERCPU_MAP_TYPES } from '../schema/types.js';
import { mapFlagNames, mapTypeName } from '../uapi/map-constants.js';

export const KERNEL_NAME_LEN = 15;
/** libbpf's default pin root for maps pinned by name. */
export const PIN_ROOT = '/sys/fs/bpf';

export const U32_NODE: IntNode = { kind: 'int', name: '__u32', size: 4, signed: false };

export interface MapDef {
  name: string;
  kernelName?: string;
  section: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags: number;
  pinning: MapPinning;
  key: TypeNode | null;
  value: TypeNode | null;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  numaNode?: number;
  mapExtra?: bigint;
  inner?: MapSchema;
}

export function buildMapSchema(d: MapDef): MapSchema {
  const type = mapTypeName(d.type);
  return {
    name: d.name,
    kernelName: (d.kernelName ?? d.name).slice(0, KERNEL_NAME_LEN),
    type,
    typeId: d.type,
    keySize: d.keySize,
    valueSize: d.valueSize,
    maxEntries: d.maxEntries,
    flags: mapFlagNames(d.mapFlags),
    mapFlags: d.mapFlags,
    pinning: d.pinning,
    pinPath: d.pinning === 'by_name' ? `${PIN_ROOT}/${d.name}` : null,
    perCpu: PERCPU_MAP_TYPES.has(type),
    key: d.key,
    value: d.value,
    ...(d.inner ? { inner: d.inner } : {}),
    section: d.section,
    ...(d.numaNode !== undefined ? { numaNode: d.numaNode } : {}),
    ...(d.mapExtra !== undefined ? { mapExtra: d.mapExtra } : {}),
    btfKeyTypeId: d.btfKeyTypeId,
    btfValueTypeId: d.btfValueTypeId,
  };
}

export function bytesNode(size: number): TypeNode {
  return { kind: 'bytes', name: '', size };
}
