/** Finds which global-data map holds each named variable. */
import { loadSource, findMap, isGlobalDataMap, BpfmapError, ERROR_CODE } from '../../src/index.js';

/** `name` or `<section>.name` (e.g. `.bss.counter`, `.data.config.mode`). */
export function splitVar(s: string): { section?: string; name: string } {
  if (!s.startsWith('.')) return { name: s };
  const dot = s.lastIndexOf('.');
  return dot > 0 ? { section: s.slice(0, dot), name: s.slice(dot + 1) } : { name: s };
}

/** Map name -> variable names to touch (an empty list: all, when nothing was named). */
export function globalMaps(object: string, onlyMap: string | undefined, vars: { section?: string; name: string }[]): Map<string, string[]> {
  const src = loadSource(object);
  const maps = onlyMap ? [findMap(src.schema, onlyMap)] : src.schema.maps.filter((m) => isGlobalDataMap(m) && m.value?.kind === 'struct');
  const out = new Map<string, string[]>();
  if (!vars.length) {
    for (const m of maps) out.set(m.name, []);
    return out;
  }
  for (const v of vars) {
    const holders = maps.filter((m) => (v.section === undefined || m.name === v.section) &&
      m.value?.kind === 'struct' && m.value.fields.some((f) => f.name === v.name));
    if (!holders.length) {
      const all = maps.flatMap((m) => (m.value?.kind === 'struct' ? m.value.fields.map((f) => f.name).filter(Boolean) : []));
      throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${v.section ? `${v.section}.` : ''}${v.name}: no such global variable in ${src.schema.object}; variables are ${all.join(', ') || '(none)'}`);
    }
    if (holders.length > 1) {
      throw new BpfmapError(ERROR_CODE.AMBIGUOUS, `${v.name}: is in ${holders.map((h) => h.name).join(' and ')}; name it as ${holders[0]!.name}.${v.name}`);
    }
    const list = out.get(holders[0]!.name) ?? [];
    if (!list.includes(v.name)) list.push(v.name);
    out.set(holders[0]!.name, list);
  }
  return out;
}
