// The decoded type graph (src/btf/btf.ts, types.ts, member-bits.ts, split.ts): every accessor of a
// Type on records built here, lookups by id and by name, resolving typedefs and qualifiers, sizeof
// with its limits, bitfields in both encodings, and split BTF merged onto its base. In both byte orders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfError, defaultBtfBase, loadBtf, loadSplitBtf } from '../src/index.js';
import { memberBits } from '../src/btf/member-bits.js';
import { linkageName } from '../src/btf/types.js';
import { BtfBuilder, KIND as K, standardLayout } from './helpers/btf-builder.js';

function refusal(fn: () => unknown): BtfError {
  try { fn(); } catch (e) {
    if (e instanceof BtfError) return e;
    throw e;
  }
  throw new Error('expected a BtfError');
}

for (const order of ['little', 'big'] as const) {
  const G = suite(`BTF type graph (${order}-endian)`);

  G('ids: 0 is void, the last id is the count, anything else is refused by name', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.typedef('t', 1);
    const btf = loadBtf(b.build());
    assert.is(btf.typeCount, 2);
    assert.is(btf.firstId, 1);
    const v = btf.type(0);
    assert.equal([v.kind, v.name, v.btfKind, v.kindFlag, v.vlen, v.targetId, v.size], ['void', '', 0, false, 0, 0, undefined]);
    assert.is(btf.name(0), '');
    assert.is(btf.kind(0), 0);
    assert.is(btf.type(2).name, 't');
    assert.ok(btf.type(2) === btf.type(2), 'one object per id');
    for (const bad of [3, -1, 1.5, Number.NaN]) {
      // Every accessor by id: the raw records past the end would give type 1's name and kind.
      for (const [what, f] of [['type', () => btf.type(bad)], ['name', () => btf.name(bad)], ['kind', () => btf.kind(bad)],
        ['resolve', () => btf.resolve(bad)], ['sizeOf', () => btf.sizeOf(bad)]] as const) {
        const e = refusal(f);
        assert.is(e.message, `BTF: type id: expected 0..2, got ${bad}`, what);
      }
    }
    assert.is(btf.resolve(2), 1);
    assert.is(btf.sizeOf(2), 4);
  });

  G('every accessor of every kind', () => {
    const b = new BtfBuilder({ order });
    const int = b.int('int', 4, { signed: true });                         // 1
    const u8 = b.int('u8', 1);                                             // 2
    const ch = b.int('char', 1, { encoding: 2 });                          // 3
    const bits = b.int('bits', 4, { bits: 5, offset: 3 });                 // 4
    const arr = b.array(u8, int, 6);                                       // 5
    const ptr = b.ptr(arr);                                                // 6
    const fwdS = b.raw(K.FWD, 'fs', 0);                                    // 7
    const fwdU = b.raw(K.FWD, 'fu', 0, [], 0, true);                       // 8
    const proto = b.raw(K.FUNC_PROTO, '', int, [b.str('a'), u8, 0, ptr], 2); // 9
    const fStatic = b.raw(K.FUNC, 'fs0', proto, [], 0);                    // 10
    const fGlobal = b.raw(K.FUNC, 'fg', proto, [], 1);                     // 11
    const fExtern = b.raw(K.FUNC, 'fe', proto, [], 2);                     // 12
    const vStatic = b.variable('vs', int, 0);                              // 13
    const vGlobal = b.variable('vg', int, 1);                              // 14
    const sec = b.datasec('.data', 12, [[vStatic, 0, 4], [vGlobal, 8, 4]]); // 15
    const tagWhole = b.raw(K.DECL_TAG, 'whole', fStatic, [0xffffffff]);    // 16
    const tagParam = b.raw(K.DECL_TAG, 'param', fStatic, [1]);             // 17
    const flt = b.raw(K.FLOAT, 'double', 8);                               // 18
    const e32s = b.enum('es', 4, [['NEG', -5], ['BIG', 0x7fffffff]], true); // 19
    const e32u = b.enum('eu', 4, [['TOP', 0xffffffff]], false);            // 20
    const e64s = b.enum64('e64s', [['LOW', -(2n ** 63n)], ['M1', -1n]], true); // 21
    const e64u = b.enum64('e64u', [['HIGH', 2n ** 64n - 1n], ['HI', 0x1_0000_0002n]], false); // 22
    const st = b.struct('st', 8, [{ name: 'a', type: int, bitOffset: 0 }, { name: '', type: u8, bitOffset: 32 }]); // 23
    const un = b.struct('un', 4, [{ name: 'x', type: int, bitOffset: 0 }], true); // 24
    const tt = b.raw(K.TYPE_TAG, 'user', int);                             // 25
    const btf = loadBtf(b.build());

    const t = (id: number) => btf.type(id);
    assert.equal([t(int).kind, t(int).size, t(int).signed, t(int).intEncoding, t(int).intBits, t(int).intOffset], ['int', 4, true, 1, 32, 0]);
    assert.equal([t(u8).signed, t(u8).intEncoding, t(u8).size], [false, 0, 1]);
    assert.equal([t(ch).intEncoding, t(ch).signed], [2, false]);
    assert.equal([t(bits).intBits, t(bits).intOffset, t(bits).size], [5, 3, 4]);
    assert.equal([t(arr).kind, t(arr).targetId, t(arr).target.name, t(arr).indexTypeId, t(arr).nelems, t(arr).size], ['array', u8, 'u8', int, 6, undefined]);
    assert.equal([t(ptr).kind, t(ptr).targetId, t(ptr).size], ['ptr', arr, undefined]);
    assert.equal([t(fwdS).fwdKind, t(fwdU).fwdKind], ['struct', 'union']);
    assert.equal(t(proto).params.map((p) => [p.name, p.typeId, p.type.kind]), [['a', u8, 'int'], ['', ptr, 'ptr']]);
    assert.equal([t(proto).targetId, t(proto).target.name], [int, 'int']);
    assert.equal([fStatic, fGlobal, fExtern, vStatic, vGlobal, int].map((id) => t(id).linkage), ['static', 'global', 'extern', 'static', 'global', 'static']);
    assert.equal([linkageName(0), linkageName(2), linkageName(3), linkageName(9)], ['static', 'extern', 'linkage 3', 'linkage 9']);
    assert.equal([t(fGlobal).targetId, t(vGlobal).targetId], [proto, int]);
    assert.equal(t(sec).vars.map((v) => [v.typeId, v.type.name, v.offset, v.size]), [[vStatic, 'vs', 0, 4], [vGlobal, 'vg', 8, 4]]);
    assert.equal([t(sec).size, t(sec).vlen], [12, 2]);
    assert.equal([t(tagWhole).componentIdx, t(tagParam).componentIdx, t(tagParam).target.name], [-1, 1, 'fs0']);
    assert.equal([t(flt).kind, t(flt).size], ['float', 8]);
    assert.equal([t(e32s).signed, t(e32s).kindFlag], [true, true]);
    assert.equal(t(e32s).values, [{ name: 'NEG', value: -5 }, { name: 'BIG', value: 0x7fffffff }]);
    assert.equal([t(e32u).signed, t(e32u).values], [false, [{ name: 'TOP', value: 0xffffffff }]]);
    assert.equal(t(e64s).values, [{ name: 'LOW', value: -(2n ** 63n) }, { name: 'M1', value: -1n }]);
    assert.equal(t(e64u).values, [{ name: 'HIGH', value: 2n ** 64n - 1n }, { name: 'HI', value: 0x1_0000_0002n }]);
    assert.equal([t(e64u).size, t(e64u).kind], [8, 'enum64']);
    assert.equal(t(st).members.map((m) => [m.name, m.typeId, m.type.name, m.bitOffset, m.bitfieldSize]), [['a', int, 'int', 0, 0], ['', u8, 'u8', 32, 0]]);
    assert.equal([t(un).kind, t(un).size, t(un).members.length], ['union', 4, 1]);
    assert.equal([t(tt).kind, t(tt).name, t(tt).targetId], ['type_tag', 'user', int]);
    // Accessors of another kind give nothing.
    assert.equal([t(int).values, t(int).members, t(int).params, t(int).vars], [[], [], [], []]);
  });

  G('names: every id of a name in id order, anonymous types under none, the definition preferred', () => {
    const b = new BtfBuilder({ order });
    const int = b.int('int', 4);                       // 1
    b.raw(K.FWD, 'thing', 0);                          // 2
    b.raw(K.DECL_TAG, 'thing', int, [0xffffffff]);      // 3
    b.variable('thing', int);                          // 4
    b.struct('thing', 4, [{ name: 'a', type: int, bitOffset: 0 }]); // 5
    b.raw(K.FWD, 'fwd_then_func', 0);                  // 6
    const proto = b.raw(K.FUNC_PROTO, '', int);        // 7
    b.raw(K.FUNC, 'fwd_then_func', proto, [], 1);      // 8
    b.raw(K.DECL_TAG, 'tag_then_fwd', int, [0xffffffff]); // 9
    b.raw(K.FWD, 'tag_then_fwd', 0);                   // 10
    b.ptr(int);                                        // 11 (anonymous)
    b.typedef('twice', int);                           // 12
    b.typedef('twice', int);                           // 13
    const btf = loadBtf(b.build());
    assert.equal(btf.idsByName('thing'), [2, 3, 4, 5]);
    assert.equal(btf.idsByName(''), []);
    assert.equal(btf.idsByName('nope'), []);
    assert.is(btf.findByName('thing')!.id, 5);
    assert.is(btf.findByName('thing', K.VAR)!.id, 4);
    assert.is(btf.findByName('thing', K.DECL_TAG)!.id, 3);
    assert.is(btf.findByName('thing', K.PTR), undefined);
    assert.is(btf.findByName('fwd_then_func')!.id, 8);
    assert.is(btf.findByName('tag_then_fwd')!.id, 9);
    assert.is(btf.findByName('twice')!.id, 12);
    assert.is(btf.findByName('nope'), undefined);
  });

  G('resolve follows typedefs and every qualifier, up to 32 of them', () => {
    const b = new BtfBuilder({ order });
    const int = b.int('int', 4);                                 // 1
    let id = int;
    for (const kind of [K.TYPEDEF, K.CONST, K.VOLATILE, K.RESTRICT, K.TYPE_TAG]) id = b.raw(kind, kind === K.TYPEDEF ? 't' : kind === K.TYPE_TAG ? 'tag' : '', id);
    const ptr = b.ptr(id);                                       // 7
    let deep = int;
    for (let i = 0; i < 32; i++) deep = b.typedef(`d${i}`, deep); // 8..39
    const tooDeep = b.typedef('d32', deep);                      // 40
    const btf = loadBtf(b.build());
    assert.is(btf.resolve(id), int);
    assert.is(btf.resolve(ptr), ptr, 'a pointer is not followed');
    assert.is(btf.resolve(int), int);
    assert.is(btf.resolve(deep), int);
    const e = refusal(() => btf.resolve(tooDeep));
    assert.is(e.typeId, tooDeep);
    assert.is(e.message, `BTF type ${tooDeep}: nesting deeper than 32 following typedefs and qualifiers`);
  });

  G('sizeOf: every sized kind, pointers, arrays of arrays, variables, and its refusals', () => {
    const b = new BtfBuilder({ order });
    const int = b.int('int', 4);                          // 1
    const row = b.array(int, int, 3);                     // 2: 12
    const grid = b.array(row, int, 5);                    // 3: 60
    const td = b.typedef('grid_t', grid);                 // 4
    const v = b.variable('g', td);                        // 5
    const ptr = b.ptr(grid);                              // 6
    const flt = b.raw(K.FLOAT, 'float', 4);               // 7
    const e64 = b.enum64('e', [['A', 1n]]);               // 8
    const sec = b.datasec('.bss', 64, [[v, 0, 60]]);       // 9
    const fwd = b.raw(K.FWD, 'opaque', 0);                // 10
    const anonFwd = b.raw(K.FWD, '', 0);                  // 11
    const huge = b.array(int, int, 0x40000000);           // 12: 4 GiB
    const fitting = b.array(b.int('u8', 1), int, 0xffffffff); // 13, 14: 4 GiB - 1
    let deep = int;
    for (let i = 0; i < 33; i++) deep = b.array(deep, int, 1); // 15..47
    const e32 = b.enum('small', 2, [['Z', 0]]);           // 48
    const un = b.struct('u', 16, [], true);               // 49
    const btf = loadBtf(b.build());
    assert.equal([int, row, grid, td, v, ptr, flt, e64, sec, e32, un].map((id) => btf.sizeOf(id)), [4, 12, 60, 60, 60, 8, 4, 8, 64, 2, 16]);
    assert.is(btf.sizeOf(fitting), 0xffffffff);
    assert.is(btf.sizeOf(deep - 1), 4);
    assert.equal([refusal(() => btf.sizeOf(huge)).message, refusal(() => btf.sizeOf(huge)).typeId], [`BTF type ${huge} (array): size of 1073741824 elements overflows u32`, huge]);
    assert.is(refusal(() => btf.sizeOf(fwd)).message, `BTF type ${fwd}: expected a type with a size, got FWD 'opaque'`);
    assert.is(refusal(() => btf.sizeOf(anonFwd)).message, `BTF type ${anonFwd}: expected a type with a size, got FWD`);
    assert.is(refusal(() => btf.sizeOf(0)).message, 'BTF type 0: expected a type with a size, got UNKNOWN');
    // The 33rd array's element is met at depth 33: the walk names the type it stopped at.
    assert.equal([refusal(() => btf.sizeOf(deep)).message, refusal(() => btf.sizeOf(deep)).typeId], ['BTF type 1: nesting deeper than 32 computing its size', 1]);
  });

  G('bitfields: from the member (kind flag) or from the int (older encoding)', () => {
    const b = new BtfBuilder({ order });
    const int = b.int('int', 4);                              // 1
    const narrow = b.int('int', 4, { bits: 3, offset: 2 });   // 2
    const td = b.typedef('narrow_t', narrow);                 // 3
    const wide = b.int('short', 2, { bits: 16 });             // 4
    const onlyBits = b.int('int', 4, { bits: 7 });            // 5
    const onlyOff = b.int('int', 4, { bits: 32, offset: 1 }); // 6
    b.struct('s', 8, [{ name: 'x', type: int, bitOffset: 0 }]); // 7
    const btf = loadBtf(b.build());
    assert.equal(memberBits(btf, int, 40, 5), [40, 5]);
    assert.equal(memberBits(btf, int, 40, 0), [40, 0]);
    assert.equal(memberBits(btf, narrow, 40, 0), [42, 3]);
    assert.equal(memberBits(btf, td, 8, 0), [10, 3]);
    assert.equal(memberBits(btf, wide, 16, 0), [16, 0]);
    assert.equal(memberBits(btf, onlyBits, 0, 0), [0, 7]);
    assert.equal(memberBits(btf, onlyOff, 0, 0), [1, 32]);
    assert.equal(memberBits(btf, 7, 0, 0), [0, 0]);
  });

  G('split BTF: ids and names continue after the base; byte order and layout sections refused', () => {
    const base = new BtfBuilder({ order });
    base.int('int', 4);                 // 1
    base.typedef('base_t', 1);          // 2
    const baseBtf = loadBtf(base.build());
    const baseStrLen = new DataView(base.build().buffer).getUint32(20, order === 'little');
    // The split part: records whose ids and name offsets continue after the base's, and a string
    // table without the leading NUL (its first name is at the base's string length).
    const recs = new BtfBuilder({ order });
    recs.raw(K.TYPEDEF, baseStrLen, 2);             // 3 'mod_t' -> base_t
    recs.raw(K.PTR, '', 3);                         // 4
    recs.raw(K.TYPEDEF, baseStrLen + 6, 1);         // 5 'x' -> int
    const built = recs.build();
    const le = order === 'little';
    const bv = new DataView(built.buffer, built.byteOffset);
    const types = built.subarray(24, 24 + bv.getUint32(12, le));
    const strings = Buffer.from('mod_t\0x\0');
    const fixed = new Uint8Array(24 + types.byteLength + strings.byteLength);
    const fv = new DataView(fixed.buffer);
    fv.setUint16(0, 0xeb9f, le); fixed[2] = 1; fv.setUint32(4, 24, le);
    fv.setUint32(8, 0, le); fv.setUint32(12, types.byteLength, le);
    fv.setUint32(16, types.byteLength, le); fv.setUint32(20, strings.byteLength, le);
    fixed.set(types, 24);
    fixed.set(strings, 24 + types.byteLength);
    const merged = loadSplitBtf(fixed, baseBtf);
    assert.is(merged.firstId, 3);
    assert.is(merged.typeCount, 5);
    assert.is(merged.byteOrder, order);
    assert.equal([merged.type(3).name, merged.type(3).target.name, merged.type(4).target.name, merged.type(5).name, merged.type(5).target.name], ['mod_t', 'base_t', 'mod_t', 'x', 'int']);
    assert.is(merged.type(1).name, 'int');

    const other = new BtfBuilder({ order: order === 'little' ? 'big' : 'little' });
    other.int('x', 4);
    assert.is(refusal(() => loadSplitBtf(other.build(), baseBtf)).message,
      `split BTF: byte order: expected ${order}-endian like its base, got ${order === 'little' ? 'big' : 'little'}-endian`);
    const withLayout = new BtfBuilder({ order, hdrLen: 32, layout: standardLayout() });
    withLayout.int('x', 4);
    const le2 = refusal(() => loadSplitBtf(withLayout.build(), baseBtf));
    assert.equal([le2.code, le2.message], ['BTF_UNSUPPORTED', 'split BTF: split BTF with a layout section is not supported']);
    const layoutBase = loadBtf(withLayout.build());
    assert.is(refusal(() => loadSplitBtf(fixed, layoutBase)).message, 'base BTF: split BTF with a layout section is not supported');
  });

  G.run();
}

const D = suite('defaultBtfBase');
D('a module under /sys/kernel/btf has vmlinux as its base; vmlinux itself and other paths none', () => {
  assert.is(defaultBtfBase('/sys/kernel/btf/nf_tables'), '/sys/kernel/btf/vmlinux');
  assert.is(defaultBtfBase('/sys/kernel/btf/vmlinux'), null);
  assert.is(defaultBtfBase('/sys/kernel/btf/a/b'), null);
  assert.is(defaultBtfBase('/sys/kernel/btf/'), null);
  assert.is(defaultBtfBase('x/sys/kernel/btf/m'), null);
  assert.is(defaultBtfBase('/tmp/m.btf'), null);
});
D.run();
