// Declared interface-index fields, offline (ifindex-fields.ts, ifname.ts): which paths mark which
// members (through arrays and anonymous members), every refusal with its exact message, the schema
// left as it was, and which interface names are looked up at all.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { markIfindexFields, markObjectIfindexFields } from '../src/codec/ifindex-fields.js';
import { ifindexOf, takesIfname } from '../src/codec/ifname.js';
import type { MapSchema, ObjectSchema, TypeNode } from '../src/schema/types.js';
import { arr, enm, f, mapOf, struct, u32, union } from './oracle/schemas.js';

const show = (fn: () => unknown): string => {
  try { fn(); return 'ok'; } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
/** The paths of the members marked ifindex. */
function marks(n: TypeNode | null, at = ''): string[] {
  if (!n) return [];
  if (n.kind === 'array') return marks(n.element, `${at}[]`);
  if (n.kind !== 'struct' && n.kind !== 'union') return [];
  return n.fields.flatMap((x) => [...(x.ifindex ? [`${at}.${x.name}`] : []), ...marks(x.type, `${at}.${x.name || '(anon)'}`)]);
}

const inner = struct('', 4, [f('dev', 0, u32)]);
const rule = struct('rule', 4, [f('dev', 0, u32)]);
const val = struct('val_t', 24, [f('out_dev', 0, u32), f('', 4, inner), f('rules', 8, arr(rule, 2)), f('raw', 16, { kind: 'bytes', name: '', size: 4 }),
  f('anon', 20, union('', 4, [f('x', 0, u32)])), f('e', 20, enm('', 4, false, [['A', 0]]))]);
const key = struct('key_t', 4, [f('dev', 0, u32)]);
const m = mapOf('m', 'hash', key, val);

const M = suite('markIfindexFields');

M('which member each path marks; every other member and the original schema stay as they were', () => {
  const before = JSON.stringify(m);
  const table: [string[], string[], string[]][] = [
    [['key.dev'], ['.dev'], []],
    [['value.out_dev'], [], ['.out_dev']],
    [['value.dev'], [], ['.(anon).dev']],
    [['value.rules.dev'], [], ['.rules[].dev']],
    [['value.rules[].dev'], [], ['.rules[].dev']],
    [['value.anon.x'], [], ['.anon.x']],
    [['key.dev', 'value.out_dev', 'value.rules.dev'], ['.dev'], ['.out_dev', '.rules[].dev']],
  ];
  for (const [paths, k, v] of table) {
    const r = markIfindexFields(m, paths);
    assert.equal([marks(r.key), marks(r.value)], [k, v], paths.join(' '));
    assert.is(r.name, 'm');
  }
  assert.is(JSON.stringify(m), before, 'the original is unchanged');
  assert.is(markIfindexFields(m, []), m, 'no path: the same map');
});

M('refusals name the path and say what was expected', () => {
  const pre = (p: string) => `USAGE: ifindex field '${p}': `;
  const table: [string, string][] = [
    ['key..dev', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
    ['key.a[0]', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
    ['value.rules[0].dev', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
    ['key.', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
    ['key', 'name a field of the key (key.FIELD)'],
    ['value', 'name a field of the value (value.FIELD)'],
    ['val.dev', "expected a path starting with key. or value. (key.dev), got 'val'"],
    ['value.raw.x', "value.raw is raw bytes (no BTF), not a struct with a field 'x'"],
    ['value.out_dev.x', "value.out_dev is __u32, not a struct with a field 'x'"],
    ['value.anon', 'expected an integer field, got union (anonymous)'],
    ['value.e', 'expected an integer field, got enum (anonymous)'],
    ['value.rules', 'expected an integer field, got struct rule[2]'],
    ['value.nope', "no field 'nope' in value (struct val_t); fields are out_dev, dev, rules, raw, anon, e"],
    ['value.rules.nope', "no field 'nope' in value.rules (struct rule); fields are dev"],
    ['value.x', "no field 'x' in value (struct val_t); fields are out_dev, dev, rules, raw, anon, e"],
    ['value.ru[]les.dev', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
    ['value.rules[][].dev', 'expected key.FIELD or value.FIELD, fields separated by dots (value.rules.dev)'],
  ];
  for (const [p, want] of table) assert.is(show(() => markIfindexFields(m, [p])), pre(p) + want, p);
  assert.is(show(() => markIfindexFields(mapOf('n', 'ringbuf', null, null, 0, 0), ['key.a'])), `${pre('key.a')}map 'n' has no key type`);
  assert.is(show(() => markIfindexFields(mapOf('u', 'hash', u32, u32), ['key.a'])), `${pre('key.a')}key is __u32, not a struct with a field 'a'`);
  assert.is(show(() => markIfindexFields(mapOf('e', 'hash', u32, struct('empty', 4, [])), ['value.a'])), `${pre('value.a')}no field 'a' in value (struct empty); fields are (none)`);
});

M('anonymous unions are looked through like anonymous structs; an unnamed int (bitfield padding) is not', () => {
  const v = struct('w', 12, [f('', 0, u32, { bitOffset: 0, bitSize: 3 }), f('', 4, union('', 4, [f('y', 0, u32)])), f('z', 8, u32)]);
  const r = markIfindexFields(mapOf('w', 'hash', u32, v), ['value.y', 'value.z']);
  assert.equal(marks(r.value), ['.(anon).y', '.z']);
});

M('markObjectIfindexFields replaces that map only', () => {
  const other: MapSchema = mapOf('o', 'hash', key, val);
  const schema = { maps: [m, other] } as unknown as ObjectSchema;
  const r = markObjectIfindexFields(schema, m, ['key.dev']);
  assert.equal(marks(r.maps[0]!.key), ['.dev']);
  assert.is(r.maps[1], other);
  assert.is(schema.maps[0], m);
});
M.run();

const N = suite('interface names');
N('ifindexOf: only names Linux allows are looked up; lo is 1', () => {
  const table: [string, number | null][] = [
    ['lo', 1], ['nosuchif0', null], ['.', null], ['..', null], ['a/b', null], ['a b', null], ['a:b', null], ['', null],
    ['x'.repeat(15), null], ['x'.repeat(16), null], [' lo', null], ['lo ', null],
  ];
  for (const [n, want] of table) assert.is(ifindexOf(n), want, JSON.stringify(n));
});
N('a name that would leave /sys/class/net (lo/../lo) is no name', () => {
  assert.is(ifindexOf('lo/../lo'), null);
  assert.is(ifindexOf('../net/lo'), null);
});

N('an ifindex int: decimal and 0x text stay numbers for the integer codec; other text is a name', async () => {
  const { compileCodec } = await import('../src/codec/compile.js');
  const { toHex } = await import('../src/index.js');
  const c = compileCodec(u32, { byteOrder: 'little', size: 4, root: 'key', ifname: true });
  const enc = (v: unknown): string => { try { return toHex(c.encode(v)); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } };
  const table: [unknown, string][] = [
    ['7', '07000000'], [' 7 ', '07000000'], ['+3', '03000000'], ['0x10', '10000000'], ['0X1f', '1f000000'], ['12', '0c000000'],
    ['-1', "VALUE_RANGE: key: expected u32 0..4294967295, got '-1'"],
    ['lo', '01000000'], [5, '05000000'],
    ['12abc', "VALUE_INVALID: key: expected an interface index or the name of a network interface on this host, got '12abc': no such interface (see ip link)"],
    ['0x', "VALUE_INVALID: key: expected an interface index or the name of a network interface on this host, got '0x': no such interface (see ip link)"],
    ['x12', "VALUE_INVALID: key: expected an interface index or the name of a network interface on this host, got 'x12': no such interface (see ip link)"],
  ];
  for (const [v, want] of table) assert.is(enc(v), want, JSON.stringify(v));
});

N('takesIfname: int members named *ifindex (any case) or declared', () => {
  const table: [{ name: string; type: { kind: string }; ifindex?: boolean }, boolean][] = [
    [{ name: 'ingress_ifindex', type: { kind: 'int' } }, true],
    [{ name: 'IFINDEX', type: { kind: 'int' } }, true],
    [{ name: 'ifindex_x', type: { kind: 'int' } }, false],
    [{ name: 'dev', type: { kind: 'int' }, ifindex: true }, true],
    [{ name: 'dev', type: { kind: 'int' }, ifindex: false }, false],
    [{ name: 'ifindex', type: { kind: 'struct' } }, false],
    [{ name: 'dev', type: { kind: 'enum' }, ifindex: true }, false],
  ];
  for (const [field, want] of table) assert.is(takesIfname(field), want, JSON.stringify(field));
});
N.run();
