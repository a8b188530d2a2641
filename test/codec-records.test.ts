// Structs and unions beyond the common case: anonymous unions whose member is itself a struct, which
// member a union decodes to when none covers it whole, members with a bit size equal to their
// type's (BTF kind_flag records), and records of more than 64 members (encoded by name lookup
// instead of the generated switch) behave like small ones.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec } from '../src/codec/index.js';
import { toHex, fromHex } from '../src/bytes.js';
import type { Field, TypeNode } from '../src/schema/types.js';
import { be32, f, struct, union, u8, u16, u32 } from './oracle/schemas.js';

const compile = (n: TypeNode) => compileCodec(n, { byteOrder: 'little', size: n.size, root: 'value' });
function refused(fn: () => unknown, message: string): void {
  try { fn(); assert.unreachable('accepted'); } catch (e) { assert.is((e as Error).message, message); }
}

const G = suite('anonymous unions: one member, which may be a struct of several fields');
// struct g { u8 tag; union { struct { u8 a; u8 b; }; u16 c; }; }
const grouped = compile(struct('g', 3, [f('tag', 0, u8), f('', 1, union('', 2, [f('', 0, struct('', 2, [f('a', 0, u8), f('b', 1, u8)])), f('c', 0, u16)]))]));
G('both fields of the struct member together', () => {
  assert.is(toHex(grouped.encode({ a: 1, b: 2, tag: 9 })), '090102');
  assert.equal(grouped.decode(fromHex('090102')!), { tag: 9, a: 1, b: 2 });
});
G('fields of two members are refused, naming the first field of the other member', () => {
  refused(() => grouped.encode({ a: 1, b: 2, c: 3 }), "value.c: 'c' and 'a' are members of the same union; name exactly one");
  refused(() => grouped.encode({ c: 3, b: 2 }), "value.b: 'b' and 'c' are members of the same union; name exactly one");
});
G.run();

const U = suite('unions: the member decode prints');
U('none covers the whole union: the first of the largest', () => {
  const c = compile(union('u8b', 8, [f('x', 0, u16), f('first', 0, u32), f('second', 0, u32)]));
  assert.equal(c.decode(fromHex('0100000000000000')!), { first: 1 });
  refused(() => c.encode({}), 'value: expected exactly one member of union u8b (x, first, second), got none');
});
U.run();

const K = suite('members whose bit size is their type\'s whole size');
K('are plain members: a struct, a __be32 in network byte order, a u32', () => {
  const inner = struct('in', 4, [f('p', 0, u16), f('q', 2, u16)]);
  const c = compile(struct('k', 12, [
    f('s', 0, inner, { bitOffset: 0, bitSize: 32 }),
    f('addr', 4, be32, { bitOffset: 0, bitSize: 32 }),
    f('n', 8, u32, { bitOffset: 0, bitSize: 32 }),
  ]));
  const b = c.encode({ s: { p: 1, q: 2 }, addr: '10.0.0.1', n: 0x01020304 });
  assert.is(toHex(b), '010002000a00000104030201');
  assert.equal(c.decode(b), { s: { p: 1, q: 2 }, addr: 0x0a000001, n: 0x01020304 });
});
K.run();

const W = suite('records of more than 64 members');
const many: Field[] = Array.from({ length: 70 }, (_, i) => f(`m${i}`, i * 2, u16));
const wide = compile(struct('wide', 140, many));
W('encode and decode by name; members left out and undefined stay zero', () => {
  const b = wide.encode({ m69: 0x0102, m0: 7, m5: undefined });
  assert.is(toHex(b), `0700${'00'.repeat(136)}0201`);
  const v = wide.decode(b) as Record<string, number>;
  assert.is(Object.keys(v).length, 70);
  assert.is(v.m0, 7);
  assert.is(v.m69, 0x0102);
});
W('unknown members, bad values and non-objects are refused with their path', () => {
  refused(() => wide.encode({ m1: 1, nope: 2 }), `value.nope: unknown field 'nope'; fields are ${many.map((m) => m.name).join(', ')}`);
  refused(() => wide.encode({ m3: 70000 }), 'value.m3: expected u16 0..65535, got 70000');
  refused(() => wide.encode([1]), `value: expected struct wide (an object with fields ${many.map((m) => m.name).join(', ')}), got a list of 1`);
});
W('a wide union takes exactly one member, also inside an anonymous union', () => {
  const wu = compile(union('wu', 2, Array.from({ length: 66 }, (_, i) => f(`u${i}`, 0, u16))));
  assert.is(toHex(wu.encode({ u65: 0x0201 })), '0102');
  refused(() => wu.encode({}), `value: expected exactly one member of union wu (${Array.from({ length: 66 }, (_, i) => `u${i}`).join(', ')}), got none`);
  refused(() => wu.encode({ u1: 1, u2: 2 }), "value.u2: 'u2' and 'u1' are members of the same union; name exactly one");
  const ws = compile(struct('ws', 4, [...Array.from({ length: 64 }, (_, i) => f(`s${i}`, 0, u8, { bitOffset: 0, bitSize: 1 })),
    f('', 2, union('', 2, [f('x', 0, u16), f('y', 0, u16)]))]));
  refused(() => ws.encode({ x: 1, y: 2 }), "value.y: 'y' and 'x' are members of the same union; name exactly one");
  assert.is(toHex(ws.encode({ y: 0x0102, s0: 1 })), '01000201');
});
W.run();

const N = suite('unnamed members, interface-index members, a union given no object');
// struct p { u8 a; u8 :4 (unnamed padding bitfield); u16 b; }
const padded = compile(struct('p', 4, [f('a', 0, u8), f('', 1, u8, { bitOffset: 0, bitSize: 4 }), f('b', 2, u16)]));
N('an unnamed bitfield is no field: not decoded, not named, not writable', () => {
  assert.equal(padded.decode(fromHex('01ff0200')!), { a: 1, b: 2 });
  refused(() => padded.encode({ a: 1, nope: 2 }), "value.nope: unknown field 'nope'; fields are a, b");
  refused(() => padded.encode({ '': 3 }), "value[\"\"]: unknown field ''; fields are a, b");
});
N('a member named ...ifindex takes an interface name', () => {
  const k = compile(struct('k', 8, [f('ingress_ifindex', 0, u32), f('x', 4, u32)]));
  assert.is(toHex(k.encode({ ingress_ifindex: 'lo', x: 1 })), '0100000001000000');
  const other = compile(struct('o', 4, [f('x', 0, u32)]));
  refused(() => other.encode({ x: 'lo' }), "value.x: expected u32 0..4294967295, got 'lo'");
});
N('a union given a number names its members', () => {
  const u = compile(union('u', 4, [f('a', 0, u32), f('b', 0, u16)]));
  refused(() => u.encode(5), 'value: expected union u (an object naming exactly one member of a, b), got 5');
  const s = compile(struct('s', 4, [f('a', 0, u32)]));
  refused(() => s.encode(5), 'value: expected struct s (an object with fields a), got 5');
});
N.run();
