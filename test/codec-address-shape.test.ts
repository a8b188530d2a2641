// Which fields take address strings (addressShape), offline: a table of int, array, struct and union
// types with the addresses each takes (4, 6 or 16 bytes) and whether it prints as one, or none; how an
// address string is written into a field that already holds bytes; which 16-byte LPM prefixes print
// as IPv6; and the hints of a refusal. Written against the mutation run of src/codec/address-field.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { addressShape, isIPv4In16, parseAddressFor } from '../src/codec/address-field.js';
import { compileCodec } from '../src/codec/index.js';
import { toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, be16, be32, be64, bool, char, f, int, s32, s8, struct, u16, u32, u64, u8, union } from './oracle/schemas.js';

const shape = (n: TypeNode): string => {
  const s = addressShape(n);
  return s ? `${s.bytes} ${s.pretty ? 'pretty' : 'number'}` : 'none';
};
const u8x = (n: number) => arr(u8, n);
const in6 = union('in6_u', 16, [f('u6_addr8', 0, u8x(16)), f('u6_addr16', 0, arr(u16, 8)), f('u6_addr32', 0, arr(u32, 4))]);
const CASES: [string, TypeNode, string][] = [
  ['__u32', u32, '4 number'],
  ['__be32', be32, '4 pretty'],
  ['a signed __be32', int('sbe32', 4, true, { byteOrder: 'big' }), '4 pretty'],
  ['__s32', s32, 'none'],
  ['a u32 of 24 bits', int('u24', 4, false, { bits: 24 }), 'none'],
  ['a u32 of 32 bits stated', int('u32b', 4, false, { bits: 32 }), '4 number'],
  ['a 4-byte bool', int('b4', 4, false, { encoding: 'bool' }), 'none'],
  ['a 4-byte char', int('c4', 4, false, { encoding: 'char' }), 'none'],
  ['unsigned __int128', int('unsigned __int128', 16, false), '16 number'],
  ['__int128', int('__int128', 16, true), '16 number'],
  ['a 16-byte int of 120 bits', int('i120', 16, false, { bits: 120 }), 'none'],
  ['__u64', u64, 'none'], ['__u16', u16, 'none'], ['__be16', be16, 'none'], ['__be64', be64, 'none'], ['_Bool', bool, 'none'],
  ['__u8[4]', u8x(4), '4 pretty'], ['__u8[6]', u8x(6), '6 pretty'], ['__u8[16]', u8x(16), '16 pretty'],
  ['__u8[8]', u8x(8), 'none'], ['__u8[2]', u8x(2), 'none'],
  ['__s8[4]', arr(s8, 4), '4 pretty'],
  ['char[4]', arr(char, 4), 'none'],
  ['signed char[4]', arr(int('signed char', 1, true), 4), 'none'],
  ['a char-encoded byte[4]', arr(int('c', 1, false, { encoding: 'char' }), 4), 'none'],
  ['a 7-bit byte[4]', arr(int('u7', 1, false, { bits: 7 }), 4), 'none'],
  ['bool[4]', arr(int('b', 1, false, { encoding: 'bool' }), 4), 'none'],
  ['__be32[4]', arr(be32, 4), '16 pretty'], ['__be16[8]', arr(be16, 8), '16 pretty'],
  ['__u32[4] (host order)', arr(u32, 4), 'none'], ['__u16[8] (host order)', arr(u16, 8), 'none'],
  ['an array whose size is not its elements', { kind: 'array', name: '', size: 16, length: 4, element: u8 } as TypeNode, 'none'],
  ['an empty array of size 4', { kind: 'array', name: '', size: 4, length: 0, element: u8 } as TypeNode, 'none'],
  ['__u8[2][2]', arr(u8x(2), 2), '4 pretty'],
  ['struct in6_addr (a union of views)', struct('in6_addr', 16, [f('in6_u', 0, in6)]), '16 pretty'],
  ['the union alone', in6, '16 pretty'],
  ['a union of host-order views only', union('h', 16, [f('a', 0, arr(u32, 4)), f('b', 0, arr(u16, 8))]), 'none'],
  ['a union with a member not at 0', union('o', 16, [f('a', 0, u8x(16)), f('b', 4, u8x(12))]), 'none'],
  ['a union with a bitfield member', union('bf', 4, [f('a', 0, u8x(4)), f('b', 0, u32, { bitOffset: 0, bitSize: 32 })]), 'none'],
  ['a union whose wire member is shorter', union('sh', 16, [f('a', 0, u8x(4)), f('b', 0, arr(u32, 4))]), 'none'],
  ['struct { __u8 addr[6]; }', struct('mac', 6, [f('addr', 0, u8x(6))]), '6 pretty'],
  ['struct { __be32 a; } (one member)', struct('w', 4, [f('a', 0, be32)]), '4 pretty'],
  ['a struct of two members at 0', struct('two', 4, [f('a', 0, u8x(4)), f('b', 0, u8x(4))]), 'none'],
  ['a struct of two byte pairs', struct('pairs', 4, [f('a', 0, u8x(2)), f('b', 2, u8x(2))]), 'none'],
  ['an empty struct of size 4', struct('e', 4, []), 'none'],
  ['a struct of size 8', struct('s8', 8, [f('a', 0, u8x(8))]), 'none'],
  ['a struct wrapping a u32', struct('wu', 4, [f('a', 0, u32)]), 'none'],
  ['an array of four 1-byte enums', arr({ kind: 'enum', name: 'e1', size: 1, signed: false, values: [] } as TypeNode, 4), 'none'],
  ['a struct wrapping a float', struct('wf', 4, [f('a', 0, { kind: 'float', name: 'float', size: 4 } as TypeNode)]), 'none'],
  ['an enum of 4 bytes', { kind: 'enum', name: 'e', size: 4, signed: false, values: [] } as TypeNode, 'none'],
];
const Shape = suite('addressShape: which fields take addresses, and which print as them');
for (const [what, node, want] of CASES) Shape(what, () => assert.is(shape(node), want));
Shape('a byte array inside seven wrappers is an address, inside eight it is not (the depth limit)', () => {
  let n: TypeNode = u8x(4);
  for (let i = 0; i < 7; i++) n = struct(`w${i}`, 4, [f('a', 0, n)]);
  assert.is(shape(n), '4 pretty');
  assert.is(shape(struct('w8', 4, [f('a', 0, n)])), 'none');
});
Shape('the kinds a refusal names', () => {
  assert.is(addressShape(u8x(4))!.kinds, 'an IPv4 address');
  assert.is(addressShape(u8x(16))!.kinds, 'an IPv4/IPv6 address');
  assert.is(addressShape(u8x(6))!.kinds, 'a MAC address');
});

