/**
 * The entries of a plan as diff lines (`+` added, `-` deleted: the whole value; `~` changed: only the
 * fields that differ, `rules[3].action: 1 -> 2; rules[3].ruleId: 0 -> 7`), decoded by the schema.
 */
import { mapCodecs } from '../codec/map-codecs.js';
import type { DecodeOptions } from '../codec/types.js';
import { stringifyJson } from '../text/json.js';
import { perCpuStride } from '../map/index.js';
import type { MapPlan } from './plan.js';
import { labelPerCpu } from '../map/per-cpu.js';

export function planDiff(plan: MapPlan, write: (line: string) => void, opts: DecodeOptions = {}): void {
  const d = plan.desired;
  const map = d.map;
  const c = mapCodecs(map, d.byteOrder);
  const key = (b: Uint8Array) => stringifyJson(c.key.decode(b, 0, opts));
  const stride = perCpuStride(map.valueSize);
  const decoded = (b: Uint8Array, o: DecodeOptions): unknown => {
    if (!map.perCpu) return c.value.decode(b, 0, o);
    const parts: unknown[] = [];
    for (let i = 0; i < d.nCpus; i++) parts.push(c.value.decode(b.subarray(i * stride, i * stride + map.valueSize), 0, o));
    return opts.prettyAddresses ? labelPerCpu(parts) : parts;
  };
  const value = (b: Uint8Array) => stringifyJson(decoded(b, opts));
  // Field by field: every element decoded (not compact), so that a slot that became zero shows too.
  const full = { ...opts, compact: false };
  const changes = (before: Uint8Array, after: Uint8Array) => {
    const out: string[] = [];
    fieldChanges(decoded(before, full), decoded(after, full), '', out, 0);
    return out.length > 0 ? out.join('; ') : `${value(before)} -> ${value(after)}`;
  };
  const name = map.name;
  for (let j = 0; j < plan.deletedKeys.count; j++) {
    write(plan.arrayLike
      ? `- ${name} ${key(plan.deletedKeys.at(j))}: ${value(plan.deletedOld.at(j))} -> zero`
      : `- ${name} ${key(plan.deletedKeys.at(j))}: ${value(plan.deletedOld.at(j))}`);
  }
  for (let j = 0; j < plan.changed.count; j++) {
    const i = plan.changed.get(j);
    write(`~ ${name} ${key(d.keys.at(i))}: ${changes(plan.changedOld.at(j), d.values.at(i))}`);
  }
  for (let j = 0; j < plan.added.count; j++) {
    const i = plan.added.get(j);
    write(`+ ${name} ${key(d.keys.at(i))}: ${value(d.values.at(i))}`);
  }
}


function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** `path: old -> new` for every leaf that differs (arrays by index, structs by field name). */
function fieldChanges(a: unknown, b: unknown, path: string, out: string[], depth: number): void {
  if (depth < 32 && Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) fieldChanges(a[i], b[i], `${path}[${i}]`, out, depth + 1);
    return;
  }
  if (depth < 32 && isRecord(a) && isRecord(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) fieldChanges(a[k], b[k], path === '' ? k : `${path}.${k}`, out, depth + 1);
    return;
  }
  const x = stringifyJson(a);
  const y = stringifyJson(b);
  if (x !== y) out.push(path === '' ? `${x} -> ${y}` : `${path}: ${x} -> ${y}`);
}
