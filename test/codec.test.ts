import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec, mapCodecs, parseInteger, type Codec } from '../src/codec/index.js';
import { toHex, fromHex } from '../src/bytes.js';
import type { TypeNode } from '../src/schema/types.js';
import { be16, be32, be64, bool, char, f, firewallMap, int, struct, u8, u16, u32, u64, s8, s16, s32, s64 } from './oracle/schemas.js';
import { bitsLE, padded, unionU, withAnon } from './oracle/cov-schema.js';

const codec = (node: TypeNode | null, byteOrder: 'little' | 'big' = 'little', size = node?.size ?? 0, root: 'key' | 'value' = 'value'): Codec =>
  compileCodec(node, { byteOrder, size, root });
const fw = mapCodecs(firewallMap, 'little');
const P = codec(padded);
const B = codec(bitsLE);
const U = codec(unionU);
const A = codec(withAnon);
const O = codec(null, 'little', 4, 'key');
const codecs: Record<string, Codec> = { 'fw.key': fw.key, 'fw.value': fw.value, P, B, U, A, O };

// ---------------------------------------------------------------------------------------------
const Ints = suite('compileCodec: integer boundaries');
const INT_TABLE: [TypeNode, unknown, string, string][] = [
  // node, input, little-endian hex, big-endian hex
  [u8, 0, '00', '00'], [u8, 255, 'ff', 'ff'], [u8, '0xff', 'ff', 'ff'],
  [s8, -128, '80', '80'], [s8, 127, '7f', '7f'], [s8, -1, 'ff', 'ff'],
  [u16, 65535, 'ffff', 'ffff'], [u16, 0x1234, '3412', '1234'], [s16, -32768, '0080', '8000'], [s16, 32767, 'ff7f', '7fff'],
  [u32, 4294967295, 'ffffffff', 'ffffffff'], [u32, '0x01020304', '04030201', '01020304'], [s32, -2147483648, '00000080', '80000000'],
  [s32, '-2', 'feffffff', 'fffffffe'],
  [u64, 18446744073709551615n, 'ffffffffffffffff', 'ffffffffffffffff'], [u64, '18446744073709551615', 'ffffffffffffffff', 'ffffffffffffffff'],
  [u64, 0x0102030405060708n, '0807060504030201', '0102030405060708'], [s64, -9223372036854775808n, '0000000000000080', '8000000000000000'],
  [s64, 9223372036854775807n, 'ffffffffffffff7f', '7fffffffffffffff'], [s64, -1, 'ffffffffffffffff', 'ffffffffffffffff'],
  // network byte order typedefs are big-endian in both objects
  [be16, 0x1234, '1234', '1234'], [be32, 0x0a000001, '0a000001', '0a000001'], [be32, '10.0.0.1', '0a000001', '0a000001'],
  [be64, 1n, '0000000000000001', '0000000000000001'],
  [bool, true, '01', '01'], [bool, false, '00', '00'], [char, -1, 'ff', 'ff'],
  [int('__u128', 16, false), (1n << 128n) - 1n, 'ff'.repeat(16), 'ff'.repeat(16)],
  [int('u24', 4, false, { bits: 24 }), 0xabcdef, 'efcdab00', '00abcdef'],
];
for (const [node, input, le, be] of INT_TABLE) {
  Ints(`${node.name} ${String(input)} -> ${le} / ${be}`, () => {
    assert.is(toHex(codec(node, 'little').encode(input)), le);
    assert.is(toHex(codec(node, 'big').encode(input)), be);
    const back = codec(node, 'little').decode(fromHex(le)!);
    if (typeof input === 'string' && input.includes('.')) assert.is(back, 0x0a000001);
    else if (node.size === 8 || node.size === 16) assert.is(back, BigInt(input as bigint));
    else if (typeof input === 'boolean') assert.is(back, input);
    else assert.is(back, Number(input));
  });
}
Ints('the type decides: 64-bit decodes to bigint even for small values, smaller to number', () => {
  assert.is(codec(u64).decode(fromHex('0500000000000000')!), 5n);
  assert.is(codec(u32).decode(fromHex('05000000')!), 5);
});
Ints('an int narrower than its storage keeps the unused bits zero and decodes only its bits', () => {
  const n = int('u24', 4, false, { bits: 24 });
  assert.is(codec(n).decode(fromHex('010203ff')!), 0x030201);
  assert.throws(() => codec(n).encode(0x1000000), /expected u24 0\.\.16777215, got 16777216/);
});
Ints('bools of other sizes decode 0 and 1 as false and true, other values as numbers', () => {
  const b8 = codec(int('b8', 8, false, { encoding: 'bool' }));
  assert.equal([b8.decode(fromHex('0000000000000000')!), b8.decode(fromHex('0100000000000000')!), b8.decode(fromHex('0200000000000000')!)], [false, true, 2n]);
  assert.is(toHex(b8.encode(true)), '0100000000000000');
  const b16 = codec(int('b16', 2, false, { encoding: 'bool' }));
  assert.equal([b16.decode(fromHex('0000')!), b16.decode(fromHex('0100')!), b16.decode(fromHex('0200')!)], [false, true, 2]);
  assert.is(toHex(b16.encode(true)), '0100');
  const bits = codec(struct('bb', 1, [f('on', 0, bool, { bitOffset: 0, bitSize: 1 }), f('n', 0, u8, { bitOffset: 1, bitSize: 7 })]));
  assert.equal([bits.decode(fromHex('00')!), bits.decode(fromHex('01')!), bits.decode(fromHex('03')!)], [{ on: false, n: 0 }, { on: true, n: 0 }, { on: true, n: 1 }]);
  assert.is(toHex(bits.encode({ on: true, n: 2 })), '05');
  const b3 = codec(int('b3', 3, false, { encoding: 'bool' }));
  assert.equal([b3.decode(fromHex('000000')!), b3.decode(fromHex('010000')!), b3.decode(fromHex('020000')!)], [false, true, 2]);
  assert.is(toHex(b3.encode(true)), '010000');
});
Ints('a signed int narrower than its storage is sign-extended from its own top bit', () => {
  const s24 = codec(int('s24', 4, true, { bits: 24 }));
  assert.is(s24.decode(fromHex('ffffff00')!), -1);
  assert.is(s24.decode(fromHex('feffffff')!), -2);
  assert.is(toHex(s24.encode(-2)), 'feffff00');
  const s40 = codec(int('s40', 8, true, { bits: 40 }));
  assert.is(s40.decode(fromHex('ffffffffff000000')!), -1n);
  assert.is(toHex(s40.encode(-1)), 'ffffffffff000000');
});
Ints.run();

