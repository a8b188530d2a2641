// Big buffers advised to use transparent huge pages (src/syscall/fast-huge-pages.ts): the advised
// one is backed by huge pages once touched (AnonHugePages of this process grows), a buffer left
// alone is not; small buffers are returned untouched. Needs Linux with THP in `madvise` mode (in `always` mode every buffer gets them).
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { suite, skip } from './helpers/skip.js';
import { adviseHugePages } from '../src/syscall/index.js';

const THP = '/sys/kernel/mm/transparent_hugepage/enabled';
/** kB of this process's anonymous memory in huge pages. */
const anonHuge = (): number => Number(/AnonHugePages:\s+(\d+)/.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'))?.[1] ?? 0);
const touch = (b: Uint8Array): void => { for (let i = 0; i < b.byteLength; i += 4096) b[i] = 1; };

const H = suite('adviseHugePages');

H('a 16 MB buffer advised is backed by huge pages once touched; one not advised is not', (ctx) => {
  if (process.platform !== 'linux' || !existsSync(THP)) return skip('transparent huge pages: not Linux, or no THP in this kernel', ctx);
  const mode = /\[(\w+)\]/.exec(readFileSync(THP, 'utf8'))?.[1];
  if (mode !== 'madvise') return skip(`transparent huge pages are '${mode}', not 'madvise' (${THP}): an advised buffer cannot be told from another`, ctx);
  const plain = new Uint8Array(16 << 20);
  const before = anonHuge();
  touch(plain);
  const afterPlain = anonHuge();
  assert.is(afterPlain, before, 'a buffer not advised gets no huge pages in madvise mode');
  const advised = new Uint8Array(16 << 20);
  assert.is(adviseHugePages(advised), advised, 'the same view back');
  touch(advised);
  const gained = anonHuge() - afterPlain;
  assert.ok(gained >= 2048, `AnonHugePages grew by ${gained} kB (expected at least one 2 MB page of the 16 MB)`);
});

H('small buffers and views are returned as they are', () => {
  const small = new Int32Array(1024);
  assert.is(adviseHugePages(small), small);
  const big = new Uint8Array(8 << 20);
  const view = big.subarray(100, 100 + (5 << 20));
  assert.is(adviseHugePages(view), view);
});

H.run();
