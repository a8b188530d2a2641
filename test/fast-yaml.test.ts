/**
 * The YAML writer of bin/fast-yaml.ts: the items of `dump`'s streamed list as the yaml package writes
 * the whole list (so output did not change when dump began streaming), readable back to the same
 * values; and whole results of single commands, as that package writes them, without loading it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { loadYaml } from '../src/text/yaml-lazy.js';
import { yamlDocument, yamlListItem } from '../bin/fast-yaml.js';

const Y = loadYaml();
/** The yaml package's text, a float's negative zero as -0.0 (as bin/output.ts's toYaml asks it). */
const stringify = (x: unknown): string => {
  const d = new Y.Document(x, { aliasDuplicateObjects: false });
  Y.visit(d, { Scalar(_, n) { if (Object.is(n.value, -0)) n.minFractionDigits = 1; } });
  return d.toString({ lineWidth: 0 });
};
const lib = (x: unknown) => stringify([x]);
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

const doc = (x: unknown) => stringify(x);
const D = suite('yamlDocument: the yaml package\'s text for a whole result, or undefined');
D('a lookup result and the cases above: the same text wherever it answers', () => {
  const lookup = { key: { prefixLen: 64, ingress_ifindex: 6, ip_data: '10.10.10.7' }, match: 'prefix', matchedKey: { prefixLen: 56, ingress_ifindex: 6, ip_data: '10.10.10.0/24' },
    value: { rules: { 0: { ruleId: 1, protocol: 1, icmpType: 8, action: 'deny' } } } };
  assert.is(yamlDocument(lookup), doc(lookup));
  for (const [, x] of cases) {
    const mine = yamlDocument(x);
    if (mine !== undefined) assert.is(mine, doc(x));
  }
});
D('strings that need quotes, keys that are not names, other objects, scalars: left to the yaml package', () => {
  for (const x of [{ a: 'x y' }, { a: '123' }, { a: 'true' }, { a: '' }, { a: 'a: b' }, { 'odd key': 1 }, { yes: 1 }, { a: new Uint8Array(2) }, { a: new Map() }, 5, 'x', [], {}, { u: undefined }]) {
    assert.is(yamlDocument(x), undefined, JSON.stringify(x));
  }
});
D('generated trees (fixed seed): the same text as the yaml package wherever it answers, and it answers most', () => {
  let a = 7;
  const r = () => { a = (a * 1103515245 + 12345) % 2147483648; return a / 2147483648; };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const scalars = [0, -1, 2.5, -0, 18446744073709551615n, true, false, null, undefined, 'deny', 'eth0', '10.10.10.7', '10.0.0.0/8', 'fe80::1', '2001:db8::1', '00:11:22:33:44:55', 'a:b', '1_000', '12abc', 'x-y', 'yes', 'on', 'Null', '0x10', '1e3', 'a b', ''];
  const keys = ['a', 'ip_data', 'prefixLen', '_x', '0', '15', 'k-1', 'a.b', 'yes', 'x y'];
  const tree = (d: number): unknown => {
    const roll = r();
    if (d > 3 || roll < 0.4) return pick(scalars);
    if (roll < 0.7) return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(keys), tree(d + 1)]));
    return Array.from({ length: Math.floor(r() * 4) }, () => tree(d + 1));
  };
  let answered = 0;
  for (let i = 0; i < 5000; i++) {
    const x = { key: tree(1), value: tree(1) };
    const mine = yamlDocument(x);
    if (mine === undefined) continue;
    answered++;
    assert.is(mine, doc(x), JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  }
  assert.ok(answered > 500, `answered ${answered} of 5000`);
});
D('print() writes such a result without loading the yaml package, as that package would', () => {
  const script = `import { print } from './bin/output.ts';
    import { createRequire } from 'node:module';
    print({ key: { ingress_ifindex: 6, ip_data: '10.10.10.0/24' }, value: { rules: { 0: { ruleId: 1, action: 'deny' } } } }, false);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\\\/]yaml[\\\\/]|yaml\\.cjs$/.test(f));
    process.stderr.write(JSON.stringify(loaded));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, doc({ key: { ingress_ifindex: 6, ip_data: '10.10.10.0/24' }, value: { rules: { 0: { ruleId: 1, action: 'deny' } } } }));
  assert.equal(JSON.parse(r.stderr), [], 'no yaml module was loaded');
});
D('a key too long for an implicit key (over 1024 characters) is left to the yaml package, which writes it explicitly', () => {
  for (const k of ['k'.repeat(1025), '7'.repeat(1023), 'k'.repeat(5000)]) {
    const x = { [k]: 1, b: { [k]: [1] } };
    assert.is(yamlDocument(x), undefined);
    assert.is(yamlListItem(x), lib(x));
    assert.equal(Y.parse(yamlListItem(x)), [x], 'readable back');
  }
  const ok = { ['k'.repeat(900)]: 1 };
  assert.is(yamlDocument(ok), doc(ok), 'a long key within the limit');
});
D.run();