// ---------------------------------------------------------------------------------------------
const PI = suite('parseInteger');
const PI_TABLE: [unknown, number, boolean, bigint | string][] = [
  [0, 8, false, 0n], [255, 8, false, 255n], [256, 8, false, 'p: expected u8 0..255, got 256'],
  ['0x10', 16, false, 16n], [' 42 ', 16, false, 42n], ['-0x80', 8, true, -128n], ['-129', 8, true, 'p: expected s8 -128..127, got \'-129\''],
  [18446744073709551615n, 64, false, 18446744073709551615n], ['18446744073709551616', 64, false, "p: expected u64 0..18446744073709551615, got '18446744073709551616'"],
  [2 ** 53, 64, false, 'p: expected u64 0..18446744073709551615, got 9007199254740992 (a number beyond 2^53 is not exact: write it as a string or bigint)'],
  [true, 8, false, 'p: expected u8 0..255, got true'], ['1e3', 16, false, "p: expected u16 0..65535, got '1e3'"],
  ['x0x10', 16, false, "p: expected u16 0..65535, got 'x0x10'"], ['0x10g', 16, false, "p: expected u16 0..65535, got '0x10g'"],
  ['0X1f', 16, false, 31n], ['+0x1F', 16, false, 31n], ['+7', 8, true, 7n],
];
for (const [input, bits, signed, want] of PI_TABLE) {
  PI(`${String(input)} as ${signed ? 's' : 'u'}${bits}`, () => {
    if (typeof want === 'bigint') assert.is(parseInteger(input, bits, signed, 'p'), want);
    else {
      try { parseInteger(input, bits, signed, 'p'); assert.unreachable(); } catch (e) {
        assert.is((e as Error).message, want);
        assert.is((e as { path: string }).path, 'p');
      }
    }
  });
}
PI('the width is checked: 1..1024 bits, whole numbers only', () => {
  assert.is(parseInteger(1, 1, false, 'p'), 1n);
  assert.is(parseInteger(-1, 1, true, 'p'), -1n);
  assert.is(parseInteger((1n << 1024n) - 1n, 1024, false, 'p'), (1n << 1024n) - 1n);
  for (const bits of [0, -8, 1025, 8.5, Number.NaN]) {
    try { parseInteger(1, bits, false, 'p'); assert.unreachable(`width ${bits}`); } catch (e) {
      assert.is((e as Error).message, `p: expected an integer width 1..1024, got ${bits}`);
      assert.is((e as { code: string }).code, 'VALUE_INVALID');
    }
  }
});
PI.run();

