/**
 * One map definition's outcome: its schema, or why it cannot be used. An object with one unusable map
 * keeps its other maps (and its types): only a command naming that map fails, with this reason.
 */
import { isBpfmapError } from '../errors.js';
import type { MapSchema, UnusableMap } from '../schema/types.js';

export type MapResult =
  | { readonly map: MapSchema; readonly unusable?: undefined }
  | { readonly map?: undefined; readonly unusable: UnusableMap };

/** Runs one map's parser; bpfmap's own errors become an unusable entry, anything else (a bug) is thrown. */
export function attempt(name: string, section: string, parse: () => MapSchema): MapResult {
  try {
    return { map: parse() };
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    return { unusable: { name, section, code: e.code, reason: e.message } };
  }
}

export function unusable(name: string, section: string, code: string, reason: string): MapResult {
  return { unusable: { name, section, code, reason } };
}

export function sectionOf(r: MapResult): string {
  return r.map ? r.map.section : r.unusable.section;
}
