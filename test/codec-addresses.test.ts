// Address input for the types real programs use, byte-exact against C: test/oracle/addresses.c fills
// the structs of fixtures/src/address-types.h with inet_pton / ether_aton (compiled with gcc), and
// the codec, working from the BTF of fixtures/addresses.bpf{el,eb}.o, must give the same bytes from
// address strings. Then: what --pretty-addresses prints (one address per field, IPv6 LPM prefixes
// of /32 and shorter as IPv6), that it encodes back to the same bytes, and the refusals.
import { suite, skip as skipTest } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { loadObjectFile, findMap, mapCodecs, toHex, fromHex } from '../src/index.js';
import { ROOT } from './helpers/cli.js';
import { addressOracle } from './helpers/address-oracle.js';

const { skip, bytes: gcc, sizes } = addressOracle();

const objects = {
  little: loadObjectFile(join(ROOT, 'fixtures/addresses.bpfel.o')),
  big: loadObjectFile(join(ROOT, 'fixtures/addresses.bpfeb.o')),
};
function codec(order: 'little' | 'big', map: string, part: 'key' | 'value') {
  const o = objects[order];
  return mapCodecs(findMap(o.schema, map), o.schema.byteOrder)[part];
}
/** gcc's bytes with the host-order scalars at [offset, size] reversed (what a bpfeb object holds). */
function swapped(hex: string, scalars: [number, number][]): string {
  const b = fromHex(hex)!;
  for (const [o, n] of scalars) b.subarray(o, o + n).reverse();
  return toHex(b);
}

interface Case { oracle: string; map: string; part: 'key' | 'value'; input: unknown; pretty: unknown; be?: [number, number][] }
const CASES: Case[] = [
  { oracle: 'addr_key_v6', map: 'addr_hash', part: 'key',
    input: { wide: '2001:db8::42', in6: 'fe80::1', be32x4: '2001:db8:0:1::7', u8x16: '::ffff:192.0.2.33', host_v4: '192.0.2.1',
      net_v4: '198.51.100.7', mac: '02:00:5e:10:00:01', mac_bytes: 'AA-BB-CC-DD-EE-FF' },
    pretty: { in6: 'fe80::1', be32x4: '2001:db8:0:1::7', u8x16: '::ffff:192.0.2.33', net_v4: '198.51.100.7', mac: '02:00:5e:10:00:01', mac_bytes: 'aa:bb:cc:dd:ee:ff' } },
  { oracle: 'addr_key_v4', map: 'addr_hash', part: 'key',
    input: { wide: '10.0.0.1', in6: '192.0.2.9', be32x4: '10.1.2.3', u8x16: '203.0.113.5', host_v4: '255.255.255.255', net_v4: '0.0.0.1' },
    pretty: { in6: '192.0.2.9', be32x4: '10.1.2.3', u8x16: '203.0.113.5', net_v4: '0.0.0.1', host_v4: 0xffffffff } },
  { oracle: 'vip_v4', map: 'vip_map', part: 'key', input: { vip: '10.200.1.1', port: 80, proto: 6 },
    pretty: { vipv6: '10.200.1.1', port: 80, proto: 6 }, be: [[16, 2]] },
  { oracle: 'vip_v4', map: 'vip_map', part: 'key', input: { vipv6: '10.200.1.1', port: 80, proto: 6 },
    pretty: { vipv6: '10.200.1.1' }, be: [[16, 2]] },
  { oracle: 'vip_v6', map: 'vip_map', part: 'key', input: { vipv6: '2001:db8::1', port: 443, proto: 17 },
    pretty: { vipv6: '2001:db8::1', port: 443, proto: 17 }, be: [[16, 2]] },
  { oracle: 'lpm_katran_v6_32', map: 'lpm_katran', part: 'key', input: { addr: '2001:db8::/32' },
    pretty: { prefixlen: 32, addr: '2001:db8::/32' }, be: [[0, 4]] },
  { oracle: 'lpm_katran_v4_24', map: 'lpm_katran', part: 'key', input: { addr: '198.18.7.0/24' },
    pretty: { prefixlen: 24, addr: '198.18.7.0/24' }, be: [[0, 4]] },
  { oracle: 'lpm_in6_64', map: 'lpm_in6', part: 'key', input: { addr: '2001:db8:1:2::/64' },
    pretty: { prefixlen: 64, addr: '2001:db8:1:2::/64' }, be: [[0, 4]] },
  { oracle: 'lpm_in6_10', map: 'lpm_in6', part: 'key', input: { addr: 'fe80::/10' },
    pretty: { prefixlen: 10, addr: 'fe80::/10' }, be: [[0, 4]] },
  { oracle: 'mac_addr', map: 'mac_table', part: 'key', input: '02:00:5e:10:00:01', pretty: '02:00:5e:10:00:01' },
];

