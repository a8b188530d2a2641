import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadObjectFile, findMap, mapCodecs, toHex } from '../src/index.js';
import { FW } from './helpers/cli.js';

const obj = loadObjectFile(FW);
const table = findMap(obj.schema, 'ingress_node_firewall_table_map');
const { key } = mapCodecs(table, obj.schema.byteOrder);

const P = suite('pretty LPM keys');
const cases: [string, Record<string, unknown>, string][] = [
  ['IPv4 /24 prints as CIDR', { ingress_ifindex: 2, ip_data: '198.18.0.0/24' }, '198.18.0.0/24'],
  ['IPv4 /32 prints without a length', { ingress_ifindex: 2, ip_data: '198.18.0.9/32' }, '198.18.0.9'],
  ['IPv6 /64 whose tail is zero is still IPv6', { ingress_ifindex: 2, ip_data: '2001:db8::/64' }, '2001:db8::/64'],
  ['IPv6 /128', { ingress_ifindex: 2, ip_data: 'fe80::1/128' }, 'fe80::1'],
  ['IPv4 /0', { ingress_ifindex: 2, ip_data: '0.0.0.0/0' }, '0.0.0.0/0'],
  // The bytes of an IPv6 prefix of /32 or shorter are those of an IPv4 address with a zero tail:
  // a prefix starting in an IPv6 range (2000::/3, fc00::/7, fe80::/10, ff00::/8) prints as IPv6.
  ['IPv6 /32 prints as IPv6, not as 32.1.13.184', { ingress_ifindex: 2, ip_data: '2001:db8::/32' }, '2001:db8::/32'],
  ['IPv6 /16', { ingress_ifindex: 2, ip_data: '2001::/16' }, '2001::/16'],
  ['ULA /7', { ingress_ifindex: 2, ip_data: 'fc00::/7' }, 'fc00::/7'],
  ['link-local /10', { ingress_ifindex: 2, ip_data: 'fe80::/10' }, 'fe80::/10'],
  ['multicast /8', { ingress_ifindex: 2, ip_data: 'ff00::/8' }, 'ff00::/8'],
  ['IPv4 outside those ranges stays IPv4', { ingress_ifindex: 2, ip_data: '100.64.0.0/10' }, '100.64.0.0/10'],
  // ... so an IPv4 prefix in 32.0.0.0/3 prints as its IPv6 twin (same key bytes, same lookups).
  ['IPv4 in 32.0.0.0/3 prints as the IPv6 prefix of the same bytes', { ingress_ifindex: 2, ip_data: '52.94.0.0/16' }, '345e::/16'],
];
for (const [name, input, text] of cases) {
  P(name, () => {
    const bytes = key.encode(input);
    const d = key.decode(bytes, 0, { prettyAddresses: true }) as { ip_data: string; prefixLen: number };
    assert.is(d.ip_data, text);
    // What decode prints, encode turns into the same bytes (explicit prefixLen wins, /len stripped).
    assert.is(toHex(key.encode(d)), toHex(bytes));
  });
}
P('without prettyAddresses the bytes print as numbers', () => {
  const d = key.decode(key.encode({ ingress_ifindex: 2, ip_data: '198.18.0.0/24' })) as { ip_data: number[] };
  assert.equal(d.ip_data.slice(0, 4), [198, 18, 0, 0]);
});
P.run();
