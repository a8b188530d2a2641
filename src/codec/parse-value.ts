/**
 * Value text from the command line (`--key`, `--value`: YAML flow or JSON) and documents (`-f`:
 * YAML or JSON, or the seed's verbose template). Integers beyond 2^53 stay exact (bigint); smaller
 * ones are numbers.
 */
import { loadYaml, YAML_11_REFUSED } from '../text/yaml-lazy.js';
import type { MapSchema } from '../schema/types.js';
import { ValueError, isValueError } from '../errors.js';
import { isJsonRefusal, numberHolds, parseJson } from '../text/json.js';
import { fromSeedTemplate, isSeedTemplate } from './seed-template.js';
import { leadingZero } from './integer.js';
import { readFlowYaml } from '../text/fast-flow-yaml.js';

/** A hex integer literal, kept as its text by the readers (every number field reads 0x text). */
const HEX_INT = /^[+-]?0[xX][0-9a-fA-F]+$/;

// yaml is loaded on first use: plain numbers and JSON never need it, and the CLI starts faster.
type YamlOptions = import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions;
type YamlDocument = ReturnType<typeof import('yaml').parseDocument>;
let yamlParseAll: ((src: string, options: YamlOptions) => YamlDocument[]) | undefined;
/** Every document of the text; none is an empty array (the yaml package's EmptyStream is an array too). */
function parseYamlDocuments(src: string, options: YamlOptions): YamlDocument[] {
  yamlParseAll ??= loadYaml().parseAllDocuments as unknown as typeof yamlParseAll;
  return yamlParseAll!(src, options);
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

/**
 * YAML through the yaml package, with the hostile cases closed: at most 100 alias expansions (a
 * "billion laughs" document is refused at once), duplicate keys and more than one document is an error,
 * and so is any tag that is not plain YAML 1.2 core (`!foo`, `!!js/function`, and the YAML 1.1 extras
 * `!!binary`, `!!set`, `!!omap`, `!!timestamp`, which would otherwise turn into strings, Buffers or
 * empty objects). Warnings become errors instead of lines on stderr.
 */
function yamlExact(text: string, what: string): unknown {
  const fail = (e: unknown): never => {
    const msg = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    throw new ValueError(what, `invalid YAML/JSON: ${msg}`);
  };
  try {
    const docs = parseYamlDocuments(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false, logLevel: 'silent' });
    if (docs.length !== 1) fail(`expected one YAML document, got ${docs.length}${docs.length > 1 ? " (separated by '---')" : ''}`);
    const doc = docs[0]!;
    if (doc.errors.length > 0) fail(doc.errors[0]);
    // `%YAML 1.1` switches the yaml package to YAML 1.1's types: 2001-12-14 a Date (which a struct or
    // array field took as no members: all zero), 1:20 the number 80, yes and on true. Neither reading is guessed.
    if (doc.directives?.yaml.explicit && doc.directives.yaml.version === '1.1') {
      fail(YAML_11_REFUSED);
    }
    const warning = doc.warnings[0];
    if (warning) {
      if (warning.code === 'TAG_RESOLVE_FAILED') fail(`${warning.message.split('\n')[0]} (tags are not supported: write plain maps, lists and scalars)`);
      fail(warning);
    }
    checkScalarsAndKeys(doc);
    return smallIntsToNumbers(doc.toJS({ maxAliasCount: 100 }));
  } catch (e) {
    if (isValueError(e)) throw e;
    return fail(e);
  }
}

/**
 * What the yaml package lets through and JSON refuses: a mapping whose keys differ as YAML scalars but
 * become one JavaScript key (`1` and `"1"`, `1` and `1.0`): the last one would silently win. And an
 * integer with a leading zero (`0123`), which C reads as octal: neither reading is guessed. A number
 * no double holds (`1e400`, `1e-400`) is kept as its text.
 */
