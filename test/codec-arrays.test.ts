// Arrays through the codec, offline: how char, byte, signed byte, bool and struct arrays decode (text
// only when it is printable and followed only by NULs; index maps of the non-zero structs with
// compact), and every way of writing one (list, string, bytes, index map) with its exact refusal.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import { toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, bool, char, enm, f, int, s8, struct, u16, u32, u8, union } from './oracle/schemas.js';

const c = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'value' });
const enc = (n: TypeNode, v: unknown): string => {
  try { return toHex(c(n).encode(v)); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
const dec = (n: TypeNode, hex: string, compact = false): string =>
  JSON.stringify(c(n).decode(Uint8Array.from(Buffer.from(hex, 'hex')), 0, { compact }));
const pt = struct('pt', 4, [f('x', 0, u16), f('y', 2, u16)]);
const color = enm('color', 1, false, [['RED', 0], ['GREEN', 1]]);
const un = union('u', 2, [f('a', 0, u16), f('b', 0, arr(u8, 2))]);
/** Elements of no bytes (an empty struct) carry nothing: such an array is an empty list whatever its length. */
const holder = struct('h', 4, [f('n', 0, arr(struct('empty', 0, []), 5)), f('x', 0, u32)]);

const D = suite('array decode');
const DECODE: [string, TypeNode, string, string, boolean?][] = [
  ['char text ended by NULs', arr(char, 4), '61626300', '"abc"'],
  ['char text filling the array', arr(char, 4), '61626364', '"abcd"'],
  ['all NUL chars: empty text', arr(char, 4), '00000000', '""'],
  ['a control byte: the numbers', arr(char, 4), '61016300', '[97,1,99,0]'],
  ['a byte after the NUL: the numbers', arr(char, 4), '61006200', '[97,0,98,0]'],
  ['__u8: numbers 0..255', arr(u8, 4), '0102ff00', '[1,2,255,0]'],
  ['__s8: signed numbers', arr(s8, 4), '0102ff00', '[1,2,-1,0]'],
  ['bool', arr(bool, 2), '0100', '[true,false]'],
  ['structs: every element', arr(pt, 3), '000000000100020000000000', '[{"x":0,"y":0},{"x":1,"y":2},{"x":0,"y":0}]'],
  ['structs with compact: the non-zero ones by index', arr(pt, 3), '000000000100020000000000', '{"1":{"x":1,"y":2}}', true],
  ['unions with compact: the non-zero ones by index', arr(un, 3), '000001020000', '{"1":{"a":513}}', true],
  ['unions without compact: every element', arr(un, 3), '000001020000', '[{"a":0},{"a":513},{"a":0}]'],
  ['signed char text', arr(int('signed char', 1, true), 4), '61626300', '"abc"'],
  ['char-encoded bytes of another name: text', arr(int('c', 1, false, { encoding: 'char' }), 4), '61626300', '"abc"'],
  ['1-byte enums: their names, not bytes', arr(color, 2), '0100', '["GREEN","RED"]'],
  ['elements of no bytes: an empty list', holder, '01000000', '{"n":[],"x":1}'],
  // Only arrays of structs and unions become index maps with compact; other elements stay a list.
  ['u16s with compact: still a list', arr(u16, 3), '000001000000', '[0,1,0]', true],
  ['u32s with compact: still a list', arr(u32, 2), '0000000002000000', '[0,2]', true],
  // Text needs 1-byte ints: a 4-byte int or a 1-byte enum named char (hand-made BTF) gives numbers or names.
  ['4-byte ints named char: numbers', arr(int('char', 4, false), 2), '6100000062000000', '[97,98]'],
  ['1-byte enums named char: names', arr(enm('char', 1, false, [['A', 97], ['B', 98]]), 2), '6162', '["A","B"]'],
];
for (const [what, node, hex, want, compact] of DECODE) D(what, () => assert.is(dec(node, hex, compact), want));

const E = suite('array encode: list, string, bytes, index map');
const ENCODE: [string, TypeNode, unknown, string][] = [
  ['a string filling a char array (no NUL needed)', arr(char, 4), 'abcd', '61626364'],
  ['a string one byte too long', arr(char, 4), 'abcde', "VALUE_RANGE: value: expected a string of at most 4 bytes for char[4], got 5 bytes ('abcde')"],
  ['a string as UTF-8', arr(char, 4), 'é', 'c3a90000'],
  ['a lone surrogate', arr(char, 4), '\ud800', "VALUE_INVALID: value: expected a string of valid Unicode for char[4], got '\ud800' with an unpaired surrogate"],
  ['bytes shorter than a byte array', arr(u8, 4), Uint8Array.from([1, 2]), '01020000'],
  ['bytes longer than a byte array', arr(u8, 2), Uint8Array.from([1, 2, 3]), 'VALUE_RANGE: value: expected at most 2 bytes for __u8[2], got 3'],
  ['bytes for a __u16 array', arr(u16, 2), Uint8Array.from([1, 2]), 'VALUE_INVALID: value: expected a list of at most 2 __u16, or an index map, got 2 bytes'],
  ['an index map', arr(u16, 3), { 1: 7 }, '000007000000'],
  ['an index map, last element', arr(u16, 3), { 2: 5 }, '000000000500'],
  ['an index given twice', arr(u16, 3), { 2: 5, '02': 6 }, "VALUE_INVALID: value[2]: element 2 given twice (as '02' and as another spelling of the same index); each element may appear once"],
  // JSON keys are always strings: {"rules": {"010": ...}} must not be slot 10 where YAML {010: ...} is refused.
  ['an index with a leading zero: C reads 010 as 8', arr(u16, 12), { '010': 1 }, "VALUE_INVALID: value[\"010\"]: expected an index 0..11, got '010' with a leading zero (C reads it as octal, 8): write 10 or 8"],
  ['an index with a leading zero, not octal', arr(u16, 12), { '08': 1 }, "VALUE_INVALID: value[\"08\"]: expected an index 0..11, got '08' with a leading zero: write 8"],
  ['an index that is no number', arr(u16, 3), { x: 1 }, 'VALUE_INVALID: value["x"]: expected an index 0..2, got \'x\''],
  ['an index past the end', arr(u16, 3), { 3: 1 }, 'VALUE_RANGE: value[3]: index out of range 0..2 (__u16[3])'],
  ['a long index, cut in the path', arr(u16, 3), { ['9'.repeat(50)]: 1 }, `VALUE_RANGE: value[${'9'.repeat(37)}...]: index out of range 0..2 (__u16[3])`],
  ['a list too long', arr(u16, 2), [1, 2, 3], 'VALUE_RANGE: value: expected at most 2 elements for __u16[2], got 3'],
  ['a bad element: its index in the path', arr(u16, 2), [1, 'x'], "VALUE_INVALID: value[1]: expected u16 0..65535, got 'x'"],
  ['a string for a number array', arr(u16, 2), 'abc', "VALUE_INVALID: value: expected a list of at most 2 __u16, or an index map, got 'abc'"],
  ['a number', arr(u16, 2), 5, 'VALUE_INVALID: value: expected a list of at most 2 __u16, or an index map, got 5'],
  ['null', arr(u16, 2), null, 'VALUE_INVALID: value: expected a list of at most 2 __u16, or an index map, got null'],
  ['an index with a tail', arr(u16, 3), { '1x': 1 }, 'VALUE_INVALID: value["1x"]: expected an index 0..2, got \'1x\''],
  ['an index with a head', arr(u16, 3), { x1: 1 }, 'VALUE_INVALID: value["x1"]: expected an index 0..2, got \'x1\''],
  ['bytes for an array of 1-byte enums', arr(color, 2), Uint8Array.from([1, 0]), 'VALUE_INVALID: value: expected a list of at most 2 enum color, or an index map, got 2 bytes'],
  ['a number for an address array: the address is named', arr(u8, 4), 5, 'VALUE_INVALID: value: expected a list of at most 4 __u8 or an IPv4 address, or an index map, got 5'],
  ['a number for a char array: the string is named', arr(char, 4), 5, 'VALUE_INVALID: value: expected a list of at most 4 char or a string of at most 4 bytes, or an index map, got 5'],
  ['text that is no address for a 4-byte array', arr(u8, 4), 'abc', "VALUE_INVALID: value: expected an IPv4 address or a list of at most 4 __u8, got 'abc'"],
];
for (const [what, node, input, want] of ENCODE) E(what, () => assert.is(enc(node, input), want));

D.run();
E.run();
