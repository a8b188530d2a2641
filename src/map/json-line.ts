/**
 * A compact JSON writer for streamed dumps: the same text as stringifyJson(value) without indent
 * (bigint as a bare integer, Uint8Array as hex, non-finite numbers as null, undefined members
 * dropped), built by string concatenation with cached key prefixes instead of arrays and joins:
 * about twice as fast on decoded map entries, which is what `dump --ndjson` spends its time on.
 */
import { toHex } from '../bytes.js';
import { ValueError } from '../errors.js';

const MAX_DEPTH = 64;
const keyText = new Map<string, string>();

function quotedKey(k: string): string {
  let q = keyText.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (keyText.size < 4096) keyText.set(k, q);
  }
  return q;
}

/** Compact JSON text of `value`; undefined for values JSON has no text for (undefined, functions). */
export function compactJson(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? '' + value : 'null';
    case 'bigint': return value.toString();
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (value === null) return 'null';
  if (depth > MAX_DEPTH) throw new ValueError('', `JSON output nested deeper than ${MAX_DEPTH}`);
  if (value instanceof Uint8Array) return `"${toHex(value)}"`;
  if (Array.isArray(value)) {
    const n = value.length;
    if (n === 0) return '[]';
    let s = '[';
    for (let i = 0; i < n; i++) {
      const x = value[i];
      if (i > 0) s += ',';
      s += typeof x === 'number' && Number.isFinite(x) ? '' + x : (compactJson(x, depth + 1) ?? 'null');
    }
    return s + ']';
  }
  const o = value as { toJSON?: () => unknown } & Record<string, unknown>;
  if (typeof o.toJSON === 'function') return compactJson(o.toJSON(), depth + 1);
  let s = '{';
  let first = true;
  for (const k of Object.keys(o)) {
    const x = o[k];
    const t = typeof x === 'number' && Number.isFinite(x) ? '' + x : compactJson(x, depth + 1);
    if (t === undefined) continue;
    s += first ? quotedKey(k) + t : ',' + quotedKey(k) + t;
    first = false;
  }
  return s + '}';
}

/** One NDJSON line of a dump: `{"map":...,"key":...,"value":...}\n`. */
export function ndjsonLine(mapName: string, key: unknown, value: unknown): string {
  return `{"map":${JSON.stringify(mapName)},"key":${compactJson(key) ?? 'null'},"value":${compactJson(value) ?? 'null'}}\n`;
}
