/**
 * Value robustness: random and hostile values against every map of the fixtures, in both byte
 * orders; prototype keys; YAML specifics (aliases, billion laughs, tags, duplicate keys, several
 * documents) through parseValueText and parseDocument.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { loadObject } from '../src/object/index.js';
import { mapCodecs, parseDocument, parseValueText } from '../src/codec/index.js';
import type { MapSchema } from '../src/schema/types.js';
import { isBpfmapError } from '../src/errors.js';
import { Rng } from './fuzz/prng.js';

const root = new URL('../', import.meta.url).pathname;
const objects = ['coverage.bpfel.o', 'coverage.bpfeb.o', 'firewall.bpfel.o', 'firewall.bpfeb.o']
  .map((n) => loadObject(new Uint8Array(readFileSync(`${root}fixtures/${n}`)), n));
const maps: { map: MapSchema; order: 'little' | 'big'; object: string }[] = objects.flatMap((o) =>
  o.schema.maps.map((map) => ({ map, order: o.schema.byteOrder, object: o.schema.object })));

function hostile(rng: Rng, depth = 0): unknown {
  const pick = rng.int(depth > 2 ? 14 : 18);
  switch (pick) {
    case 0: return rng.pick([0, -1, 1, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 64, -(2 ** 63)]);
    case 1: return rng.pick([0.5, NaN, Infinity, -Infinity, -0]);
    case 2: return rng.pick([0n, -1n, 2n ** 64n, 2n ** 63n - 1n, -(2n ** 63n) - 1n]);
    case 3: return rng.pick(['', '0x', '0xffffffffffffffffff', '-0x1', '10.0.0.1', '10.0.0.0/33', '::1', 'fe80::/10', 'aa:bb:cc:dd:ee:ff', '1e3', ' 7 ', 'DROP']);
    case 4: return 'x'.repeat(rng.range(0, 300));
    case 5: return rng.pick([null, undefined, true, false]);
    case 6: return new Uint8Array(rng.range(0, 40));
    case 7: return () => 1;
    case 8: return Symbol('s');
    case 9: return new Date(0);
    case 10: return new Map([['a', 1]]);
    case 11: return JSON.parse('{"__proto__": {"polluted": 1}}');
    case 12: return { constructor: 1, prototype: 2, toString: 3 };
    case 13: return Object.create(null);
    default: {
      if (rng.chance(0.5)) return Array.from({ length: rng.range(0, 5) }, () => hostile(rng, depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < rng.range(0, 4); i++) o[rng.pick(['0', '99999', 'rules', 'ruleId', 'prefixLen', 'ip_data', 'a', '__proto__', 'x.y'])] = hostile(rng, depth + 1);
      return o;
    }
  }
}

/** Every path of a decoded value with its parent: mutation points whose path is known. */
function paths(v: unknown, path: string, out: { path: string; set: (x: unknown) => void }[], depth = 0): void {
  if (depth > 6 || typeof v !== 'object' || v === null) return;
  const entries = Array.isArray(v) ? v.slice(0, 3).map((x, i) => [i, x] as const) : Object.entries(v);
  for (const [k, x] of entries) {
    const p = typeof k === 'number' ? `${path}[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
    out.push({ path: p, set: (y) => { (v as Record<string | number, unknown>)[k] = y; } });
    paths(x, p, out, depth + 1);
  }
}

const random = suite('encode (random and hostile values)');

random(`fixture maps (${maps.length} in both byte orders): exact bytes or a ValueError at the field's path`, () => {
  const rng = new Rng(4242);
  let encoded = 0;
  let refused = 0;
  for (let round = 0; round < 40; round++) {
    for (const { map, order, object } of maps) {
      const codecs = mapCodecs(map, order);
      for (const part of ['key', 'value'] as const) {
        const codec = codecs[part];
        if (codec.size === 0) continue;
        const raw = new Uint8Array(codec.size).map(() => rng.int(256));
        // An LPM key's prefix length is a valid one (a longer one is refused as by the kernel).
        if (part === 'key' && map.type === 'lpm_trie') new DataView(raw.buffer).setUint32(0, rng.int((codec.size - 4) * 8 + 1), order === 'little');
        const value = codec.decode(raw);
        const points: { path: string; set: (x: unknown) => void }[] = [];
        paths(value, part, points);
        let input: unknown = value;
        let at: string = part;
        if (points.length === 0 || rng.chance(0.1)) { input = hostile(rng); } else { const p = rng.pick(points); p.set(hostile(rng)); at = p.path; }
        try {
          const bytes = codec.encode(input, part);
          assert.is(bytes.byteLength, codec.size, `${object} ${map.name} ${part}`);
          encoded++;
        } catch (e) {
          assert.ok(isBpfmapError(e), `${object} ${map.name} ${at}: not a BpfmapError: ${String(e)}`);
          const err = e as unknown as { path: string; message: string; code: string };
          assert.ok(err.code === 'VALUE_INVALID' || err.code === 'VALUE_RANGE', `${object} ${map.name}: code ${err.code}`);
          assert.ok(err.message.startsWith(`${err.path}: `), `message does not start with its path: ${err.message}`);
          assert.ok(err.path.startsWith(at) || at.startsWith(err.path), `${object} ${map.name}: error at ${err.path}, value changed at ${at}: ${err.message}`);
          refused++;
        }
      }
    }
  }
  assert.ok(encoded > 100 && refused > 100, `encoded ${encoded}, refused ${refused}`);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

const proto = suite('prototype keys');

const firewall = maps.find((m) => m.map.name === 'ingress_node_firewall_table_map' && m.order === 'little')!;

for (const key of ['__proto__', 'constructor', 'prototype']) {
  proto(`'${key}' in a value is an unknown field, and Object.prototype stays clean`, () => {
    const text = `{"${key}": {"polluted": 1, "toString": 5}}`;
    for (const input of [JSON.parse(text), parseValueText(text, 'value'), parseValueText(`${key}: {polluted: 1}`, 'value'),
      parseDocument(`${key}:\n  polluted: 1\n`, 'f.yaml')]) {
      assert.is(Object.getPrototypeOf(input), Object.prototype);
      const codec = mapCodecs(firewall.map, 'little').value;
      try {
        codec.encode(input, 'value');
        assert.unreachable('accepted');
      } catch (e) {
        assert.ok(isBpfmapError(e));
        assert.match((e as Error).message, new RegExp(`^value(\\.${key}|\\["${key}"\\])?: unknown field '${key}'`));
      }
      assert.is(({} as Record<string, unknown>).polluted, undefined);
      assert.is(typeof ({}).toString, 'function');
    }
  });
}

proto('an index map with __proto__ is refused as a bad index', () => {
  const codec = mapCodecs(firewall.map, 'little').value;
  assert.throws(() => codec.encode({ rules: JSON.parse('{"__proto__": {"ruleId": 1}}') }, 'value'), (e: Error) => /^value\.rules\["__proto__"\]: expected an index 0\.\.99, got '__proto__'/.test(e.message));
  assert.is(({} as Record<string, unknown>).ruleId, undefined);
});

proto('an object whose prototype is a Uint8Array is a ValueError, not a TypeError', () => {
  const fake = Object.create(new Uint8Array(4)) as unknown;
  for (const { map, order } of maps.filter((m) => m.map.value !== null).slice(0, 20)) {
    const codec = mapCodecs(map, order).value;
    try { codec.encode(fake, 'value'); } catch (e) { assert.ok(isBpfmapError(e), `${map.name}: ${String(e)}`); }
    try { codec.encode({ x: fake }, 'value'); } catch (e) { assert.ok(isBpfmapError(e), `${map.name}: ${String(e)}`); }
  }
  assert.throws(() => mapCodecs(firewall.map, 'little').value.decode(fake as Uint8Array), (e: Error) => /^value: expected bytes to decode, got object$/.test(e.message));
});

const yaml = suite('parseValueText / parseDocument (YAML specifics)');

const laughs = ['a: &a [x, x, x, x, x, x, x, x, x]'];
for (const [n, p] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f'], ['h', 'g']]) laughs.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(', ')}]`);

const cases: [string, string, RegExp | ((v: unknown) => boolean)][] = [
  ['billion laughs is refused at once', laughs.join('\n'), /^V: invalid YAML\/JSON: Excessive alias count indicates a resource exhaustion attack$/],
  ['a few aliases are expanded', 'a: &x 5\nb: *x', (v) => JSON.stringify(v) === '{"a":5,"b":5}'],
  ['!!js/function is refused', 'a: !!js/function "function () {}"', /^V: invalid YAML\/JSON: Unresolved tag: tag:yaml.org,2002:js\/function \(tags are not supported: write plain maps, lists and scalars\)$/],
  ['a custom tag is refused', 'a: !foo bar', /^V: invalid YAML\/JSON: Unresolved tag: !foo \(tags are not supported/],
  ['!!binary is refused', 'a: !!binary aGVsbG8=', /^V: invalid YAML\/JSON: Unresolved tag: tag:yaml.org,2002:binary/],
  ['!!set is refused', 'a: !!set {x, y}', /^V: invalid YAML\/JSON: Unresolved tag: tag:yaml.org,2002:set/],
  ['duplicate keys are refused', 'a: 1\na: 2', /^V: invalid YAML\/JSON: Map keys must be unique$/],
  ['two documents are refused', 'a: 1\n---\nb: 2', /^V: invalid YAML\/JSON: expected one YAML document, got 2 \(separated by '---'\)$/],
  ['a merge key is only a key (YAML 1.2)', 'b: &b {x: 1}\nk: {<<: *b}', (v) => JSON.stringify((v as { k: unknown }).k) === '{"<<":{"x":1}}'],
  ['a timestamp stays a string', 'a: 2001-12-14t21:59:43.10-05:00', (v) => (v as { a: unknown }).a === '2001-12-14t21:59:43.10-05:00'],
  ['u64 max stays exact', 'a: 18446744073709551615', (v) => (v as { a: unknown }).a === 18446744073709551615n],
  ['deep flow nesting is an error, not a crash', `a: ${'['.repeat(5000)}${']'.repeat(5000)}`, /^V: invalid YAML\/JSON: /],
];

// Under `npm run mutate` (BPFMAP_MUTATE set) mutants run side by side in instrumented code on a loaded
// machine: the wall-clock limit would then fail on its own and count mutants as killed that no
// assertion caught, so it only catches a hang there.
const LIMIT_MS = process.env.BPFMAP_MUTATE ? 30_000 : 500;
for (const [name, text, expect] of cases) {
  yaml(name, () => {
    for (const [how, fn] of [['parseValueText', () => parseValueText(text, 'V')], ['parseDocument', () => parseDocument(text, 'V')]] as const) {
      const t0 = performance.now();
      let out: unknown;
      let err: unknown;
      try { out = fn(); } catch (e) { err = e; }
      assert.ok(performance.now() - t0 < LIMIT_MS, `${how}: took ${performance.now() - t0} ms`);
      if (expect instanceof RegExp) {
        assert.ok(err !== undefined, `${how}: accepted ${JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        assert.ok(isBpfmapError(err), `${how}: ${String(err)}`);
        assert.match((err as Error).message, expect, how);
      } else {
        assert.is(err, undefined, `${how}: ${String(err)}`);
        assert.ok(expect(out), `${how}: ${JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
      }
    }
  });
}

random.run();
proto.run();
yaml.run();

const numbers = suite('parseValueText / parseDocument: exact integers, digits with a leading zero, empty input');
numbers('integers within +-(2^53 - 1) become numbers, beyond stay bigint (YAML), also deep inside lists', () => {
  for (const parse of [parseValueText, parseDocument]) {
    assert.equal(parse('a: 9007199254740991', 'V'), { a: 9007199254740991 });
    assert.equal(parse('a: 9007199254740992', 'V'), { a: 9007199254740992n });
    assert.equal(parse('a: -9007199254740991', 'V'), { a: -9007199254740991 });
    assert.equal(parse('a: -9007199254740992', 'V'), { a: -9007199254740992n });
    let v = (parse(`a: ${'['.repeat(100)}7${']'.repeat(100)}`, 'V') as { a: unknown }).a;
    for (let i = 0; i < 100; i++) v = (v as unknown[])[0];
    assert.is(v, 7);
  }
});
numbers('digits with a leading zero stay text (hex bytes of a map without BTF)', () => {
  for (const parse of [parseValueText, parseDocument]) {
    assert.is(parse('0100000000000000', 'V'), '0100000000000000');
    assert.is(parse(' 007 ', 'V'), '007');
  }
});
numbers('empty input names what was expected', () => {
  assert.throws(() => parseValueText(' \n', 'V'), (e: Error) => e.message === 'V: expected a value (YAML or JSON), got nothing');
  assert.throws(() => parseDocument(' \n', 'D'), (e: Error) => e.message === 'D: expected a YAML or JSON document, got an empty file');
});
numbers.run();
