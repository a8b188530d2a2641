/** Per-CPU values: join for writing (at the 8-byte stride), sum integer fields. */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { TypeNode } from '../btf/schema-types.js';
import { perCpuStride } from '../syscall/index.js';

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

/** Adds decoded per-CPU values field by field: integers (number or bigint) are summed, the rest taken from CPU 0. */
export function sumPerCpu(values: readonly unknown[], node: TypeNode | null): unknown {
  if (values.length === 0) return undefined;
  return values.reduce((a, b) => add(a, b, node, 0));
}

function add(a: unknown, b: unknown, node: TypeNode | null, depth: number): unknown {
  if (depth > 32) return a;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const s = a + b;
    // Wrap like the kernel's counters would for unsigned 64-bit fields.
    return node && node.kind === 'int' && !node.signed ? BigInt.asUintN(node.size * 8, s) : s;
  }
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) {
    const el = node && node.kind === 'array' ? node.element : null;
    return a.map((x, i) => add(x, b[i], el, depth + 1));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !(a instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    const fields = node && (node.kind === 'struct' || node.kind === 'union') ? node.fields : [];
    for (const [k, v] of Object.entries(a)) {
      const f = fields.find((x) => x.name === k);
      out[k] = add(v, (b as Record<string, unknown>)[k], f ? f.type : null, depth + 1);
    }
    return out;
  }
  return a;
}
