/**
 * Kernel test helpers: decide whether bpf() tests can run here, and give each test its own pin
 * directory in bpffs that is removed even when the test fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { noteTest, requireKernel, skip } from './skip.js';

export { requireKernel };

export const BPFFS = '/sys/fs/bpf';

let cached: { ok: boolean; reason: string } | undefined;

/** Root, Linux, and bpffs mounted at /sys/fs/bpf. */
export function kernelAvailable(): { ok: boolean; reason: string } {
  if (cached) return cached;
  if (process.platform !== 'linux') cached = { ok: false, reason: `not Linux (${process.platform})` };
  else if (typeof process.getuid === 'function' && process.getuid() !== 0) cached = { ok: false, reason: 'not root' };
  else if (!isBpffs(BPFFS)) cached = { ok: false, reason: `bpffs is not mounted at ${BPFFS} (mount -t bpf bpf ${BPFFS})` };
  else cached = { ok: true, reason: '' };
  return cached;
}

function isBpffs(path: string): boolean {
  try {
    const out = execFileSync('stat', ['-f', '-c', '%T', path], { encoding: 'utf8' }).trim();
    return out === 'bpf_fs';
  } catch {
    return false;
  }
}

/**
 * Wraps a kernel test body: runs it when the kernel is usable; otherwise a counted skip (see
 * ./skip.ts), or a failure when BPFMAP_REQUIRE_KERNEL=1 (CI), so that a CI run can never pass by skipping.
 */
export function kernel<T>(fn: () => Promise<T> | T): (ctx?: unknown) => Promise<T | undefined> {
  return async (ctx?: unknown) => {
    noteTest(ctx);
    const k = kernelAvailable();
    if (!k.ok) {
      skip(`kernel test: ${k.reason}`);
      return undefined;
    }
    return await fn();
  };
}

/** Creates a unique directory under bpffs, runs fn, then removes every pin in it (also on failure). */
export async function withPinDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = join(BPFFS, `bpfmap-test-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  try {
    return await fn(dir);
  } finally {
    removePinDir(dir);
  }
}

export function removePinDir(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    try {
      if (statSync(p).isDirectory()) removePinDir(p);
      else unlinkSync(p);
    } catch { /* already gone */ }
  }
  try { rmSync(dir, { recursive: true, force: true }); } catch { /* ignore */ }
}
