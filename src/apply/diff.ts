/** The entries of a plan as diff lines (`+` added, `~` changed, `-` deleted), decoded by the schema. */
import { mapCodecs } from '../codec/map-codecs.js';
import type { DecodeOptions } from '../codec/types.js';
import { stringifyJson } from '../json.js';
import { perCpuStride } from '../syscall/cpus.js';
import type { MapPlan } from './plan.js';

export function planDiff(plan: MapPlan, write: (line: string) => void, opts: DecodeOptions = {}): void {
  const d = plan.desired;
  const map = d.map;
  const c = mapCodecs(map, d.byteOrder);
  const key = (b: Uint8Array) => stringifyJson(c.key.decode(b, 0, opts));
  const stride = perCpuStride(map.valueSize);
  const value = (b: Uint8Array) => {
    if (!map.perCpu) return stringifyJson(c.value.decode(b, 0, opts));
    const parts: unknown[] = [];
    for (let i = 0; i < d.nCpus; i++) parts.push(c.value.decode(b.subarray(i * stride, i * stride + map.valueSize), 0, opts));
    return stringifyJson(parts);
  };
  const name = map.name;
  for (let j = 0; j < plan.deletedKeys.count; j++) {
    write(plan.arrayLike
      ? `- ${name} ${key(plan.deletedKeys.at(j))}: ${value(plan.deletedOld.at(j))} -> zero`
      : `- ${name} ${key(plan.deletedKeys.at(j))}: ${value(plan.deletedOld.at(j))}`);
  }
  for (let j = 0; j < plan.changed.count; j++) {
    const i = plan.changed.get(j);
    write(`~ ${name} ${key(d.keys.at(i))}: ${value(plan.changedOld.at(j))} -> ${value(d.values.at(i))}`);
  }
  for (let j = 0; j < plan.added.count; j++) {
    const i = plan.added.get(j);
    write(`+ ${name} ${key(d.keys.at(i))}: ${value(d.values.at(i))}`);
  }
}

