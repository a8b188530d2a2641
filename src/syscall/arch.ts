/**
 * The bpf() system call number per architecture (Linux only). Anything else is NOT_SUPPORTED.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';

/** SYS_bpf by Node's process.arch. */
export const SYS_BPF: Readonly<Record<string, number>> = {
  x64: 321,
  arm64: 280,
  ia32: 357,
  arm: 386,
  riscv64: 280,
  loong64: 280,
  s390x: 351,
  ppc64: 361,
};

export function sysBpfNumber(platform: string = process.platform, arch: string = process.arch): number {
  if (platform !== 'linux') {
    throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
      `bpf(): expected Linux, got ${platform}: live maps need the Linux bpf() system call (schema and encoding work everywhere)`);
  }
  const nr = SYS_BPF[arch];
  if (nr === undefined) {
    throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
      `bpf(): no system call number known for architecture ${arch} (known: ${Object.keys(SYS_BPF).join(', ')})`);
  }
  return nr;
}