const Parse = suite('parseAddressFor: the address kinds a field of 4, 6 or 16 bytes takes');
Parse('spaces around the text are ignored; other lengths take nothing', () => {
  assert.is(toHex(parseAddressFor(4, ' 10.0.0.1 ')!), '0a000001');
  assert.is(toHex(parseAddressFor(16, ' ::1 ')!), '00000000000000000000000000000001');
  assert.is(toHex(parseAddressFor(16, '10.0.0.1')!), '0a000001');
  assert.is(toHex(parseAddressFor(6, ' 02:00:00:00:00:01 ')!), '020000000001');
  assert.is(parseAddressFor(4, '::1'), null);
  assert.is(parseAddressFor(6, '10.0.0.1'), null);
  assert.is(parseAddressFor(8, '10.0.0.1'), null);
  assert.is(parseAddressFor(8, '02:00:00:00:00:01'), null);
});

const V6 = suite('isIPv4In16: a 16-byte LPM prefix prints as IPv4 only outside the IPv6 ranges');
const b16 = (hex: string) => Uint8Array.from(Buffer.from(hex.padEnd(32, '0'), 'hex'));
V6('2000::/3, fc00::/7, fe80::/10 and ff00::/8 are IPv6; others within 32 bits are IPv4', () => {
  const cases: [string, number | undefined, boolean][] = [
    ['0a000000', 8, true], ['0a000000', undefined, true], ['0a000000', 33, false], ['0a800000', 16, true], ['0abf0000', 16, true], ['0a00000000000001', undefined, false],
    ['20010db8', 32, false], ['3fff0000', 16, false], ['40000000', 8, true], ['1fff0000', 16, true],
    ['fc000000', 7, false], ['fd000000', 8, false], ['fe000000', 8, true],
    ['fe800000', 10, false], ['febf0000', 16, false], ['fec00000', 10, true], ['fe400000', 10, true], ['ff000000', 8, false],
  ];
  for (const [hex, bits, want] of cases) assert.is(isIPv4In16(b16(hex), 0, bits), want, `${hex}/${bits}`);
  assert.is(isIPv4In16(Uint8Array.from([9, ...b16('fe80')]), 1, 10), false, 'at an offset');
});

