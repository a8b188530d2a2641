import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileCodec, isBpfmapError } from '../src/index.js';
import type { TypeNode } from '../src/index.js';

const u8: TypeNode = { kind: 'int', name: '__u8', size: 1, signed: false };
function nest(levels: number): TypeNode {
  let t: TypeNode = u8;
  for (let i = 0; i < levels; i++) t = { kind: 'array', name: '', size: t.size * 2, length: 2, element: t };
  return t;
}

// Under `npm run mutate` (BPFMAP_MUTATE set) the instrumented code runs on a loaded machine: the
// wall-clock limit then only catches a hang (else it fails on its own and counts a mutant as killed).
const LIMIT_MS = process.env.BPFMAP_MUTATE ? 30_000 : 100;
const L = suite('codec limits');
L('a deep nest of tiny arrays is refused before any work (4 MiB of u8[2]...[2])', () => {
  const t = nest(22);
  const t0 = performance.now();
  try {
    compileCodec(t, { byteOrder: 'little', size: t.size, root: 'value' });
    assert.unreachable('should refuse');
  } catch (e) {
    assert.ok(isBpfmapError(e));
    assert.is((e as { code: string }).code, 'SCHEMA_INVALID');
    assert.match((e as Error).message, /^value: the type decodes to \d+ nested arrays and structs; at most 1048576 are supported$/);
  }
  assert.ok(performance.now() - t0 < LIMIT_MS);
});
L('a flat 4 MiB byte array and a 1024-struct array are fine', () => {
  const flat: TypeNode = { kind: 'array', name: '', size: 4 << 20, length: 4 << 20, element: u8 };
  assert.is(compileCodec(flat, { byteOrder: 'little', size: flat.size, root: 'value' }).size, 4 << 20);
  const st: TypeNode = { kind: 'struct', name: 's', size: 2, fields: [{ name: 'a', offset: 0, type: u8 }, { name: 'b', offset: 1, type: u8 }] };
  const arr: TypeNode = { kind: 'array', name: '', size: 2048, length: 1024, element: st };
  const c = compileCodec(arr, { byteOrder: 'little', size: 2048, root: 'value' });
  assert.is((c.decode(new Uint8Array(2048)) as unknown[]).length, 1024);
});
L('bigger than the kernel\'s 4 MiB value limit is refused', () => {
  const t = nest(23);
  assert.throws(() => compileCodec(t, { byteOrder: 'little', size: t.size, root: 'value' }), /expected at most 4194304 bytes/);
});
L.run();
