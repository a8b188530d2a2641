import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MapSchema, type ObjectSchema, type TypeNode, readStateFile, readStateFileAsync, type DesiredState, toHex } from '../src/index.js';

// readStateFileAsync reads NDJSON a block (4 MiB) ahead on libuv's thread pool and puts the unfinished
// line of one block in front of the next (in the 64 KiB before it, or joined in a new buffer when
// longer): it must read exactly what the synchronous reader reads, wherever the blocks split.

const int = (size: number): TypeNode => ({ kind: 'int', name: `u${size * 8}`, size, signed: false } as TypeNode);
const keyNode: TypeNode = { kind: 'struct', name: 'k', size: 8, fields: [{ name: 'id', offset: 0, type: int(4) }, { name: 'port', offset: 4, type: int(2) }] };
const valueNode: TypeNode = { kind: 'struct', name: 'v', size: 16, fields: [{ name: 'a', offset: 0, type: int(8) }, { name: 'arr', offset: 8, type: { kind: 'array', name: '', size: 8, length: 4, element: int(2) } as TypeNode }] };
const map: MapSchema = { name: 'm', kernelName: 'm', type: 'hash', typeId: 1, keySize: 8, valueSize: 16, maxEntries: 1 << 20, flags: [], mapFlags: 0, pinning: 'none',
  pinPath: null, perCpu: false, key: keyNode, value: valueNode, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
const OBJ: ObjectSchema = { object: 't.o', byteOrder: 'little', maps: [map] };

/** Everything a read produced: the encoded entries with their line numbers, and how lines were read. */
function summary(st: DesiredState): string {
  const m = st.maps.get('m')!;
  const rows: string[] = [];
  for (let i = 0; i < m.count; i++) rows.push(`${m.originText(i)} ${toHex(m.keys.at(i))} ${toHex(m.values.at(i))}`);
  return `${JSON.stringify(st.lines)}\n${rows.join('\n')}`;
}

/** Deterministic lines of every shape: canonical, spaced out (some longer than 64 KiB or 4 MiB), CRLF, blank. */
function lines(n: number, seed: number): string[] {
  let x = seed;
  const rnd = (k: number): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x % k; };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = `{"id":${i},"port":${rnd(65536)}}`;
    const value = `{"a":${rnd(1 << 30)},"arr":[${rnd(9)},${rnd(999)},0,${rnd(65536)}]}`;
    const r = rnd(1000);
    if (r < 3) out.push(`{"map":"m","key":${key},${' '.repeat(70_000 + rnd(1000))}"value":${value}}`);
    else if ((r === 3 && rnd(16) === 0) || (n >= 1000 && i === n >> 1)) out.push(`{"map":"m",${' '.repeat((4 << 20) + 5000)}"key":${key},"value":${value}}`);
    else if (r < 20) out.push(`{"map":"m","key":${key},"value":${value}}\r`);
    else if (r < 30) out.push('');
    else if (r < 60) out.push(` { "value" : ${value} , "key" : ${key} , "map" : "m" } `);
    else out.push(`{"map":"m","key":${key},"value":${value}}`);
  }
  return out;
}

const R = suite('readStateFileAsync');
const dir = mkdtempSync(join(tmpdir(), 'bpfmap-ndjson-'));
R.after(() => rmSync(dir, { recursive: true, force: true }));

for (const [name, n, seed, end] of [['small file, one block', 200, 1, '\n'], ['many blocks, long lines across block ends', 60_000, 7, '\n'],
  ['no newline at the end', 30_000, 3, ''], ['one line only', 1, 5, '']] as const) {
  R(`reads what the synchronous reader reads: ${name}`, async () => {
    const file = join(dir, `${seed}.ndjson`);
    writeFileSync(file, lines(n, seed).join('\n') + end);
    const sync = summary(readStateFile(file, OBJ));
    const st = await readStateFileAsync(file, OBJ);
    assert.ok(st.maps.get('m')!.count > 0);
    assert.is(summary(st), sync);
  });
}

R('a line longer than the whole first block, then a bad line: the same error, and no read left running', async () => {
  const file = join(dir, 'bad.ndjson');
  const good = lines(20_000, 11);
  good.unshift(`{"map":"m","key":{"id":1},${' '.repeat(9 << 20)}"value":{"a":1}}`);
  good.push('{"map":"m","key":{"id":"nope"},"value":{}}');
  writeFileSync(file, good.join('\n') + '\n');
  const errorOf = async (f: () => unknown): Promise<string> => {
    try { await f(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; }
    return 'no error';
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const want = await errorOf(() => readStateFile(file, OBJ));
    assert.match(want, /^VALUE_INVALID: .*bad\.ndjson:20002: key\.id/);
    assert.is(await errorOf(() => readStateFileAsync(file, OBJ)), want);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

R('reads on the thread pool: the event loop runs between blocks (a synchronous read would not let it)', async () => {
  const file = join(dir, 'ticks.ndjson');
  writeFileSync(file, lines(60_000, 13).join('\n') + '\n');
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 0);
  let done = false;
  const spin = (): void => { if (!done) { ticks++; setImmediate(spin); } };
  setImmediate(spin);
  try {
    await readStateFileAsync(file, OBJ);
  } finally {
    done = true;
    clearInterval(timer);
  }
  assert.ok(ticks >= 3, `only ${ticks} event loop turns while reading several blocks`);
  let syncTicks = 0;
  const t2 = setInterval(() => { syncTicks++; }, 0);
  readStateFile(file, OBJ);
  clearInterval(t2);
  assert.is(syncTicks, 0);
});

R('a directory or a missing file: the same errors as the synchronous reader', async () => {
  for (const path of [dir, join(dir, 'missing.ndjson')]) {
    let a = '', b = '';
    try { readStateFile(path, OBJ); } catch (e) { a = `${(e as { code: string }).code}: ${(e as Error).message}`; }
    try { await readStateFileAsync(path, OBJ); } catch (e) { b = `${(e as { code: string }).code}: ${(e as Error).message}`; }
    assert.ok(a !== '');
    assert.is(b, a);
  }
});
R.run();