// ---------------------------------------------------------------------------------------------
const Bad = suite('compileCodec: bad inputs get exact messages');
const BAD: [string, unknown, string, string][] = [
  ['fw.value', { rules: { 3: { dstPortEnd: 70000 } } }, 'VALUE_RANGE', "value.rules[3].dstPortEnd: expected u16 0..65535, got 70000"],
  ['fw.key', { proto: 1 }, 'VALUE_INVALID', "key.proto: unknown field 'proto'; fields are prefixLen, ingress_ifindex, ip_data"],
  ['fw.key', { ip_data: '10.10.10.0/33' }, 'VALUE_RANGE', "key.ip_data: expected a prefix length 0..32 after '/', got '10.10.10.0/33'"],
  ['fw.key', { ip_data: '300.1.1.1' }, 'VALUE_INVALID', "key.ip_data: expected an IPv4/IPv6 address, got '300.1.1.1'"],
  ['fw.key', { prefixLen: -1 }, 'VALUE_RANGE', "key.prefixLen: expected u32 0..4294967295, got -1"],
  ['fw.key', { prefixLen: 4294967296 }, 'VALUE_RANGE', "key.prefixLen: expected u32 0..4294967295, got 4294967296"],
  ['fw.key', { prefixLen: '12abc' }, 'VALUE_INVALID', "key.prefixLen: expected u32 0..4294967295, got '12abc'"],
  ['fw.key', { prefixLen: 1.5 }, 'VALUE_INVALID', "key.prefixLen: expected u32 0..4294967295, got 1.5"],
  ['fw.key', { prefixLen: null }, 'VALUE_INVALID', "key.prefixLen: expected u32 0..4294967295, got null"],
  ['fw.key', { ip_data: new Array(17).fill(0) }, 'VALUE_RANGE', "key.ip_data: expected at most 16 elements for __u8[16], got 17"],
  ['fw.key', { ip_data: [1, 2, 256] }, 'VALUE_RANGE', "key.ip_data[2]: expected u8 0..255, got 256"],
  ['fw.key', 'hello', 'VALUE_INVALID', "key: expected struct lpm_ip_key_st (an object with fields prefixLen, ingress_ifindex, ip_data), got 'hello'"],
  ['fw.key', [1, 2], 'VALUE_INVALID', "key: expected struct lpm_ip_key_st (an object with fields prefixLen, ingress_ifindex, ip_data), got a list of 2"],
  ['fw.value', { rules: { 100: {} } }, 'VALUE_RANGE', "value.rules[100]: index out of range 0..99 (struct ruleType_st[100])"],
  ['fw.value', { rules: { x: {} } }, 'VALUE_INVALID', "value.rules[\"x\"]: expected an index 0..99, got 'x'"],
  ['fw.value', { rules: [{ ruleId: 1 }, { action: 'x' }] }, 'VALUE_INVALID', "value.rules[1].action: expected u8 0..255, got 'x'"],
  ['fw.value', { rules: 5 }, 'VALUE_INVALID', "value.rules: expected a list of at most 100 struct ruleType_st, or an index map, got 5"],
  ['fw.value', { rules: { 0: { ruleId: 2n ** 32n } } }, 'VALUE_RANGE', "value.rules[0].ruleId: expected u32 0..4294967295, got 4294967296"],
  ['P', { verdict: 'V_DRPO' }, 'VALUE_INVALID', "value.verdict: 'V_DRPO' is not an enumerator of enum verdict (V_DROP, V_PASS, V_REDIRECT)"],
  ['P', { verdict: 3n ** 40n }, 'VALUE_RANGE', "value.verdict: expected enum verdict value u32 0..4294967295, got 12157665459056928801"],
  ['P', { verdict: true }, 'VALUE_INVALID', "value.verdict: expected an enumerator of enum verdict (V_DROP, V_PASS, V_REDIRECT) or an integer, got true"],
  ['P', { name: 'much too long' }, 'VALUE_RANGE', "value.name: expected a string of at most 8 bytes for char[8], got 13 bytes ('much too long')"],
  ['P', { mac: 'aa:bb:cc:dd:ee' }, 'VALUE_INVALID', "value.mac: expected a MAC address or a list of at most 6 __u8, got 'aa:bb:cc:dd:ee'"],
  ['P', { addr: '1.2.3' }, 'VALUE_INVALID', "value.addr: expected u32 0..4294967295 or an IPv4 address, got '1.2.3'"],
  ['P', { b: 32768 }, 'VALUE_RANGE', "value.b: expected s16 -32768..32767, got 32768"],
  ['P', { b: -32769 }, 'VALUE_RANGE', "value.b: expected s16 -32768..32767, got -32769"],
  ['P', { e: -129 }, 'VALUE_RANGE', "value.e: expected s8 -128..127, got -129"],
  ['P', { d: 18446744073709551616n }, 'VALUE_RANGE', "value.d: expected u64 0..18446744073709551615, got 18446744073709551616"],
  ['P', { d: -1 }, 'VALUE_RANGE', "value.d: expected u64 0..18446744073709551615, got -1"],
  ['P', { d: 2 ** 60 }, 'VALUE_INVALID', "value.d: expected u64 0..18446744073709551615, got 1152921504606846976 (a number beyond 2^53 is not exact: write it as a string or bigint)"],
  ['P', { ratio: 'fast' }, 'VALUE_INVALID', "value.ratio: expected a double number, got 'fast'"],
  ['P', { flag: 'yes' }, 'VALUE_INVALID', "value.flag: expected bool (true, false) or u8 0..255, got 'yes'"],
  ['P', { big: '0xfffffffffffffffff' }, 'VALUE_RANGE', "value.big: expected u64 0..18446744073709551615, got '0xfffffffffffffffff'"],
  ['B', { x: 8 }, 'VALUE_RANGE', "value.x: expected 3-bit unsigned bitfield 0..7, got 8"],
  ['B', { z: 2048 }, 'VALUE_RANGE', "value.z: expected 12-bit signed bitfield -2048..2047, got 2048"],
  ['B', { z: -2049 }, 'VALUE_RANGE', "value.z: expected 12-bit signed bitfield -2048..2047, got -2049"],
  ['B', { q: 2n ** 40n }, 'VALUE_RANGE', "value.q: expected 40-bit unsigned bitfield 0..1099511627775, got 1099511627776"],
  ['U', {}, 'VALUE_INVALID', "value: expected exactly one member of union u (word, bytes, half), got none"],
  ['U', { word: 1, half: { lo: 1 } }, 'VALUE_INVALID', "value.half: 'half' and 'word' are members of the same union; name exactly one"],
  ['A', { ip4: 1, ip6: [1] }, 'VALUE_INVALID', "value.ip6: 'ip6' and 'ip4' are members of the same union; name exactly one"],
  ['A', { sport: 70000 }, 'VALUE_RANGE', "value.sport: expected u16 0..65535, got 70000"],
  ['O', 'abcd', 'VALUE_INVALID', "key: expected a hex string of 4 bytes, got 2 bytes ('abcd')"],
  ['O', 12, 'VALUE_INVALID', "key: expected a hex string of 4 bytes, got 12; write all 8 hex digits (00000000)"],
  ['fw.key', { __proto__x: 1, ['__proto__']: 1 }, 'VALUE_INVALID', "key.__proto__x: unknown field '__proto__x'; fields are prefixLen, ingress_ifindex, ip_data"],
  ['fw.key', JSON.parse('{"__proto__": {"polluted": 1}}'), 'VALUE_INVALID', "key.__proto__: unknown field '__proto__'; fields are prefixLen, ingress_ifindex, ip_data"],
];
Bad('the table has at least 30 cases', () => { assert.ok(BAD.length >= 30); });
for (const [name, input, code, message] of BAD) {
  Bad(message, () => {
    try { codecs[name]!.encode(input); assert.unreachable('no error'); } catch (e) {
      const err = e as { name: string; code: string; message: string };
      assert.is(err.name, 'BpfmapError');
      assert.is(err.code, code);
      assert.is(err.message, message);
    }
  });
}
Bad('prototype pollution through __proto__ keys is refused and nothing leaks', () => {
  const evil = JSON.parse('{"rules": {"0": {"__proto__": {"polluted": 1}}}}');
  assert.throws(() => fw.value.encode(evil), /value\.rules\[0\]\.__proto__: unknown field '__proto__'/);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
  const protoField = struct('p', 4, [f('__proto__', 0, u32)]);
  const c = codec(protoField);
  const out = c.decode(c.encode(JSON.parse('{"__proto__": 7}'))) as Record<string, unknown>;
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.is(out['__proto__'], 7);
  assert.is(Object.getPrototypeOf(out), Object.prototype);
});
Bad('encodeInto leaves the target zeroed when the value is refused', () => {
  const out = new Uint8Array(30).fill(0xee);
  assert.throws(() => fw.key.encodeInto({ ingress_ifindex: 1, prefixLen: -1 }, out, 3));
  assert.is(toHex(out.subarray(3, 27)), '00'.repeat(24));
  assert.is(out[2], 0xee);
  assert.is(out[27], 0xee);
});
Bad.run();

