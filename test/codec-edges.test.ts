// The codec's edges through the public Codec: buffer and offset checks of encodeInto and decode, how
// a bad input is described in a message, index maps, char and byte arrays, and float ranges.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, char, f, struct, u8, u16, u32 } from './oracle/schemas.js';

const compile = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'value' });
function refused(fn: () => unknown, code: string, message: string): void {
  try { fn(); assert.unreachable('accepted'); } catch (e) {
    assert.is((e as Error).message, message);
    assert.is((e as { code: string }).code, code);
  }
}
const U32 = compile(u32);

const Buf = suite('encodeInto / decode: buffer and offset');
Buf('encodeInto refuses what is not a buffer, a bad offset, or too little room; the exact fit works', () => {
  refused(() => U32.encodeInto(1, [] as unknown as Uint8Array, 0), 'VALUE_INVALID', 'value: cannot encode 4 bytes at offset 0 of a 0-byte buffer');
  refused(() => U32.encodeInto(1, new Uint8Array(8), -1), 'VALUE_INVALID', 'value: cannot encode 4 bytes at offset -1 of a 8-byte buffer');
  refused(() => U32.encodeInto(1, new Uint8Array(8), 1.5), 'VALUE_INVALID', 'value: cannot encode 4 bytes at offset 1.5 of a 8-byte buffer');
  refused(() => U32.encodeInto(1, new Uint8Array(8), 5, 'p'), 'VALUE_INVALID', 'p: cannot encode 4 bytes at offset 5 of a 8-byte buffer');
  const out = new Uint8Array(8).fill(0xee);
  U32.encodeInto(0x01020304, out, 4);
  assert.equal(Array.from(out), [0xee, 0xee, 0xee, 0xee, 4, 3, 2, 1]);
  U32.encodeInto(5, out, 0);
  assert.equal(Array.from(out), [5, 0, 0, 0, 4, 3, 2, 1]);
});
Buf('decode refuses what is not bytes, a wrong length, a bad offset; the exact fit works', () => {
  refused(() => U32.decode('ab' as unknown as Uint8Array), 'VALUE_INVALID', 'value: expected bytes to decode, got string');
  refused(() => U32.decode(new Uint8Array(5)), 'VALUE_INVALID', 'value: expected 4 bytes, got 5');
  refused(() => U32.decode(new Uint8Array(3)), 'VALUE_INVALID', 'value: expected 4 bytes, got 3');
  refused(() => U32.decode(new Uint8Array(8), 5), 'VALUE_INVALID', 'value: expected 4 bytes at offset 5, the input has 8');
  refused(() => U32.decode(new Uint8Array(8), -1), 'VALUE_INVALID', 'value: expected 4 bytes at offset -1, the input has 8');
  refused(() => U32.decode(new Uint8Array(8), 0.5), 'VALUE_INVALID', 'value: expected 4 bytes at offset 0.5, the input has 8');
  assert.is(U32.decode(new Uint8Array([9, 9, 9, 9, 1, 2, 3, 4]), 4), 0x04030201);
  assert.is(U32.decode(new Uint8Array([1, 2, 3, 4, 9]), 0), 0x04030201);
});
Buf.run();

