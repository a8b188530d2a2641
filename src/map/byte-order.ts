/**
 * A live map holds its keys and values in the host's byte order, whatever object describes it: an
 * object built for the other order (a bpfeb object on a little-endian host) would write every entry
 * byte-swapped and read counters as nonsense, so every live operation refuses it. Offline encode and
 * decode are unaffected (they follow the object's order).
 */
import type { ByteOrder } from '../bytes.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { os } from '../syscall/native-endian.js';

export const HOST_BYTE_ORDER: ByteOrder = os.little ? 'little' : 'big';

function describe(order: ByteOrder): string {
  return order === 'little' ? 'little-endian (bpfel)' : 'big-endian (bpfeb)';
}

/** MAP_INCOMPATIBLE unless `order` (the object's) is the host's. */
export function assertHostByteOrder(order: ByteOrder | undefined, subject: string): void {
  if (order === undefined || order === HOST_BYTE_ORDER) return;
  throw new BpfmapError(ERROR_CODE.MAP_INCOMPATIBLE,
    `${subject}: the object is ${describe(order)} but this host is ${describe(HOST_BYTE_ORDER)}: ` +
    `its keys and values would reach the kernel byte-swapped; use the object built for this host ` +
    `(${HOST_BYTE_ORDER === 'little' ? 'bpfel' : 'bpfeb'}); offline encode and decode work with either`);
}
