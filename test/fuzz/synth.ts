/**
 * Synthetic hostile objects: a minimal ELF64 BPF object whose `.maps` section defines one hash map
 * with a u32 key and a value of a deliberately nasty BTF type (deep nesting, exponential sharing,
 * absurd sizes, reference cycles, odd ints/enums/bitfields), so that the whole pipeline down to the
 * codec meets it, not only the BTF validator.
 */
import { Writer, type ByteOrder } from '../../src/bytes.js';
import { BtfBuilder, KIND } from '../helpers/btf-builder.js';
import type { Rng } from './prng.js';

type Maker = (b: BtfBuilder, rng: Rng, int: number, u8: number) => number;

const MAX_U32 = 0xffffffff;

/** The hostile value types by name; each returns the value type id. */
export const HOSTILE_VALUES: Record<string, Maker> = {
  'deep-struct': (b, rng, int) => {
    let t = int;
    const d = rng.range(20, 80);
    for (let i = 0; i < d; i++) t = b.struct(`s${i}`, 4, [{ name: 'x', type: t, bitOffset: 0 }]);
    return t;
  },
  'deep-array': (b, rng, _int, u8) => {
    let t = u8;
    const d = rng.range(20, 80);
    const n = rng.pick([1, 2, 3]);
    for (let i = 0; i < d; i++) t = b.array(t, u8, n);
    return t;
  },
  'deep-typedef': (b, rng, int) => {
    let t = int;
    const d = rng.range(20, 200);
    for (let i = 0; i < d; i++) t = i % 2 ? b.typedef(`t${i}`, t) : b.const(t);
    return t;
  },
  'shared-blowup': (b, rng, _int, u8) => {
    let t = rng.chance(0.5) ? u8 : b.struct('empty', 0, []);
    let size = t === u8 ? 1 : 0;
    const levels = rng.range(16, 40);
    for (let i = 0; i < levels; i++) {
      t = b.struct(`l${i}`, size * 2, [{ name: 'a', type: t, bitOffset: 0 }, { name: 'b', type: t, bitOffset: size * 8 }]);
      size *= 2;
    }
    return t;
  },
  'anon-blowup': (b, rng, int) => {
    let t = b.struct('', 4, [{ name: 'x', type: int, bitOffset: 0 }]);
    const levels = rng.range(10, 40);
    for (let i = 0; i < levels; i++) t = b.struct('', 4, [{ name: '', type: t, bitOffset: 0 }, { name: '', type: t, bitOffset: 0 }], true);
    return t;
  },
  'huge-array': (b, rng, int, u8) => {
    const big = b.struct('big', rng.pick([MAX_U32, 0x80000000, 1 << 20]), [{ name: 'x', type: int, bitOffset: 0 }]);
    return b.array(rng.pick([big, int, u8]), int, rng.pick([MAX_U32, 0x7fffffff, 1 << 24, 1 << 30]));
  },
  'nested-huge-arrays': (b, rng, _int, u8) => {
    let t = u8;
    for (let i = 0; i < rng.range(2, 6); i++) t = b.array(t, u8, rng.pick([MAX_U32, 0x10000, 0x100000]));
    return t;
  },
  'zero-size-elements': (b, rng, int) => {
    const empty = rng.chance(0.5) ? b.struct('empty', 0, []) : b.raw(KIND.FWD, 'opaque', 0);
    const arr = b.array(empty, int, rng.pick([MAX_U32, 1 << 28, 1000000]));
    return rng.chance(0.5) ? arr : b.struct('holder', 0, [{ name: 'items', type: arr, bitOffset: 0 }]);
  },
  'cycle': (b) => {
    // typedef a -> const -> typedef a: ids are known in advance (next ids in order).
    const first = b.raw(KIND.TYPEDEF, 'loop_a', 0);
    const c = b.const(first);
    const second = b.typedef('loop_b', c);
    void second;
    return first; // patched below by makeHostileObject: first -> second
  },
  'self-struct': (b) => {
    const id = b.raw(KIND.STRUCT, 'self', 4, [0, 0, 0], 1);
    return id; // member type patched to itself by makeHostileObject
  },
  'odd-int': (b, rng) => {
    const size = rng.pick([0, 3, 5, 16, 32, 255, MAX_U32]);
    return b.int('odd', size, { bits: rng.pick([0, 1, 7, 64, 128, 255]), offset: rng.pick([0, 3, 255]), encoding: rng.pick([0, 1, 2, 4, 15]) });
  },
  'odd-enum': (b, rng) => b.enum('odd', rng.pick([0, 3, 16, MAX_U32]), [['A', 1], ['B', -1]], rng.chance(0.5)),
  'odd-float': (b, rng) => b.raw(KIND.FLOAT, 'f', rng.pick([0, 2, 3, 16, MAX_U32])),
  'odd-bitfields': (b, rng, int) => b.struct('bits', rng.pick([0, 4, 8]), [
    { name: 'a', type: int, bitOffset: rng.pick([0, 3, 31, 0xffffff]), bitSize: rng.pick([0, 1, 33, 64, 255]) },
    { name: 'b', type: int, bitOffset: rng.pick([0, 5, 64]), bitSize: rng.pick([1, 32]) },
  ]),
  'many-members': (b, rng, _int, u8) => {
    const n = rng.range(1000, 16000);
    const m = [];
    for (let i = 0; i < n; i++) m.push({ name: `m${i}`, type: u8, bitOffset: i * 8 });
    return b.struct('wide', n, m);
  },
  'duplicate-members': (b, _rng, int) => b.struct('dup', 8, [{ name: 'x', type: int, bitOffset: 0 }, { name: 'x', type: int, bitOffset: 32 }]),
  'proto-names': (b, _rng, int) => b.struct('p', 12, [
    { name: '__proto__', type: int, bitOffset: 0 }, { name: 'constructor', type: int, bitOffset: 32 }, { name: 'prototype', type: int, bitOffset: 64 },
  ]),
  'member-outside': (b, rng, int) => b.struct('out', 4, [{ name: 'x', type: int, bitOffset: rng.pick([32, 0xfffffff8, 64]) }]),
};

