/** A MapSchema for a live map opened without an object: from its info and, when present, its BTF. */
import type { MapSchema, TypeNode } from '../btf/schema-types.js';
import { PERCPU_MAP_TYPES } from '../btf/schema-types.js';
import type { MapInfo } from '../syscall/index.js';
import type { KernelTypes } from './kernel-btf.js';

const NO_KEY: ReadonlySet<string> = new Set(['queue', 'stack', 'bloom_filter']);

function bytesNode(size: number): TypeNode {
  return { kind: 'bytes', name: '', size };
}

export function schemaFromKernel(info: MapInfo, types: KernelTypes | null, pin: string | null): MapSchema {
  const noKey = NO_KEY.has(info.typeName) || info.keySize === 0;
  return {
    name: info.name,
    kernelName: info.name,
    type: info.typeName,
    typeId: info.type,
    keySize: info.keySize,
    valueSize: info.valueSize,
    maxEntries: info.maxEntries,
    flags: [],
    mapFlags: info.mapFlags,
    pinning: 'none',
    pinPath: pin,
    perCpu: PERCPU_MAP_TYPES.has(info.typeName),
    key: noKey ? null : (types?.key && types.key.size === info.keySize ? types.key : bytesNode(info.keySize)),
    value: types?.value && types.value.size === info.valueSize ? types.value : bytesNode(info.valueSize),
    section: '',
    btfKeyTypeId: info.btfKeyTypeId,
    btfValueTypeId: info.btfValueTypeId,
  };
}
