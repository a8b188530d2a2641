// BTF validation, stage 4 (src/btf/validate.ts): every kind's references, each refusal's whole
// message (which record, which part of it, the limit and what was found), the first bad record in id
// order, and the limits themselves (the last string offset and the last type id are fine). In both
// byte orders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BtfError, loadBtf } from '../src/index.js';
import { BtfBuilder, KIND as K } from './helpers/btf-builder.js';

/** The string table's length of a built blob (header field str_len). */
function strLen(blob: Uint8Array, order: 'little' | 'big'): number {
  return new DataView(blob.buffer, blob.byteOffset, blob.byteLength).getUint32(20, order === 'little');
}

function refusal(blob: Uint8Array): BtfError {
  try { loadBtf(blob); } catch (e) {
    if (e instanceof BtfError) return e;
    throw e;
  }
  throw new Error('expected loadBtf to refuse the blob');
}

/**
 * [what, records after an `int` (type 1), the refused id, the message after "BTF type ID (KIND): "];
 * BAD_NAME stands for an offset past the string table, which the test replaces with the limit.
 */
const BAD_NAME = 0x7fff0000;
const T2 = 3; // one past the last id when the table has two records
const cases: [string, (b: BtfBuilder) => void, number, string][] = [
  ['a pointer', (b) => { b.raw(K.PTR, '', T2); }, 2, `(PTR): type: expected a type id below 3, got 3`],
  ['a typedef', (b) => { b.raw(K.TYPEDEF, 't', T2); }, 2, `(TYPEDEF): type: expected a type id below 3, got 3`],
  ['a volatile', (b) => { b.raw(K.VOLATILE, '', T2); }, 2, `(VOLATILE): type: expected a type id below 3, got 3`],
  ['a const', (b) => { b.raw(K.CONST, '', T2); }, 2, `(CONST): type: expected a type id below 3, got 3`],
  ['a restrict', (b) => { b.raw(K.RESTRICT, '', T2); }, 2, `(RESTRICT): type: expected a type id below 3, got 3`],
  ['a type tag', (b) => { b.raw(K.TYPE_TAG, 'tag', T2); }, 2, `(TYPE_TAG): type: expected a type id below 3, got 3`],
  ['a function', (b) => { b.raw(K.FUNC, 'f', T2, [], 1); }, 2, `(FUNC): type: expected a type id below 3, got 3`],
  ['a variable', (b) => { b.raw(K.VAR, 'v', T2, [1]); }, 2, `(VAR): type: expected a type id below 3, got 3`],
  ['a declaration tag', (b) => { b.raw(K.DECL_TAG, 'd', T2, [0xffffffff]); }, 2, `(DECL_TAG): type: expected a type id below 3, got 3`],
  ['a prototype\'s return type', (b) => { b.raw(K.FUNC_PROTO, '', T2, [0, 1], 1); }, 2, `(FUNC_PROTO): return type: expected a type id below 3, got 3`],
  ['a prototype\'s second parameter name', (b) => { b.raw(K.FUNC_PROTO, '', 1, [b.str('a'), 1, BAD_NAME, 1], 2); }, 2, `(FUNC_PROTO): param 1 name_off: expected a string offset below L, got BAD`],
  ['a prototype\'s second parameter type', (b) => { b.raw(K.FUNC_PROTO, '', 1, [b.str('a'), 1, b.str('b'), T2], 2); }, 2, `(FUNC_PROTO): param 1 type: expected a type id below 3, got 3`],
  ['an array\'s element type', (b) => { b.raw(K.ARRAY, '', 0, [T2, 1, 2]); }, 2, `(ARRAY): array element type: expected a type id below 3, got 3`],
  ['an array\'s index type', (b) => { b.raw(K.ARRAY, '', 0, [1, T2, 2]); }, 2, `(ARRAY): array index type: expected a type id below 3, got 3`],
  ['a struct\'s second member type', (b) => { b.raw(K.STRUCT, 's', 8, [b.str('a'), 1, 0, b.str('b'), T2, 32], 2); }, 2, `(STRUCT): member 1 type: expected a type id below 3, got 3`],
  ['a union\'s second member name', (b) => { b.raw(K.UNION, 'u', 4, [b.str('a'), 1, 0, BAD_NAME, 1, 0], 2); }, 2, `(UNION): member 1 name_off: expected a string offset below L, got BAD`],
  ['a union\'s second member type', (b) => { b.raw(K.UNION, 'u', 4, [b.str('a'), 1, 0, b.str('b'), T2, 0], 2); }, 2, `(UNION): member 1 type: expected a type id below 3, got 3`],
  ['an enum\'s second value name', (b) => { b.raw(K.ENUM, 'e', 4, [b.str('A'), 0, BAD_NAME, 1], 2); }, 2, `(ENUM): value 1 name_off: expected a string offset below L, got BAD`],
  ['an enum\'s third value name (8-byte values)', (b) => { b.raw(K.ENUM, 'e', 4, [b.str('A'), 0, b.str('B'), 1, BAD_NAME, 2], 3); }, 2, `(ENUM): value 2 name_off: expected a string offset below L, got BAD`],
  ['an enum64\'s second value name (12-byte values)', (b) => { b.raw(K.ENUM64, 'e', 8, [b.str('A'), 0, 0, BAD_NAME, 1, 0], 2); }, 2, `(ENUM64): value 1 name_off: expected a string offset below L, got BAD`],
  ['a section\'s second variable', (b) => { const v = b.raw(K.VAR, 'v', 1, [1]); b.raw(K.DATASEC, '.data', 8, [v, 0, 4, 9, 4, 4], 2); }, 3, `(DATASEC): var 1 type: expected a type id below 4, got 9`],
  ['a record\'s own name', (b) => { b.raw(K.TYPEDEF, BAD_NAME, 1); }, 2, `(TYPEDEF): name_off: expected a string offset below L, got BAD`],
];

