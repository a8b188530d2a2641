// The seed tool's verbose template (`-f` documents with variable_name, kind, input, member), offline:
// what is taken for one, how it becomes plain typed values (names from the schema where the seed
// named nested structs by their type), and every refusal with its exact path and message.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fromSeedTemplate, isSeedTemplate } from '../src/codec/seed-template.js';
import type { MapSchema } from '../src/schema/types.js';
import { f, mapOf, seedMap, struct, u32 } from './oracle/schemas.js';

const show = (fn: () => unknown): string => {
  try { return JSON.stringify(fn()); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
};
const int = (name: string, input: unknown) => ({ variable_name: name, kind: 'INT', input });
const arr = (input: unknown, totalSize?: number, fillWithZeros?: boolean) => ({ variable_name: 'k', kind: 'ARRAY', input, totalSize, fillWithZeros });
const st = (member: unknown, kind = 'STRUCT') => ({ variable_name: 'k', kind, member });

const S = suite('fromSeedTemplate');

const CASES: [string, unknown, string][] = [
  ['a document that is no object', 5, 'VALUE_INVALID: template: expected an object with key and value, got 5'],
  ['byteOrder: an unknown word', { byteOrder: 'middle', key: int('k', 1) }, "VALUE_INVALID: byteOrder: expected one of reversed, little, native, host, big, network, got 'middle'"],
  ['byteOrder: not a word', { byteOrder: 5, key: int('k', 1) }, 'VALUE_INVALID: byteOrder: expected one of reversed, little, native, host, big, network, got 5'],
  ['byteOrder: null is left out', { byteOrder: null, key: int('k', 1) }, '{"key":1}'],
  ['byteOrder: a known word', { byteOrder: 'network', value: int('v', 2) }, '{"value":2}'],
  ['an entry besides key, value and byteOrder', { key: int('k', 1), extra: 1 }, "VALUE_INVALID: extra: unknown template entry 'extra'; entries are key, value, byteOrder"],
  ['... named with a dot', { key: int('k', 1), 'a.b': 1 }, `VALUE_INVALID: ["a.b"]: unknown template entry 'a.b'; entries are key, value, byteOrder`],
  ['an entry that is no object', { key: 5, value: int('v', 1) }, "VALUE_INVALID: key: expected a template entry with 'kind', got 5"],
  ['a struct whose member is no list', { key: st(5) }, "VALUE_INVALID: key: expected 'member' to be a list for kind STRUCT, got 5"],
  ['a member that is no object', { key: st([5]) }, 'VALUE_INVALID: key.member[0]: expected a template entry, got 5'],
  ['a member without a name', { key: st([{ kind: 'INT', input: 1 }], 'struct') }, 'VALUE_INVALID: key.member[0]: expected a variable_name, got nothing'],
  ['a member with an empty name', { key: st([int('', 1)]) }, "VALUE_INVALID: key.member[0]: expected a variable_name, got ''"],
  ['a member given twice', { key: st([int('a', 1), int('a', 2)]) }, 'VALUE_INVALID: key.a: given twice in the template'],
  ['an unknown kind', { key: st([{ kind: 'BLOB', variable_name: 'a', input: 1 }]) }, "VALUE_INVALID: key.a: unknown template kind 'BLOB'"],
  ['input null', { key: int('k', null) }, 'VALUE_INVALID: key: input is null in the template; fill it in'],
  ['input missing', { key: { kind: 'INT', variable_name: 'k' } }, 'VALUE_INVALID: key: input is null in the template; fill it in'],
  ['an array short of totalSize, fillWithZeros false', { key: arr([1, 2], 4, false) }, 'VALUE_INVALID: key: expected 4 elements (totalSize, fillWithZeros is false), got 2'],
  ['... fillWithZeros true: the rest is zero', { key: arr([1, 2], 4, true) }, '{"key":[1,2]}'],
  ['... fillWithZeros not given', { key: arr([1, 2], 4) }, '{"key":[1,2]}'],
  ['exactly totalSize', { key: arr([1, 2, 3, 4], 4, false) }, '{"key":[1,2,3,4]}'],
  ['more than totalSize', { key: arr([1, 2, 3, 4, 5], 4, true) }, 'VALUE_INVALID: key: expected at most 4 elements (totalSize), got 5'],
  ['an array given as text', { key: arr('abc', 1, false) }, '{"key":"abc"}'],
  ['kinds in lower case', { key: { kind: 'int', variable_name: 'k', input: 3 } }, '{"key":3}'],
  ['a union', { key: st([int('a', 1)], 'UNION') }, '{"key":{"a":1}}'],
  ['a member named __proto__ is a member', { key: st([int('__proto__', 1)]) }, '{"key":{"__proto__":1}}'],
];
for (const [what, doc, want] of CASES) S(what, () => assert.is(show(() => fromSeedTemplate(doc)), want));

S("names: a nested struct named by its type takes the name of the field of that type at its position; no other name is guessed", () => {
  // Integers named otherwise than the struct's fields keep their names: the codec then refuses them as
  // unknown fields (dst_port_end listed before dst_port_start was once written swapped, by position).
  const doc = { value: st([int('w1', 1), int('w2', 1), int('w3', 0), int('w4', 0), int('w5', 8), int('w6', 0), int('w7', 2)]) };
  assert.is(show(() => fromSeedTemplate(doc, seedMap)), '{"value":{"w1":1,"w2":1,"w3":0,"w4":0,"w5":8,"w6":0,"w7":2}}');
  assert.is(show(() => fromSeedTemplate({ value: st([int('w1', 1), int('ruleId', 2), int('w3', 0), int('w4', 0), int('w5', 0), int('w6', 0), int('w7', 0)]) }, seedMap)),
    '{"value":{"w1":1,"ruleId":2,"w3":0,"w4":0,"w5":0,"w6":0,"w7":0}}');
  // Nested: the inner struct named by its type gets the field's name; its own members keep theirs.
  const inner = struct('in_t', 4, [f('a', 0, u32)]);
  const m: MapSchema = mapOf('m', 'hash', u32, struct('out_t', 4, [f('inner', 0, inner)]));
  const nested = { value: { variable_name: 'out_t', kind: 'STRUCT', member: [{ variable_name: 'in_t', kind: 'STRUCT', member: [int('a', 7)] }] } };
  assert.is(show(() => fromSeedTemplate(nested, m)), '{"value":{"inner":{"a":7}}}');
  assert.is(show(() => fromSeedTemplate(nested)), '{"value":{"in_t":{"a":7}}}');
  // A struct member named by another type than the field's is not renamed.
  const other = { value: { variable_name: 'out_t', kind: 'STRUCT', member: [{ variable_name: 'other_t', kind: 'STRUCT', member: [int('a', 7)] }] } };
  assert.is(show(() => fromSeedTemplate(other, m)), '{"value":{"other_t":{"a":7}}}');
});

S.run();

const I = suite('isSeedTemplate');
I('a key or value entry with a known kind and a name, member or input', () => {
  const table: [unknown, boolean][] = [
    [{ key: { kind: 'INT', input: 1 } }, true],
    [{ key: { kind: 'STRUCT', member: [] } }, true],
    [{ value: { kind: 'int', variable_name: 'v' } }, true],
    [{ key: { kind: 'INT' } }, false],
    [{ key: { kind: 'FOO', input: 1 } }, false],
    [{ key: { kind: 5, input: 1 } }, false],
    // A kind that only reads as one once made text is no kind.
    [{ key: { kind: ['INT'], input: 1 } }, false],
    // Every kind the seed writes marks a template, whichever of key and value it is in.
    ...['STRUCT', 'UNION', 'INT', 'ENUM', 'ENUM64', 'FLOAT', 'ARRAY', 'PTR', 'TYPEDEF'].flatMap((kind): [unknown, boolean][] => [
      [{ key: { kind, input: 0 } }, true], [{ value: { kind: kind.toLowerCase(), member: [] } }, true]]),
    [{ key: 1, value: { kind: 'ENUM64', input: 1 } }, true],
    [{ key: [{ kind: 'INT', input: 1 }] }, false],
    [{ other: { kind: 'INT', input: 1 } }, false],
    [[], false],
    [null, false],
    [{ key: Object.create({ kind: 'INT', input: 1, variable_name: 'x' }) }, false],
  ];
  for (const [doc, want] of table) assert.is(isSeedTemplate(doc), want, JSON.stringify(doc));
});
I.run();
