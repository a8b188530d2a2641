/**
 * Fast path: the kernel's BTF (/sys/kernel/btf/vmlinux) mapped into memory instead of read. sysfs
 * hands out that file 4 KiB per read() call, so reading its 5.5 MB takes about 1,340 calls, and
 * through Node's fs each one costs some 15 us: 20-33 ms, where mapping it and touching every page
 * took 2.8-3.3 ms, plus 5-6 ms to load koffi (2026-12-07, 2 cores, Node 20, three runs each in one
 * script). Linux maps this one file from 6.16 on (module BTF files are not mappable); the mapping is
 * private and read-only, and it is unmapped when its ArrayBuffer is collected.
 *
 * Anything else answers undefined and the caller reads the file: another system, a kernel before
 * 6.16 (koffi is then not even loaded), another file (only the real path /sys/kernel/btf/vmlinux is
 * mapped: other sysfs files can be device memory), a kernel that refuses, koffi not loading.
 */
import { closeSync, fstatSync, openSync, realpathSync } from 'node:fs';
import { release } from 'node:os';
import { memoryView } from './binding.js';
import { MAP_PRIVATE, PROT_READ, mmap, munmap } from './mmap.js';

const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

const unmapLater = new FinalizationRegistry<{ addr: number; len: number }>(({ addr, len }) => munmap(addr, len));

/** Whether a kernel release string (`uname -r`) is 6.16 or later, where the kernel's BTF can be mapped. */
export function mapsKernelBtf(kernelRelease: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return false;
  const major = Number(m[1]), minor = Number(m[2]);
  return major > 6 || (major === 6 && minor >= 16);
}

/** The bytes of the kernel's BTF, mapped, when `path` is that file and it can be; undefined where the caller must read it. */
export function mapSysfsFile(path: string): Uint8Array | undefined {
  if (process.platform !== 'linux' || !mapsKernelBtf(release())) return undefined;
  let fd = -1;
  try {
    if (realpathSync(path) !== VMLINUX_BTF) return undefined;
    fd = openSync(VMLINUX_BTF, 'r');
    const len = fstatSync(fd).size;
    if (!Number.isSafeInteger(len) || len <= 0) return undefined;
    const addr = mmap(len, PROT_READ, fd, 0, path, MAP_PRIVATE);
    try {
      const buffer = memoryView(addr, len);
      unmapLater.register(buffer, { addr, len });
      return new Uint8Array(buffer);
    } catch {
      munmap(addr, len);
      return undefined;
    }
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
