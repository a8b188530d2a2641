import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { lpmPrefixLen } from '../src/map/index.js';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { Rng } from './fuzz/prng.js';
import { ipv4LpmMap } from './oracle/schemas.js';
import { openMap } from '../src/index.js';

const schema = ipv4LpmMap(16);

const key = (p: number, a: number[]) => new Uint8Array([p, 0, 0, 0, ...a]);
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };

// The brute-force oracle: whether a stored key covers a query, comparing bits most significant
// first after the leading u32 prefix length (checked by the table below).
/** True when the first `bits` bits of the data (after the prefix length) of a and b are equal. */
function lpmDataEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >>> 3;
  for (let i = 0; i < full; i++) if (a[4 + i] !== b[4 + i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[4 + full]! ^ b[4 + full]!) & mask) === 0;
}

/**
 * The prefix length of `stored` when it covers `query` (its prefix is not longer and the data agree
 * on its bits), else -1.
 */
function lpmCovers(stored: Uint8Array, query: Uint8Array): number {
  const p = lpmPrefixLen(stored);
  if (p > lpmPrefixLen(query) || p > (query.byteLength - 4) * 8) return -1;
  return lpmDataEqual(stored, query, p) ? p : -1;
}

const Covers = suite('lpmCovers (the oracle)');
const table: [string, Uint8Array, Uint8Array, number][] = [
  ['same /24', key(24, [10, 1, 2, 0]), key(24, [10, 1, 2, 0]), 24],
  ['/24 covers /32 inside', key(24, [10, 1, 2, 0]), key(32, [10, 1, 2, 3]), 24],
  ['/32 does not cover its /24', key(32, [10, 1, 2, 3]), key(24, [10, 1, 2, 0]), -1],
  ['/24 does not cover another /24', key(24, [10, 1, 3, 0]), key(32, [10, 1, 2, 3]), -1],
  ['bits past the prefix are ignored', key(24, [10, 1, 2, 99]), key(32, [10, 1, 2, 3]), 24],
  ['/23 covers the odd /24 (partial byte)', key(23, [10, 1, 2, 0]), key(24, [10, 1, 3, 0]), 23],
  ['/23 does not cover across its boundary', key(23, [10, 1, 2, 0]), key(24, [10, 1, 4, 0]), -1],
  ['/0 covers everything', key(0, [0, 0, 0, 0]), key(32, [192, 168, 1, 1]), 0],
];
for (const [name, stored, query, want] of table) Covers(name, () => assert.is(lpmCovers(stored, query), want));
Covers.run();

function pinned(dir: string, maxEntries = 16): string {
  const fd = mapCreate({ mapType: schema.typeId, keySize: 8, valueSize: 4, maxEntries, mapFlags: schema.mapFlags, name: 'lpm' });
  const p = join(dir, 'lpm');
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

const Lookup = suite('LiveMap.lookupLpm / lookup exact (kernel)');
Lookup('a /32 inside a /24: exact, covering, and --exact refusing the cover', kernel(() => withPinDir((dir) => {
  const p = pinned(dir);
  const m = openMap({ map: schema, pin: p });
  try {
    m.update({ addr: '10.1.2.0/24' }, 24);
    m.update({ addr: '10.1.2.3/32' }, 32);
    m.update({ addr: '10.0.0.0/8' }, 8);
    const exact32 = m.lookupLpm({ addr: '10.1.2.3/32' });
    assert.equal({ v: exact32.value, e: exact32.exact, p: exact32.prefixLen }, { v: 32, e: true, p: 32 });
    const inner = m.lookupLpm({ addr: '10.1.2.4/32' });
    assert.equal({ v: inner.value, e: inner.exact, p: inner.prefixLen }, { v: 24, e: false, p: 24 });
    assert.equal((inner.key as { prefixlen: number }).prefixlen, 24);
    const exact24 = m.lookupLpm({ addr: '10.1.2.0/24' });
    assert.equal({ v: exact24.value, e: exact24.exact }, { v: 24, e: true });
    const cover8 = m.lookupLpm({ addr: '10.9.0.0/16' });
    assert.equal({ v: cover8.value, e: cover8.exact, p: cover8.prefixLen }, { v: 8, e: false, p: 8 });
    // plain lookup is the kernel's longest-prefix match; exact refuses the cover
    assert.is(m.lookup({ addr: '10.1.2.4/32' }), 24);
    assert.is(m.lookup({ addr: '10.1.2.3/32' }, { exact: true }), 32);
    const refused = err(() => m.lookup({ addr: '10.1.2.4/32' }, { exact: true }));
    assert.match(refused, /^KEY_NOT_FOUND: map '.*lpm': key .*: no entry with exactly this prefix; the longest stored prefix covering it is .*"prefixlen":24/);
    assert.match(err(() => m.lookupLpm({ addr: '192.168.0.0/16' })), /^KEY_NOT_FOUND/);
    // bpftool sees exactly the three stored prefixes
    const dump = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[] }[];
    assert.equal(dump.map((e) => parseInt(e.key[0]!, 16)).sort((a, b) => a - b), [8, 24, 32]);
  } finally { m.close(); }
})));
Lookup('lookupLpm on another map type is NOT_SUPPORTED', kernel(() => withPinDir((dir) => {
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 4, maxEntries: 2, name: 'h' });
  const p = join(dir, 'h');
  try { objPin(fd, p); } finally { closeFd(fd); }
  const m = openMap({ pin: p });
  try { assert.match(err(() => m.lookupLpm('00000000')), /^NOT_SUPPORTED: .*expected an lpm_trie, got hash/); } finally { m.close(); }
})));

