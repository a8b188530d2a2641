/** compileConverter, offline: each kind of field change on bytes, and every loss named by its path. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileConverter } from '../src/migrate/index.js';
import type { Loss } from '../src/migrate/index.js';
import { type Field, type TypeNode } from '../src/index.js';

const int = (size: number, signed = false, extra: Partial<TypeNode> = {}): TypeNode => ({ kind: 'int', name: `${signed ? '__s' : '__u'}${size * 8}`, size, signed, ...extra } as TypeNode);
function struct(fields: [string, TypeNode][]): TypeNode {
  let off = 0;
  const fs: Field[] = fields.map(([name, type]) => { const f = { name, offset: off, type }; off += type.size; return f; });
  return { kind: 'struct', name: 's', size: off, fields: fs };
}
const arr = (el: TypeNode, length: number): TypeNode => ({ kind: 'array', name: '', size: el.size * length, length, element: el });
const en = (vals: [string, number][]): TypeNode => ({ kind: 'enum', name: 'e', size: 4, signed: false, values: vals.map(([name, value]) => ({ name, value })) });

function run(old: TypeNode, cur: TypeNode, src: number[], opts: { defaults?: Map<string, bigint>; rename?: Record<string, string> } = {}): { out: number[]; losses: Loss[] } {
  const c = compileConverter(old, cur, { byteOrder: 'little', ...opts });
  const dst = new Uint8Array(cur.size);
  const losses: Loss[] = [];
  c(Uint8Array.from(src), 0, dst, 0, 'value', losses);
  return { out: [...dst], losses };
}

const C = suite('compileConverter');
C('fields moved and widened by name; a new field 0 or its default; a removed one dropped', () => {
  const old = struct([['a', int(1)], ['b', int(2)], ['gone', int(1)]]);
  const cur = struct([['b', int(4)], ['a', int(1)], ['n', int(1)]]);
  assert.equal(run(old, cur, [7, 0x34, 0x12, 0]), { out: [0x34, 0x12, 0, 0, 7, 0], losses: [] });
  assert.equal(run(old, cur, [7, 0x34, 0x12, 0], { defaults: new Map([['n', 5n]]) }).out, [0x34, 0x12, 0, 0, 7, 5]);
});
C('a removed field that holds a value is a loss naming it (a field renamed without rename is one too)', () => {
  const old = struct([['a', int(1)], ['gone', int(1)]]), cur = struct([['a', int(1)]]);
  const why = 'not in the new layout (removed, or renamed: name it with rename OLD=NEW), its value dropped';
  assert.equal(run(old, cur, [7, 9]), { out: [7], losses: [{ path: 'value.gone', reason: why }] });
  const v1 = struct([['hits', int(4)], ['bytes', int(4)]]), v2 = struct([['packets', int(8)], ['bytes', int(4)]]);
  assert.equal(run(v1, v2, [5, 0, 0, 0, 1, 0, 0, 0]).losses, [{ path: 'value.hits', reason: why }]);
  assert.equal(run(v1, v2, [5, 0, 0, 0, 1, 0, 0, 0], { rename: { hits: 'packets' } }), { out: [5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], losses: [] });
  // in an array of structs: each element by its index
  assert.equal(run(struct([['xs', arr(old, 2)]]), struct([['xs', arr(cur, 2)]]), [1, 0, 2, 3]).losses, [{ path: 'value.xs[1].gone', reason: why }]);
});
C('a removed bitfield: only its own bits count', () => {
  const u8 = int(1);
  const bits = (fields: [string, number, number][]): TypeNode => ({ kind: 'struct', name: 's', size: 1, fields: fields.map(([name, bitOffset, bitSize]) => ({ name, offset: 0, bitOffset, bitSize, type: u8 })) });
  const old = bits([['keep', 0, 4], ['gone', 4, 4]]), cur = bits([['keep', 0, 4]]);
  assert.equal(run(old, cur, [0x0f]), { out: [0x0f], losses: [] });
  assert.equal(run(old, cur, [0x1f]).losses.map((l) => l.path), ['value.gone']);
});
C('a counter narrowed: a value that fits is kept, one that does not is a loss (written clamped)', () => {
  const old = struct([['c', int(4)]]), cur = struct([['c', int(2)]]);
  assert.equal(run(old, cur, [0xff, 0xff, 0, 0]), { out: [0xff, 0xff], losses: [] });
  assert.equal(run(old, cur, [0x70, 0x11, 1, 0]), { out: [0xff, 0xff], losses: [{ path: 'value.c', reason: '70000 does not fit u16 (0..65535); written as 65535' }] });
});
C('signed to unsigned: a negative value is a loss', () => {
  const r = run(struct([['x', int(2, true)]]), struct([['x', int(4)]]), [0xfe, 0xff]);
  assert.equal(r.losses, [{ path: 'value.x', reason: '-2 does not fit u32 (0..4294967295); written as 0' }]);
});
C('enum values by name; a value whose name is gone is a loss', () => {
  const old = struct([['e', en([['DROP', 1], ['PASS', 2], ['LOG', 3]])]]), cur = struct([['e', en([['PASS', 1], ['DROP', 2]])]]);
  assert.equal(run(old, cur, [1, 0, 0, 0]).out, [2, 0, 0, 0]);
  assert.equal(run(old, cur, [2, 0, 0, 0]).out, [1, 0, 0, 0]);
  assert.equal(run(old, cur, [3, 0, 0, 0]).losses, [{ path: 'value.e', reason: 'enum value LOG (3) is not in the new enum; written as 0' }]);
});
C('arrays by index: grown (defaults in the new elements), shrunk past a used slot is a loss naming it', () => {
  const old = struct([['xs', arr(int(1), 3)]]);
  assert.equal(run(old, struct([['xs', arr(int(2), 4)]]), [1, 2, 3]).out, [1, 0, 2, 0, 3, 0, 0, 0]);
  assert.equal(run(old, struct([['xs', arr(int(1), 2)]]), [1, 2, 0]).losses, []);
  assert.equal(run(old, struct([['xs', arr(int(1), 2)]]), [1, 2, 3]).losses, [{ path: 'value.xs[2]', reason: 'element in use, dropped (the new array has 2 elements)' }]);
});
C('__be16 widened to __be32 keeps its value in network order; rename maps an old name', () => {
  const be = (n: number) => int(n, false, { name: `__be${n * 8}`, byteOrder: 'big' } as Partial<TypeNode>);
  assert.equal(run(struct([['p', be(2)]]), struct([['p', be(4)]]), [0x1f, 0x90]).out, [0, 0, 0x1f, 0x90]);
  assert.equal(run(struct([['hits', int(4)]]), struct([['packets', int(8)]]), [5, 0, 0, 0], { rename: { hits: 'packets' } }).out, [5, 0, 0, 0, 0, 0, 0, 0]);
});
C('a default outside the field range, or on a struct, is refused', () => {
  const cur = struct([['a', int(1)], ['n', int(1)]]);
  assert.throws(() => run(struct([['a', int(1)]]), cur, [1], { defaults: new Map([['n', 256n]]) }), /defaults: value\.n: expected 0\.\.255, got 256/);
});
C.run();
