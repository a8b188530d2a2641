/**
 * liveMapIds (what apply --watch polls every second) on maps found by default discovery: the id
 * follows the pin when it is re-pointed, removed and pinned again, and a repeated check costs a
 * about what opening the map by its pin does, not a full discovery (it looks where the map was
 * found last).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objGetInfoByFd, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type ObjectSchema, type TypeNode, openMap, DesiredState, liveMapIds } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
// A name no other test uses: discovery looks at every directory of bpffs.
const NAME = `lid${randomBytes(4).toString('hex')}`;
const MAP: MapSchema = { name: NAME, kernelName: NAME, type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 4, maxEntries: 8,
  flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: u32, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };

/** Pins a new map at `path`; returns its id. */
function pinNew(path: string): number {
  const fd = mapCreate({ mapType: MAP.typeId, keySize: 4, valueSize: 4, maxEntries: 8, mapFlags: 0, name: NAME });
  try { objPin(fd, path); return objGetInfoByFd(fd).id; } finally { closeFd(fd); }
}

function perCall(fn: () => void, n = 100): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) fn();
    best = Math.min(best, (performance.now() - t) / n);
  }
  return best;
}

const Ids = suite('liveMapIds: default discovery, polled');
Ids('follows the pin (re-pointed, removed, pinned again); a repeated check is cheaper than a discovery', kernel(() => withPinDir((dir) => {
  const schema: ObjectSchema = { object: 'test.o', byteOrder: 'little', maps: [MAP] } as unknown as ObjectSchema;
  const state = new DesiredState(schema, 'state.yaml');
  state.map(NAME, 'maps');
  const pin = join(dir, NAME);
  assert.equal(liveMapIds(state, {}), [null], 'not there yet');
  const a = pinNew(pin);
  assert.equal(liveMapIds(state, {}), [a]);
  // A repeated check costs about what opening the map by its pin does, not a discovery.
  const byPin = perCall(() => openMap({ pin, force: true }).close());
  const polled = perCall(() => liveMapIds(state, {}));
  const full = perCall(() => openMap({ map: MAP, byteOrder: 'little', force: true }).close());
  assert.ok(polled < 2 * byPin, `a repeated check took ${polled.toFixed(3)} ms, opening by pin ${byPin.toFixed(3)} ms (a discovery ${full.toFixed(3)} ms)`);
  const b = pinNew(join(dir, 'next'));
  renameSync(join(dir, 'next'), pin);
  assert.equal(liveMapIds(state, {}), [b], 're-pointed');
  unlinkSync(pin);
  assert.equal(liveMapIds(state, {}), [null], 'removed');
  const c = pinNew(pin);
  assert.equal(liveMapIds(state, {}), [c], 'pinned again');
})));
Ids.run();
