// LPM key input refused with the message that says how to write it: a `/len` too long or not 1 to 3
// digits, a prefix length that contradicts a `/len` (what the `/len` means, counting the fields before
// the address), and a key that states no prefix (the example fits the field: an IPv4 address or a MAC).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { toHex } from '../src/bytes.js';
import { arr, f, lpmKey, struct, u8, u32 } from './oracle/schemas.js';

const k4 = struct('k4', 8, [f('prefixlen', 0, u32), f('addr', 4, arr(u8, 4))]);
const mac = struct('km', 10, [f('prefixlen', 0, u32), f('mac', 4, arr(u8, 6))]);
const key = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'key', lpmKey: true });
const GIVE = (p: string, a: string) => `give the prefix once: leave ${p} out, or write ${a} without /len`;

const L = suite('LPM keys: refusals that say how to write the key');
const REFUSED: [string, TypeNode, unknown, string][] = [
  ['/33 on IPv4', k4, { addr: '10.0.0.1/33' }, "key.addr: expected a prefix length 0..32 after '/', got '10.0.0.1/33'"],
  ['/0032: at most three digits', k4, { addr: '10.0.0.1/0032' }, "key.addr: expected a prefix length 0..32 after '/', got '10.0.0.1/0032'"],
  // iproute2 reads a `/len` with base 0 (`ip route add 10.0.0.0/010` is a /8): neither reading is guessed.
  ['/010: a leading zero, octal to iproute2', k4, { addr: '10.0.0.0/010' }, "key.addr: expected a prefix length 0..32 after '/', got '10.0.0.0/010': /010 has a leading zero (iproute2 reads it as octal, 8): write /10 or /8"],
  ['/08: a leading zero, not octal', lpmKey, { ingress_ifindex: 1, ip_data: '10.0.0.0/08' }, "key.ip_data: expected a prefix length 0..32 after '/', got '10.0.0.0/08': /08 has a leading zero: write /8"],
  ['a prefix length beyond the key', k4, { prefixlen: 33n }, 'key.prefixlen: expected a prefix length 0..32 (the bits after prefixlen in this 8-byte key), got 33'],
  ['an explicit length against /16', k4, { prefixlen: 8, addr: '10.0.0.0/16' }, `key.prefixlen: 8 contradicts addr '10.0.0.0/16', which means prefixlen 16; ${GIVE('prefixlen', 'addr')}`],
  ['against /32 at the end of the key', k4, { prefixlen: 8, addr: '10.0.0.1/32' }, `key.prefixlen: 8 contradicts addr '10.0.0.1/32', which means prefixlen 32; ${GIVE('prefixlen', 'addr')}`],
  ['against /0 at the start of the key', k4, { prefixlen: 8, addr: '10.0.0.0/0' }, `key.prefixlen: 8 contradicts addr '10.0.0.0/0', which means prefixlen 0; ${GIVE('prefixlen', 'addr')}`],
  ['against /0 after 32 bits', lpmKey, { prefixLen: 40, ip_data: '10.0.0.0/0' }, `key.prefixLen: 40 contradicts ip_data '10.0.0.0/0', which means prefixLen 32 or less (32 bits before ip_data + 0); ${GIVE('prefixLen', 'ip_data')}`],
  ['against a full IPv4 in 16 bytes', lpmKey, { prefixLen: 40, ip_data: '10.0.0.1/32' }, `key.prefixLen: 40 contradicts ip_data '10.0.0.1/32', which means prefixLen 64 or more (32 bits before ip_data + 32); ${GIVE('prefixLen', 'ip_data')}`],
  ['against /16 after 32 bits', lpmKey, { prefixLen: 40, ip_data: '10.0.0.0/16' }, `key.prefixLen: 40 contradicts ip_data '10.0.0.0/16', which means prefixLen 48 (32 bits before ip_data + 16); ${GIVE('prefixLen', 'ip_data')}`],
  // "-0" is 0 to the integer codec: it is checked as 0, never let through unchecked (it was a /0 key).
  ['"-0" against /24 is 0 against /24', lpmKey, { prefixLen: '-0', ip_data: '10.0.0.0/24' }, `key.prefixLen: '-0' contradicts ip_data '10.0.0.0/24', which means prefixLen 56 (32 bits before ip_data + 24); ${GIVE('prefixLen', 'ip_data')}`],
  ['"-0x0" against /16', k4, { prefixlen: '-0x0', addr: '10.0.0.0/16' }, `key.prefixlen: '-0x0' contradicts addr '10.0.0.0/16', which means prefixlen 16; ${GIVE('prefixlen', 'addr')}`],
  ['"-1" is out of a u32', k4, { prefixlen: '-1', addr: '10.0.0.0/16' }, "key.prefixlen: expected u32 0..4294967295, got '-1'"],
  ['no prefix, the address first', k4, {}, 'key.prefixlen: the prefix length is not given: write addr as CIDR (addr: 10.0.0.0/24 makes prefixlen 24) or set prefixlen (prefixlen: 24); a key with neither would be /0 and match every address'],
  ['no prefix, a MAC', mac, {}, 'key.prefixlen: the prefix length is not given: write mac as CIDR (mac: 02:00:00:00:00:00/24 makes prefixlen 24) or set prefixlen (prefixlen: 24); a key with neither would be /0 and match every address'],
  ['no prefix, fields before the address', lpmKey, { ingress_ifindex: 1 }, 'key.prefixLen: the prefix length is not given: write ip_data as CIDR (ip_data: 10.0.0.0/24 makes prefixLen 56, counting the 32 bits of the fields before ip_data) or set prefixLen (prefixLen: 56); a key with neither would be /0 and match every address'],
];
for (const [what, node, input, message] of REFUSED) {
  L(what, () => {
    try { key(node).encode(input); assert.unreachable('accepted'); } catch (e) { assert.is((e as Error).message, message); }
  });
}
L('accepted: /32, and a bare address next to an explicit length is just its bytes', () => {
  assert.is(toHex(key(k4).encode({ addr: '10.0.0.1/32' })), '200000000a000001');
  assert.is(toHex(key(k4).encode({ prefixlen: 8, addr: '10.0.0.1' })), '080000000a000001');
  assert.is(toHex(key(k4).encode({ addr: '10.0.0.0/07' })), '070000000a000000'); // the same in octal and decimal
});
L.run();
