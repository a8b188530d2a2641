/**
 * PROG_TEST_RUN. attr (test): prog_fd u32 @0, retval u32 @4, data_size_in @8, data_size_out @12,
 * data_in u64 @16, data_out u64 @24, repeat @32, duration @36 (then ctx fields, flags, cpu, batch_size).
 */
import { Attr } from './attr.js';
import { bpf, Scratch } from './binding.js';
import { BPF_CMD } from './constants.js';
import { fail } from './fail.js';

export interface ProgTestRunResult {
  retval: number;
  /** Average run time in ns. */
  duration: number;
  dataOut: Uint8Array;
}

export function progTestRun(progFd: number, dataIn: Uint8Array, opts: { repeat?: number; dataOutSize?: number } = {}): ProgTestRunResult {
  const inBuf = new Scratch();
  const outBuf = new Scratch();
  const outSize = opts.dataOutSize ?? dataIn.byteLength + 256;
  const inAddr = inBuf.put(dataIn);
  const outAddr = outBuf.ensure(outSize);
  const attr = new Attr(80).u32(0, progFd).u32(8, dataIn.byteLength).u32(12, outSize).u64(16, inAddr)
    .u64(24, outAddr).u32(32, opts.repeat ?? 1);
  if (bpf(BPF_CMD.PROG_TEST_RUN, attr) < 0) fail('PROG_TEST_RUN', { subject: `program fd ${progFd}` });
  const outLen = attr.getU32(12);
  return { retval: attr.getU32(4), duration: attr.getU32(36), dataOut: outBuf.bytes.slice(0, outLen) };
}
