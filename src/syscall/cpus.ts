/** Possible CPUs (what per-CPU map values are sized by), from /sys/devices/system/cpu/possible. */
import { readFileSync } from 'node:fs';
import { BpfmapError, ERROR_CODE } from '../errors.js';

export const POSSIBLE_CPUS_PATH = '/sys/devices/system/cpu/possible';

/**
 * Number of CPUs in a list like `0-1` or `0-3,8-11` (8 for the latter): the kernel writes one value
 * per possible CPU, packed, so holes do not count.
 */
export function parseCpuList(text: string): number {
  const t = text.trim();
  const seen = new Set<number>();
  if (t === '') throw new BpfmapError(ERROR_CODE.SYSCALL, `${POSSIBLE_CPUS_PATH}: expected a CPU list like 0-3, got ''`);
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new BpfmapError(ERROR_CODE.SYSCALL, `${POSSIBLE_CPUS_PATH}: expected a CPU list like 0-3,8-11, got '${t}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new BpfmapError(ERROR_CODE.SYSCALL, `${POSSIBLE_CPUS_PATH}: range ${part} is backwards`);
    if (hi - lo > 65536) throw new BpfmapError(ERROR_CODE.SYSCALL, `${POSSIBLE_CPUS_PATH}: range ${part} is too large`);
    for (let c = lo; c <= hi; c++) seen.add(c);
  }
  return seen.size;
}

let cached: number | undefined;

export function possibleCpus(): number {
  if (cached === undefined) {
    let text: string;
    try {
      text = readFileSync(POSSIBLE_CPUS_PATH, 'utf8');
    } catch (e) {
      throw new BpfmapError(ERROR_CODE.IO, `${POSSIBLE_CPUS_PATH}: cannot read the possible CPUs: ${(e as Error).message}`);
    }
    cached = parseCpuList(text);
  }
  return cached;
}

/** round_up(valueSize, 8): the per-CPU stride. */
export function perCpuStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}

/** Bytes of a per-CPU value buffer. */
export function perCpuValueSize(valueSize: number, nCpus: number = possibleCpus()): number {
  return perCpuStride(valueSize) * nCpus;
}
