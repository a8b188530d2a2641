// Value text and documents, offline (parseValueText for --key/--value, parseDocument for -f): which
// reader takes the text (plain integers, JSON, YAML), exact integers beyond 2^53, the hostile and
// ambiguous YAML refused with the exact message, and the same rules for a document.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec, parseDocument, parseValueText } from '../src/codec/index.js';
import { toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { enm, f, int, struct, u8, bool } from './oracle/schemas.js';

const show = (fn: () => unknown): string => {
  try { return JSON.stringify(fn(), (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
const both = (text: string): [string, string] => [show(() => parseValueText(text, 'value')), show(() => parseDocument(text, 'f.yaml'))];

const P = suite('parseValueText and parseDocument: the same rules, each naming its source');

const CASES: [string, string, string][] = [
  // [what, text, result as parseValueText gives it; parseDocument names f.yaml instead of value]
  ['integers beyond 2^53 stay bigint, at any depth; the others become numbers', '{a: 9007199254740993, b: [9007199254740991, -9007199254740993, [1, [2]]], c: {d: 3}}',
    '{"a":"9007199254740993n","b":[9007199254740991,"-9007199254740993n",[1,[2]]],"c":{"d":3}}'],
  ['a plain integer', '-5', '-5'],
  ['15 digits: a number', '123456789012345', '123456789012345'],
  ['digits with a leading zero stay text (hex bytes of a map without BTF)', '0123', '"0123"'],
  ['... but not a mapping whose key has one', '0123: 5', 'VALUE_INVALID: value: invalid YAML/JSON: 0123 has a leading zero (C would read octal, YAML decimal): write 123 for the decimal, or 0x53 for the octal (C\'s 0123)'],
  ['a leading zero inside a value', '{a: 0123}', 'VALUE_INVALID: value: invalid YAML/JSON: 0123 has a leading zero (C would read octal, YAML decimal): write 123 for the decimal, or 0x53 for the octal (C\'s 0123)'],
  ['a quoted leading zero is text', '{a: "0123"}', '{"a":"0123"}'],
  ['JSON: a member given twice is refused as JSON, not read again as YAML', '{"a": 1, "a": 2}', 'VALUE_INVALID: value: JSON at offset 12: member a given twice; each member may appear once'],
  ['JSON in a list', '[{"a": 1, "a": 2}]', 'VALUE_INVALID: value: JSON at offset 13: member [0].a given twice; each member may appear once'],
  ['not JSON (a trailing comma): YAML reads it', '{"a": 1,}', '{"a":1}'],
  ['YAML: two documents', 'a: 1\n---\nb: 2', "VALUE_INVALID: value: invalid YAML/JSON: expected one YAML document, got 2 (separated by '---')"],
  ['YAML: no document', '# only a comment', 'VALUE_INVALID: value: invalid YAML/JSON: expected one YAML document, got 0'],
  ['YAML: a tag', '!foo {a: 1}', 'VALUE_INVALID: value: invalid YAML/JSON: Unresolved tag: !foo (tags are not supported: write plain maps, lists and scalars)'],
  ['YAML: a 1.1 tag', '!!binary aGVsbG8=', 'VALUE_INVALID: value: invalid YAML/JSON: Unresolved tag: tag:yaml.org,2002:binary (tags are not supported: write plain maps, lists and scalars)'],
  ['YAML: a warning that is not about a tag', '%FOO bar\n---\na: 1', 'VALUE_INVALID: value: invalid YAML/JSON: Unknown directive %FOO'],
  ['YAML: a syntax error, its first line', '{a: 1', 'VALUE_INVALID: value: invalid YAML/JSON: Flow map must end with a }'],
  ['YAML: keys 1 and "1"', '{1: x, "1": y}', 'VALUE_INVALID: value: invalid YAML/JSON: the key 1 is given twice (as 1 and as "1"); give it once'],
  ["YAML: keys 1 and '1' (single quotes shown as double)", "{1: x, '1': y}", 'VALUE_INVALID: value: invalid YAML/JSON: the key 1 is given twice (as 1 and as "1"); give it once'],
  ['YAML: keys 1 and 1.0, as written', '{1: x, 1.0: y}', 'VALUE_INVALID: value: invalid YAML/JSON: the key 1 is given twice (as 1 and as 1.0); give it once'],
  ['YAML: list keys', '{? [1]: x, ? [1]: y}', 'VALUE_INVALID: value: invalid YAML/JSON: the key [1] is given twice (as [1] and as [1]); give it once'],
  ['YAML: the same key twice', '{a: 1, a: 2}', 'VALUE_INVALID: value: invalid YAML/JSON: Map keys must be unique'],
  ['YAML: a %YAML 1.1 directive (its dates, 1:20 and yes are not YAML 1.2 core)', '%YAML 1.1\n---\n{a: 2001-12-14, b: 1:20, c: yes}',
    'VALUE_INVALID: value: invalid YAML/JSON: the %YAML 1.1 directive is not supported: values are read as YAML 1.2, where 2001-12-14, 1:20 and yes are text, not a date, 80 and true; remove the directive'],
];

for (const [what, text, want] of CASES) {
  P(what, () => {
    const [v, d] = both(text);
    assert.is(v, want, 'parseValueText');
    assert.is(d, want.replace('VALUE_INVALID: value: ', 'VALUE_INVALID: f.yaml: '), 'parseDocument');
  });
}

P('a number no double holds (1e400, 1e-400) stays text, and a float field refuses it by name; .inf and NaN stay numbers', () => {
  for (const text of ['{d: 1e400}', '{"d": 1e400}', '{d: -1e400}', '{d: 1e-400}', '{"d": 1e-400}', '{"d": -2.5E-999}']) {
    const want = /d": ?(\S+)}/.exec(text.replace('{d: ', '{"d": '))![1];
    assert.equal(parseValueText(text, 'value'), { d: want }, text);
    assert.equal(parseDocument(text, 'f'), { d: want }, text);
  }
  assert.equal(parseValueText('{d: 0e-999, e: 1.5e3, f: 1e-7}', 'value'), { d: 0, e: 1500, f: 1e-7 });
  assert.equal(parseValueText('{"d": 0e-999, "e": 1.5e3, "f": 1e-7}', 'value'), { d: 0, e: 1500, f: 1e-7 });
  const inf = parseValueText('{a: .inf, b: -.Inf, c: .nan}', 'value') as Record<string, number>;
  assert.equal([inf.a, inf.b, Number.isNaN(inf.c)], [Infinity, -Infinity, true]);
  const dbl = struct('d', 8, [f('d', 0, { kind: 'float', name: 'double', size: 8 })]);
  const c = compileCodec(dbl, { byteOrder: 'little', size: 8, root: 'value' });
  assert.is(show(() => c.encode(parseValueText('{d: 1e400}', 'value'))),
    "VALUE_RANGE: value.d: expected a double within +-1.7976931348623157e308 (or NaN, Infinity, -Infinity), got '1e400'");
  assert.is(show(() => c.encode(parseValueText('{"d": 1e-400}', 'value'))),
    "VALUE_RANGE: value.d: expected a double of magnitude at least 5e-324 (or 0), got '1e-400': it would be stored as 0");
});

P('a fraction a double rounds to a whole number stays text: an integer field refuses it, a float field reads it', () => {
  for (const [text, lit] of [['{d: 0.99999999999999999}', '0.99999999999999999'], ['{"d": 1.0000000000000001}', '1.0000000000000001'],
    ['{d: 4503599627370497.5}', '4503599627370497.5'], ['{"d": 12.000000000000000001e1}', '12.000000000000000001e1']] as const) {
    assert.equal(parseValueText(text, 'value'), { d: lit }, text);
    assert.equal(parseDocument(text, 'f'), { d: lit }, text);
  }
  // Whole numbers written with a fraction or an exponent stay numbers.
  assert.equal(parseValueText('{a: 1.0, b: 1.50e1, c: 2e0, d: 100e-2, e: 0.0}', 'value'), { a: 1, b: 15, c: 2, d: 1, e: 0 });
  const u32s = struct('u', 4, [f('d', 0, int('__u32', 4, false))]);
  const c = compileCodec(u32s, { byteOrder: 'little', size: 4, root: 'value' });
  assert.is(show(() => c.encode(parseValueText('{d: 0.99999999999999999}', 'value'))), "VALUE_INVALID: value.d: expected u32 0..4294967295 or an IPv4 address, got '0.99999999999999999'");
  assert.is(show(() => toHex(c.encode(parseValueText('{d: 1.0}', 'value')))), '"01000000"');
  const dbl = struct('d', 8, [f('d', 0, { kind: 'float', name: 'double', size: 8 })]);
  const fc = compileCodec(dbl, { byteOrder: 'little', size: 8, root: 'value' });
  assert.is(toHex(fc.encode(parseValueText('{d: 0.99999999999999999}', 'value'))), '000000000000f03f', 'the double nearest, 1.0');
});

P('a hex integer stays text, bare or in a document: an integer or float field reads the number, a map without BTF the digits as written', () => {
  assert.is(parseValueText('0x989680', 'key'), '0x989680');
  assert.is(parseValueText('-0x10', 'key'), '-0x10');
  const u32s = int('__u32', 4, false);
  const k = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'key' });
  assert.is(toHex(k(u32s).encode(parseValueText('0x989680', 'key'))), '80969800');
  assert.is(toHex(k({ kind: 'float', name: 'float', size: 4 }).encode(parseValueText('0x10', 'key'))), '00008041');
  // The same in a document and in a flow mapping (YAML reads 0x989680 as a number otherwise).
  assert.equal(parseDocument('key: 0x989680\nvalue: {a: 0x10, b: [0x1, -0x2]}', 'f.yaml'), { key: '0x989680', value: { a: '0x10', b: ['0x1', '-0x2'] } });
  assert.equal(parseValueText('{a: 0x10}', 'value'), { a: '0x10' });
  const raw: TypeNode = { kind: 'bytes', name: '', size: 4 };
  assert.is(toHex(k(raw).encode(parseValueText('0x00989680', 'key'))), '00989680');
  assert.is(show(() => k(raw).encode(parseValueText('0x989680', 'key'))), "VALUE_INVALID: key: expected a hex string of 4 bytes, got 3 bytes ('0x989680')");
  assert.is(show(() => k(raw).encode((parseDocument('key: 0x989680', 'f.yaml') as { key: unknown }).key)), "VALUE_INVALID: key: expected a hex string of 4 bytes, got 3 bytes ('0x989680')");
});

P('-0 is 0, as YAML reads it: a float field gets +0.0 either way', () => {
  assert.ok(Object.is(parseValueText('-0', 'v'), 0));
  assert.ok(Object.is(parseDocument('-0', 'f'), 0));
  assert.ok(Object.is((parseValueText('{a: -0}', 'v') as { a: number }).a, 0));
});

P('JSON -0 is 0 too, as the same text in YAML: only -0.0 is the float negative zero', () => {
  assert.ok(Object.is((parseValueText('{"a": -0}', 'v') as { a: number }).a, 0));
  assert.ok(Object.is((parseValueText('[-0, 1]', 'v') as number[])[0], 0));
  assert.ok(Object.is((parseDocument('{"key": 1, "value": {"a": -0}}', 'f') as { value: { a: number } }).value.a, 0));
  assert.ok(Object.is((parseValueText('{"a": -0.0}', 'v') as { a: number }).a, -0));
  assert.ok(Object.is((parseValueText('{"a": -0e0}', 'v') as { a: number }).a, -0));
  const ratio: TypeNode = { kind: 'float', name: 'float', size: 4 };
  const c = compileCodec(ratio, { byteOrder: 'little', size: 4, root: 'value' });
  assert.is(toHex(c.encode((parseValueText('{"r": -0}', 'value') as { r: unknown }).r)), toHex(c.encode((parseValueText('{r: -0}', 'value') as { r: unknown }).r)));
});

P('a billion laughs: at most 100 aliases', () => {
  let text = 'a: &a [x,x,x,x,x,x,x,x,x,x]\n';
  for (let i = 1; i < 9; i++) text += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]\n`;
  assert.is(both(text)[0], 'VALUE_INVALID: value: invalid YAML/JSON: Excessive alias count indicates a resource exhaustion attack');
});

P('YAML nesting: small integers become numbers down to 512 levels below the top; deeper, they are left as they are', () => {
  // (`a: ` makes it YAML: text that starts with '[' is read as JSON, which gives numbers itself.)
  const nested = (n: number): string => `a: ${'['.repeat(n)}1${']'.repeat(n)}`;
  const leaf = (v: unknown): unknown => { v = (v as { a: unknown }).a; while (Array.isArray(v)) v = v[0]; return v; };
  assert.is(leaf(parseValueText(nested(512), 'v')), 1);
  assert.is(leaf(parseValueText(nested(513), 'v')), 1n);
  const o = parseValueText('{a: {b: 2}, "c": [3]}', 'v');
  assert.equal(o, { a: { b: 2 }, c: [3] });
});

P('converted members stay ordinary members: enumerable, writable, configurable (also __proto__)', () => {
  const o = parseValueText('{a: 9007199254740993, b: 5, __proto__: 7}', 'v') as Record<string, unknown>;
  for (const k of ['a', 'b', '__proto__']) {
    const d = Object.getOwnPropertyDescriptor(o, k)!;
    assert.equal([d.enumerable, d.writable, d.configurable], [true, true, true], k);
  }
  assert.is(o.b, 5);
  assert.is(Object.getOwnPropertyDescriptor(o, '__proto__')!.value, 7);
  assert.equal(Object.keys(o), ['a', 'b', '__proto__']);
});

P.run();

const F = suite('generated record codecs: members that are not plain ints keep their own rules');

F('enum and bool members decode to names and booleans; a narrow int keeps its range', () => {
  const color = enm('color', 4, false, [['RED', 0], ['GREEN', 1]]);
  const narrow: TypeNode = int('n12', 2, false, { bits: 12 });
  const s = struct('s', 8, [f('c', 0, color), f('b', 4, bool), f('n', 6, narrow)]);
  const c = compileCodec(s, { byteOrder: 'little', size: 8, root: 'value' });
  assert.equal(c.decode(Uint8Array.of(1, 0, 0, 0, 1, 0, 0xff, 0x0f)), { c: 'GREEN', b: true, n: 4095 });
  assert.is(toHex(c.encode({ c: 'GREEN', b: true, n: 4095 })), '0100000001' + '00' + 'ff0f');
  assert.is(show(() => c.encode({ n: 4096 })), 'VALUE_RANGE: value.n: expected u12 0..4095, got 4096');
  const u = struct('u', 1, [f('x', 0, u8)]);
  assert.equal(compileCodec(u, { byteOrder: 'little', size: 1, root: 'value' }).decode(Uint8Array.of(200)), { x: 200 });
});

F.run();
