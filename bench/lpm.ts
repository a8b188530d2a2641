/**
 * LPM trie lookup that names the matching prefix (`bpfmap lookup` on an lpm_trie, LiveMap.lookupLpm)
 * in a trie of 100,000 prefixes (/32s inside /24s under a /8): time per call for a query stored
 * exactly, one covered by a shorter prefix, and one covered only by the /8, next to one plain
 * GET_NEXT_KEY walk over every key (what naming the prefix cost before it was asked of the trie one
 * prefix length at a time). Needs root and bpffs.
 * Run: node --import tsx bench/lpm.ts [entries]   (default 100000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openMap } from '../src/map/index.js';
import { closeFd, mapCreate, mapGetNextKey, mapUpdateElem, objPin } from '../src/syscall/index.js';
import { ipv4LpmMap } from '../test/oracle/schemas.js';

const N = Number(process.argv[2] ?? 100_000);
const schema = ipv4LpmMap(N + 16);

const dir = mkdtempSync('/sys/fs/bpf/bpfmap-bench-lpm-');
try {
  const fd = mapCreate({ mapType: schema.typeId, keySize: 8, valueSize: 4, maxEntries: schema.maxEntries, mapFlags: schema.mapFlags, name: 'lpm' });
  const pin = join(dir, 'lpm');
  try {
    objPin(fd, pin);
    const k = new Uint8Array(8);
    const v = new Uint8Array(4);
    const put = (len: number, a: number, b: number, c: number, d: number): void => {
      k.set([len, 0, 0, 0, a, b, c, d]); v[0] = len; mapUpdateElem(fd, k, v);
    };
    put(8, 10, 0, 0, 0);
    let n = 1;
    for (let i = 0; n < N; i++) {
      const b = (i >>> 8) & 0xff, c = i & 0xff;
      put(24, 10, b, c, 0); n++;
      for (let d = 1; d <= 100 && n < N; d += 2) { put(32, 10, b, c, d); n++; }
    }
  } finally { closeFd(fd); }

  const m = openMap({ map: schema, pin });
  try {
    const time = (q: unknown, want: number): number => {
      for (let i = 0; i < 50; i++) m.lookupLpm(q);
      const reps = 2000;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < reps; i++) if (m.lookupLpm(q).prefixLen !== want) throw new Error('bench: wrong prefix');
      return Number(process.hrtime.bigint() - t0) / reps / 1000;
    };
    const exact = time({ prefixlen: 32, addr: [10, 0, 5, 3] }, 32);
    const cover = time({ prefixlen: 32, addr: [10, 0, 5, 4] }, 24);
    const slash8 = time({ prefixlen: 32, addr: [10, 200, 1, 1] }, 8);
    let keys = 0;
    const t0 = process.hrtime.bigint();
    for (let key: Uint8Array | null = null; (key = mapGetNextKey(m.fd, key, 8)) !== null;) keys++;
    const walk = Number(process.hrtime.bigint() - t0) / 1e6;
    console.log(`lookupLpm in a ${keys}-entry trie: /32 stored ${exact.toFixed(1)} us, /32 under a /24 ${cover.toFixed(1)} us, /32 under only the /8 ${slash8.toFixed(1)} us per call; one GET_NEXT_KEY walk over every key: ${walk.toFixed(1)} ms`);
  } finally { m.close(); }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