for (const order of ['little', 'big'] as const) {
  const V = suite(`validate references (${order}-endian)`);
  for (const [what, make, id, msg] of cases) {
    V(`refuses ${what}, naming the record, the part, the limit and what it found`, () => {
      // A name past the table: the offset is patched to the table's length once it is known.
      const b = new BtfBuilder({ order });
      b.int('int', 4);
      make(b);
      let blob = b.build();
      const L = strLen(blob, order);
      if (msg.includes('BAD')) {
        const w = new BtfBuilder({ order });
        w.int('int', 4);
        // Rebuild with the real limit as the bad offset (the string table does not change).
        const raw = w.raw.bind(w);
        w.raw = (kind, name, sizeType, extra = [], vlen = 0, kflag = false) =>
          raw(kind, name === BAD_NAME ? L : name, sizeType, extra.map((x) => (x === BAD_NAME ? L : x)), vlen, kflag);
        make(w);
        blob = w.build();
        assert.is(strLen(blob, order), L);
      }
      const e = refusal(blob);
      assert.is(e.code, 'BTF_MALFORMED');
      assert.is(e.typeId, id);
      assert.is(e.message, `BTF type ${id} ${msg.replace('below L', `below ${L}`).replace('got BAD', `got ${L}`)}`);
    });
  }

  V('the last string offset and the last type id are within the limits', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.str('x');
    const a = b.str('A');
    b.str('s');
    b.str('e');
    const probe = b.build();
    const L = strLen(probe, order);
    // Offset L - 1 is the table's final NUL: an empty name.
    b.raw(K.TYPEDEF, L - 1, 3);
    b.raw(K.PTR, '', 3);
    b.raw(K.FUNC_PROTO, '', 3, [L - 1, 3, 0, 1], 2);
    b.raw(K.STRUCT, 's', 4, [L - 1, 4, 0], 1);
    b.raw(K.ARRAY, '', 0, [5, 5, 1]);
    b.raw(K.ENUM, 'e', 4, [a, 0, L - 1, 1], 2);
    const blob = b.build();
    assert.is(strLen(blob, order), L);
    const btf = loadBtf(blob);
    assert.is(btf.typeCount, 7);
    assert.is(btf.type(2).name, '');
    assert.is(btf.type(2).targetId, 3);
    assert.is(btf.type(6).target.id, 5);
    assert.is(btf.type(6).indexTypeId, 5);
    assert.equal(btf.type(7).values.map((v) => v.name), ['A', '']);
  });

  V('the first bad record in id order is the one named', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.raw(K.ARRAY, '', 0, [1, 1, 2]);
    b.raw(K.STRUCT, 's', 4, [b.str('a'), 40, 0], 1);
    b.raw(K.PTR, '', 30);
    b.raw(K.TYPEDEF, 50_000, 1);
    const e = refusal(b.build());
    assert.is(e.typeId, 3);
    assert.is(e.message, 'BTF type 3 (STRUCT): member 0 type: expected a type id below 6, got 40');
  });

  V('a record after a bad one by name only: the name is found though every type id is in range', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.raw(K.PTR, '', 1);
    b.raw(K.ENUM, 'e', 4, [b.str('A'), 0, 70_000, 1], 2);
    const e = refusal(b.build());
    assert.is(e.typeId, 3);
    assert.match(e.message, /^BTF type 3 \(ENUM\): value 1 name_off: expected a string offset below \d+, got 70000$/);
  });

  // A record's entries end where its vlen says: the words after them belong to the next record, which
  // must not be read as one more parameter, member, value or variable (here they would look out of
  // range). The only bad reference is the pointer at the end.
  const following: [string, (b: BtfBuilder) => void][] = [
    ['a global function (its vlen is its linkage, not a parameter count)', (b) => { const p = b.raw(K.FUNC_PROTO, '', 1); b.raw(K.FUNC, 'f', p, [], 1); }],
    ['a prototype of one parameter', (b) => { b.raw(K.FUNC_PROTO, '', 1, [b.str('a'), 1], 1); }],
    ['a struct of one member', (b) => { b.raw(K.STRUCT, 's', 4, [b.str('a'), 1, 0], 1); }],
    ['an enum of one value', (b) => { b.raw(K.ENUM, 'e', 4, [b.str('A'), 1], 1); }],
    ['an enum64 of one value', (b) => { b.raw(K.ENUM64, 'e', 8, [b.str('A'), 1, 0], 1); }],
    ['a section of one variable', (b) => { const v = b.raw(K.VAR, 'v', 1, [1]); b.raw(K.DATASEC, '.data', 4, [v, 0, 4], 1); }],
  ];
  for (const [what, make] of following) {
    V(`the entries of ${what} end at its vlen`, () => {
      const b = new BtfBuilder({ order });
      b.int('int', 4);
      make(b);
      // The next record: a typedef whose name lies past every type id (read as a type id, it is out of range).
      b.str('a name long enough to start past every type id');
      const next = b.raw(K.TYPEDEF, b.str('next_with_a_name_far_into_the_table'), 1);
      const bad = b.raw(K.PTR, '', 1000);
      const e = refusal(b.build());
      assert.is(e.message, `BTF type ${bad} (PTR): type: expected a type id below ${bad + 1}, got 1000`, `${what}, next record ${next}`);
    });
  }

  V('an enum\'s values end at its vlen: a bad name in the next record is that record\'s', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    b.raw(K.ENUM, 'e', 4, [b.str('A'), 1], 1);
    b.raw(K.TYPEDEF, 60_000, 1);
    assert.match(refusal(b.build()).message, /^BTF type 3 \(TYPEDEF\): name_off: expected a string offset below \d+, got 60000$/);
  });

  V('a section variable of the id one past the last is refused', () => {
    const b = new BtfBuilder({ order });
    b.int('int', 4);
    const v = b.raw(K.VAR, 'v', 1, [1]);
    b.raw(K.DATASEC, '.data', 8, [v, 0, 4, 4, 4, 4], 2);
    assert.is(refusal(b.build()).message, 'BTF type 3 (DATASEC): var 1 type: expected a type id below 4, got 4');
  });

  // The framing pass gathers the largest name offset and type id so that the detailed walk runs only
  // when one is out of range: each reference position must feed those maxima. Here the string table
  // is shorter than the number of types (a bad name offset would pass for a good type id), the record
  // before the bad one is an array whose last words are small (they must not be read in its place),
  // and a good twin of the bad record follows it after one more such array (a pointer when the bad
  // record is itself an array; a later, smaller reference must not lower the maximum).
  const BAD_REF = 1000;
  const alone: [string, (b: BtfBuilder, bad: number, badName: number) => void, string][] = [
    ['a typedef\'s type', (b, bad) => { b.raw(K.TYPEDEF, '', bad); }, '(TYPEDEF): type: expected a type id below N, got 1000'],
    ['a pointer\'s type', (b, bad) => { b.raw(K.PTR, '', bad); }, '(PTR): type: expected a type id below N, got 1000'],
    ['a prototype\'s return type', (b, bad) => { b.raw(K.FUNC_PROTO, '', bad, [0, 1], 1); }, '(FUNC_PROTO): return type: expected a type id below N, got 1000'],
    ['a prototype\'s parameter name', (b, _bad, badName) => { b.raw(K.FUNC_PROTO, '', 1, [badName, 1], 1); }, '(FUNC_PROTO): param 0 name_off: expected a string offset below L, got BAD'],
    ['a prototype\'s parameter type', (b, bad) => { b.raw(K.FUNC_PROTO, '', 1, [0, bad], 1); }, '(FUNC_PROTO): param 0 type: expected a type id below N, got 1000'],
    ['an array\'s element type', (b, bad) => { b.raw(K.ARRAY, '', 0, [bad, 1, 2]); }, '(ARRAY): array element type: expected a type id below N, got 1000'],
    ['an array\'s index type', (b, bad) => { b.raw(K.ARRAY, '', 0, [1, bad, 2]); }, '(ARRAY): array index type: expected a type id below N, got 1000'],
    ['a struct\'s member name', (b, _bad, badName) => { b.raw(K.STRUCT, '', 4, [badName, 1, 0], 1); }, '(STRUCT): member 0 name_off: expected a string offset below L, got BAD'],
    ['a struct\'s member type', (b, bad) => { b.raw(K.STRUCT, '', 4, [0, bad, 0], 1); }, '(STRUCT): member 0 type: expected a type id below N, got 1000'],
    ['an enum\'s value name', (b, _bad, badName) => { b.raw(K.ENUM, '', 4, [badName, 1], 1); }, '(ENUM): value 0 name_off: expected a string offset below L, got BAD'],
    ['an enum64\'s value name', (b, _bad, badName) => { b.raw(K.ENUM64, '', 8, [badName, 1, 0], 1); }, '(ENUM64): value 0 name_off: expected a string offset below L, got BAD'],
    ['a section\'s variable type', (b, bad) => { b.raw(K.DATASEC, '', 4, [bad, 0, 4], 1); }, '(DATASEC): var 0 type: expected a type id below N, got 1000'],
    ['a record\'s own name', (b, _bad, badName) => { b.raw(K.TYPEDEF, badName, 1); }, '(TYPEDEF): name_off: expected a string offset below L, got BAD'],
  ];
  for (const [what, make, msg] of alone) {
    V(`${what} out of range is found by the framing pass's maxima alone`, () => {
      const build = (badName: number): { blob: Uint8Array; id: number; count: number } => {
        const b = new BtfBuilder({ order });
        // An array's last three words are small (below the string table's length too): the words
        // just before a record. Arrays all the way from type 3, so that no record is read in the
        // wrong place without it showing; a pointer between a bad array and its twin.
        b.str('padding of the string table');
        const small = (): void => { b.raw(K.ARRAY, '', 0, [1, 1, 2]); };
        b.int('', 4);
        b.raw(K.PTR, '', 1);
        for (let i = 3; i <= 40; i++) small();
        const id = 41;
        make(b, BAD_REF, badName);
        if (msg.startsWith('(ARRAY)')) b.raw(K.PTR, '', 1);
        else small();
        make(b, 1, 0);
        return { blob: b.build(), id, count: 44 };
      };
      const L = strLen(build(0).blob, order);
      assert.ok(L > 20 && L < 40, `string table of ${L} bytes, shorter than the number of types`);
      const { blob, id, count } = build(L);
      const e = refusal(blob);
      assert.is(e.typeId, id);
      assert.is(e.message, `BTF type ${id} ${msg.replace('below N', `below ${count}`).replace('below L', `below ${L}`).replace('got BAD', `got ${L}`)}`);
    });
  }

  V.run();
}
