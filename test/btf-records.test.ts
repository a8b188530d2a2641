// BTF validation, stage 3 (src/btf/raw-types.ts): record framing. Every known kind's record size (with
// two vlen entries, so that both the fixed part and the entry size count), unknown kinds skipped with
// the layout section or refused with their reason, the two framing refusals with their whole message,
// and blobs that start at an odd address. In both byte orders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfError, loadBtf, loadSplitBtf } from '../src/index.js';
import { Writer } from '../src/bytes.js';
import { BtfBuilder, KIND as K, standardLayout } from './helpers/btf-builder.js';

function refusal(blob: Uint8Array): BtfError {
  try { loadBtf(blob); } catch (e) {
    if (e instanceof BtfError) return e;
    throw e;
  }
  throw new Error('expected loadBtf to refuse the blob');
}

/** [kind, a record of it (after `int` as type 1 and `char` as type 2), its kind name]. */
const records: [string, (b: BtfBuilder) => void][] = [
  ['INT', (b) => { b.int('i16', 2, { signed: true }); }],
  ['PTR', (b) => { b.raw(K.PTR, '', 1); }],
  ['ARRAY', (b) => { b.raw(K.ARRAY, '', 0, [2, 1, 4]); }],
  ['STRUCT', (b) => { b.raw(K.STRUCT, 's', 8, [b.str('a'), 1, 0, b.str('b'), 1, 32], 2); }],
  ['UNION', (b) => { b.raw(K.UNION, 'u', 4, [b.str('a'), 1, 0, b.str('b'), 2, 0], 2); }],
  ['ENUM', (b) => { b.raw(K.ENUM, 'e', 4, [b.str('A'), 1, b.str('B'), 2], 2); }],
  ['FWD', (b) => { b.raw(K.FWD, 'f', 0); }],
  ['TYPEDEF', (b) => { b.raw(K.TYPEDEF, 't', 1); }],
  ['VOLATILE', (b) => { b.raw(K.VOLATILE, '', 1); }],
  ['CONST', (b) => { b.raw(K.CONST, '', 1); }],
  ['RESTRICT', (b) => { b.raw(K.RESTRICT, '', 1); }],
  ['FUNC', (b) => { b.raw(K.FUNC_PROTO, '', 1, [b.str('x'), 1, b.str('y'), 2], 2); b.raw(K.FUNC, 'fn', 3, [], 1); }],
  ['FUNC_PROTO', (b) => { b.raw(K.FUNC_PROTO, '', 1, [b.str('x'), 1, b.str('y'), 2], 2); }],
  ['VAR', (b) => { b.raw(K.VAR, 'v', 1, [1]); }],
  ['DATASEC', (b) => { b.raw(K.VAR, 'v', 1, [1]); b.raw(K.VAR, 'w', 1, [1]); b.raw(K.DATASEC, '.data', 8, [3, 0, 4, 4, 4, 4], 2); }],
  ['FLOAT', (b) => { b.raw(K.FLOAT, 'double', 8); }],
  ['DECL_TAG', (b) => { b.raw(K.DECL_TAG, 'tag', 1, [0xffffffff]); }],
  ['TYPE_TAG', (b) => { b.raw(K.TYPE_TAG, 'tt', 1); }],
  ['ENUM64', (b) => { b.raw(K.ENUM64, 'e64', 8, [b.str('A'), 1, 0, b.str('B'), 2, 0], 2); }],
];

