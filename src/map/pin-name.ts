/**
 * The file name a map is pinned under in a pin root, as libbpf's pin_maps (and so
 * `bpftool ... pinmaps DIR`) names it: the map's name, with libbpf's kernel name for global data, and
 * every '.' replaced by '_' (bpffs refuses names with dots).
 */
import type { MapSchema } from '../schema/types.js';

export function isGlobalDataMap(m: MapSchema): boolean {
  const s = m.section;
  return s === '.data' || s === '.rodata' || s === '.bss' || s.startsWith('.data.') || s.startsWith('.rodata.') || s.startsWith('.bss.');
}

export function pinName(m: MapSchema): string {
  return (isGlobalDataMap(m) ? m.kernelName : m.name).replace(/\./g, '_');
}
