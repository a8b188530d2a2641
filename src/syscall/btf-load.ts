/**
 * BTF_LOAD. attr: btf u64 @0, btf_log_buf u64 @8, btf_size u32 @16, btf_log_size u32 @20,
 * btf_log_level u32 @24.
 */
import { Attr } from './attr.js';
import { bpf, bpfErrno, Scratch } from './binding.js';
import { BPF_CMD } from './constants.js';
import { syscallError } from './errno.js';
import { SyscallError } from '../errors.js';

/** Loads raw BTF into the kernel; returns its fd. On failure the error carries the verifier log. */
export function btfLoad(bytes: Uint8Array, subject = 'btf'): number {
  const data = new Scratch();
  const addr = data.put(bytes);
  const attr = new Attr(28).u64(0, addr).u32(16, bytes.byteLength);
  const fd = bpf(BPF_CMD.BTF_LOAD, attr);
  if (fd >= 0) return fd;
  const errno = bpfErrno();
  // Retry with a log to explain the failure.
  const log = new Scratch();
  const logSize = 64 * 1024;
  const logAddr = log.ensure(logSize);
  log.bytes.fill(0, 0, logSize);
  const attr2 = new Attr(28).u64(0, addr).u64(8, logAddr).u32(16, bytes.byteLength).u32(20, logSize).u32(24, 1);
  const fd2 = bpf(BPF_CMD.BTF_LOAD, attr2);
  if (fd2 >= 0) return fd2;
  const end = log.bytes.indexOf(0);
  const text = new TextDecoder().decode(log.bytes.subarray(0, end < 0 ? logSize : end)).trim();
  const base = syscallError('BTF_LOAD', errno, { subject });
  const lastLines = text.split('\n').slice(-3).join('; ');
  if (!lastLines) return fail(base);
  return fail(new SyscallError(base.code, `${base.message}: kernel says: ${lastLines}`, base.errno, base.errnoName, base.command));
}

function fail(e: SyscallError): never {
  throw e;
}