for (const order of ['little', 'big'] as const) {
  const R = suite(`BTF records (${order}-endian)`);

  for (const [kind, make] of records) {
    R(`frames a ${kind} record: the record after it is read where it starts`, () => {
      const b = new BtfBuilder({ order });
      b.int('int', 4);
      b.int('char', 1, { encoding: 2 });
      make(b);
      const last = b.typedef('after', 1);
      const btf = loadBtf(b.build());
      assert.is(btf.typeCount, last);
      assert.is(btf.type(last - 1).kind.toUpperCase(), kind === 'FUNC' ? 'FUNC' : kind);
      assert.is(btf.type(last).name, 'after');
      assert.is(btf.type(last).targetId, 1);
    });
  }

  R('a record header cut short: its id, offset and the section length', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    const blob = b.build();
    // Grow the type section by 8 bytes of zeros (and move the strings after them).
    const v = new DataView(blob.buffer, blob.byteOffset);
    const le = order === 'little';
    const typeLen = v.getUint32(12, le), strOff = v.getUint32(16, le);
    const grown = new Uint8Array(blob.byteLength + 8);
    grown.set(blob.subarray(0, 24 + typeLen));
    grown.set(blob.subarray(24 + strOff), 24 + strOff + 8);
    const g = new DataView(grown.buffer);
    g.setUint32(12, typeLen + 8, le);
    g.setUint32(16, strOff + 8, le);
    const e = refusal(grown);
    assert.is(e.typeId, 2);
    assert.is(e.message, 'BTF type 2: record header at type offset 16 (+12) runs past the 24-byte type section');
  });

  R('a record whose entries run past the section: kind, vlen, size and offset', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.raw(K.STRUCT, 's', 4, [b.str('a'), 1, 0], 2);
    const e = refusal(b.build());
    assert.is(e.typeId, 2);
    assert.is(e.code, 'BTF_MALFORMED');
    assert.is(e.message, 'BTF type 2 (STRUCT, vlen 2): record of 36 bytes at type offset 16 runs past the 40-byte type section');
  });

  R('unknown kinds: skipped by the layout section, else refused with the reason', () => {
    // Kind 25 with 8 bytes of fixed data and 4 per entry, vlen 2; the layout section where it lies,
    // before the types or after the strings (its offset counts from the header's end).
    for (const layoutAt of ['first', 'last'] as const) {
      const skip = new BtfBuilder({ order, hdrLen: 32, layout: standardLayout({ 25: [8, 4, 0] }), layoutAt });
      skip.int('int', 4);
      skip.raw(25, 'future', 0, [1, 2, 3, 4], 2);
      skip.typedef('after', 1);
      const btf = loadBtf(skip.build());
      assert.is(btf.typeCount, 3, layoutAt);
      assert.is(btf.type(3).name, 'after', layoutAt);
    }

    const refusals: [BtfBuilder, number, string][] = [
      [new BtfBuilder({ order }), 25, 'BTF type 2: unknown kind 25: no layout section to skip it'],
      [new BtfBuilder({ order, hdrLen: 32, layout: standardLayout() }), 25, 'BTF type 2: unknown kind 25: the layout section has no entry for kind 25'],
      [new BtfBuilder({ order, hdrLen: 32, layout: standardLayout() }), 0, 'BTF type 2: unknown kind 0: kind 0 (UNKN) is not a valid record kind'],
      [new BtfBuilder({ order }), 0, 'BTF type 2: unknown kind 0: kind 0 (UNKN) is not a valid record kind'],
    ];
    for (const [b, kind, message] of refusals) {
      b.int('int', 4);
      b.raw(kind, '', 0, [0, 0]);
      const e = refusal(b.build());
      assert.equal([e.code, e.typeId, e.message], ['BTF_UNSUPPORTED', 2, message]);
    }
  });

  R('a blob at any address in its buffer reads the same', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.raw(K.STRUCT, 'pair', 8, [b.str('a'), 1, 0, b.str('b'), 1, 32], 2);
    b.typedef('p_t', 2);
    const blob = b.build();
    for (const shift of [0, 1, 2, 3, 5]) {
      const buf = new Uint8Array(blob.byteLength + shift);
      buf.set(blob, shift);
      const btf = loadBtf(buf.subarray(shift));
      assert.equal(btf.type(2).members.map((m) => [m.name, m.typeId, m.bitOffset]), [['a', 1, 0], ['b', 1, 32]], `shift ${shift}`);
      assert.is(btf.type(3).target.name, 'pair');
    }
  });

  R('the kind flag: bitfield members and signed enums', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.struct('bits', 4, [{ name: 'lo', type: 1, bitOffset: 0, bitSize: 3 }, { name: 'hi', type: 1, bitOffset: 3, bitSize: 29 }]);
    b.enum('neg', 4, [['M', -2]], true);
    b.enum('pos', 4, [['P', 0xfffffffe]], false);
    const btf = loadBtf(b.build());
    assert.is(btf.type(2).kindFlag, true);
    assert.equal(btf.type(2).members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]), [['lo', 0, 3], ['hi', 3, 29]]);
    assert.equal([btf.type(3).kindFlag, btf.type(3).values[0]!.value], [true, -2]);
    assert.equal([btf.type(4).kindFlag, btf.type(4).values[0]!.value], [false, 0xfffffffe]);
    assert.is(btf.type(0).kindFlag, false);
    // Void has no record: not the first record's flag or vlen, even when that record has both.
    const first = new BtfBuilder({ order });
    first.enum('signed_first', 4, [['A', -1], ['B', 1]], true);
    const f = loadBtf(first.build());
    assert.equal([f.type(1).kindFlag, f.type(1).vlen], [true, 2]);
    assert.equal([f.type(0).kindFlag, f.type(0).vlen, f.type(0).values, f.type(0).members], [false, 0, [], []]);
    // Only enums have values: a struct's members are not read as enum64 values.
    assert.equal(btf.type(2).values, []);
  });

  R('a record of an unknown kind that runs past the type section is named by its kind number', () => {
    const b = new BtfBuilder({ order, hdrLen: 32, layout: standardLayout({ 25: [8, 4, 0] }) });
    b.int('int', 4);
    b.raw(25, 'future', 0, [1, 2], 100);
    const e = refusal(b.build());
    assert.is(e.message, 'BTF type 2 (kind 25, vlen 100): record of 420 bytes at type offset 16 runs past the 36-byte type section');
  });

  R('split BTF: each section is read where its header puts it, here the strings before the types', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    const base = loadBtf(b.build());
    // One typedef (id 2) named by the split's second string (the first is padding); the split's
    // string offsets follow the base's strings.
    const names = Buffer.from('pad_name_x\0my_t\0'); // 16 bytes: the types start 4-aligned
    const myT = base.strings.length + 'pad_name_x\0'.length;
    const types = new Writer(order).u32(myT).u32(K.TYPEDEF << 24).u32(1).finish();
    const w = new Writer(order);
    w.u16(0xeb9f).u8(1).u8(0).u32(24).u32(names.byteLength).u32(types.byteLength).u32(0).u32(names.byteLength);
    w.bytes(names).bytes(types);
    const merged = loadSplitBtf(w.finish(), base);
    assert.is(merged.typeCount, 2);
    assert.is(merged.type(2).name, 'my_t');
    assert.is(merged.type(2).targetId, 1);
  });

  R.run();
}
