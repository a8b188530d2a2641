/**
 * Inputs that would lose or distort data are refused with a typed error naming the place: duplicate
 * members (JSON, NDJSON, a map named twice, index aliases), floats out of range, invalid UTF-8 and
 * lone surrogates for char[], number literals of thousands of digits, NDJSON lines above the limit,
 * control characters in messages. Offline (library and CLI), no kernel needed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_BYTES } from '../../src/apply/ndjson.js';
import { bpfmap } from '../helpers/cli.js';
import { type MapSchema, type ObjectSchema, type TypeNode, mapCodecs, readStateFile, readStateFileAsync, parseJson, stringifyJson } from '../../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const f32: TypeNode = { kind: 'float', name: 'float', size: 4 };
const f64: TypeNode = { kind: 'float', name: 'double', size: 8 };
const ch: TypeNode = { kind: 'int', name: 'char', size: 1, signed: true, encoding: 'char' };
const name8: TypeNode = { kind: 'array', name: '', size: 8, length: 8, element: ch };
const arr4: TypeNode = { kind: 'array', name: '', size: 16, length: 4, element: u32 };
const val: TypeNode = { kind: 'struct', name: 'val', size: 48, fields: [
  { name: 'f', offset: 0, type: f32 }, { name: 'd', offset: 8, type: f64 }, { name: 'name', offset: 16, type: name8 },
  { name: 'arr', offset: 24, type: arr4 }, { name: 'n', offset: 40, type: u32 }] };
const MAP: MapSchema = { name: 'm', kernelName: 'm', type: 'hash', typeId: 1, keySize: 4, valueSize: 48, maxEntries: 64, flags: [], mapFlags: 0,
  pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
const OBJ: ObjectSchema = { object: 't.o', byteOrder: 'little', maps: [MAP] } as unknown as ObjectSchema;
const codec = mapCodecs(MAP, 'little');

function withTmp<T>(fn: (tmp: string) => T): T {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-distort-'));
  try { return fn(tmp); } finally { rmSync(tmp, { recursive: true, force: true }); }
}
/** The error's `CODE: message`, or 'no error'. */
function err(fn: () => unknown): string {
  try { fn(); } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; }
  return 'no error';
}
function readText(tmp: string, name: string, text: string | Buffer) {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return readStateFile(p, OBJ);
}

const Dup = suite('duplicates are refused with the exact path');
Dup('JSON document: a member twice, deep inside an entry', () => withTmp((tmp) => {
  const e = err(() => readText(tmp, 's.json', '{"maps":{"m":{"entries":[{"key":1,"value":{"n":1,"arr":[1],"n":2}}]}}}'));
  assert.match(e, /^VALUE_INVALID: \S*s.json: JSON at offset \d+: member maps.m.entries\[0\].value.n given twice; each member may appear once$/);
}));
Dup('JSON document: a map named twice, and by two names (object name and kernel name alias)', () => withTmp((tmp) => {
  assert.match(err(() => readText(tmp, 's.json', '{"maps":{"m":{"entries":[]},"m":{"entries":[]}}}')), /member maps.m given twice/);
  const o2 = { ...OBJ, maps: [{ ...MAP, name: 'long_object_name', kernelName: 'long_object_nam' }] } as unknown as ObjectSchema;
  const p = join(tmp, 's.yaml');
  writeFileSync(p, 'maps:\n  long_object_name: {entries: [{key: 1, value: {n: 1}}]}\n  long_object_nam: {entries: [{key: 1, value: {n: 2}}]}\n');
  assert.match(err(() => readStateFile(p, o2)), /^VALUE_INVALID: \S*s.yaml: maps.long_object_nam: names map 'long_object_name' a second time \(as 'long_object_name' before\)/);
}));
Dup('YAML document: a duplicate key is refused too', () => withTmp((tmp) => {
  assert.match(err(() => readText(tmp, 's.yaml', 'maps:\n  m:\n    entries:\n      - {key: 1, value: {n: 1, n: 2}}\n')), /^VALUE_INVALID: .*unique|duplicate/i);
}));
Dup('NDJSON: a member twice is refused on every path (the fast reader gives up, the exact parser names it)', () => withTmp((tmp) => {
  // Canonical line first (line matcher), then the duplicate in key and value.
  const good = '{"map":"m","key":1,"value":{"f":0,"d":0,"name":[0,0,0,0,0,0,0,0],"arr":[1,2,3,4],"n":5}}\n';
  assert.match(err(() => readText(tmp, 's.ndjson', `${good}{"map":"m","key":2,"value":{"n":1,"n":2}}\n`)), /^VALUE_INVALID: \S*s.ndjson:2: JSON at offset \d+: member value.n given twice/);
  assert.match(err(() => readText(tmp, 's.ndjson', '{"map":"m","map":"m","key":2,"value":{"n":1}}\n')), /s.ndjson:1: .*member map given twice/);
}));
Dup('index aliases: {0: A, "00": B} names element 0 twice', () => {
  assert.match(err(() => codec.value.encode({ arr: { 0: 1, '00': 2 } })), /^VALUE_INVALID: value.arr\[0\]: element 0 given twice/);
  assert.match(err(() => codec.value.encode(parseJson('{"arr":{"1":5,"01":6}}'))), /value.arr\[1\]: element 1 given twice/);
  assert.is(err(() => codec.value.encode({ arr: { 0: 1, 3: 2 } })), 'no error', 'distinct indexes are fine');
});
Dup.run();

