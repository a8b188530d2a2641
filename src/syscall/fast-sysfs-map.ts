/**
 * Fast path: a file of sysfs (the kernel's BTF, /sys/kernel/btf/vmlinux and its modules) mapped into
 * memory instead of read. sysfs hands out such a file 4 KiB per read() call, so reading vmlinux's
 * 5.5 MB takes about 1,340 calls, and through Node's fs each one costs some 15 us: 20-33 ms, where
 * mapping it (Linux 6.16 and later can map the kernel's BTF) and touching every page took 2.8-3.3 ms,
 * plus 5-6 ms to load koffi (2026-12-07, 2 cores, Node 20, three runs each in one script). The mapping
 * is private and read-only; it is unmapped when its ArrayBuffer is collected.
 *
 * Anything else answers undefined and the caller reads the file: another system, a file not on
 * sysfs, an empty one, a kernel that refuses to map it, koffi not loading.
 */
import { closeSync, fstatSync, openSync, statfsSync } from 'node:fs';
import { memoryView } from './binding.js';
import { MAP_PRIVATE, PROT_READ, mmap, munmap } from './mmap.js';

const SYSFS_MAGIC = 0x62656572;

const unmapLater = new FinalizationRegistry<{ addr: number; len: number }>(({ addr, len }) => munmap(addr, len));

/** The bytes of a sysfs file, mapped; undefined where the caller must read it. */
export function mapSysfsFile(path: string): Uint8Array | undefined {
  if (process.platform !== 'linux') return undefined;
  let fd = -1;
  try {
    if (statfsSync(path).type !== SYSFS_MAGIC) return undefined;
    fd = openSync(path, 'r');
    const len = fstatSync(fd).size;
    if (!Number.isSafeInteger(len) || len <= 0) return undefined;
    const addr = mmap(len, PROT_READ, fd, 0, path, MAP_PRIVATE);
    const buffer = memoryView(addr, len);
    unmapLater.register(buffer, { addr, len });
    return new Uint8Array(buffer);
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
