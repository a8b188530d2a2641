import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJson, stringifyJson, jsonSafe } from '../src/text/json.js';
import { parseValueText, mapCodecs } from '../src/codec/index.js';
import { statsMap } from './oracle/schemas.js';
import { toHex } from '../src/bytes.js';

const PJ = suite('parseJson');
const PJ_TABLE: [string, unknown][] = [
  ['18446744073709551615', 18446744073709551615n],
  ['-9223372036854775808', -9223372036854775808n],
  ['9007199254740991', 9007199254740991],
  ['9007199254740993', 9007199254740993n],
  ['{"a": [1, 18446744073709551615, "12345678901234567890"], "b": 1.5e300}', { a: [1, 18446744073709551615n, '12345678901234567890'], b: 1.5e300 }],
  ['{"s": "x\\"y\\u0041", "t": true, "n": null, "f": false}', { s: 'x"yA', t: true, n: null, f: false }],
  ['0.12345678901234567890', 0.12345678901234567890],
];
for (const [text, want] of PJ_TABLE) PJ(text, () => { assert.equal(parseJson(text), want); });
PJ('__proto__ stays an own key and pollutes nothing (both paths)', () => {
  for (const t of ['{"__proto__": {"x": 1}}', '{"__proto__": {"x": 18446744073709551615}}']) {
    const o = parseJson(t) as Record<string, unknown>;
    assert.ok(Object.hasOwn(o, '__proto__'));
    assert.is(Object.getPrototypeOf(o), Object.prototype);
    assert.is(({} as Record<string, unknown>).x, undefined);
  }
});
PJ('invalid JSON names the offset', () => {
  assert.throws(() => parseJson('{"a": 12345678901234567890,}'), /JSON at offset 27: expected a string key, got '}'/);
  assert.throws(() => parseJson('[1 2]'), /JSON at offset 3: expected ',' or '\]', got '2'/);
});
PJ('100,000 NDJSON lines parse through the fast path alike (duplicate members checked); speed is bench/apply.ts\'s figure', () => {
  // Was a timed test (1M lines under 3 s of CPU); it failed under the load of a full run. The speed
  // of NDJSON loading is measured by bench/apply.ts, against bpftool and a C loader.
  const line = '{"key":{"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.10.0"},"value":{"rules":{"0":{"ruleId":1,"action":2}}}}';
  let n = 0;
  for (let i = 0; i < 100_000; i++) n += (parseJson(line) as { key: { prefixLen: number } }).key.prefixLen;
  assert.is(n, 5_600_000);
  assert.throws(() => parseJson(line.replace('"action":2', '"action":2,"ruleId":3')), /member value\.rules\["0"\]\.ruleId given twice/);
});
PJ.run();

const SJ = suite('stringifyJson');
SJ('bigint bare, bytes as hex, indent, undefined skipped', () => {
  assert.is(stringifyJson({ a: 18446744073709551615n, b: new Uint8Array([1, 255]), c: undefined, d: [1, 'x'] }), '{"a":18446744073709551615,"b":"01ff","d":[1,"x"]}');
  assert.is(stringifyJson({ a: [1n] }, 2), '{\n  "a": [\n    1\n  ]\n}');
  assert.is(stringifyJson(NaN), '"NaN"');
  assert.is(stringifyJson([Infinity, -Infinity], 2), '[\n  "Infinity",\n  "-Infinity"\n]');
});
SJ('parseJson(stringifyJson(x)) is exact for 64-bit values', () => {
  const v = { u: 18446744073709551615n, s: -9223372036854775808n, small: 5 };
  assert.equal(parseJson(stringifyJson(v)), v);
});
SJ.run();

const JS = suite('jsonSafe');
JS('bigint -> number when safe, else string; bytes -> hex', () => {
  assert.equal(jsonSafe({ a: 5n, b: 18446744073709551615n, c: new Uint8Array([10]) }), { a: 5, b: '18446744073709551615', c: '0a' });
});
JS.run();

const PV = suite('parseValueText');
PV('YAML flow and JSON keep 64-bit integers exact; small ints are numbers', () => {
  assert.equal(parseValueText('{packets: 18446744073709551615, bytes: 5}', 'value'), { packets: 18446744073709551615n, bytes: 5 });
  // A hex literal stays its text (number fields read it; a map without BTF takes its digits).
  assert.equal(parseValueText('{"packets": 18446744073709551615, "bytes": 0x10}', 'value'), { packets: 18446744073709551615n, bytes: '0x10' });
  assert.equal(parseValueText('{ip_data: 10.10.10.0/24, mac: aa:bb:cc:dd:ee:ff}', 'key'), { ip_data: '10.10.10.0/24', mac: 'aa:bb:cc:dd:ee:ff' });
  assert.is(parseValueText('7', 'key'), 7);
});
PV('through the codec: u64 max survives text -> bytes -> value -> JSON', () => {
  const c = mapCodecs(statsMap, 'little').value;
  const b = c.encode(parseValueText('{allow_stats: {packets: 18446744073709551615}}', 'value'));
  assert.is(toHex(b.subarray(0, 8)), 'ffffffffffffffff');
  assert.match(stringifyJson(c.decode(b)), /"packets":18446744073709551615/);
});
PV('errors name the argument', () => {
  assert.throws(() => parseValueText('{a: 1, a: 2}', '--value'), /^--value: invalid YAML\/JSON: /);
  assert.throws(() => parseValueText('  ', '--key'), /--key: expected a value \(YAML or JSON\), got nothing/);
});
PV.run();
