/**
 * The streamed list writers of `dump`: YAML item by item as the yaml package writes the whole list
 * (so output did not change when dump began streaming), and readable back to the same values.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadYaml } from '../src/text/yaml-lazy.js';
import { yamlListItem } from '../bin/stream-output.js';

const Y = loadYaml();
const lib = (x: unknown) => Y.stringify([x], { lineWidth: 0, aliasDuplicateObjects: false });
const rule = { ruleId: 1, protocol: 1, dstPortStart: 0, dstPortEnd: 0, icmpType: 8, icmpCode: 0, action: 2 };
const cases: [string, unknown][] = [
  ['firewall entry (struct, byte list, index map)', { key: { prefixLen: 56, ingress_ifindex: 6, ip_data: [10, 10, 10, 0] }, value: { rules: { 0: rule, 99: rule } } }],
  ['scalars', { a: 1, b: -0, c: 1.5e300, d: 18446744073709551615n, e: true, f: null, g: '', h: 'null', i: 'x y', j: 'it\'s' }],
  ['floats', { nan: NaN, inf: Infinity, ninf: -Infinity }],
  ['strings needing quotes', { a: '10.0.0.1', b: 'fe80::1', c: '- x', d: '#', e: '0x1f', f: 'true', g: '123', h: ' pad', i: 'a: b' }],
  ['nesting and empties', { a: [], b: {}, c: [[1, 2], [], {}], d: [{ x: 1, y: [1, { z: 2 }] }], 'odd key': 1, u: undefined }],
  ['per-CPU list of structs', [{ packets: 1, bytes: 2 }, { packets: 3, bytes: 4 }]],
  ['bare scalar', 5],
];
const S = suite('yamlListItem');
for (const [name, x] of cases) {
  S(name, () => {
    const mine = yamlListItem(x);
    assert.is(mine, lib(x));
    assert.equal(Y.parse(mine, { intAsBigInt: true }), Y.parse(lib(x), { intAsBigInt: true }));
  });
}
S('a multi-line string is written quoted on one line and reads back the same', () => {
  const x = { s: 'a\nb\u001b' };
  assert.is(yamlListItem(x).split('\n').length, 2, 'one line');
  assert.equal(Y.parse(yamlListItem(x)), [x]);
});
S.run();