const O = suite('address strings -> bytes == gcc (inet_pton, ether_aton)');
{
  O('the BTF layouts match gcc\'s', () => {
    if (skip) return skipTest(skip);
    assert.is(codec('little', 'addr_hash', 'key').size, sizes.get('struct addr_key'));
    assert.is(codec('little', 'vip_map', 'key').size, sizes.get('struct vip_definition'));
    assert.is(codec('little', 'lpm_in6', 'key').size, sizes.get('struct in6_lpm_key'));
    assert.is(codec('little', 'mac_table', 'key').size, sizes.get('struct mac_addr'));
  });
  for (const c of CASES) {
    O(`${c.oracle} from ${JSON.stringify(c.input)} (bpfel)`, () => {
      if (skip) return skipTest(skip);
      assert.is(toHex(codec('little', c.map, c.part).encode(c.input)), gcc.get(c.oracle));
    });
    O(`${c.oracle} (bpfeb: host-order scalars swapped, address bytes not)`, () => {
      if (skip) return skipTest(skip);
      assert.is(toHex(codec('big', c.map, c.part).encode(c.input)), swapped(gcc.get(c.oracle)!, c.be ?? []));
    });
  }
}
O.run();

const P = suite('pretty output: one address per field, and back to the same bytes');
{
  for (const c of CASES) {
    P(`${c.oracle}: prints ${JSON.stringify(c.pretty)}`, () => {
      if (skip) return skipTest(skip);
      for (const order of ['little', 'big'] as const) {
        const k = codec(order, c.map, c.part);
        const bytes = fromHex(order === 'little' ? gcc.get(c.oracle)! : swapped(gcc.get(c.oracle)!, c.be ?? []))!;
        const d = k.decode(bytes, 0, { prettyAddresses: true });
        if (typeof c.pretty === 'object') {
          for (const [f, v] of Object.entries(c.pretty as object)) assert.equal((d as Record<string, unknown>)[f], v, `${order} ${f}`);
        } else {
          assert.is(d, c.pretty);
        }
        // dump -> apply: what is printed encodes to the same bytes, with and without pretty addresses.
        assert.is(toHex(k.encode(d)), toHex(bytes), `${order} pretty round trip`);
        assert.is(toHex(k.encode(k.decode(bytes))), toHex(bytes), `${order} plain round trip`);
      }
    });
  }
}
P('without prettyAddresses an in6_addr prints as its bytes, a __be32[4] as numbers', () => {
  const k = codec('little', 'addr_hash', 'key');
  const d = k.decode(k.encode({ in6: 'fe80::1', be32x4: '10.0.0.1' })) as { in6: { in6_u: { u6_addr8: number[] } }; be32x4: number[] };
  assert.equal(d.in6.in6_u.u6_addr8, [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(d.be32x4, [0x0a000001, 0, 0, 0]);
});
P.run();

const R = suite('an address that does not fit is refused, naming the field');
const refusals: [string, string, 'key' | 'value', unknown, string][] = [
  ['IPv6 into a __be32', 'addr_hash', 'key', { net_v4: '2001:db8::1' },
    "key.net_v4: expected u32 0..4294967295 or an IPv4 address, got '2001:db8::1' (an IPv6 address needs 16 bytes; this field has 4)"],
  ['IPv6 into a __u32', 'addr_hash', 'key', { host_v4: 'fe80::1' },
    "key.host_v4: expected u32 0..4294967295 or an IPv4 address, got 'fe80::1' (an IPv6 address needs 16 bytes; this field has 4)"],
  ['an IP into a 6-byte MAC struct', 'addr_hash', 'key', { mac: '10.0.0.1' },
    "key.mac: expected a MAC address or struct mac_addr, got '10.0.0.1' (an IP address does not fit a 6-byte MAC field)"],
  ['a MAC into struct in6_addr', 'addr_hash', 'key', { in6: 'aa:bb:cc:dd:ee:ff' },
    "key.in6: expected an IPv4/IPv6 address or struct in6_addr, got 'aa:bb:cc:dd:ee:ff' (a MAC address does not fit a 16-byte IP field)"],
  ['a bad IPv4 into __int128', 'addr_hash', 'key', { wide: '300.1.1.1' },
    "key.wide: expected u128 0..340282366920938463463374607431768211455 or an IPv4/IPv6 address, got '300.1.1.1'"],
  ['a CIDR outside an LPM key', 'addr_hash', 'key', { be32x4: 'fe80::/64' },
    "key.be32x4: expected an IPv4/IPv6 address or a list of at most 4 __be32, got 'fe80::/64' (a /prefix length is only allowed in the address field of an LPM trie key)"],
  ['an IPv6 VIP into the IPv4 member', 'vip_map', 'key', { vip: '2001:db8::1' },
    "key.vip: expected u32 0..4294967295 or an IPv4 address, got '2001:db8::1' (an IPv6 address needs 16 bytes; this field has 4)"],
  ['not a MAC as a whole key', 'mac_table', 'key', '02:00:5e:10:00',
    "key: expected a MAC address or struct mac_addr, got '02:00:5e:10:00'"],
];
for (const [name, map, part, input, msg] of refusals) {
  R(name, () => {
    try {
      codec('little', map, part).encode(input);
      assert.unreachable('encoded');
    } catch (e) {
      assert.is((e as Error).message, msg);
      assert.is((e as { code?: string }).code, 'VALUE_INVALID');
    }
  });
}
R('an int still takes its decimal and 0x strings', () => {
  assert.is(toHex(codec('little', 'addr_hash', 'key').encode({ host_v4: '0x0100007f' })).slice(128, 136), '7f000001');
});
R.run();
