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
  ['IPv4 /32 prints without a length', { ingress_ifindex: 2, ip_data: '198.18.0.9' }, '198.18.0.9'],
  ['IPv6 /64 whose tail is zero is still IPv6', { ingress_ifindex: 2, ip_data: '2001:db8::/64' }, '2001:db8::/64'],
  ['IPv6 /128', { ingress_ifindex: 2, ip_data: 'fe80::1' }, 'fe80::1'],
  ['IPv4 /0', { ingress_ifindex: 2, ip_data: '0.0.0.0/0' }, '0.0.0.0/0'],
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