const Desc = suite('messages: how a bad input is described');
const DESC: [string, unknown, string, string][] = [
  ['a long number: its start and its length', 10n ** 100n, 'VALUE_RANGE', `value: expected u32 0..4294967295, got 1${'0'.repeat(59)}...(101 characters)`],
  ['a number of 80 characters whole', 10n ** 79n, 'VALUE_RANGE', `value: expected u32 0..4294967295, got 1${'0'.repeat(79)}`],
  ['a long string: 57 characters and ...', 'x'.repeat(70), 'VALUE_INVALID', `value: expected u32 0..4294967295, got '${'x'.repeat(57)}...'`],
  ['a string of 60 characters whole', 'y'.repeat(60), 'VALUE_INVALID', `value: expected u32 0..4294967295, got '${'y'.repeat(60)}'`],
  ['bytes', new Uint8Array(3), 'VALUE_INVALID', 'value: expected u32 0..4294967295, got 3 bytes'],
  ['a function', () => 1, 'VALUE_INVALID', 'value: expected u32 0..4294967295, got function'],
  ['a symbol', Symbol('x'), 'VALUE_INVALID', 'value: expected u32 0..4294967295, got symbol'],
  ['an object', {}, 'VALUE_INVALID', 'value: expected u32 0..4294967295, got an object'],
  ['a list', [1, 2, 3], 'VALUE_INVALID', 'value: expected u32 0..4294967295, got a list of 3'],
  ['null', null, 'VALUE_INVALID', 'value: expected u32 0..4294967295, got null'],
  ['a boolean', false, 'VALUE_INVALID', 'value: expected u32 0..4294967295, got false'],
];
for (const [what, input, code, message] of DESC) Desc(what, () => refused(() => U32.encode(input), code, message));
Desc('nothing at all', () => {
  refused(() => compile(struct('s', 4, [f('a', 0, u32)])).encode(undefined), 'VALUE_INVALID', 'value: expected struct s (an object with fields a), got nothing');
});
Desc.run();

const Arr = suite('arrays: index maps, char and byte arrays');
const A = compile(arr(u16, 4));
Arr('an index map names each element once, in range, by its digits', () => {
  refused(() => A.encode({ 0: 1, '00': 2 }), 'VALUE_INVALID', "value[0]: element 0 given twice (as '00' and as another spelling of the same index); each element may appear once");
  refused(() => A.encode({ 4: 1 }), 'VALUE_RANGE', 'value[4]: index out of range 0..3 (__u16[4])');
  refused(() => A.encode({ ['1'.repeat(50)]: 1 }), 'VALUE_RANGE', `value[${'1'.repeat(37)}...]: index out of range 0..3 (__u16[4])`);
  refused(() => A.encode({ ['2'.repeat(40)]: 1 }), 'VALUE_RANGE', `value[${'2'.repeat(40)}]: index out of range 0..3 (__u16[4])`);
  refused(() => A.encode({ ['a'.repeat(50)]: 1 }), 'VALUE_INVALID', `value["${'a'.repeat(37)}..."]: expected an index 0..3, got '${'a'.repeat(50)}'`);
  refused(() => A.encode({ ['b'.repeat(40)]: 1 }), 'VALUE_INVALID', `value["${'b'.repeat(40)}"]: expected an index 0..3, got '${'b'.repeat(40)}'`);
  refused(() => A.encode({ 1: 'x' }), 'VALUE_INVALID', "value[1]: expected u16 0..65535, got 'x'");
  assert.equal(Array.from(A.encode({ 3: 0x0102, '01': 5 })), [0, 0, 5, 0, 0, 0, 2, 1]);
});
Arr('char arrays: valid Unicode of at most their length; decode printable ASCII followed by NULs as text', () => {
  const C = compile(arr(char, 4));
  refused(() => C.encode('\ud800'), 'VALUE_INVALID', "value: expected a string of valid Unicode for char[4], got '\ud800' with an unpaired surrogate");
  refused(() => C.encode('a\udc00'), 'VALUE_INVALID', "value: expected a string of valid Unicode for char[4], got 'a\udc00' with an unpaired surrogate");
  refused(() => C.encode('abcde'), 'VALUE_RANGE', "value: expected a string of at most 4 bytes for char[4], got 5 bytes ('abcde')");
  refused(() => C.encode('abc\u00e9'), 'VALUE_RANGE', "value: expected a string of at most 4 bytes for char[4], got 5 bytes ('abc\u00e9')");
  assert.equal(Array.from(C.encode('abcd')), [97, 98, 99, 100]);
  assert.equal(Array.from(C.encode('\u{1f600}')), [0xf0, 0x9f, 0x98, 0x80]);
  assert.is(C.decode(new Uint8Array([0x20, 0x7e, 0, 0])), ' ~');
  assert.is(C.decode(new Uint8Array([97, 98, 99, 100])), 'abcd');
  assert.is(C.decode(new Uint8Array([0, 0, 0, 0])), '');
  assert.equal(C.decode(new Uint8Array([97, 0, 98, 0])), [97, 0, 98, 0]);
  assert.equal(C.decode(new Uint8Array([97, 0x1f, 0, 0])), [97, 31, 0, 0]);
  assert.equal(C.decode(new Uint8Array([97, 0x7f, 0, 0])), [97, 127, 0, 0]);
});
Arr('byte arrays take a Uint8Array of at most their length', () => {
  const B = compile(arr(u8, 6));
  refused(() => B.encode(new Uint8Array(7)), 'VALUE_RANGE', 'value: expected at most 6 bytes for __u8[6], got 7');
  assert.equal(Array.from(B.encode(new Uint8Array([1, 2, 3, 4, 5, 6]))), [1, 2, 3, 4, 5, 6]);
  assert.equal(Array.from(B.encode(new Uint8Array([7]))), [7, 0, 0, 0, 0, 0]);
});
Arr.run();