const Float = suite('floats: range, NaN and Infinity');
Float('1e39 into a float is refused (VALUE_RANGE); FLT_MAX and what rounds to it are taken', () => {
  assert.match(err(() => codec.value.encode({ f: 1e39 })), /^VALUE_RANGE: value.f: expected a float within \+-3.4028234663852886e38/);
  assert.match(err(() => codec.value.encode({ f: '-1e39' })), /^VALUE_RANGE: value.f/);
  assert.match(err(() => codec.value.encode({ d: '1e309' })), /^VALUE_RANGE: value.d: expected a double/);
  assert.is(err(() => codec.value.encode({ f: 3.4028234663852886e38, d: 1e308 })), 'no error');
});
Float('NaN and +-Infinity encode from numbers and from the JSON strings, and decode back', () => {
  for (const [f, d] of [[NaN, Infinity], ['NaN', '-Infinity'], [-Infinity, 'Infinity']] as const) {
    const v = codec.value.decode(codec.value.encode({ f, d })) as { f: number; d: number };
    assert.is(String(v.f), String(Number(f)));
    assert.is(String(v.d), String(Number(d)));
  }
  assert.is(stringifyJson(codec.value.decode(codec.value.encode({ f: NaN, d: -Infinity }))).slice(0, 26), '{"f":"NaN","d":"-Infinity"');
});
Float.run();

const Utf = suite('UTF-8 and char[]');
Utf('invalid UTF-8 bytes in an NDJSON line are refused with the line, not turned into U+FFFD', () => withTmp((tmp) => {
  const line = Buffer.concat([Buffer.from('{"map":"m","key":1,"value":{"name":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}\n')]);
  assert.match(err(() => readText(tmp, 's.ndjson', line)), /^VALUE_INVALID: \S*s.ndjson:1: invalid UTF-8 at column 38 \(byte 0xff\)/);
}));
Utf('invalid UTF-8 in a YAML document is refused with line and column', () => withTmp((tmp) => {
  const doc = Buffer.concat([Buffer.from('maps:\n  m:\n    entries:\n      - {key: 1, value: {name: "x'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}\n')]);
  assert.match(err(() => readText(tmp, 's.yaml', doc)), /^VALUE_INVALID: \S*s.yaml: invalid UTF-8 at line 4, column 34 \(byte 0xc3\)/);
}));
Utf('a lone surrogate (JSON \\ud800) for a char[] is refused; valid text is taken', () => {
  assert.match(err(() => codec.value.encode(parseJson('{"name":"a\\ud800"}'))), /^VALUE_INVALID: value.name: expected a string of valid Unicode/);
  const b = codec.value.encode(parseJson('{"name":"h\\u00e9"}'));
  assert.equal([...b.subarray(16, 20)], [0x68, 0xc3, 0xa9, 0]);
});
Utf.run();

const Limits = suite('size limits with short errors');
Limits('a number literal of 100,000 digits is refused quoting at most ~80 characters', () => withTmp((tmp) => {
  const digits = '7'.repeat(100_000);
  for (const [name, text] of [['s.ndjson', `{"map":"m","key":1,"value":{"n":${digits}}}\n`], ['s.json', `{"maps":{"m":{"entries":[{"key":1,"value":{"n":${digits}}}]}}}`]]) {
    const e = err(() => readText(tmp, name!, text!));
    assert.match(e, /number literal of 100000 characters, longer than any valid one/, e.slice(0, 200));
    assert.ok(e.length < 250, `short: ${e.length} characters`);
  }
  const y = err(() => readText(tmp, 's.yaml', `maps:\n  m:\n    entries:\n      - {key: 1, value: {n: ${digits}}}\n`));
  assert.ok(y.length < 250 && /expected u32/.test(y), y.slice(0, 300));
}));
Limits(`an NDJSON line above ${MAX_LINE_BYTES} bytes is refused before it becomes a string (sync and async readers)`, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-distort-'));
  try {
    const p = join(tmp, 'big.ndjson');
    const fd = openSync(p, 'w');
    writeSync(fd, '{"map":"m","key":1,"value":{"n":1}}\n{"map":"m","key":2,"value":{"name":"');
    const chunk = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i <= MAX_LINE_BYTES >> 20; i++) writeSync(fd, chunk);
    writeSync(fd, '"}}\n');
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const e = err(() => readStateFile(p, OBJ));
    assert.match(e, new RegExp(`^VALUE_INVALID: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: line of (more than )?\\d+ bytes; NDJSON lines are limited to ${MAX_LINE_BYTES} bytes \\(32 MiB\\)$`), e.slice(0, 300));
    let ae = 'no error';
    try { await readStateFileAsync(p, OBJ); } catch (x) { ae = (x as Error).message; }
    assert.match(ae, /:2: line of more than \d+ bytes; NDJSON lines are limited/);
    assert.ok(process.memoryUsage().rss - before < 256 << 20, 'no string of the line');
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});
Limits.run();

const Ctl = suite('control characters from input are escaped in messages (CLI)');
Ctl('a map name with ESC, CR, NUL and a bidi override prints them escaped, on one line', () => withTmp((tmp) => {
  const schema = join(tmp, 'schema.json');
  writeFileSync(schema, stringifyJson(OBJ));
  const st = join(tmp, 's.ndjson');
  writeFileSync(st, '{"map":"evil\\u001b[31m\\r\\u0000\\u202e","key":1,"value":{"n":1}}\n');
  const r = bpfmap(['apply', schema, '-f', st, '--dry-run']);
  assert.is(r.code, 3, r.stderr);
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(r.stderr), JSON.stringify(r.stderr));
  assert.match(r.stderr, /evil\\x1b\[31m\\x0d\\x00\\u202e/);
  assert.is(r.stderr.trimEnd().split('\n').length, 1);
}));
Ctl.run();