function checkScalarsAndKeys(doc: YamlDocument): void {
  const y = loadYaml();
  const keyText = (k: unknown): string => (y.isScalar(k) ? String(k.value) : String(k));
  y.visit(doc, {
    Map(_, node) {
      const seen = new Map<string, unknown>();
      for (const pair of node.items) {
        const t = keyText(pair.key);
        if (seen.has(t)) {
          const as = (k: unknown): string => {
            if (!y.isScalar(k)) return t;
            const src = k.source ?? t;
            return k.type === 'QUOTE_DOUBLE' || k.type === 'QUOTE_SINGLE' ? JSON.stringify(src) : src;
          };
          const [a, b] = [as(seen.get(t)), as(pair.key)];
          throw new Error(`the key ${t} is given twice (as ${a} and as ${b}); give it once`);
        }
        seen.set(t, pair.key);
      }
    },
    Scalar(_, node) {
      const src = node.source;
      // 1e400 or 1e-400 would become Infinity or 0: the text stays, for the field's codec to refuse.
      if (typeof node.value === 'number' && typeof src === 'string' && !numberHolds(node.value, src)) node.value = src;
      // A hex integer stays its text, as a bare --key 0x10 does (see readValue): number fields read it,
      // the hex digits of a map without BTF stay the digits written.
      if ((typeof node.value === 'bigint' || typeof node.value === 'number') && typeof src === 'string' && HEX_INT.test(src)) {
        node.value = src;
        return;
      }
      // Integers only (intAsBigInt makes every one a bigint): C reads no float as octal.
      if (typeof node.value === 'bigint' && typeof src === 'string') {
        const why = leadingZero(src);
        if (why) throw new Error(why);
      }
    },
  });
}

function looksJson(t: string): boolean {
  const c = t[0];
  return c === '{' || c === '[' || c === '"';
}

/**
 * Trimmed, non-empty text `t` as a value: a plain integer without YAML (`+ 0`: -0 is 0, as YAML reads
 * it, not the float -0); digits with a leading zero stay text (hex bytes of a map without BTF,
 * `0100000000000000`, keep their zeros, and integer fields read the same decimal text as YAML would
 * have); JSON; a one-line flow collection of plain scalars (src/text/fast-flow-yaml.ts); else YAML, of
 * `yamlText`.
 */
function readValue(t: string, yamlText: string, where: string): unknown {
  if (/^-?(?:0|[1-9][0-9]{0,14})$/.test(t)) return Number(t) + 0;
  if (/^0[0-9]+$/.test(t)) return t;
  // A bare hex integer stays its text too: an integer field reads 0x text as the number, while the hex
  // digits of a map without BTF stay the digits written (as a number, 0x989680's decimal digits,
  // 10000000, were taken as the bytes 10 00 00 00).
  if (HEX_INT.test(t)) return t;
  if (looksJson(t)) {
    try { return parseJson(t); } catch (e) { if (isJsonRefusal(e)) throw new ValueError(where, (e as Error).message); /* not JSON: YAML below */ }
  }
  if (yamlText === t) {
    const flow = readFlowYaml(t);
    if (flow !== undefined) return flow;
  }
  return yamlExact(yamlText, where);
}

/** A `--key` / `--value` argument: YAML flow or JSON; `what` names it in errors. */
export function parseValueText(text: string, what: string): unknown {
  const t = text.trim();
  if (t === '') throw new ValueError(what, 'expected a value (YAML or JSON), got nothing');
  return readValue(t, t, what);
}

/**
 * An `-f FILE` document (YAML or JSON); the seed's verbose template is detected and converted
 * (with `map`, its nested struct members are named by the schema).
 */
export function parseDocument(text: string, source: string, map?: MapSchema): unknown {
  const t = text.trim();
  if (t === '') throw new ValueError(source, 'expected a YAML or JSON document, got an empty file');
  const doc = readValue(t, text, source);
  return isSeedTemplate(doc) ? fromSeedTemplate(doc, map) : doc;
}
