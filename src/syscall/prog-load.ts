/**
 * PROG_LOAD, for small programs built in code (tests and prog_array demos; bpfmap does not load
 * objects). attr: prog_type @0, insn_cnt @4, insns u64 @8, license u64 @16, log_level @24,
 * log_size @28, log_buf u64 @32, kern_version @40, prog_flags @44, prog_name[16] @48.
 */
import { Attr } from './attr.js';
import { bpf, Scratch } from './binding.js';
import { BPF_CMD, BPF_OBJ_NAME_LEN } from './constants.js';
import { fail } from './fail.js';

export interface ProgLoadAttr {
  progType: number;
  /** Instructions, 8 bytes each, in native byte order. */
  insns: Uint8Array;
  license?: string;
  name?: string;
}

/** Loads a program; returns its fd (the caller closes it). */
export function progLoad(a: ProgLoadAttr): number {
  const insns = new Scratch();
  const lic = new Scratch();
  const licBytes = new TextEncoder().encode(`${a.license ?? 'GPL'}\0`);
  const attr = new Attr(72).u32(0, a.progType).u32(4, a.insns.byteLength / 8).u64(8, insns.put(a.insns))
    .u64(16, lic.put(licBytes));
  const name = (a.name ?? '').slice(0, BPF_OBJ_NAME_LEN - 1);
  for (let i = 0; i < name.length; i++) attr.bytes[48 + i] = name.charCodeAt(i) & 0xff;
  const fd = bpf(BPF_CMD.PROG_LOAD, attr);
  if (fd < 0) fail('PROG_LOAD', { subject: `program '${a.name ?? ''}'` });
  return fd;
}
