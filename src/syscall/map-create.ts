/**
 * MAP_CREATE. attr: map_type @0, key_size @4, value_size @8, max_entries @12, map_flags @16,
 * inner_map_fd @20, numa_node @24, map_name[16] @28, map_ifindex @44, btf_fd @48,
 * btf_key_type_id @52, btf_value_type_id @56, btf_vmlinux_value_type_id @60, map_extra u64 @64.
 */
import { Attr } from './attr.js';
import { bpf } from './binding.js';
import { BPF_CMD, BPF_OBJ_NAME_LEN } from './constants.js';
import { fail } from './fail.js';

export interface MapCreateAttr {
  mapType: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  innerMapFd?: number;
  numaNode?: number;
  /** Kernel name, truncated to 15 characters. Only [A-Za-z0-9_.] are accepted by the kernel. */
  name?: string;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  mapExtra?: bigint;
}

/** Creates a map; returns its fd (the caller closes it). */
export function mapCreate(a: MapCreateAttr): number {
  const attr = new Attr(72);
  attr.u32(0, a.mapType).u32(4, a.keySize).u32(8, a.valueSize).u32(12, a.maxEntries)
    .u32(16, a.mapFlags ?? 0).u32(20, a.innerMapFd ?? 0).u32(24, a.numaNode ?? 0);
  const name = (a.name ?? '').slice(0, BPF_OBJ_NAME_LEN - 1);
  for (let i = 0; i < name.length; i++) attr.bytes[28 + i] = name.charCodeAt(i) & 0xff;
  if (a.btfFd !== undefined && a.btfFd > 0) {
    attr.u32(48, a.btfFd).u32(52, a.btfKeyTypeId ?? 0).u32(56, a.btfValueTypeId ?? 0);
  }
  attr.u64(64, a.mapExtra ?? 0n);
  const fd = bpf(BPF_CMD.MAP_CREATE, attr);
  if (fd < 0) fail('MAP_CREATE', { subject: `map '${a.name ?? ''}'` });
  return fd;
}