const Enc = suite('an address string written into a field');
const codec = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'value' });
Enc('fills the whole field, at the field\'s offset, leaving the bytes around it', () => {
  const rec = struct('r', 24, [f('a', 0, u32), f('addr', 4, u8x(16)), f('b', 20, u32)]);
  const c = codec(rec);
  const buf = new Uint8Array(28).fill(0xee);
  c.encodeInto({ a: 1, addr: '10.0.0.1', b: 2 }, buf, 4);
  assert.is(toHex(buf), 'eeeeeeee' + '01000000' + '0a000001' + '00'.repeat(12) + '02000000');
});
Enc('an int takes its decimal and 0x text as a number, text with . or : as an address', () => {
  assert.is(toHex(codec(u32).encode('16')), '10000000');
  assert.is(toHex(codec(u32).encode('0x10')), '10000000');
  assert.is(toHex(codec(u32).encode('10.0.0.1')), '0a000001');
  assert.is(toHex(codec(int('u128', 16, false)).encode('::1')), '00000000000000000000000000000001');
});
Enc('a refusal names what the field takes, with the hint that fits', () => {
  const err = (n: TypeNode, v: string) => { try { codec(n).encode(v); return 'accepted'; } catch (e) { return (e as Error).message; } };
  assert.is(err(u8x(4), '::1'), "value: expected an IPv4 address or a list of at most 4 __u8, got '::1' (an IPv6 address needs 16 bytes; this field has 4)");
  assert.is(err(u8x(6), '10.0.0.1'), "value: expected a MAC address or a list of at most 6 __u8, got '10.0.0.1' (an IP address does not fit a 6-byte MAC field)");
  assert.is(err(u8x(6), '::1'), "value: expected a MAC address or a list of at most 6 __u8, got '::1' (an IP address does not fit a 6-byte MAC field)");
  assert.is(err(u8x(16), '02:00:00:00:00:01'), "value: expected an IPv4/IPv6 address or a list of at most 16 __u8, got '02:00:00:00:00:01' (a MAC address does not fit a 16-byte IP field)");
  assert.is(err(u8x(4), ' ::1 '), "value: expected an IPv4 address or a list of at most 4 __u8, got ' ::1 ' (an IPv6 address needs 16 bytes; this field has 4)");
  assert.is(err(u8x(4), '10.0.0.0/8'), "value: expected an IPv4 address or a list of at most 4 __u8, got '10.0.0.0/8' (a /prefix length is only allowed in the address field of an LPM trie key)");
  assert.is(err(be32, '10.0.0.256'), "value: expected u32 0..4294967295 or an IPv4 address, got '10.0.0.256'");
  assert.is(err(struct('mac', 6, [f('addr', 0, u8x(6))]), 'x:y'), "value: expected a MAC address or struct mac, got 'x:y'");
});
Shape.run();
Parse.run();
V6.run();
Enc.run();