export const HOSTILE_NAMES = Object.keys(HOSTILE_VALUES);

/** Minimal ELF64 relocatable BPF object with the given sections (name, type, bytes or NOBITS size). */
export function buildElf(order: ByteOrder, sections: readonly { name: string; type: number; data: Uint8Array | number }[]): Uint8Array {
  const names = ['', '.shstrtab', ...sections.map((s) => s.name)];
  const shstr: number[] = [];
  const nameOff: number[] = [];
  for (const n of names) { nameOff.push(shstr.length); for (const c of Buffer.from(n)) shstr.push(c); shstr.push(0); }
  const body = new Writer(order);
  body.zeros(64);
  const placed: { name: number; type: number; offset: number; size: number }[] = [{ name: 0, type: 0, offset: 0, size: 0 }];
  const strAt = body.length;
  body.bytes(Uint8Array.from(shstr)).align(8);
  placed.push({ name: nameOff[1]!, type: 3, offset: strAt, size: shstr.length });
  sections.forEach((s, i) => {
    if (typeof s.data === 'number') { placed.push({ name: nameOff[i + 2]!, type: s.type, offset: body.length, size: s.data }); return; }
    const at = body.length;
    body.bytes(s.data).align(8);
    placed.push({ name: nameOff[i + 2]!, type: s.type, offset: at, size: s.data.byteLength });
  });
  const shoff = body.length;
  for (const p of placed) {
    body.u32(p.name).u32(p.type).u64(0n).u64(0n).u64(BigInt(p.offset)).u64(BigInt(p.size)).u32(0).u32(0).u64(p.type === 0 ? 0n : 1n).u64(0n);
  }
  const out = body.finish();
  const v = new DataView(out.buffer);
  const le = order === 'little';
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1], 0);
  v.setUint16(16, 1, le);
  v.setUint16(18, 247, le);
  v.setUint32(20, 1, le);
  v.setBigUint64(40, BigInt(shoff), le);
  v.setUint16(52, 64, le);
  v.setUint16(58, 64, le);
  v.setUint16(60, placed.length, le);
  v.setUint16(62, 1, le);
  return out;
}

/** An object with one hash map `hostile` whose value type is made by HOSTILE_VALUES[name]. */
export function makeHostileObject(name: string, rng: Rng, order: ByteOrder = rng.chance(0.5) ? 'little' : 'big'): Uint8Array {
  const b = new BtfBuilder({ order });
  const int = b.int('int', 4, { signed: true });
  const u8 = b.int('__u8', 1);
  const u32 = b.int('__u32', 4);
  const value = HOSTILE_VALUES[name]!(b, rng, int, u8);
  const arrOf = (n: number): number => b.ptr(b.array(int, u32, n));
  const def = b.struct('', 32, [
    { name: 'type', type: arrOf(1), bitOffset: 0 },
    { name: 'key', type: b.ptr(u32), bitOffset: 64 },
    { name: 'value', type: b.ptr(value), bitOffset: 128 },
    { name: 'max_entries', type: arrOf(rng.pick([1, 16, 1024])), bitOffset: 192 },
  ]);
  const v = b.variable('hostile', def);
  b.datasec('.maps', 32, [[v, 0, 32]]);
  const btf = b.build();
  patchCycles(btf, name, value, order);
  return buildElf(order, [{ name: '.BTF', type: 1, data: btf }, { name: '.maps', type: 1, data: new Uint8Array(32) }]);
}

/** 'cycle' and 'self-struct' need references to ids that only exist after the fact. */
function patchCycles(btf: Uint8Array, name: string, id: number, order: ByteOrder): void {
  if (name !== 'cycle' && name !== 'self-struct') return;
  const v = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  const le = order === 'little';
  let p = 24;
  const end = 24 + v.getUint32(12, le);
  let cur = 1;
  const sizes: Record<number, number> = { 1: 16, 3: 24, 14: 16, 17: 16 };
  while (p < end && cur < id) {
    const info = v.getUint32(p + 4, le);
    const kind = (info >>> 24) & 0x7f;
    const vlen = info & 0xffffff;
    p += kind === 4 || kind === 5 || kind === 15 || kind === 19 ? 12 + vlen * 12 : kind === 6 || kind === 13 ? 12 + vlen * 8 : sizes[kind] ?? 12;
    cur++;
  }
  if (name === 'cycle') v.setUint32(p + 8, id + 2, le);
  else v.setUint32(p + 16, id, le);
}
