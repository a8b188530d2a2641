/** The key and value types of a live map, decoded from the kernel's copy of its BTF. */
import type { TypeNode } from '../btf/schema-types.js';
import { loadBtf } from '../btf/index.js';
import { btfGetFdById, btfGetInfoByFd, closeFd } from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';

export interface KernelTypes {
  key: TypeNode | null;
  value: TypeNode | null;
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
  return {
    key: info.btfKeyTypeId ? btf.typeNode(info.btfKeyTypeId) : null,
    value: info.btfValueTypeId ? btf.typeNode(info.btfValueTypeId) : null,
  };
}