const Fl = suite('floats: range, text and special values');
const FL = compile({ kind: 'float', name: 'float', size: 4 } as TypeNode);
const DB = compile({ kind: 'float', name: 'double', size: 8 } as TypeNode);
const FLOAT_RANGE = 'expected a float within +-3.4028234663852886e38 (or NaN, Infinity, -Infinity), got';
const DOUBLE_RANGE = 'expected a double within +-1.7976931348623157e308 (or NaN, Infinity, -Infinity), got';
Fl('beyond the range is refused, not stored as infinity', () => {
  refused(() => FL.encode(3.5e38), 'VALUE_RANGE', `value: ${FLOAT_RANGE} 3.5e+38`);
  refused(() => FL.encode('-3.5e38'), 'VALUE_RANGE', `value: ${FLOAT_RANGE} '-3.5e38'`);
  refused(() => DB.encode('1e400'), 'VALUE_RANGE', `value: ${DOUBLE_RANGE} '1e400'`);
  refused(() => DB.encode(2n ** 1024n), 'VALUE_RANGE', `value: ${DOUBLE_RANGE} ${String(2n ** 1024n).slice(0, 60)}...(309 characters)`);
  assert.equal(Array.from(FL.encode(3.4028234663852886e38)), [255, 255, 127, 127]);
  assert.is(DB.decode(DB.encode(3.5e38)), 3.5e38);
  assert.is(DB.decode(DB.encode(2n ** 53n)), 2 ** 53);
});
Fl('NaN and the infinities are values; text is read as a number', () => {
  assert.equal(Array.from(FL.encode('Infinity')), [0, 0, 128, 127]);
  assert.equal(Array.from(FL.encode('-Infinity')), [0, 0, 128, 255]);
  assert.equal(Array.from(FL.encode(' NaN ')), [0, 0, 192, 127]);
  assert.is(DB.decode(DB.encode(-Infinity)), -Infinity);
  assert.ok(Number.isNaN(DB.decode(DB.encode(Number.NaN))));
  for (const [text, v] of [['.5', 0.5], ['5.', 5], ['1e5', 1e5], ['+1.5E-3', 0.0015], [' -2 ', -2]] as const) assert.is(DB.decode(DB.encode(text)), v, text);
  assert.is(FL.decode(FL.encode('0.1')), Math.fround(0.1));
});
Fl('what is not a number is refused', () => {
  for (const bad of ['abc', '1e', '0x1.8', '', 'Inf']) refused(() => FL.encode(bad), 'VALUE_INVALID', `value: expected a float number, got '${bad}'`);
  // A hex integer is a number: the readers keep 0x literals as text, which a float reads as the number.
  assert.is(FL.decode(FL.encode('0x10')), 16);
  refused(() => DB.encode(true), 'VALUE_INVALID', 'value: expected a double number, got true');
  refused(() => DB.encode(null), 'VALUE_INVALID', 'value: expected a double number, got null');
});
Fl.run();
