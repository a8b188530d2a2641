// compareTypes: the object's key/value type against the type decoded from a live map's BTF. Every
// difference is one line naming the place; equal layouts give none; the walk stops at depth 32.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareTypes } from '../src/map/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, f, s32, struct, u8, u16, u32, u64, union } from './oracle/schemas.js';

const rule = struct('rule', 12, [f('id', 0, u32), f('proto', 4, u8), f('port', 6, u16), f('action', 8, u32)]);
const bits = struct('bits', 4, [f('x', 0, u32, { bitOffset: 0, bitSize: 3 }), f('y', 0, u32, { bitOffset: 3, bitSize: 5 })]);
const bytes = (size: number): TypeNode => ({ kind: 'bytes', name: '', size });
const nest = (depth: number, leaf: TypeNode): TypeNode => (depth === 0 ? leaf : struct(`n${depth}`, 4, [f('in', 0, nest(depth - 1, leaf))]));

const C = suite('compareTypes');
const TABLE: [string, TypeNode, TypeNode, string[]][] = [
  ['the same struct', rule, rule, []],
  ['the same bitfields', bits, bits, []],
  ['raw bytes of the same size against a struct', bytes(12), rule, []],
  ['raw bytes of another size', bytes(12), bytes(8), ['value: expected 12 bytes, got 8']],
  ['another kind', u32, rule, ['value: expected int __u32, got struct rule']],
  ['another kind, anonymous', union('', 4, [f('a', 0, u32)]), struct('', 4, [f('a', 0, u32)]), ['value: expected union (anonymous), got struct (anonymous)']],
  ['another type name', rule, { ...rule, name: 'rule2' }, ["value: expected type name 'rule', got 'rule2'"]],
  ['another size', rule, { ...rule, size: 16 }, ['value: expected size 12, got 16']],
  ['signedness', u32, { ...s32, name: '__u32' }, ['value: expected unsigned, got signed']],
  ['array length (and so size)', arr(rule, 4), arr(rule, 5), ['value: expected size 48, got 60', 'value: expected 4 elements, got 5']],
  ['a difference inside array elements names the element', arr(rule, 2), arr({ ...rule, fields: [f('id', 0, u32), f('proto', 4, u8), f('port', 6, u16), f('action', 8, s32)] }, 2),
    ["value[].action: expected type name '__u32', got '__s32'", 'value[].action: expected unsigned, got signed']],
  ['a renamed field', rule, { ...rule, fields: [f('id', 0, u32), f('protocol', 4, u8), f('port', 6, u16), f('action', 8, u32)] }, ["value.#1: expected field 'proto', got 'protocol'"]],
  ['a moved field', rule, { ...rule, fields: [f('id', 0, u32), f('proto', 4, u8), f('port', 5, u16), f('action', 8, u32)] }, ['value.port: expected offset 6, got 5']],
  ['a moved bitfield', bits, { ...bits, fields: [bits.fields[0]!, f('y', 0, u32, { bitOffset: 4, bitSize: 5 })] }, ['value.y: expected offset 0+3 bits, got 0+4 bits']],
  ['a bitfield that became a plain field', bits, { ...bits, fields: [bits.fields[0]!, f('y', 0, u32)] }, ['value.y: expected offset 0+3 bits, got 0', 'value.y: expected 5 bit size, got none']],
  ['a bitfield width', bits, { ...bits, fields: [bits.fields[0]!, f('y', 0, u32, { bitOffset: 3, bitSize: 6 })] }, ['value.y: expected 5 bit size, got 6']],
  ['a field only in the kernel', rule, { ...rule, fields: [...rule.fields, f('extra', 10, u16)] }, ['value.extra: not in the object, but in the kernel\'s type']],
  ['a field missing from the kernel', rule, { ...rule, fields: rule.fields.slice(0, 3) }, ['value.action: missing from the kernel\'s type']],
  ['a nested difference names the whole path', struct('outer', 12, [f('r', 0, rule)]), struct('outer', 12, [f('r', 0, { ...rule, fields: [f('id', 0, u64), ...rule.fields.slice(1)] })]),
    ["value.r.id: expected type name '__u32', got '__u64'", 'value.r.id: expected size 4, got 8']],
  ['a difference at depth 32 is found', nest(32, u32), nest(32, u16), [`value${'.in'.repeat(32)}: expected type name '__u32', got '__u16'`, `value${'.in'.repeat(32)}: expected size 4, got 2`]],
  ['the walk stops below depth 32', nest(33, u32), nest(33, u16), []],
];
for (const [name, want, got, diff] of TABLE) C(name, () => { assert.equal(compareTypes(want, got, 'value'), diff); });
C('differences are appended to the list passed in', () => {
  const out = ['earlier'];
  assert.is(compareTypes(u32, u16, 'key', out), out);
  assert.equal(out, ['earlier', "key: expected type name '__u32', got '__u16'", 'key: expected size 4, got 2']);
});
C.run();
