// compileCodec itself, offline: its caches (one codec per node and options; one compiled form per
// node and byte order), the limits on what a type may decode to, interface names for a whole-int
// global, and what encodeInto leaves in the buffer when a value is refused part-way.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec, compileNode, MAX_DECODED_OBJECTS } from '../src/codec/compile.js';
import { toHex } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, f, lpmKey, struct, u32, u8, union } from './oracle/schemas.js';

const opts = (n: TypeNode, more: object = {}) => ({ byteOrder: 'little' as const, size: n.size, root: 'key' as const, ...more });
const refusal = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
  return 'accepted';
};

const C = suite('compileCodec: caches');

C('the same node and options give the same codec; other options another one, each kept', () => {
  const n = struct('pair', 8, [f('a', 0, u32), f('b', 4, u32)]);
  const little = compileCodec(n, opts(n));
  const big = compileCodec(n, { ...opts(n), byteOrder: 'big' });
  assert.is.not(big, little);
  assert.is(compileCodec(n, opts(n)), little, 'the little-endian codec is still cached after the big-endian one');
  assert.is(compileCodec(n, { ...opts(n), byteOrder: 'big' }), big);
  assert.is(compileNode(n, 'little'), compileNode(n, 'little'), 'one compiled form per node and byte order');
  assert.is.not(compileNode(n, 'little'), compileNode(n, 'big'));
});

C('lpmKey and ifname are part of the cache key: given, not given and false are told apart', () => {
  const plain = compileCodec(lpmKey, opts(lpmKey));
  const lpm = compileCodec(lpmKey, opts(lpmKey, { lpmKey: true }));
  assert.is.not(lpm, plain);
  assert.is(compileCodec(lpmKey, opts(lpmKey, { lpmKey: false })), plain);
  assert.is(toHex(lpm.encode({ ingress_ifindex: 1, ip_data: '10.0.0.0/8' })).slice(0, 8), '28000000', 'the LPM codec takes a CIDR');
  assert.match(refusal(() => plain.encode({ ingress_ifindex: 1, ip_data: '10.0.0.0/8' })), /^VALUE_INVALID: /, 'the plain one does not');
  const idx = compileCodec(u32, opts(u32, { ifname: true }));
  const num = compileCodec(u32, opts(u32));
  assert.is.not(idx, num);
  assert.is(compileCodec(u32, opts(u32, { ifname: false })), num);
  assert.is(toHex(idx.encode('lo')), '01000000', 'an ifname int takes an interface name');
  assert.match(refusal(() => num.encode('lo')), /^VALUE_INVALID: /);
});

C('ifname applies to a whole int only; no node is a byte string', () => {
  const s = struct('s', 4, [f('x', 0, u32)]);
  assert.is(refusal(() => compileCodec(s, opts(s, { ifname: true })).encode('lo')), "VALUE_INVALID: key: expected struct s (an object with fields x), got 'lo'");
  const raw = compileCodec(null, { byteOrder: 'little', size: 4, root: 'value', ifname: true });
  assert.is(toHex(raw.encode('01020304')), '01020304');
  assert.is(raw.decode(Uint8Array.of(1, 2, 3, 4)), '01020304');
});

const L = suite('compileCodec: what a type may decode to');

/** n levels of `kind` around a u8: struct { struct { ... u8 } } or u8[1][1]... */
function nest(kind: 'struct' | 'array', n: number): TypeNode {
  let t: TypeNode = u8;
  for (let i = 0; i < n; i++) t = kind === 'struct' ? struct(`s${i}`, 1, [f('m', 0, t)]) : arr(t, 1);
  return t;
}

C.run();

L('nesting: 64 levels are counted (then refused by the compiler at 32), 65 are too many', () => {
  for (const kind of ['struct', 'array'] as const) {
    assert.is(refusal(() => compileCodec(nest(kind, 64), opts(u8, { size: 1 }))), 'SCHEMA_INVALID: key: types nested deeper than 32', kind);
    assert.is(refusal(() => compileCodec(nest(kind, 65), opts(u8, { size: 1 }))),
      `SCHEMA_INVALID: key: the type decodes to too many nested arrays and structs; at most ${MAX_DECODED_OBJECTS} are supported`, kind);
  }
});

L('structs, unions and arrays each count: the limit is reached exactly', () => {
  const n = MAX_DECODED_OBJECTS;
  const one = struct('one', 1, [f('b', 0, u8)]);
  const uone = union('uone', 1, [f('b', 0, u8)]);
  // An array of n - 1 structs is n objects: accepted. n structs: n + 1, refused.
  assert.is(refusal(() => compileCodec(arr(one, n - 1), opts(u8, { size: n - 1 }))), 'accepted');
  assert.is(refusal(() => compileCodec(arr(one, n), opts(u8, { size: n }))),
    `SCHEMA_INVALID: key: the type decodes to ${n + 1} nested arrays and structs; at most ${n} are supported`);
  assert.is(refusal(() => compileCodec(arr(uone, n), opts(u8, { size: n }))),
    `SCHEMA_INVALID: key: the type decodes to ${n + 1} nested arrays and structs; at most ${n} are supported`);
  // A struct adds its members' objects to its own: 1 + (1 + n).
  const outer = struct('outer', n, [f('a', 0, arr(one, n))]);
  assert.is(refusal(() => compileCodec(outer, opts(outer))),
    `SCHEMA_INVALID: key: the type decodes to ${n + 2} nested arrays and structs; at most ${n} are supported`);
});

