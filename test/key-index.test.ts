// The desired keys' hash index (src/apply/key-index.ts): addAll inserts in hash order, and must still
// report the first duplicate in record order (the later record of the earliest pair, with the first
// record of its key), as a plain Map of the key bytes does; find and add after it agree.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteTable } from '../src/apply/byte-table.js';
import { KeyIndex } from '../src/apply/key-index.js';

/** A table of `count` records of `size` bytes: record i holds key(i). */
function table(size: number, count: number, key: (i: number) => number): ByteTable {
  const t = new ByteTable(size, count);
  for (let i = 0; i < count; i++) {
    const off = t.append();
    let x = key(i);
    for (let b = 0; b < size; b++) { t.bytes[off + b] = x & 255; x = Math.floor(x / 256); }
  }
  return t;
}

/** The first record whose key an earlier one has, and that earlier one, by a Map of the bytes. */
function reference(t: ByteTable): { at: number; dup: number } | null {
  const seen = new Map<string, number>();
  for (let i = 0; i < t.count; i++) {
    const k = Buffer.from(t.at(i)).toString('hex');
    const d = seen.get(k);
    if (d !== undefined) return { at: i, dup: d };
    seen.set(k, i);
  }
  return null;
}

const K = suite('KeyIndex');

for (const size of [24, 8, 6, 3]) {
  K(`${size}-byte keys (${size % 4 === 0 ? 'read as words' : 'read as bytes'}): no duplicate among 200000 distinct keys; every key found at its record, absent keys not`, () => {
    const t = table(size, 200000, (i) => i * 7919 + 3);
    const ix = new KeyIndex(t, t.count);
    assert.is(ix.addAll(t.count), null);
    for (let i = 0; i < t.count; i += 997) assert.is(ix.find(t.bytes, i * size), i, `record ${i}`);
    const other = table(size, 3, (i) => 200000 * 7919 + 10 + i);
    for (let i = 0; i < 3; i++) assert.is(ix.find(other.bytes, i * size), -1);
  });

  K(`${size}-byte keys: the first duplicate in record order, whichever order the hash puts them in`, () => {
    // Key groups: record 150000 repeats 90000 (a pair), records 120000 and 170000 repeat 5000 (a
    // triple), and record 130000 repeats 60000; the earliest later record is 120000, of key 5000.
    const rep = new Map([[150000, 90000], [120000, 5000], [170000, 5000], [130000, 60000]]);
    const t = table(size, 200000, (i) => (rep.get(i) ?? i) * 7919 + 3);
    const want = reference(t);
    assert.equal(want, { at: 120000, dup: 5000 });
    assert.equal(new KeyIndex(t, t.count).addAll(t.count), want);
  });
}

K('random keys with many duplicates: addAll agrees with a Map of the key bytes, 30 seeds', () => {
  for (let seed = 1; seed <= 30; seed++) {
    let x = seed * 2654435761;
    const rnd = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x; };
    const n = 1000 + (rnd() % 20000);
    const t = table(8, n, () => rnd() % (n * 4));
    assert.equal(new KeyIndex(t, n).addAll(n), reference(t), `seed ${seed}`);
  }
});

K('add one by one (growing from a small index) finds the same keys as addAll', () => {
  const t = table(12, 50000, (i) => i * 31 + 1);
  const ix = new KeyIndex(t, 4);
  for (let i = 0; i < t.count; i++) assert.is(ix.add(i), -1);
  for (let i = 0; i < t.count; i += 101) assert.is(ix.find(t.bytes, i * 12), i);
  const again = table(12, 1, () => 777 * 31 + 1);
  assert.is(ix.find(again.bytes, 0), 777);
  assert.is(ix.add(0), 0, 'record 0 again: its own earlier copy');
});

K.run();
