/** Mutations of saved schema documents (`bpfmap schema --json` output): hostile values in the tree. */
import { loadSourceBytes } from '../../src/object/source.js';
import { parseJson, stringifyJson } from '../../src/text/json.js';
import type { Rng } from './prng.js';
import type { Seed } from './corpus.js';

const texts = new Map<string, string>();

function schemaText(seed: Seed): string {
  let t = texts.get(seed.name);
  if (t === undefined) {
    const s = loadSourceBytes(seed.bytes, seed.name).schema;
    t = stringifyJson({ object: s.object, byteOrder: s.byteOrder, maps: s.maps }, 0);
    texts.set(seed.name, t);
  }
  return t;
}

function hostileValue(rng: Rng): unknown {
  const deep = (): unknown => { let v: unknown = 1; for (let i = 0; i < rng.range(10, 600); i++) v = { kind: 'array', size: 1, length: 1, element: v }; return v; };
  return rng.pick<() => unknown>([
    () => -1, () => 0, () => 1e300, () => 2 ** 53 + 2, () => 0xffffffff, () => 1.5, () => 'x', () => '', () => null, () => true,
    () => ({}), () => [], () => ({ __proto__: { polluted: 1 } }), () => JSON.parse('{"__proto__": {"polluted": 1}}'),
    () => ({ kind: 'struct', name: 'x', size: 4, fields: [{ name: 'a', offset: 2, type: { kind: 'int', name: 'int', size: 4, signed: true } }] }),
    () => ({ kind: 'array', name: '', size: 0, length: 0xffffffff, element: { kind: 'struct', name: '', size: 0, fields: [] } }),
    () => ({ kind: 'bytes', name: '', size: 2 ** 40 }),
    () => ({ kind: 'nope' }), deep, () => 'A'.repeat(rng.range(1, 100000)),
  ])();
}

/** Replaces one random node (or object key) of the schema tree with a hostile value. */
export function mutateSchema(rng: Rng, seed: Seed): { bytes: Uint8Array; what: string } {
  const doc = parseJson(schemaText(seed)) as Record<string, unknown>;
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 64 || typeof v !== 'object' || v === null) return;
    if (Array.isArray(v)) v.forEach((x, i) => { nodes.push({ parent: v, key: i }); walk(x, depth + 1); });
    else for (const k of Object.keys(v)) { nodes.push({ parent: v as Record<string, unknown>, key: k }); walk((v as Record<string, unknown>)[k], depth + 1); }
  };
  walk(doc, 0);
  const n = rng.pick(nodes);
  let what: string;
  if (rng.chance(0.15) && !Array.isArray(n.parent)) {
    const val = (n.parent as Record<string, unknown>)[n.key as string];
    delete (n.parent as Record<string, unknown>)[n.key as string];
    const k = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', '']);
    Object.defineProperty(n.parent, k, { value: val, enumerable: true, writable: true, configurable: true });
    what = `schema key ${String(n.key)} renamed to ${k}`;
  } else {
    const v = hostileValue(rng);
    (n.parent as Record<string | number, unknown>)[n.key] = v;
    what = `schema node ${String(n.key)} set to ${typeof v === 'string' ? `a string of ${v.length}` : JSON.stringify(v)?.slice(0, 60)}`;
  }
  let text = stringifyJson(doc, 0);
  if (rng.chance(0.05)) text = text.slice(0, rng.int(text.length));
  return { bytes: new TextEncoder().encode(text), what };
}