/** Bytes of an LPM key of this map with the data bits past `len` cleared. */
function masked(len: number, a: number[]): Uint8Array {
  const k = key(len, a);
  for (let b = len; b < 32; b++) k[4 + (b >>> 3)]! &= ~(0x80 >>> (b & 7));
  return k;
}
const addrOf = (k: Uint8Array): number[] => [...k.subarray(4)];

// The prefix is found by asking the trie about each candidate prefix length (GET_NEXT_KEY starts
// over from a key that is not stored): checked against a brute-force search over what was stored,
// for every stored key (so the trie's first and last keys too) and random queries, on nested tries.
for (const seed of [1, 2, 3, 4, 5, 6]) {
  Lookup(`random nested trie ${seed}: prefix, exactness and value equal a brute-force search`, kernel(() => withPinDir((dir) => {
    const rng = new Rng(seed, 0x1f);
    const m = openMap({ map: ipv4LpmMap(64), pin: pinned(dir, 64) });
    try {
      const addr = (): number[] => [10, rng.int(2), rng.int(4), rng.int(256)];
      const stored: { k: Uint8Array; v: number }[] = [];
      const count = seed === 1 ? 1 : rng.range(2, 48); // seed 1: a single entry (first and last key at once)
      for (let i = 0; stored.length < count && i < 1000; i++) {
        const k = masked(rng.pick([0, 1, 8, 9, 15, 16, 17, 23, 24, 25, 30, 31, 32, rng.int(33)]), addr());
        if (stored.some((s) => s.k.every((b, j) => b === k[j]))) continue;
        stored.push({ k, v: 1000 + stored.length });
        m.update({ prefixlen: k[0]!, addr: addrOf(k) }, 1000 + stored.length - 1);
      }
      const queries = [...stored.map((s) => s.k), ...Array.from({ length: 150 }, () => key(rng.range(0, 32), addr()))];
      for (const q of queries) {
        const qlen = q[0]!;
        let best: { len: number; v: number } | null = null;
        for (const s of stored) {
          const len = lpmCovers(s.k, q);
          if (len >= 0 && (best === null || len > best.len)) best = { len, v: s.v };
        }
        const what = `query ${addrOf(q).join('.')}/${qlen} in [${stored.map((s) => `${addrOf(s.k).join('.')}/${s.k[0]}`).join(' ')}]`;
        if (best === null) {
          assert.match(err(() => m.lookupLpm({ prefixlen: qlen, addr: addrOf(q) })), /^KEY_NOT_FOUND/, what);
          continue;
        }
        const r = m.lookupLpm({ prefixlen: qlen, addr: addrOf(q) });
        assert.equal({ v: r.value, p: r.prefixLen, e: r.exact }, { v: best.v, p: best.len, e: best.len === qlen }, what);
        const rk = r.key as { prefixlen: number; addr: number[] };
        assert.equal([rk.prefixlen, ...rk.addr], [best.len, ...addrOf(masked(best.len, addrOf(q)))], what);
      }
    } finally { m.close(); }
  })));
}
Lookup.run();
