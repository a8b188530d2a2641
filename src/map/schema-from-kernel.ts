/** A MapSchema for a live map opened without an object: from its info and, when present, its BTF. */
import type { MapSchema, TypeNode } from '../schema/types.js';
import { PERCPU_MAP_TYPES } from '../schema/types.js';
import type { MapInfo } from '../syscall/index.js';
import type { KernelTypes } from './kernel-btf.js';

const NO_KEY: ReadonlySet<string> = new Set(['queue', 'stack', 'bloom_filter']);

/** Array-like maps: the key is always a u32 index, BTF or not. */
const INDEX_KEY: ReadonlySet<string> = new Set(['array', 'percpu_array', 'array_of_maps', 'prog_array', 'perf_event_array',
  'cgroup_array', 'devmap', 'cpumap', 'xskmap', 'sockmap', 'reuseport_sockarray']);
const U32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };

function keyNode(info: MapInfo, types: KernelTypes | null): TypeNode {
  if (types?.key && types.key.size === info.keySize) return types.key;
  if (INDEX_KEY.has(info.typeName) && info.keySize === 4) return U32;
  return bytesNode(info.keySize);
}

function bytesNode(size: number): TypeNode {
  return { kind: 'bytes', name: '', size };
}

export function schemaFromKernel(info: MapInfo, types: KernelTypes | null, pin: string | null): MapSchema {
  const noKey = NO_KEY.has(info.typeName) || info.keySize === 0;
  return {
    // The object's name when the BTF tells it, so that `dump --ndjson` writes a map name `apply` finds.
    name: types?.objectName ?? info.name,
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
    key: noKey ? null : keyNode(info, types),
    value: types?.value && types.value.size === info.valueSize ? types.value : bytesNode(info.valueSize),
    section: '',
    btfKeyTypeId: info.btfKeyTypeId,
    btfValueTypeId: info.btfValueTypeId,
  };
}
