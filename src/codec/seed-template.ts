/**
 * The seed tool's verbose input template (`variable_name`, `type_name`, `size`, `kind`, `input`,
 * `member`, `totalSize`, `fillWithZeros`, `byteOrder`), converted to plain typed values. The object's
 * own byte order decides the bytes; the template's `byteOrder` is only checked to be a known word.
 */
import type { MapSchema, TypeNode } from '../schema/types.js';
import { ValueError } from '../errors.js';
import { describe, keySeg } from './fail.js';

export interface SeedValues {
  key?: unknown;
  value?: unknown;
}

const KINDS = new Set(['STRUCT', 'UNION', 'INT', 'ENUM', 'ENUM64', 'FLOAT', 'ARRAY', 'PTR', 'TYPEDEF']);
const BYTE_ORDERS = new Set(['reversed', 'little', 'native', 'host', 'big', 'network']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function isSeedNode(v: unknown): boolean {
  return isObj(v) && typeof own(v, 'kind') === 'string' && KINDS.has(String(own(v, 'kind')).toUpperCase()) &&
    (Object.hasOwn(v, 'variable_name') || Object.hasOwn(v, 'member') || Object.hasOwn(v, 'input'));
}

/** True when `doc` is `{key: <seed node>, value: <seed node>, byteOrder?}`. */
export function isSeedTemplate(doc: unknown): boolean {
  return isObj(doc) && (isSeedNode(own(doc, 'key')) || isSeedNode(own(doc, 'value')));
}

function convert(n: unknown, path: string, schema: TypeNode | null): unknown {
  if (!isObj(n)) throw new ValueError(path, `expected a template entry with 'kind', got ${describe(n)}`);
  const kind = String(own(n, 'kind') ?? '').toUpperCase();
  if (kind === 'STRUCT' || kind === 'UNION') {
    const members = own(n, 'member');
    if (!Array.isArray(members)) throw new ValueError(path, `expected 'member' to be a list for kind ${kind}, got ${describe(members)}`);
    const fields = schema && (schema.kind === 'struct' || schema.kind === 'union') ? schema.fields : null;
    const names = fields ? new Set(fields.map((f) => f.name)) : null;
    const out: Record<string, unknown> = {};
    members.forEach((m, i) => {
      if (!isObj(m)) throw new ValueError(`${path}.member[${i}]`, `expected a template entry, got ${describe(m)}`);
      const raw = own(m, 'variable_name');
      if (typeof raw !== 'string' || raw === '') throw new ValueError(`${path}.member[${i}]`, `expected a variable_name, got ${describe(raw)}`);
      let name: string = raw;
      // The seed names a nested struct or union by its type (allow_stats_st for the field allow_stats of
      // type struct allow_stats_st): such a member takes the name of the field at its position when that
      // field is of that type. Any other name the struct does not have stays as written, and is refused
      // as an unknown field: a name is never guessed from its position alone.
      const mk = String(own(m, 'kind') ?? '').toUpperCase();
      const at = fields && fields.length === members.length ? fields[i] : undefined;
      if (names && !names.has(name) && at?.name && (mk === 'STRUCT' || mk === 'UNION') &&
        (at.type.kind === 'struct' || at.type.kind === 'union') && at.type.name === raw) name = at.name;
      if (Object.hasOwn(out, name)) throw new ValueError(`${path}${keySeg(name)}`, `given twice in the template`);
      const ft = fields?.find((f) => f.name === name)?.type ?? null;
      Object.defineProperty(out, name, { value: convert(m, `${path}${keySeg(name)}`, ft), enumerable: true, writable: true, configurable: true });
    });
    return out;
  }
  if (!KINDS.has(kind)) throw new ValueError(path, `unknown template kind ${describe(own(n, 'kind'))}`);
  const input = own(n, 'input');
  if (input === null || input === undefined) throw new ValueError(path, `input is null in the template; fill it in`);
  if (kind === 'ARRAY' && Array.isArray(input)) {
    const total = own(n, 'totalSize');
    const fill = own(n, 'fillWithZeros');
    if (typeof total === 'number' && input.length < total && fill === false) {
      throw new ValueError(path, `expected ${total} elements (totalSize, fillWithZeros is false), got ${input.length}`);
    }
    if (typeof total === 'number' && input.length > total) {
      throw new ValueError(path, `expected at most ${total} elements (totalSize), got ${input.length}`);
    }
  }
  return input;
}

/** Converts a seed template document to `{key, value}` typed values (schema-guided names when given). */
export function fromSeedTemplate(doc: unknown, map?: MapSchema): SeedValues {
  if (!isObj(doc)) throw new ValueError('template', `expected an object with key and value, got ${describe(doc)}`);
  const bo = own(doc, 'byteOrder');
  if (bo !== undefined && bo !== null && !(typeof bo === 'string' && BYTE_ORDERS.has(bo))) {
    throw new ValueError('byteOrder', `expected one of ${[...BYTE_ORDERS].join(', ')}, got ${describe(bo)}`);
  }
  for (const k of Object.keys(doc)) {
    if (k !== 'key' && k !== 'value' && k !== 'byteOrder') {
      throw new ValueError(keySeg(k).replace(/^\./, ''), `unknown template entry '${k}'; entries are key, value, byteOrder`);
    }
  }
  const out: SeedValues = {};
  if (own(doc, 'key') !== undefined) out.key = convert(own(doc, 'key'), 'key', map?.key ?? null);
  if (own(doc, 'value') !== undefined) out.value = convert(own(doc, 'value'), 'value', map?.value ?? null);
  return out;
}
