import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const hash: MapSchema = { name: 'leak', kernelName: 'leak', type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8,
  maxEntries: 64, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: u64,
  section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
const fds = () => readdirSync('/proc/self/fd').length;
const swallow = (fn: () => unknown) => { try { fn(); } catch { /* expected */ } };

function pin(fd: number, p: string): string {
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

const Leak = suite('LiveMap fd hygiene (kernel)');
Leak('100k typed operations (successes, failures, inner-map updates, opens) leave the fd count unchanged', kernel(() => withPinDir((dir) => {
  const p = pin(mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 64, name: 'leak' }), join(dir, 'leak'));
  const inner = pin(mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: 'inner' }), join(dir, 'inner'));
  const tmpl = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: 'tmpl' });
  let outerFd: number;
  try { outerFd = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY_OF_MAPS, keySize: 4, valueSize: 4, maxEntries: 2, innerMapFd: tmpl, name: 'outer' }); } finally { closeFd(tmpl); }
  const outerPin = pin(outerFd, join(dir, 'outer'));
  const before = fds();
  const m = openMap({ map: hash, pin: p });
  const outer = openMap({ pin: outerPin });
  let ops = 0;
  try {
    for (let i = 0; ops < 100_000; i++) {
      const k = i & 31;
      m.update(k, BigInt(i)); ops++;
      if (m.lookup(k) !== BigInt(i)) throw new Error(`lookup ${k}`);
      ops++;
      swallow(() => m.lookup(1000 + k)); ops++; // KEY_NOT_FOUND
      swallow(() => m.update(k, 1n, { flags: 'noexist' })); ops++; // KEY_EXISTS
      if (i % 4 === 0) { m.delete(k); ops++; }
      // opens and closes the inner map (rarely: replacing an inner map waits for an RCU grace period)
      if (i % 500 === 0) { outer.update(i & 1, inner); outer.lookup(i & 1); ops += 2; }
      if (i % 100 === 0) { swallow(() => outer.update(0, join(dir, 'missing'))); ops++; }
      if (i % 500 === 0) { let n = 0; for (const _ of m.entries()) n++; ops += n; }
      if (i % 1000 === 0) { const again = openMap({ map: hash, pin: p }); again.close(); swallow(() => openMap({ pin: join(dir, 'missing') })); ops += 2; }
    }
  } finally { m.close(); outer.close(); }
  assert.ok(ops >= 100_000);
  assert.is(fds(), before);
})));
Leak.run();
