// The codec's small parts, offline: how an input is described in messages (and where long ones are
// cut), path segments, C-like type names, failure paths, and words of any length in both byte orders.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Fail, describe, keySeg, rethrowAt } from '../src/codec/fail.js';
import { typeName } from '../src/codec/type-name.js';
import { readWord, writeWord } from '../src/codec/words.js';
import { ERROR_CODE } from '../src/index.js';
import type { TypeNode } from '../src/schema/types.js';
import { arr, enm, int, struct, u8, union } from './oracle/schemas.js';

const P = suite('fail.ts');

P('describe: every kind of input, long numbers and strings cut where they are', () => {
  const table: [unknown, string][] = [
    [null, 'null'], [undefined, 'nothing'], [70000, '70000'], [-1.5, '-1.5'], [12n, '12'], [true, 'true'],
    ['abc', "'abc'"], ['x'.repeat(60), `'${'x'.repeat(60)}'`], ['x'.repeat(61), `'${'x'.repeat(57)}...'`],
    [10n ** 80n, `1${'0'.repeat(59)}...(81 characters)`],
    [[1, 2, 3], 'a list of 3'], [Uint8Array.of(1, 2), '2 bytes'], [{ a: 1 }, 'an object'], [() => 1, 'function'], [Symbol('s'), 'symbol'],
  ];
  for (const [v, want] of table) assert.is(describe(v), want, String(typeof v));
  assert.is(describe(BigInt('1'.repeat(80))), '1'.repeat(80));
});

P('keySeg: identifiers as .name, anything else quoted', () => {
  const table: [string, string][] = [['a', '.a'], ['_x9', '._x9'], ['$y', '.$y'], ['9a', '["9a"]'], ['a.b', '["a.b"]'], ['', '[""]'], ['a b', '["a b"]'], ['é', '["é"]']];
  for (const [k, want] of table) assert.is(keySeg(k), want, k);
});

P('Fail: segments added on the way out, innermost first; its code; rethrowAt leaves other errors alone', () => {
  const f = new Fail('bad');
  assert.is(f.code, ERROR_CODE.VALUE_INVALID);
  assert.is(f.at('.x').at('[3]').at('.rules'), f);
  const e = f.toValueError('value');
  assert.is(e.message, 'value.rules[3].x: bad');
  assert.is((e as { path?: string }).path, 'value.rules[3].x');
  assert.is(new Fail('r', ERROR_CODE.VALUE_RANGE).toValueError('key').code, ERROR_CODE.VALUE_RANGE);
  assert.is(new Fail('no path').toValueError('key').message, 'key: no path');
  try { rethrowAt(f, '.top'); } catch (x) { assert.is(x, f); }
  assert.is(f.toValueError('v').message, 'v.top.rules[3].x: bad');
  const other = new Error('boom');
  try { rethrowAt(other, '.top'); } catch (x) { assert.is(x, other); assert.is((x as Error).message, 'boom'); }
});
P.run();

const T = suite('typeName');
T('C-like names of every kind, named and anonymous', () => {
  const table: [TypeNode, string][] = [
    [int('__u32', 4, false), '__u32'], [int('', 4, false), 'u32'], [int('', 2, true), 's16'],
    [{ kind: 'float', name: 'double', size: 8 }, 'double'], [{ kind: 'float', name: '', size: 16 }, 'float128'],
    [enm('color', 4, false, [['A', 0]]), 'enum color'], [enm('', 4, false, [['A', 0]]), 'enum (anonymous)'],
    [struct('pt', 4, []), 'struct pt'], [struct('', 4, []), 'struct (anonymous)'], [union('u', 4, []), 'union u'], [union('', 4, []), 'union (anonymous)'],
    [{ kind: 'pointer', name: '', target: 'void', size: 8 }, 'void *'], [{ kind: 'pointer', name: 'ptr_t', target: 'void', size: 8 }, 'ptr_t'],
    [{ kind: 'bytes', name: '', size: 6 }, '6 opaque bytes'], [{ kind: 'bytes', name: 'blob', size: 6 }, 'blob (6 opaque bytes)'],
    [arr(u8, 16), '__u8[16]'], [arr(arr(int('', 2, false), 3), 2), 'u16[2][3]'],
  ];
  for (const [n, want] of table) assert.is(typeName(n), want);
});
T.run();

const W = suite('words');
W('readWord / writeWord: 1 to 9 bytes, both byte orders, at an offset', () => {
  for (const n of [1, 2, 3, 5, 8, 9]) {
    const w = (1n << BigInt(8 * n)) - 0x1234n % (1n << BigInt(8 * n)) - 1n;
    for (const little of [true, false]) {
      const buf = new Uint8Array(n + 2).fill(0xee);
      writeWord(buf, 1, n, little, w);
      assert.is(buf[0], 0xee, 'the byte before');
      assert.is(buf[n + 1], 0xee, 'the byte after');
      const bytes = [...buf.subarray(1, n + 1)];
      const want = Array.from({ length: n }, (_, i) => Number((w >> BigInt(8 * (little ? i : n - 1 - i))) & 0xffn));
      assert.equal(bytes, want, `${n} ${little}`);
      assert.is(readWord(buf, 1, n, little), w, `${n} ${little}`);
    }
  }
  const b = Uint8Array.of(0x01, 0x02, 0x03);
  assert.is(readWord(b, 0, 3, true), 0x030201n);
  assert.is(readWord(b, 0, 3, false), 0x010203n);
});
W.run();
