/** Per-CPU values: join for writing (at the 8-byte stride), sum integer fields. */
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import type { TypeNode } from '../schema/types.js';
import { perCpuStride } from '../syscall/index.js';
import { isNanBits } from '../codec/misc-codec.js';

// The CPU geometry of per-CPU values, for callers that reach the kernel only through src/map (apply).
export { perCpuStride, possibleCpus } from '../syscall/index.js';

/** The kernel buffer for one value per CPU (a single value is written to every CPU); padding zero. */
export function joinPerCpu(values: readonly Uint8Array[], valueSize: number, nCpus: number, where: string): Uint8Array {
  if (values.length !== 1 && values.length !== nCpus) {
    throw new BpfmapError(ERROR_CODE.VALUE_INVALID,
      `${where}: expected one value or ${nCpus} (one per possible CPU), got ${values.length}`);
  }
  const stride = perCpuStride(valueSize);
  const buf = new Uint8Array(stride * nCpus);
  for (let c = 0; c < nCpus; c++) buf.set(values.length === 1 ? values[0]! : values[c]!, c * stride);
  return buf;
}

/**
 * Adds decoded per-CPU values field by field: every integer (number or bigint, in anonymous members
 * too) is summed exactly, without wrapping at the field's width: the total of a __u64 counter over
 * the CPUs may exceed 2^64 - 1 and is printed as it is. Floats are added too; the rest (enums, bools,
 * strings) is taken from CPU 0. `node` is not needed: the decoded shape says which values are integers.
 */
export function sumPerCpu(values: readonly unknown[], _node?: TypeNode | null): unknown {
  if (values.length === 0) return undefined;
  return values.reduce((a, b) => add(a, b, 0));
}

function add(a: unknown, b: unknown, depth: number): unknown {
  if (depth > 32) return a;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  // Integers up to 32 bits decode as numbers: their sum over any number of CPUs stays below 2^53.
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  // A float NaN with other bits decodes as its text (NaN:0x...): in a sum it is a NaN like any other.
  if ((typeof a === 'number' || isNanBits(a)) && (typeof b === 'number' || isNanBits(b))) return NaN;
  if (Array.isArray(a) && Array.isArray(b)) return a.map((x, i) => add(x, b[i], depth + 1));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) out[k] = add(v, (b as Record<string, unknown>)[k], depth + 1);
    return out;
  }
  return a;
}

/** The label of CPU `i` in a per-CPU value printed by CPU (`{cpu0: …, cpu1: …}`). */
export function cpuLabel(i: number): string {
  return `cpu${i}`;
}

/** One value per CPU as an object labelled by CPU, in CPU order. */
export function labelPerCpu(values: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < values.length; i++) out[cpuLabel(i)] = values[i];
  return out;
}

/**
 * A per-CPU value as given: a list of one value per CPU, or an object labelled by CPU (every key
 * `cpu0`..`cpuN-1`, each once, as `labelPerCpu` prints it) -> the list; anything else -> null (one
 * value for every CPU). A labelled object must name every possible CPU.
 */
export function perCpuList(value: unknown, nCpus: number, valueIsArray: boolean, where: string): unknown[] | null {
  if (Array.isArray(value)) return valueIsArray ? null : value;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return null;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((k) => /^cpu\d+$/.test(k))) return null;
  const rec = value as Record<string, unknown>;
  const out: unknown[] = [];
  for (let i = 0; i < nCpus; i++) {
    if (!Object.hasOwn(rec, cpuLabel(i))) {
      throw new ValueError(where, `expected a value for each of ${cpuLabel(0)}..${cpuLabel(nCpus - 1)}, ${cpuLabel(i)} is missing`);
    }
    out.push(rec[cpuLabel(i)]);
  }
  if (keys.length !== nCpus) {
    const extra = keys.find((k) => Number(k.slice(3)) >= nCpus || k !== cpuLabel(Number(k.slice(3))))!;
    throw new ValueError(`${where}.${extra}`, `expected ${cpuLabel(0)}..${cpuLabel(nCpus - 1)} (the possible CPUs)`);
  }
  return out;
}
