// Floats, pointers and opaque bytes through the codec, offline (misc-codec.ts): every way of writing
// them, both byte orders, the range and underflow refusals, and what sizes other than 4 and 8 become.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import { fromHex, parseValueText, stringifyJson, toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';

const fl = (size: number): TypeNode => ({ kind: 'float', name: size === 4 ? 'float' : size === 8 ? 'double' : 'long double', size });
const ptr = (size: number): TypeNode => ({ kind: 'pointer', name: '', target: 'void', size });
const bytes4: TypeNode = { kind: 'bytes', name: '', size: 4 };
const codec = (n: TypeNode, order: 'little' | 'big' = 'little') => compileCodec(n, { byteOrder: order, size: n.size, root: 'value' });
const enc = (n: TypeNode, v: unknown, order: 'little' | 'big' = 'little'): string => {
  try { return toHex(codec(n, order).encode(v)); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};

const E = suite('floats and pointers: encode');
// [what, type, input, bytes or refusal, byte order]
const ENCODE: [string, TypeNode, unknown, string, ('little' | 'big')?][] = [
  ['f32 1.5', fl(4), 1.5, "0000c03f"],
  ['f32 1.5 be', fl(4), 1.5, "3fc00000", 'big'],
  ['f64 1.5', fl(8), 1.5, "000000000000f83f"],
  ['f64 1.5 be', fl(8), 1.5, "3ff8000000000000", 'big'],
  ['f32 bigint', fl(4), 3n, "00004040"],
  ['f64 bigint huge', fl(8), 10n ** 400n, "VALUE_RANGE: value: expected a double within +-1.7976931348623157e308 (or NaN, Infinity, -Infinity), got 100000000000000000000000000000000000000000000000000000000000...(401 characters)"],
  ['f32 text', fl(4), ' -2.5e1 ', "0000c8c1"],
  ['f32 text .5', fl(4), '.5', "0000003f"],
  ['f32 text 5.', fl(4), '5.', "0000a040"],
  ['f32 text +1', fl(4), '+1', "0000803f"],
  ['f32 text Infinity', fl(4), 'Infinity', "0000807f"],
  ['f32 text -Infinity', fl(4), ' -Infinity ', "000080ff"],
  ['f32 text NaN', fl(4), 'NaN', "0000c07f"],
  ['f64 Infinity num', fl(8), Infinity, "000000000000f07f"],
  ['f64 NaN num', fl(8), NaN, "000000000000f87f"],
  // As an integer field refuses it: C reads the integer 010 as 8 (the float 010.5 is decimal in C too).
  ['f32 text with a leading zero', fl(4), '010', "VALUE_INVALID: value: expected a float number, got '010': 010 has a leading zero (C would read octal, YAML decimal): write 10 for the decimal, or 0x8 for the octal (C's 010)"],
  ['f32 text with a leading zero, the same either way', fl(4), ' 07 ', '0000e040'],
  ['f32 text with a leading zero and a fraction', fl(4), '010.5', '00002841'],
  ['f32 text bad', fl(4), '1.5x', "VALUE_INVALID: value: expected a float number, got '1.5x'"],
  // The readers keep 0x literals as text (a map without BTF takes them as digits): a float reads the number.
  ['f32 text hex', fl(4), '0x10', '00008041'],
  ['f32 text negative hex', fl(4), '-0x10', '000080c1'],
  ['f32 text hex with a fraction is no hex', fl(4), '0x1.8', "VALUE_INVALID: value: expected a float number, got '0x1.8'"],
  ['f32 bool', fl(4), true, "VALUE_INVALID: value: expected a float number, got true"],
  ['f32 null', fl(4), null, "VALUE_INVALID: value: expected a float number, got null"],
  ['f32 text e', fl(4), '1e', "VALUE_INVALID: value: expected a float number, got '1e'"],
  ['f32 too big', fl(4), 3.5e38, "VALUE_RANGE: value: expected a float within +-3.4028234663852886e38 (or NaN, Infinity, -Infinity), got 3.5e+38"],
  ['f32 max', fl(4), 3.4028234663852886e38, "ffff7f7f"],
  ['f32 rounds to max', fl(4), 3.4028235e38, "ffff7f7f"],
  ['f32 too big text', fl(4), '1e39', "VALUE_RANGE: value: expected a float within +-3.4028234663852886e38 (or NaN, Infinity, -Infinity), got '1e39'"],
  ['f64 too big text', fl(8), '1e400', "VALUE_RANGE: value: expected a double within +-1.7976931348623157e308 (or NaN, Infinity, -Infinity), got '1e400'"],
  ['f64 too big bigint', fl(8), 10n ** 400n, "VALUE_RANGE: value: expected a double within +-1.7976931348623157e308 (or NaN, Infinity, -Infinity), got 100000000000000000000000000000000000000000000000000000000000...(401 characters)"],
  ['f32 too small', fl(4), 1e-46, "VALUE_RANGE: value: expected a float of magnitude at least 1.401298464324817e-45 (or 0), got 1e-46: it would be stored as 0"],
  ['f32 min sub', fl(4), 1.401298464324817e-45, "01000000"],
  ['f64 too small text', fl(8), '1e-400', "VALUE_RANGE: value: expected a double of magnitude at least 5e-324 (or 0), got '1e-400': it would be stored as 0"],
  ['f64 min', fl(8), 5e-324, "0100000000000000"],
  ['f32 zero', fl(4), 0, "00000000"],
  ['f32 -0', fl(4), -0, "00000080"],
  ['f128 hex', fl(16), '00'.repeat(16), "00000000000000000000000000000000"],
  ['f128 number', fl(16), 1.5, "VALUE_INVALID: value: expected a hex string of 16 bytes (float128), got 1.5; write all 32 hex digits (00000000000000000000000000000000)"],
  ['f16 hex', fl(2), '0100', "0100"],
  ['p8', ptr(8), 0x1234, "3412000000000000"],
  ['p8 big', ptr(8), 2n ** 64n - 1n, "ffffffffffffffff"],
  ['p8 over', ptr(8), 2n ** 64n, "VALUE_RANGE: value: expected pointer (void *) address u64 0..18446744073709551615, got 18446744073709551616"],
  ['p4', ptr(4), 0x12345678, "78563412"],
  ['p4 be', ptr(4), 0x12345678, "12345678", 'big'],
  ['p4 over', ptr(4), 2 ** 32, "VALUE_RANGE: value: expected pointer (void *) address u32 0..4294967295, got 4294967296"],
  ['p4 neg', ptr(4), -1, "VALUE_RANGE: value: expected pointer (void *) address u32 0..4294967295, got -1"],
  ['p4 text', ptr(4), '0x10', "10000000"],
  ['p2', ptr(2), 1, "SCHEMA_INVALID: value: pointer (void *): unsupported size 2; expected 4 or 8 bytes"],
  ['p8 be', ptr(8), 1n, "0000000000000001", 'big'],
];
for (const [what, n, v, want, order] of ENCODE) E(what, () => assert.is(enc(n, v, order), want));
E('float text: every form of the number', () => {
  const table: [string, string][] = [
    ['12.5', '00004841'], ['.25', '0000803e'], ['.5e3', '0000fa43'], ['.5e-3', '6f12033a'], ['.5E+10', 'f902954f'],
    ['0e-400', '00000000'], ['0.0e-999', '00000000'], [' 12 ', '00004041'],
  ];
  for (const [text, want] of table) assert.is(enc(fl(4), text), want, text);
});
E.run();

const B = suite('opaque bytes: encode');
const BYTES: [string, unknown, string][] = [
  ['a Uint8Array of the size', Uint8Array.of(1, 2, 3, 4), '01020304'],
  ['a shorter Uint8Array', Uint8Array.of(1, 2), 'VALUE_INVALID: value: expected a hex string of 4 bytes, got 2 bytes'],
  ['hex', 'deadbeef', 'deadbeef'],
  ['upper-case hex', 'DEADBEEF', 'deadbeef'],
  ['hex with 0x', '0x01020304', '01020304'],
  ['hex with spaces', 'de ad be ef', 'deadbeef'],
  ['too few hex digits', 'dead', "VALUE_INVALID: value: expected a hex string of 4 bytes, got 2 bytes ('dead')"],
  ['not hex', 'xyzw1234', "VALUE_INVALID: value: expected a hex string of 4 bytes, got 'xyzw1234'"],
  ['8 digits YAML read as a number', 12345678, '12345678'],
  ['... or as a bigint', 12345678n, '12345678'],
  ['4 digits read as a number: the hint', 1234, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got 1234; write all 8 hex digits (00000000)'],
  ['9 digits as a bigint', 123456789n, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got 123456789; write all 8 hex digits (00000000)'],
  ['a negative number', -12345678, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got -12345678; write all 8 hex digits (00000000)'],
  ['a fraction', 1.5, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got 1.5; write all 8 hex digits (00000000)'],
  ['null', null, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got null'],
  ['a boolean', true, 'VALUE_INVALID: value: expected a hex string of 4 bytes, got true'],
];
for (const [what, v, want] of BYTES) B(what, () => assert.is(enc(bytes4, v), want));
B.run();

const D = suite('decode');
D('floats, pointers and bytes in both byte orders', () => {
  const dec = (n: TypeNode, hex: string, order: 'little' | 'big' = 'little'): unknown => codec(n, order).decode(Uint8Array.from(Buffer.from(hex, 'hex')));
  assert.is(dec(fl(4), '0000c03f'), 1.5);
  assert.is(dec(fl(4), '3fc00000', 'big'), 1.5);
  assert.is(dec(fl(8), '000000000000f83f'), 1.5);
  assert.is(dec(fl(8), '3ff8000000000000', 'big'), 1.5);
  assert.ok(Object.is(dec(fl(4), '00000080'), -0));
  assert.is(dec(fl(16), '00'.repeat(15) + '01'), '00'.repeat(15) + '01');
  assert.is(dec(ptr(8), '3412000000000000'), 4660n);
  assert.is(dec(ptr(8), '0000000000001234', 'big'), 4660n);
  assert.is(dec(ptr(4), '78563412'), 305419896);
  assert.is(dec(ptr(4), '12345678', 'big'), 305419896);
  assert.is(dec(bytes4, 'deadbeef'), 'deadbeef');
});
D('mapCodecs: one pair of codecs per map and byte order, kept while the other order is asked for', async () => {
  const { mapCodecs } = await import('../src/codec/index.js');
  const { mapOf } = await import('./oracle/schemas.js');
  const m = mapOf('m', 'hash', fl(4), fl(8));
  const little = mapCodecs(m, 'little');
  const big = mapCodecs(m, 'big');
  assert.is.not(big, little);
  assert.is(mapCodecs(m, 'little'), little);
  assert.is(mapCodecs(m, 'big'), big);
});
D('-0.0 and NaNs with other bits survive decode -> JSON or YAML text -> encode, byte for byte', () => {
  const cases: [TypeNode, string, unknown][] = [
    [fl(4), '00000080', '-0.0'], [fl(8), '0000000000000080', '-0.0'],
    [fl(4), '0100c0ff', '"NaN:0xffc00001"'], [fl(4), '0000c0ff', '"NaN:0xffc00000"'], [fl(4), '0000c07f', '"NaN"'],
    [fl(8), '010000000000f87f', '"NaN:0x7ff8000000000001"'], [fl(8), '000000000000f8ff', '"NaN:0xfff8000000000000"'],
  ];
  for (const [t, hex, json] of cases) {
    const c = codec(t);
    const v = c.decode(fromHex(hex)!);
    assert.is(stringifyJson(v), json, hex);
    assert.is(toHex(c.encode(parseValueText(stringifyJson(v), 'value'))), hex, `${hex} through JSON`);
    assert.is(toHex(c.encode(v)), hex, `${hex} as decoded`);
  }
  // The NaN:0x form takes only a NaN of the field's size.
  assert.is(enc(fl(4), 'NaN:0x7f800000'), 'VALUE_RANGE: value: expected NaN:0x<bits> to hold a float NaN (exponent all ones, fraction not zero), got \'NaN:0x7f800000\'');
  assert.is(enc(fl(4), 'NaN:0x1ffc00001'), 'VALUE_RANGE: value: expected NaN:0x<bits> to hold a float NaN (exponent all ones, fraction not zero), got \'NaN:0x1ffc00001\'');
});
D.run();
