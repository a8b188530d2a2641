/**
 * Whether a pin path lies on a bpf filesystem: for the advice when OBJ_GET fails because bpffs is not
 * mounted there (a plain directory, or a tmpfs, at /sys/fs/bpf).
 */
import { statSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bpfErrno, libcMount } from './binding.js';
import { syscallError } from './errno.js';

const BPF_FS_MAGIC = 0xcafe4a11;

/** A file system's magic number, unsigned (f_type is a signed long on 32-bit systems: bpffs's is negative there). */
function fsType(path: string): number {
  return statfsSync(path).type >>> 0;
}

/** Whether the nearest existing directory at or above `path` is on bpffs, and which one that is. */
function nearestFs(path: string): { dir: string; bpf: boolean } | null {
  let dir = dirname(path);
  for (let i = 0; i < 64; i++) {
    try {
      return { dir, bpf: fsType(dir) === BPF_FS_MAGIC };
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') return null;
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  }
  return null;
}

/** A message for a pin path that is not on bpffs; null when it is (or cannot be told). */
export function bpffsHint(path: string): string | null {
  const fs = nearestFs(path);
  if (!fs || fs.bpf) return null;
  return `'${path}': no pinned object: ${fs.dir} is not on a bpf filesystem; is bpffs mounted? (mount -t bpf bpf /sys/fs/bpf)`;
}

/** Where libbpf, bpftool and bpfmap pin by default. */
export const BPFFS_DEFAULT = '/sys/fs/bpf';

const SYSFS_MAGIC = 0x62656572;

/** Whether `dir` is on sysfs: /sys/fs/bpf with no file system mounted on it. */
function onSysfs(dir: string): boolean {
  try { return fsType(dir) === SYSFS_MAGIC; } catch { return false; }
}

/** Whether `dir` itself is on a bpf filesystem (false when it does not exist). */
export function isBpffs(dir: string): boolean {
  try { return fsType(dir) === BPF_FS_MAGIC; } catch { return false; }
}

/**
 * Mounts bpffs at /sys/fs/bpf when `paths` (pin paths or pin roots about to be used; none: the
 * default pins) lie under it, nothing is mounted there (the bare sysfs directory) and the process runs as root,
 * as bpftool does. Returns the directory mounted, or null when nothing was done. Fails only when the
 * mount itself fails.
 */
export function ensureDefaultBpffs(paths: readonly (string | undefined)[] = []): string | null {
  const used = paths.filter((p): p is string => p !== undefined);
  const under = used.length === 0 || used.some((p) => {
    const r = resolve(p);
    return r === BPFFS_DEFAULT || r.startsWith(`${BPFFS_DEFAULT}/`);
  });
  if (!under || process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  // Only where nothing is mounted (the directory sysfs provides for it): a tmpfs or another file system
  // put there on purpose is left alone, and the not-found error says it is not bpffs.
  if (!onSysfs(BPFFS_DEFAULT)) return null;
  if (libcMount('bpf', BPFFS_DEFAULT, 'bpf') < 0) {
    throw syscallError('mount', bpfErrno(), { subject: `mount -t bpf bpf ${BPFFS_DEFAULT}`, path: BPFFS_DEFAULT });
  }
  return BPFFS_DEFAULT;
}

/**
 * A message for a pin path that exists but is no BPF object (OBJ_GET answers EACCES for those, as
 * it does for a missing capability): a directory, a FIFO, a socket, a device, or a regular file that
 * is not on bpffs. Null when the path is missing or may be a pin (a file on bpffs).
 */
export function notBpfObjectHint(path: string): string | null {
  let what: string;
  try {
    const st = statSync(path);
    if (st.isDirectory()) what = 'a directory';
    else if (st.isFIFO()) what = 'a FIFO';
    else if (st.isSocket()) what = 'a socket';
    else if (st.isCharacterDevice() || st.isBlockDevice()) what = 'a device';
    else if (st.isFile() && fsType(path) !== BPF_FS_MAGIC) what = 'a regular file, not on a bpf filesystem';
    else return null;
  } catch {
    return null;
  }
  return `'${path}': not a BPF object (${what}); expected the path of a pinned map in bpffs`;
}
