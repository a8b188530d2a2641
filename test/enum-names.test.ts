// Enum input: an enumerator's name (trimmed, case-sensitive) or an integer; anything else is refused
// with the enum's name and its first eight enumerators, and integers are range-checked to the enum's
// size (or to the bitfield's width, also when given by name).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import { toHex } from '../src/bytes.js';
import type { TypeNode } from '../src/schema/types.js';
import { enm, f, struct } from './oracle/schemas.js';

const verdict = enm('verdict', 4, false, [['V_DROP', 0], ['V_PASS', 1], ['V_REDIRECT', 2]]);
const nine = enm('nine', 1, false, Array.from({ length: 9 }, (_, i) => [`N${i}`, i] as [string, number]));
const anon = enm('', 2, true, [['NEG', -1], ['POS', 1]]);
const wide = enm('wide', 8, false, [['TOP', 0x8000000000000000n], ['ONE', 1]]);
const inBits = struct('b', 4, [f('v', 0, verdict, { bitOffset: 0, bitSize: 1 })]);
const V = "(V_DROP, V_PASS, V_REDIRECT)";

const encode = (node: TypeNode, v: unknown): string => {
  try { return toHex(compileCodec(node, { byteOrder: 'little', size: node.size, root: 'value' }).encode(v)); } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
};

const Accept = suite('enum input accepted');
const ACCEPT: [string, TypeNode, unknown, string][] = [
  ['a name', verdict, 'V_REDIRECT', '02000000'],
  ['a name with spaces around it', verdict, ' V_PASS ', '01000000'],
  ['a decimal string', verdict, '2', '02000000'],
  ['a hex string', verdict, '0x10', '10000000'],
  ['an integer that is no enumerator', verdict, 7, '07000000'],
  ['a signed enum by name', anon, 'NEG', 'ffff'],
  ['a 64-bit enumerator by name', wide, 'TOP', '0000000000000080'],
  ['a name whose value fits the bitfield', inBits, { v: 'V_PASS' }, '01000000'],
];
for (const [name, node, v, hex] of ACCEPT) Accept(name, () => { assert.is(encode(node, v), hex); });
Accept.run();

const Refuse = suite('enum input refused');
const REFUSE: [string, TypeNode, unknown, string][] = [
  ['a misspelt name', verdict, 'V_DRP', `VALUE_INVALID: value: 'V_DRP' is not an enumerator of enum verdict ${V}`],
  ['another case', verdict, 'v_pass', `VALUE_INVALID: value: 'v_pass' is not an enumerator of enum verdict ${V}`],
  ['a name with a suffix', verdict, 'V_PASS1', `VALUE_INVALID: value: 'V_PASS1' is not an enumerator of enum verdict ${V}`],
  ['an empty string', verdict, '', `VALUE_INVALID: value: '' is not an enumerator of enum verdict ${V}`],
  ['an inherited property name', verdict, 'toString', `VALUE_INVALID: value: 'toString' is not an enumerator of enum verdict ${V}`],
  ['a float-looking string', verdict, '1e3', `VALUE_INVALID: value: '1e3' is not an enumerator of enum verdict ${V}`],
  ['true', verdict, true, `VALUE_INVALID: value: expected an enumerator of enum verdict ${V} or an integer, got true`],
  ['null', verdict, null, `VALUE_INVALID: value: expected an enumerator of enum verdict ${V} or an integer, got null`],
  ['an object', verdict, {}, `VALUE_INVALID: value: expected an enumerator of enum verdict ${V} or an integer, got an object`],
  ['more than eight enumerators: the first eight, then ...', nine, 'N9', "VALUE_INVALID: value: 'N9' is not an enumerator of enum nine (N0, N1, N2, N3, N4, N5, N6, N7, ...)"],
  ['an anonymous enum', anon, 'ZERO', "VALUE_INVALID: value: 'ZERO' is not an enumerator of enum (anonymous) (NEG, POS)"],
  ['2^32 for a 4-byte enum', verdict, 4294967296, 'VALUE_RANGE: value: expected enum verdict value u32 0..4294967295, got 4294967296'],
  ['-1 for an unsigned enum', verdict, -1, 'VALUE_RANGE: value: expected enum verdict value u32 0..4294967295, got -1'],
  ['below a signed 2-byte enum', anon, -32769, 'VALUE_RANGE: value: expected enum (anonymous) value s16 -32768..32767, got -32769'],
  ['a name whose value does not fit the bitfield', inBits, { v: 'V_REDIRECT' }, 'VALUE_RANGE: value.v: expected enum verdict in a 1-bit bitfield 0..1, got 2'],
  ['an unknown name in a bitfield', inBits, { v: 'X' }, `VALUE_INVALID: value.v: 'X' is not an enumerator of enum verdict ${V}`],
];
for (const [name, node, v, msg] of REFUSE) Refuse(name, () => { assert.is(encode(node, v), msg); });
Refuse.run();

const Names = suite('enum names: decode, eight enumerators, numbers with spaces, signed bitfields');
const eight = enm('eight', 1, false, Array.from({ length: 8 }, (_, i) => [`E${i}`, i] as [string, number]));
const twice = enm('twice', 4, false, [['FIRST', 3], ['ALIAS', 3], ['OTHER', 4]]);
const sign = enm('sign', 4, true, [['MINUS', -1], ['ZERO', 0], ['ONE', 1]]);
const signBits = struct('sb', 4, [f('s', 0, sign, { bitOffset: 0, bitSize: 2 }), f('t', 0, sign, { bitOffset: 2, bitSize: 3 })]);
const decode = (node: TypeNode, hex: string): unknown =>
  compileCodec(node, { byteOrder: 'little', size: node.size, root: 'value' }).decode(Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16)));
Names('exactly eight enumerators are all named, without ...', () => {
  assert.is(encode(eight, 'E9'), "VALUE_INVALID: value: 'E9' is not an enumerator of enum eight (E0, E1, E2, E3, E4, E5, E6, E7)");
});
Names('a 64-bit value without a name decodes to a bigint, a smaller one to a number', () => {
  assert.is(decode(wide, '0500000000000000'), 5n);
  assert.is(decode(wide, '0000000000000080'), 'TOP');
  assert.is(decode(verdict, '05000000'), 5);
});
Names('two names for one value: decode prints the first', () => {
  assert.is(decode(twice, '03000000'), 'FIRST');
  assert.is(encode(twice, 'ALIAS'), '03000000');
  assert.is(decode(twice, '05000000'), 5);
});
Names('an integer string with spaces around it, of several digits', () => {
  assert.is(encode(verdict, ' 2 '), '02000000');
  assert.is(encode(verdict, '12'), '0c000000');
  assert.is(encode(verdict, '\t0x10\n'), '10000000');
});
Names('a signed enum in a bitfield: encode and decode negative values by name and number', () => {
  assert.is(encode(signBits, { s: 'MINUS', t: -2 }), '1b000000');
  assert.equal(decode(signBits, '1b000000'), { s: 'MINUS', t: -2 });
  assert.equal(decode(signBits, '07000000'), { s: 'MINUS', t: 'ONE' });
});
Names.run();