// ---------------------------------------------------------------------------------------------
const Dirty = suite('encodeInto: a buffer that already holds data');
// Every byte the value does not set (padding, fields left out, other bits of a bitfield's word, array
// slots not named) comes out zero, and nothing outside the value's bytes is touched.
const DIRTY_TABLE: [string, Codec, unknown, string][] = [
  ['padded: a and port only; padding and the other fields zero', P, { a: 0xab, port: 8080 }, `ab${'00'.repeat(15)}1f90${'00'.repeat(62)}`],
  ['padded: empty object', P, {}, '00'.repeat(80)],
  ['bitfield x only: y, z, w and the rest zero', B, { x: 5 }, `05${'00'.repeat(15)}`],
  ['bitfield y only: x zero in the same byte', B, { y: 1 }, `08${'00'.repeat(15)}`],
  ['anonymous union member omitted', A, { kind: 4 }, `04000000${'00'.repeat(20)}`],
  ['union: half.lo only, half.hi zero', U, { half: { lo: 1 } }, '01000000'],
  ['firewall value: one rule of 100, one field of it', fw.value, { rules: { 3: { ruleId: 7 } } }, `${'00'.repeat(36)}07000000${'00'.repeat(1160)}`],
  ['LPM key from a CIDR: the address bytes after the prefix zero', fw.key, { ingress_ifindex: 6, ip_data: '10.0.0.0/8' }, `28000000060000000a${'00'.repeat(15)}`],
];
for (const [name, c, value, hex] of DIRTY_TABLE) {
  Dirty(name, () => {
    assert.is(toHex(c.encode(value)), hex, 'encode');
    const out = new Uint8Array(c.size + 7).fill(0xee);
    c.encodeInto(value, out, 3);
    assert.is(toHex(out.subarray(3, 3 + c.size)), hex, 'encodeInto over 0xee bytes');
    assert.is(toHex(out.subarray(0, 3)), 'eeeeee', 'bytes before the value untouched');
    assert.is(toHex(out.subarray(3 + c.size)), 'ee'.repeat(4), 'bytes after the value untouched');
  });
}
Dirty.run();
