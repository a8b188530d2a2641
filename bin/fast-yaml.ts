/**
 * Fast path: YAML written here instead of by the yaml package, as that package writes it.
 *
 * - The items of a streamed list (`dump`): 9x faster per entry (`npm run bench yaml-writer`,
 *   2026-12-05: 9.8 us against 92 us for a firewall rule entry, so 1M entries take ~10 s instead of
 *   ~90 s).
 * - A single result (print() in output.ts) made only of plain objects, arrays, numbers, booleans,
 *   null and strings written bare: a one-entry command then does not load the yaml package, about
 *   10 ms of it (2026-12-07, the same measure as src/text/fast-flow-yaml.ts).
 *
 * Scalars that need quoting still go to the yaml package; test/fast-yaml.test.ts checks that
 * both print the same text.
 */
import { loadYaml } from '../src/text/yaml-lazy.js';
import { plainYamlString } from '../src/text/fast-flow-yaml.js';

/**
 * A whole YAML document, the yaml package's text for `x` (print() in output.ts), when `x` holds only
 * plain objects, arrays, numbers, booleans, null and strings written bare; undefined otherwise (the
 * yaml package writes it).
 */
export function yamlDocument(x: unknown): string | undefined {
  if (!isBlock(x) || !simpleTree(x, 0)) return undefined;
  return Array.isArray(x) ? yamlSeq(x, 0) : pairs(x, 0, false);
}

/** Whether every scalar under `v` is written without the yaml package, and every key too. */
function simpleTree(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'number': case 'bigint': case 'boolean': case 'undefined': return true;
    case 'string': return plainYamlString(v);
    case 'object': {
      if (v === null) return true;
      if (depth > 100) return false;
      if (Array.isArray(v)) return v.every((x) => simpleTree(x, depth + 1));
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k of Object.keys(v)) {
        if (!simpleKey(k) || k.length + 2 > MAX_KEY) return false;
        if (!simpleTree((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
  }
  return false;
}

/** One item of a YAML block sequence at the top level: `- key: ...\n  value: ...\n`. */
export function yamlListItem(x: unknown): string {
  try {
    return `- ${yamlItem(x, 2)}`;
  } catch (e) {
    if (e !== LONG_KEY) throw e;
    return loadYaml().stringify([x], { lineWidth: 0, aliasDuplicateObjects: false });
  }
}

/**
 * Keys longer than this, as written, are left to the yaml package: YAML allows an implicit key of at
 * most 1024 characters, and that package writes a longer one as an explicit `? key` (a crafted
 * object's member names can be that long).
 */
const MAX_KEY = 1000;
/** Thrown inside the list item writer for such a key; never escapes. */
const LONG_KEY: unique symbol = Symbol('a key too long to write implicitly');

const PLAIN = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;

/** A key written as it is (a name) or quoted (an index), without asking the yaml package. */
function simpleKey(k: string): boolean {
  return (PLAIN.test(k) && !RESERVED.test(k)) || /^\d+$/.test(k);
}

function scalar(v: unknown): string {
  switch (typeof v) {
    case 'number':
      // A float's negative zero as -0.0: YAML reads -0 as the integer 0.
      if (Number.isFinite(v)) return Object.is(v, -0) ? '-0.0' : String(v);
      return v !== v ? '.nan' : v > 0 ? '.inf' : '-.inf';
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'string': {
      // Names, addresses and the like (10.0.0.1, fe80::1) go bare, as the yaml package writes them.
      if (plainYamlString(v)) return v;
      // Anything unusual: the yaml package's own choice for the scalar, when it fits on one line.
      const t = loadYaml().stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
      return t.includes('\n') ? JSON.stringify(v) : t;
    }
  }
  return 'null';
}

function isBlock(v: unknown): v is Record<string, unknown> | unknown[] {
  if (typeof v !== 'object' || v === null) return false;
  return Array.isArray(v) ? v.length > 0 : Object.keys(v).some((k) => (v as Record<string, unknown>)[k] !== undefined);
}

function leaf(v: unknown): string {
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) return '{}';
  return scalar(v);
}

/** A value placed after `- ` at column `ind` (its continuation lines indented by `ind`). */
function yamlItem(v: unknown, ind: number): string {
  if (!isBlock(v)) return `${leaf(v)}\n`;
  if (Array.isArray(v)) {
    const pad = ' '.repeat(ind);
    let s = '';
    for (let i = 0; i < v.length; i++) s += `${i ? pad : ''}- ${yamlItem(v[i], ind + 2)}`;
    return s;
  }
  return pairs(v, ind, true);
}

function key(k: string): string {
  // An index key is a string: quoted, as the yaml package does.
  const t = !simpleKey(k) ? scalar(k) : /^\d+$/.test(k) ? `"${k}"` : k;
  if (t.length > MAX_KEY) throw LONG_KEY;
  return t;
}

/** The members of a mapping at column `ind`; the first line unindented when `inline`. */
function pairs(o: Record<string, unknown>, ind: number, inline: boolean): string {
  const pad = ' '.repeat(ind);
  let s = '';
  let first = true;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined) continue;
    s += first && inline ? '' : pad;
    first = false;
    if (!isBlock(x)) s += `${key(k)}: ${leaf(x)}\n`;
    else if (Array.isArray(x)) s += `${key(k)}:\n${yamlSeq(x, ind + 2)}`;
    else s += `${key(k)}:\n${pairs(x, ind + 2, false)}`;
  }
  return s;
}

function yamlSeq(a: unknown[], ind: number): string {
  const pad = ' '.repeat(ind);
  let s = '';
  for (const x of a) s += `${pad}- ${yamlItem(x, ind + 2)}`;
  return s;
}
