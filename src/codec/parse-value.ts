/**
 * Value text from the command line (`--key`, `--value`: YAML flow or JSON) and documents (`-f`:
 * YAML or JSON, or the seed's verbose template). Integers beyond 2^53 stay exact (bigint); smaller
 * ones are numbers.
 */
import { createRequire } from 'node:module';
import type { MapSchema } from '../btf/schema-types.js';
import { ValueError } from '../errors.js';
import { parseJson } from '../json.js';
import { fromSeedTemplate, isSeedTemplate } from './seed-template.js';

// yaml is loaded on first use: plain numbers and JSON never need it, and the CLI starts faster.
type YamlOptions = import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions & import('yaml').ToJSOptions;
let yamlParse: ((src: string, options: YamlOptions) => unknown) | undefined;
function parseYaml(src: string, options: YamlOptions): unknown {
  yamlParse ??= (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse as (src: string, options: YamlOptions) => unknown;
  return yamlParse(src, options);
}

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);

/** Turns bigints that fit a number back into numbers (in place; only own properties). */
function smallIntsToNumbers(v: unknown, depth = 0): unknown {
  if (typeof v === 'bigint') return v <= SAFE_MAX && v >= SAFE_MIN ? Number(v) : v;
  if (depth > 512 || typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = smallIntsToNumbers(v[i], depth + 1);
    return v;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const x = o[k];
    const y = smallIntsToNumbers(x, depth + 1);
    if (y !== x) Object.defineProperty(o, k, { value: y, enumerable: true, writable: true, configurable: true });
  }
  return o;
}

function yamlExact(text: string, what: string): unknown {
  try {
    return smallIntsToNumbers(parseYaml(text, { intAsBigInt: true, uniqueKeys: true, maxAliasCount: 100, prettyErrors: false }));
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0]!.replace(/^\w*Error:\s*/, '') : String(e);
    throw new ValueError(what, `invalid YAML/JSON: ${msg}`);
  }
}

function looksJson(t: string): boolean {
  const c = t[0];
  return c === '{' || c === '[' || c === '"';
}

/** A `--key` / `--value` argument: YAML flow or JSON; `what` names it in errors. */
export function parseValueText(text: string, what: string): unknown {
  const t = text.trim();
  if (t === '') throw new ValueError(what, 'expected a value (YAML or JSON), got nothing');
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(t)) return Number(t);
  if (looksJson(t)) {
    try { return parseJson(t); } catch { /* not JSON: YAML flow below */ }
  }
  return yamlExact(t, what);
}

/**
 * An `-f FILE` document (YAML or JSON); the seed's verbose template is detected and converted
 * (with `map`, its nested struct members are named by the schema).
 */
export function parseDocument(text: string, source: string, map?: MapSchema): unknown {
  const t = text.trim();
  if (t === '') throw new ValueError(source, 'expected a YAML or JSON document, got an empty file');
  let doc: unknown;
  let parsed = false;
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(t)) return Number(t);
  if (looksJson(t)) {
    try { doc = parseJson(t); parsed = true; } catch { /* YAML below */ }
  }
  if (!parsed) doc = yamlExact(text, source);
  return isSeedTemplate(doc) ? fromSeedTemplate(doc, map) : doc;
}
