// compileCodec on damaged schemas (what a hostile or broken object could give): each is refused with
// SCHEMA_INVALID and a message naming the type and what is wrong, and the limits themselves pass.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, enm, f, int, struct, u8, u16, u32 } from './oracle/schemas.js';

const compile = (node: TypeNode | null, size = node?.size ?? 0) => compileCodec(node, { byteOrder: 'little', size, root: 'value' });

// A fresh int each time: compiled nodes are cached, and a cached one is not checked again.
function nestArrays(levels: number): TypeNode {
  let t: TypeNode = int('__u8', 1, false);
  for (let i = 0; i < levels; i++) t = arr(t, 1);
  return t;
}
function nestAnon(levels: number): TypeNode {
  let t: TypeNode = struct('', 1, [f('x', 0, u8)]);
  for (let i = 0; i < levels; i++) t = struct('', 1, [f('', 0, t)]);
  return struct('deep', 1, [f('', 0, t)]);
}
const flt = { kind: 'float', name: 'float', size: 4 } as TypeNode;
const ptr = (size: number) => ({ kind: 'pointer', name: '', size, target: 'void' }) as TypeNode;

const R = suite('compileCodec: damaged schemas are refused (SCHEMA_INVALID)');
const REFUSED: [string, TypeNode | null, number | undefined, string][] = [
  ['an int of 0 bytes', int('x', 0, false), 1, 'value: x: unsupported int size 0; expected 1..16 bytes'],
  ['an int of 17 bytes', int('', 17, false), 17, 'value: int: unsupported int size 17; expected 1..16 bytes'],
  ['an int of 1.5 bytes', int('x', 1.5, false), 2, 'value: x: unsupported int size 1.5; expected 1..16 bytes'],
  ['an enum of 0 bytes', enm('e', 0, false, [['A', 0]]), 1, 'value: e: unsupported enum size 0'],
  ['an enum of 9 bytes', enm('', 9, false, [['A', 0]]), 9, 'value: enum: unsupported enum size 9'],
  ['an enumerator that is not an integer', enm('e', 4, false, [['A', 1.5]]), 4, "value: enum e: enumerator 'A': expected an integer value, got 1.5"],
  ['an enumerator beyond 2^53 as a number', enm('', 8, false, [['B', 2 ** 60]]), 8, "value: enum (anonymous): enumerator 'B': expected an integer value, got 1152921504606847000"],
  ['a pointer of 2 bytes', ptr(2), 2, 'value: pointer (void *): unsupported size 2; expected 4 or 8 bytes'],
  ['an unknown kind', { kind: 'func', name: 'f', size: 4 } as unknown as TypeNode, 4, "value: unknown type kind 'func'"],
  ['an array larger than its size', { kind: 'array', name: '', size: 7, length: 4, element: u16 }, 8, 'value: __u16[4]: 4 elements of 2 bytes do not fit in 7 bytes'],
  ['an int inside 33 nested arrays', nestArrays(33), 1, 'value: types nested deeper than 32'],
  ['anonymous members nested 33 deep', nestAnon(32), 1, 'value: struct deep: anonymous members nested deeper than 32'],
  ['a duplicate member', struct('s', 2, [f('a', 0, u8), f('a', 1, u8)]), 2, "value: struct s: duplicate member name 'a'"],
  ['a duplicate through an anonymous member', struct('s', 2, [f('a', 0, u8), f('', 1, struct('', 1, [f('a', 0, u8)]))]), 2, "value: struct s: duplicate member name 'a'"],
  ['a member past the end', struct('s', 4, [f('a', 0, u16), f('b', 3, u16)]), 4, "value: struct s: member 'b' at offset 3 (+2) is outside its 4 bytes"],
  ['a member before the start', struct('s', 4, [f('a', -1, u16)]), 4, "value: struct s: member 'a' at offset -1 (+2) is outside its 4 bytes"],
  ['a bitfield at bit offset 8', struct('s', 4, [f('a', 0, u32, { bitOffset: 8, bitSize: 3 })]), 4, 'value: bitfield with bit offset 8 and size 3 is not supported'],
  ['a bitfield at bit offset -1', struct('s', 4, [f('a', 0, u32, { bitOffset: -1, bitSize: 3 })]), 4, 'value: bitfield with bit offset -1 and size 3 is not supported'],
  ['a bitfield of 0 bits', struct('s', 4, [f('a', 0, u32, { bitOffset: 0, bitSize: 0 })]), 4, 'value: bitfield with bit offset 0 and size 0 is not supported'],
  ['a bitfield of 65 bits', struct('s', 9, [f('a', 0, int('x', 9, false), { bitOffset: 0, bitSize: 65 })]), 9, 'value: bitfield with bit offset 0 and size 65 is not supported'],
  ['a bitfield of a float', struct('s', 4, [f('a', 0, flt, { bitOffset: 0, bitSize: 3 })]), 4, 'value: a bitfield of kind float is not supported'],
  ['a negative size', u8, -1, 'value: invalid size -1'],
  ['a size of 1.5', u8, 1.5, 'value: invalid size 1.5'],
  ['a type larger than the map\'s size', u32, 2, "value: the type needs 4 bytes but the map's value size is 2"],
  ['a size above 4 MiB', null, 4 * 1024 * 1024 + 1, "value: expected at most 4194304 bytes (the kernel's limit for a map value), got 4194305"],
];
for (const [what, node, size, message] of REFUSED) {
  R(what, () => {
    try { compile(node, size); assert.unreachable('accepted'); } catch (e) {
      assert.is((e as Error).message, message);
      assert.is((e as { code: string }).code, 'SCHEMA_INVALID');
    }
  });
}
R.run();

const A = suite('compileCodec: the limits themselves are accepted');
A('ints of 1 and 16 bytes, enums of 1 and 8, pointers of 4 and 8, 64-bit and bit offset 7 bitfields', () => {
  for (const n of [int('x', 1, false), int('x', 16, false), enm('e', 1, false, [['A', 1]]), enm('e', 8, true, [['A', -1n]]), ptr(4), ptr(8)]) {
    assert.is(compile(n).size, n.size);
  }
  const one = compile(struct('s', 1, [f('a', 0, u8, { bitOffset: 0, bitSize: 1 })]));
  assert.equal(Array.from(one.encode({ a: 1 })), [1]);
  const s = struct('s', 9, [f('a', 0, int('x', 9, false), { bitOffset: 7, bitSize: 64 })]);
  const c = compile(s);
  assert.equal(c.decode(c.encode({ a: (1n << 64n) - 1n })), { a: 18446744073709551615n });
  assert.is(Array.from(c.encode({ a: 1 })).join(','), '128,0,0,0,0,0,0,0,0');
});
A('an int inside 32 nested arrays, anonymous members nested 32 deep', () => {
  assert.equal(compile(nestArrays(32)).decode(new Uint8Array([7])), JSON.parse(`${'['.repeat(32)}7${']'.repeat(32)}`));
  assert.equal(compile(nestAnon(31)).decode(new Uint8Array([7])), { x: 7 });
});
A('a member that ends exactly at the end, a type smaller than the map size, a size of 0 and of 4 MiB', () => {
  assert.equal(compile(struct('s', 4, [f('a', 0, u16), f('b', 2, u16)])).decode(new Uint8Array([1, 0, 2, 0])), { a: 1, b: 2 });
  assert.equal(Array.from(compile(u16, 4).encode(258)), [2, 1, 0, 0]);
  assert.is(compile(null, 0).size, 0);
  assert.is(compile(null, 4 * 1024 * 1024).size, 4 * 1024 * 1024);
});
A.run();
