// LPM trie keys through the codec, offline: which keys have the LPM layout (a first member that is an
// unsigned u32, address fields after it), how a prefix length written as text or as a number is read
// and when it is left to the integer codec, the exact refusals of a bare address and of a key with no
// prefix, lpmHostQuery (a lookup's bare address is one host), the pretty printer, and the template.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec, lpmHostQuery } from '../src/codec/index.js';
import { templateYaml, toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, be32, enm, f, ipv4LpmMap, lpmKey, mapOf, s32, struct, u16, u32, u64, u8, union } from './oracle/schemas.js';

const key = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'key', lpmKey: true });
const plain = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'key' });
/** The hex of the encoded key, or the error's code and message. */
const enc = (n: TypeNode, input: unknown): string => {
  try { return toHex(key(n).encode(input)); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
const k4 = struct('k4', 8, [f('prefixlen', 0, u32), f('addr', 4, arr(u8, 4))]);
const two = struct('k2', 12, [f('prefixlen', 0, u32), f('a', 4, arr(u8, 4)), f('b', 8, arr(u8, 4))]);
const mac = struct('km', 10, [f('prefixlen', 0, u32), f('mac', 4, arr(u8, 6))]);
const GIVE = 'give the prefix once: leave prefixlen out, or write addr without /len';
const U32 = 'VALUE_INVALID: key.prefixlen: expected u32 0..4294967295';

const Layout = suite('LPM key layout: only a struct whose first member is an unsigned u32 and which has more');
// Not an LPM layout: the key is encoded as it is (fields left out are zero), no prefix is asked for.
const NOT_LPM: [string, TypeNode, unknown, string][] = [
  ['a u64 key', u64, 5, '0500000000000000'],
  ['a struct with the prefix length only', struct('k1', 4, [f('prefixlen', 0, u32)]), {}, '00000000'],
  ['a union', union('u', 4, [f('prefixlen', 0, u32), f('addr', 0, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '0a000000'],
  ['an unnamed first member', struct('ku', 8, [f('', 0, u32), f('addr', 4, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '000000000a000000'],
  ['a first member not at offset 0', struct('ko', 12, [f('prefixlen', 4, u32), f('addr', 8, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '00000000000000000a000000'],
  ['a bitfield first', struct('kb', 8, [f('prefixlen', 0, u32, { bitOffset: 0, bitSize: 8 }), f('addr', 4, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '000000000a000000'],
  ['an enum first', struct('ke', 8, [f('prefixlen', 0, enm('e', 4, false, [['A', 0]])), f('addr', 4, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '000000000a000000'],
  ['a u16 first', struct('k16', 8, [f('prefixlen', 0, u16), f('addr', 4, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '000000000a000000'],
  ['a u64 first', struct('k64', 12, [f('prefixlen', 0, u64), f('addr', 8, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '00000000000000000a000000'],
  ['a signed s32 first', struct('ks', 8, [f('prefixlen', 0, s32), f('addr', 4, arr(u8, 4))]), { addr: [10, 0, 0, 0] }, '000000000a000000'],
];
for (const [what, node, input, hex] of NOT_LPM) {
  Layout(`not LPM: ${what}`, () => {
    assert.is(enc(node, input), hex);
    assert.equal(key(node).decode(key(node).encode(input), 0, { prettyAddresses: true }), plain(node).decode(plain(node).encode(input), 0, { prettyAddresses: true }));
  });
}
Layout('LPM without address fields (u32, u16s after the prefix length): the prefix length is asked for', () => {
  const want = (bits: number) => `VALUE_INVALID: key.prefixlen: expected the prefix length (0..${bits}, the bits of the key after prefixlen that must match), got nothing; ` +
    'a key without it would be /0 and match everything';
  assert.is(enc(struct('kn', 8, [f('prefixlen', 0, u32), f('ifindex', 4, u32)]), { ifindex: 1 }), want(32));
  assert.is(enc(struct('kp', 12, [f('prefixlen', 0, u32), f('port', 4, u16), f('x', 6, u16), f('y', 8, u32)]), { port: 1 }), want(64));
  assert.is(enc(struct('kn', 8, [f('prefixlen', 0, u32), f('ifindex', 4, u32)]), { prefixlen: 8, ifindex: 1 }), '0800000001000000');
});
Layout('an address bitfield is no address field: its text takes no /len', () => {
  const kb = struct('kba', 8, [f('prefixlen', 0, u32), f('addr', 4, be32, { bitOffset: 0, bitSize: 32 })]);
  assert.is(enc(kb, { addr: '10.0.0.0/24' }), "VALUE_INVALID: key.addr: expected u32 0..4294967295 or an IPv4 address, got '10.0.0.0/24' " +
    '(a /prefix length is only allowed in the address field of an LPM trie key)');
  assert.is(enc(kb, { prefixlen: 24, addr: 167772160 }), '180000000a000000');
});
Layout('a prefix length typed __be32 is the prefix, never an address field: text 24 is /24', () => {
  const kbe = struct('kbe', 8, [f('prefixlen', 0, be32), f('addr', 4, be32)]);
  for (const input of [{ prefixlen: '24', addr: '10.0.0.0' }, { prefixlen: 24, addr: '10.0.0.0' }, { addr: '10.0.0.0/24' }]) {
    assert.is(enc(kbe, input), '000000180a000000', JSON.stringify(input));
  }
});
Layout('input that is not an object goes to the struct codec as it is', () => {
  for (const input of ['080000000a000001', new Uint8Array(8), [8, [10, 0, 0, 1]], null, 5]) {
    let lpm = '', other = '';
    try { key(k4).encode(input); } catch (e) { lpm = (e as Error).message; }
    try { plain(k4).encode(input); } catch (e) { other = (e as Error).message; }
    assert.is(lpm, other);
    assert.match(lpm, /^key: expected struct k4 \(an object with fields prefixlen, addr\), got /);
  }
});
Layout.run();

const Cidr = suite('LPM keys: an address with /len');
Cidr('spaces around the text are trimmed', () => assert.is(enc(k4, { addr: ' 10.0.0.0/24 ' }), '180000000a000000'));
Cidr('not an address: the message says a /len was given', () => {
  assert.is(enc(k4, { addr: '10.0.0.300/24' }), "VALUE_INVALID: key.addr: expected an IPv4 address with a /prefix length, got '10.0.0.300/24'");
  assert.is(enc(k4, { addr: '/24' }), "VALUE_INVALID: key.addr: expected an IPv4 address with a /prefix length, got '/24'");
  assert.is(enc(k4, { addr: '10.0.0.300' }), "VALUE_INVALID: key.addr: expected an IPv4 address, got '10.0.0.300'");
});
Cidr('two address fields: the last decides, one before it must be whole', () => {
  assert.is(enc(two, { a: '10.0.0.0', b: '10.0.0.1/8' }), '280000000a0000000a000001');
  assert.is(enc(two, { a: '10.0.0.0/8', b: '10.0.0.1/32' }), "VALUE_INVALID: key.prefixlen: 64 (from b) contradicts a '10.0.0.0/8', " +
    'which means prefixlen 8; give the prefix once: leave prefixlen out, or write a without /len');
});
Cidr.run();

const Explicit = suite('LPM keys: an explicit prefix length (number, bigint, decimal or 0x text)');
const contra = (gave: string) => `VALUE_INVALID: key.prefixlen: ${gave} contradicts addr '10.0.0.0/16', which means prefixlen 16; ${GIVE}`;
const range = (gave: string) => `VALUE_RANGE: key.prefixlen: expected a prefix length 0..32 (the bits after prefixlen in this 8-byte key), got ${gave}`;
const EXPLICIT: [string, unknown, string][] = [
  ['decimal text', '24', contra("'24'")],
  ['decimal text with spaces', '  24 ', contra("'  24 '")],
  ['0x text', '0x18', contra("'0x18'")],
  ['0X text', '0X18', contra("'0X18'")],
  ['text with a plus sign, as the integer codec takes it', '+24', contra("'+24'")],
  ['0x text with a plus sign', '+0x18', contra("'+0x18'")],
  ['decimal text beyond the key', '33', range("'33'")],
  ['a number', 24, contra('24')],
  ['0', 0, contra('0')],
  ['0n', 0n, contra('0')],
  ['the largest u32, a number', 0xffffffff, range('4294967295')],
  ['the largest u32, a bigint', 0xffffffffn, range('4294967295')],
  // Not a u32: the integer codec refuses it, before any contradiction.
  ['text that is no integer', 'abc', `${U32}, got 'abc'`],
  ['a decimal fraction as text', '24.0', `${U32} or an IPv4 address, got '24.0'`],
  ['an exponent', '1e1', `${U32}, got '1e1'`],
  ['a fraction', 1.5, `${U32}, got 1.5`],
  ['negative', -1, 'VALUE_RANGE: key.prefixlen: expected u32 0..4294967295, got -1'],
  ['2^32', 2 ** 32, 'VALUE_RANGE: key.prefixlen: expected u32 0..4294967295, got 4294967296'],
  ['2^40 as a bigint', 2n ** 40n, 'VALUE_RANGE: key.prefixlen: expected u32 0..4294967295, got 1099511627776'],
];
for (const [what, prefixlen, want] of EXPLICIT) Explicit(what, () => assert.is(enc(k4, { prefixlen, addr: '10.0.0.0/16' }), want));
Explicit('agreeing lengths are accepted, the /len stripped', () => {
  for (const prefixlen of [16, 16n, '16', ' 16 ', '0x10']) assert.is(enc(k4, { prefixlen, addr: '10.0.0.0/16' }), '100000000a000000', String(prefixlen));
});
Explicit.run();

const Messages = suite('LPM keys: a bare address, a key with no prefix');
Messages('a bare address is refused with the host it could be, trimmed', () => {
  assert.is(enc(k4, { addr: ' 10.0.0.9 ' }), "VALUE_INVALID: key.addr: expected addr with a /prefix length or prefixlen set, got ' 10.0.0.9 ' with neither; " +
    'write 10.0.0.9/32 for this one host (prefixlen 32), a network as address/len, or set prefixlen');
  assert.is(enc(lpmKey, { ingress_ifindex: 1, ip_data: '2001:db8::1' }), "VALUE_INVALID: key.ip_data: expected ip_data with a /prefix length or prefixLen set, " +
    "got '2001:db8::1' with neither; write 2001:db8::1/128 for this one host (prefixLen 160, counting the 32 bits of the fields before ip_data), " +
    'a network as address/len, or set prefixLen');
});
Messages('no prefix: the example counts the fields before the address', () => {
  assert.is(enc(mac, { mac: [2, 0, 0, 0, 0, 0] }), 'VALUE_INVALID: key.prefixlen: the prefix length is not given: write mac as CIDR ' +
    '(mac: 02:00:00:00:00:00/24 makes prefixlen 24) or set prefixlen (prefixlen: 24); a key with neither would be /0 and match every address');
  assert.is(enc(lpmKey, {}), 'VALUE_INVALID: key.prefixLen: the prefix length is not given: write ip_data as CIDR (ip_data: 10.0.0.0/24 makes prefixLen 56, ' +
    'counting the 32 bits of the fields before ip_data) or set prefixLen (prefixLen: 56); a key with neither would be /0 and match every address');
});
Messages.run();

const Host = suite('lpmHostQuery: a lookup\'s bare address is one host');
const HOST: [string, TypeNode | null, Record<string, unknown>, unknown][] = [
  ['IPv4, trimmed', k4, { addr: ' 10.0.0.9 ' }, { addr: '10.0.0.9/32' }],
  ['IPv6 in 16 bytes', lpmKey, { ingress_ifindex: 1, ip_data: '2001:db8::1' }, { ingress_ifindex: 1, ip_data: '2001:db8::1/128' }],
  ['IPv4 in 16 bytes', lpmKey, { ip_data: '10.0.0.9' }, { ip_data: '10.0.0.9/32' }],
  ['a MAC', mac, { mac: '02:00:00:00:00:01' }, { mac: '02:00:00:00:00:01/48' }],
  ['the last address text decides', two, { a: '10.0.0.1', b: '10.0.0.2' }, { a: '10.0.0.1', b: '10.0.0.2/32' }],
  ['an address as bytes is not text', two, { a: '10.0.0.1', b: [1, 2, 3, 4] }, { a: '10.0.0.1/32', b: [1, 2, 3, 4] }],
];
for (const [what, node, input, want] of HOST) Host(what, () => assert.equal(lpmHostQuery(node, input), want));
const SAME: [string, TypeNode | null, unknown][] = [
  ['a prefix length given', k4, { prefixlen: 8, addr: '10.0.0.9' }],
  ['a /len given', k4, { addr: '10.0.0.0/8' }],
  ['no address', k4, { prefixlen: 8 }],
  ['no address text', k4, { addr: [10, 0, 0, 9] }],
  ['not an address', k4, { addr: 'x' }],
  ['no key type', null, { addr: '10.0.0.9' }],
  ['not an LPM key', u64, { addr: '10.0.0.9' }],
  ['a list', k4, ['10.0.0.9']],
  ['bytes', k4, new Uint8Array(8)],
  ['null', k4, null],
  ['text', k4, '10.0.0.9'],
];
for (const [what, node, input] of SAME) Host(`as it is: ${what}`, () => assert.is(lpmHostQuery(node, input), input));
Host('the query encodes to the host key', () => {
  assert.is(toHex(key(lpmKey).encode(lpmHostQuery(lpmKey, { ingress_ifindex: 1, ip_data: '10.0.0.9' }))), '40000000' + '01000000' + '0a000009' + '00'.repeat(12));
});
Host.run();

const Pretty = suite('LPM keys: the pretty printer');
const pretty = (n: TypeNode, input: unknown) => key(n).decode(key(n).encode(input), 0, { prettyAddresses: true });
Pretty('IPv4 as CIDR; a MAC is printed whole, without /len', () => {
  assert.equal(pretty(k4, { addr: '10.0.0.0/24' }), { prefixlen: 24, addr: '10.0.0.0/24' });
  assert.equal(pretty(mac, { mac: '02:00:00:00:00:00/24' }), { prefixlen: 24, mac: '02:00:00:00:00:00' });
});
Pretty('an anonymous union of IPv4 and IPv6: only the member decode prints gets the /len', () => {
  const an = struct('ka', 20, [f('prefixlen', 0, u32), f('', 4, union('', 16, [f('v4', 0, arr(u8, 4)), f('v6', 0, arr(u8, 16))]))]);
  assert.equal(pretty(an, { v4: '10.0.0.0/24' }), { prefixlen: 24, v6: '10.0.0.0/24' });
  assert.equal(pretty(an, { v6: '2001:db8::/32' }), { prefixlen: 32, v6: '2001:db8::/32' });
});
Pretty('a __be32 prefix length prints as an address: the address fields print as without a prefix', () => {
  const be = struct('kbe', 20, [f('prefixlen', 0, be32), f('addr', 4, arr(u8, 16))]);
  assert.equal(pretty(be, { prefixlen: 24, addr: '10.0.0.0' }), { prefixlen: '0.0.0.24', addr: '10.0.0.0' });
});
Pretty.run();

const Tpl = suite('LPM keys: the template');
Tpl('the prefix length line of an LPM key is a comment; a u64 key of an LPM trie is printed as it is', () => {
  assert.match(templateYaml(ipv4LpmMap(4)), /\n {2}# prefixlen: 0 {2}# __u32, offset 0, size 4; set it only when no address below is CIDR \(bits after prefixlen that must match, 0\.\.32\)\n/);
  assert.match(templateYaml(mapOf('x', 'lpm_trie', u64, u32)), /\nkey: 0 {2}# __u64, offset 0, size 8\n/);
});
Tpl.run();
