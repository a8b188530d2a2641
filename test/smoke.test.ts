import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Reader } from '../src/bytes.js';
import { isBpfmapError, toHex, fromHex } from '../src/index.js';

const R = suite('Reader');
R('reads both byte orders and refuses out-of-bounds reads with a typed error', () => {
  const b = new Uint8Array([1, 2, 3, 4]);
  assert.is(new Reader(b, 'little', 'T').u32(0), 0x04030201);
  assert.is(new Reader(b, 'big', 'T').u32(0), 0x01020304);
  try { new Reader(b, 'little', 'T').u32(1); assert.unreachable(); } catch (e) {
    assert.ok(isBpfmapError(e));
    assert.match((e as Error).message, /offset 1/);
  }
});
R.run();

const H = suite('hex');
H('round trip', () => {
  assert.is(toHex(fromHex('0a0B ff')!), '0a0bff');
  assert.is(fromHex('abc'), null);
});
H.run();
