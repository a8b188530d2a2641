/**
 * A prepared element handle for hot loops: its own attr, key and value buffers at fixed addresses,
 * written into the attr once. The caller fills `key` (and `value`) in place and calls lookup / update
 * / delete: no copying, no allocation, nothing but the syscall. This is how single operations stay
 * close to C's cost (bench/syscall.ts).
 */
import { Attr } from './attr.js';
import { addressOf, bpf, bpfErrno } from './binding.js';
import { BPF_CMD } from './constants.js';
import { ERRNO } from './errno.js';
import { fail, subjectOf } from './fail.js';

export class ElemHandle {
  readonly fd: number;
  /** Key bytes the next operation uses (write into it). */
  readonly key: Uint8Array;
  /** Value bytes: filled by lookup, read by update. */
  readonly value: Uint8Array;
  private readonly attr = new Attr(32);
  private readonly subject: string | undefined;

  constructor(fd: number, keySize: number, valueSize: number, subject?: string) {
    this.fd = fd;
    this.key = new Uint8Array(new ArrayBuffer(Math.max(keySize, 1)), 0, keySize);
    this.value = new Uint8Array(new ArrayBuffer(Math.max(valueSize, 1)), 0, valueSize);
    this.subject = subject;
    this.attr.u32(0, fd).u64(8, keySize === 0 ? 0 : addressOf(this.key)).u64(16, addressOf(this.value));
  }

  private flags(flags: number): void {
    this.attr.u32(24, flags);
  }

  /** Looks `key` up into `value`; false when the key is not in the map. */
  lookup(): boolean {
    this.flags(0);
    if (bpf(BPF_CMD.MAP_LOOKUP_ELEM, this.attr) < 0) {
      if (bpfErrno() === ERRNO.ENOENT) return false;
      fail('MAP_LOOKUP_ELEM', subjectOf(this.fd, this.subject));
    }
    return true;
  }

  /** Writes `value` under `key` (flags: BPF_ANY 0, BPF_NOEXIST 1, BPF_EXIST 2). */
  update(flags = 0): void {
    this.flags(flags);
    if (bpf(BPF_CMD.MAP_UPDATE_ELEM, this.attr) < 0) fail('MAP_UPDATE_ELEM', subjectOf(this.fd, this.subject));
  }

  /** Deletes `key`; false when it was not there. */
  delete(): boolean {
    this.flags(0);
    if (bpf(BPF_CMD.MAP_DELETE_ELEM, this.attr) < 0) {
      if (bpfErrno() === ERRNO.ENOENT) return false;
      fail('MAP_DELETE_ELEM', subjectOf(this.fd, this.subject));
    }
    return true;
  }
}