L.run();

const E = suite('compileCodec: encodeInto and errors');

E('a value refused part-way leaves its bytes zero, and the bytes around it alone', () => {
  const pair = struct('pair', 8, [f('a', 0, u32), f('b', 4, u32)]);
  const c = compileCodec(pair, opts(pair));
  // (a was written before b was refused; 12 bytes after the value, so that no end offset counted
  // from the buffer's end lands on the value's.)
  const buf = new Uint8Array(24).fill(0xff);
  assert.match(refusal(() => c.encodeInto({ a: 1, b: 'x' }, buf, 4)), /^VALUE_INVALID: key\.b: /);
  assert.is(toHex(buf), 'ffffffff' + '00'.repeat(8) + 'ff'.repeat(12));
});

E('no buffer: a ValueError naming the size, not a TypeError', () => {
  const c = compileCodec(u32, opts(u32));
  assert.is(refusal(() => c.encodeInto(1, null as unknown as Uint8Array, 0)), 'VALUE_INVALID: key: cannot encode 4 bytes at offset 0 of a 0-byte buffer');
});

E("an error that is not the codec's own (a getter that throws) passes through unchanged", () => {
  const pair = struct('pair', 8, [f('a', 0, u32), f('b', 4, u32)]);
  const boom = new Error('boom');
  const input = { a: 1, get b(): number { throw boom; } };
  for (const lpm of [false, true]) {
    const n = lpm ? lpmKey : pair;
    const v = lpm ? { ingress_ifindex: 1, ip_data: '10.0.0.0/8', get prefixLen(): number { throw boom; } } : input;
    let got: unknown;
    try { compileCodec(n, opts(n, { lpmKey: lpm })).encode(v); } catch (e) { got = e; }
    assert.is(got, boom, lpm ? 'LPM key' : 'struct');
  }
});

E.run();

const G = suite('the fast path (fast-codegen.ts): which ints are generated, and their ranges');

G('plain 1, 2 and 4-byte ints (also with their full bit count, and big-endian 16-bit) are inlined; the rest take the plain path', async () => {
  const { inlineInt } = await import('../src/codec/fast-codegen.js');
  const { int, enm, be16, be32, bool, s8, u16, s32, u32, u64 } = await import('./oracle/schemas.js');
  const range = (t: TypeNode): string => { const i = inlineInt(t, 'little'); return i ? `${i.min}..${i.max}` : 'plain'; };
  const table: [string, TypeNode, string][] = [
    ['s8', s8, '-128..127'],
    ['u16', u16, '0..65535'],
    ['s32', s32, '-2147483648..2147483647'],
    ['u32', u32, '0..4294967295'],
    ['u32 with bits: 32', int('u32b', 4, false, { bits: 32 }), '0..4294967295'],
    ['__be16', be16, '0..65535'],
    ['__be32 (takes and prints IPv4 addresses)', be32, 'plain'],
    ['u64', u64, 'plain'],
    ['3-byte int', int('u24', 3, false), 'plain'],
    ['12 bits in 2 bytes', int('n12', 2, false, { bits: 12 }), 'plain'],
    ['bool', bool, 'plain'],
    ['enum', enm('e', 4, false, [['A', 0]]), 'plain'],
  ];
  for (const [what, t, want] of table) assert.is(range(t), want, what);
  assert.is(inlineInt(u32, 'big')!.read('o'), '(((u8[o + 0] << 24) | (u8[o + 1] << 16) | (u8[o + 2] << 8) | (u8[o + 3] << 0)) >>> 0)');
});

G('a record given every member in declared order (one straight line) encodes and refuses exactly as in any other order', async () => {
  const { u64, s8 } = await import('./oracle/schemas.js');
  const n = struct('mixed', 24, [f('a', 0, u32), f('b', 4, s8), f('c', 8, u64), f('d', 16, arr(u8, 4)), f('e', 20, u32)]);
  const c = compileCodec(n, opts(n));
  const inOrder = { a: 1, b: -2, c: 2n ** 40n, d: [1, 2, 3, 4], e: 0xfffffffe };
  const shuffled = { e: 0xfffffffe, c: 2n ** 40n, a: 1, d: [1, 2, 3, 4], b: -2 };
  assert.is(toHex(c.encode(inOrder)), toHex(c.encode(shuffled)));
  assert.is(toHex(c.encode(inOrder)), '01000000fe000000000000000001000001020304feffffff');
  // An undefined member is left zero, as a missing one is.
  assert.is(toHex(c.encode({ ...inOrder, b: undefined })), toHex(c.encode({ a: 1, c: 2n ** 40n, d: [1, 2, 3, 4], e: 0xfffffffe })));
  // Refusals name the member, whichever way the record was written.
  for (const [member, bad] of [['a', -1], ['b', 128], ['c', 'x'], ['d', [1, 2, 3, 4, 5]], ['e', 1.5]] as const) {
    const a = refusal(() => c.encode({ ...inOrder, [member]: bad }));
    const b = refusal(() => c.encode({ ...shuffled, [member]: bad }));
    assert.is(a, b, member);
    assert.match(a, new RegExp(`^VALUE_(INVALID|RANGE): key\\.${member}\\b`), a);
  }
  assert.is(refusal(() => c.encode({ ...inOrder, f: 1 })), refusal(() => c.encode({ f: 1, ...inOrder })));
  assert.match(refusal(() => c.encode({ ...inOrder, f: 1 })), /f/);
});

G.run();
