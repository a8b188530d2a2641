import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MapSchema, ObjectSchema, TypeNode } from '../src/schema/types.js';
import { mapCodecs } from '../src/codec/map-codecs.js';
import { toHex } from '../src/bytes.js';
import { DesiredState, readStateDocument, readStateFile } from '../src/apply/index.js';
import { looksNdjson } from '../src/apply/parse-state.js';
import { parseLines } from '../src/apply/ndjson.js';
import { compileFast, readFast } from '../src/apply/fast-json.js';
import { progressLine } from '../bin/progress.js';

const int = (size: number, signed: boolean, extra: object = {}): TypeNode => ({ kind: 'int', name: `${signed ? 's' : 'u'}${size * 8}`, size, signed, ...extra } as TypeNode);
const keyNode: TypeNode = { kind: 'struct', name: 'k', size: 8, fields: [{ name: 'id', offset: 0, type: int(4, false) }, { name: 'port', offset: 4, type: int(2, false, { byteOrder: 'big' }) }, { name: 's', offset: 6, type: int(1, true) }] };
const valueNode: TypeNode = { kind: 'struct', name: 'v', size: 24, fields: [
  { name: 'a', offset: 0, type: int(8, false) }, { name: 'b', offset: 8, type: int(8, true) },
  { name: 'arr', offset: 16, type: { kind: 'array', name: '', size: 8, length: 4, element: int(2, false) } }] };
function schema(name: string, type = 'hash', key: TypeNode = keyNode, value: TypeNode = valueNode): MapSchema {
  return { name, kernelName: name, type, typeId: 1, keySize: key.size, valueSize: value.size, maxEntries: 100, flags: [], mapFlags: 0, pinning: 'none',
    pinPath: null, perCpu: false, key, value, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
}
const OBJ: ObjectSchema = { object: 't.o', byteOrder: 'little', maps: [schema('m'), schema('q', 'queue')] };
const code = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };

function ndjson(text: string): DesiredState {
  const st = new DesiredState(OBJ, 'state.ndjson');
  parseLines(text, st, 1);
  return st;
}
/** The codec's bytes for the same entry: the fast reader must agree byte for byte. */
function codecBytes(key: unknown, value: unknown): string {
  const c = mapCodecs(OBJ.maps[0]!, 'little');
  return toHex(c.key.encode(key)) + '/' + toHex(c.value.encode(value));
}
function stateBytes(st: DesiredState, i = 0): string {
  const m = st.maps.get('m')!;
  return toHex(m.keys.at(i)) + '/' + toHex(m.values.at(i));
}

const Fast = suite('NDJSON: fast reader agrees with the codec');
const rows: [string, unknown, unknown][] = [
  ['plain', { id: 1, port: 80, s: -1 }, { a: 5, b: -2, arr: [1, 2, 3, 65535] }],
  ['limits', { id: 4294967295, port: 65535, s: -128 }, { a: 9007199254740991, b: -9007199254740991, arr: [] }],
  ['fields missing, any order', { s: 127, id: 0 }, { arr: [7], a: 0 }],
  ['64-bit beyond 2^53 (exact path)', { id: 1, port: 1, s: 0 }, { a: 18446744073709551615n, b: -9223372036854775808n, arr: [1] }],
  ['strings for integers (exact path)', { id: '0x10', port: '443', s: 0 }, { a: '12', b: 0, arr: [0, 0] }],
];
for (const [name, key, value] of rows) {
  Fast(name, () => {
    const text = `{"map":"m","key":${stringify(key)},"value":${stringify(value)}}\n`;
    assert.is(stateBytes(ndjson(text)), codecBytes(key, value));
  });
}
function stringify(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `@@${x}@@` : x)).replace(/"@@(-?\d+)@@"/g, '$1');
}
Fast('whitespace, blank lines and field order do not matter; lines are counted for origins', () => {
  const st = ndjson('\n  { "value" : {"a":1} , "key" : {"id":2}, "map":"m" }  \n\n{"map":"m","key":{"id":3},"value":{"a":2}}\n');
  const m = st.maps.get('m')!;
  assert.is(m.count, 2);
  assert.equal([m.originText(0), m.originText(1)], ['line 2', 'line 4']);
  assert.is(stateBytes(st, 0), codecBytes({ id: 2 }, { a: 1 }));
});
Fast('a member given twice is refused with its path, never last-one-wins (fast reader gives up, exact parser names it)', () => {
  assert.throws(() => ndjson('{"map":"m","key":{"id":1,"id":2},"value":{"a":5}}\n'), /state.ndjson:1: JSON at offset \d+: member key.id given twice/);
  assert.throws(() => ndjson('{"map":"m","key":{"id":1},"value":{"arr":[1,2,3],"a":5,"arr":[4]}}\n'), /member value.arr given twice/);
});
const errors: [string, string, RegExp][] = [
  ['negative for unsigned', '{"map":"m","key":{"id":-1},"value":{}}', /^VALUE_RANGE: state.ndjson:1: key.id: expected u32 0..4294967295, got -1$/],
  ['out of range', '{"map":"m","key":{"id":1,"port":65536},"value":{}}', /^VALUE_RANGE: state.ndjson:1: key.port: expected/],
  ['fraction', '{"map":"m","key":{"id":1.5},"value":{}}', /^VALUE_INVALID: state.ndjson:1: key.id: expected/],
  ['unknown field', '{"map":"m","key":{"idd":1},"value":{}}', /^VALUE_INVALID: state.ndjson:1: key.idd: unknown field 'idd'; fields are id, port, s/],
  ['too many elements', '{"map":"m","key":{"id":1},"value":{"arr":[1,2,3,4,5]}}', /^VALUE_RANGE: state.ndjson:1: value.arr: expected at most 4 elements/],
  ['rounded 64-bit is never accepted', '{"map":"m","key":{"id":1},"value":{"a":18446744073709551616}}', /^VALUE_RANGE: state.ndjson:1: value.a: expected u64/],
  ['no value', '{"map":"m","key":{"id":1}}', /^VALUE_INVALID: state.ndjson:1: value: expected a value, got nothing/],
  ['unknown map', '{"map":"nope","key":1,"value":1}', /^MAP_NOT_FOUND: state.ndjson:1: map 'nope' is not in t.o; maps are m, q/],
  ['not JSON', '{"map":"m","key":{"id":1},"value":{}', /^VALUE_INVALID: state.ndjson:1: JSON at offset/],
  ['unsupported map type', '{"map":"q","key":1,"value":1}', /^NOT_SUPPORTED: state.ndjson: map 'q': apply supports hash/],
];
for (const [name, line, re] of errors) {
  Fast(`refused: ${name}`, () => {
    assert.match(code(() => ndjson(`{"map":"m","key":{"id":9},"value":{}}\n${line}\n`.split('\n').slice(1).join('\n'))), re);
  });
}
Fast('a duplicate key is refused naming both lines', () => {
  const st = ndjson('{"map":"m","key":{"id":1},"value":{}}\n{"map":"m","key":{"id":2},"value":{}}\n{"map":"m","key":{"id":1},"value":{"a":1}}\n');
  assert.match(code(() => st.maps.get('m')!.index), /^VALUE_INVALID: state.ndjson: line 3: key: duplicates the key of line 1/);
});
Fast('compileFast gives up on what only the codec can do', () => {
  assert.ok(compileFast(keyNode, 'little'));
  assert.is(compileFast({ kind: 'float', name: 'f', size: 4 }, 'little'), null);
  assert.is(compileFast({ kind: 'struct', name: 'b', size: 4, fields: [{ name: 'x', offset: 0, bitOffset: 0, bitSize: 3, type: int(4, false) }] }, 'little'), null);
  assert.is(compileFast({ kind: 'union', name: 'u', size: 4, fields: [{ name: 'x', offset: 0, type: int(4, false) }] }, 'little'), null);
  assert.is(compileFast(int(1, false, { encoding: 'bool' }), 'little'), null);
  assert.is(compileFast({ kind: 'array', name: '', size: 0, length: 2, element: { kind: 'struct', name: 'e', size: 0, fields: [] } }, 'little'), null);
});
Fast('readFast writes the bytes itself (the fast path is really taken) and gives up with -1', () => {
  const plan = compileFast(valueNode, 'little')!;
  const text = Buffer.from('{"arr":[1,2],"b":-3,"a":258}');
  const out = new Uint8Array(24);
  assert.is(readFast(plan, text, 0, text.length, out, 0), text.length);
  assert.is(toHex(out), toHex(mapCodecs(OBJ.maps[0]!, 'little').value.encode({ arr: [1, 2], b: -3, a: 258 })));
  for (const bad of ['{"a":"1"}', '{"a":1e3}', '{"a":01}', '{"a":null}', '{"x":1}', '{"a":1234567890123456}']) {
    const b = Buffer.from(bad);
    assert.is(readFast(plan, b, 0, b.length, new Uint8Array(24), 0), -1, bad);
  }
});
Fast.run();

const Progress = suite('progressLine');
Progress('only on a TTY, only after the delay, cleared at the end', () => {
  const writes: string[] = [];
  const tty = { isTTY: true, write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WriteStream;
  const p = progressLine(tty, 0);
  p.update('applying', 5, 10);
  p.end();
  assert.equal(writes, ['\r\x1b[Kapplying: 5/10 (50%)', '\r\x1b[K']);
  const pipe: string[] = [];
  const q = progressLine({ isTTY: false, write: (s: string) => { pipe.push(s); return true; } } as unknown as NodeJS.WriteStream, 0);
  q.update('applying', 5, 10); q.end();
  assert.equal(pipe, []);
  const late: string[] = [];
  const r = progressLine({ isTTY: true, write: (s: string) => { late.push(s); return true; } } as unknown as NodeJS.WriteStream, 60000);
  r.update('applying', 1); r.end();
  assert.equal(late, [], 'nothing before the delay');
});
Progress.run();

const Doc = suite('readStateDocument / readStateFile');
Doc('YAML document: prune, entries; format detection; --prune applies to every map', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-apply-state-'));
  try {
    const y = join(tmp, 's.yaml');
    writeFileSync(y, 'maps:\n  m:\n    entries:\n      - key: {id: 1}\n        value: {a: 18446744073709551615}\n');
    const st = readStateFile(y, OBJ);
    assert.is(st.maps.get('m')!.prune, false);
    assert.is(stateBytes(st), codecBytes({ id: 1 }, { a: 18446744073709551615n }));
    assert.is(readStateFile(y, OBJ, { prune: true }).maps.get('m')!.prune, true);
    const n = join(tmp, 's.txt');
    writeFileSync(n, '{"map":"m","prune":true}\n{"map":"m","key":{"id":1},"value":{"a":1}}\n{"trailer":true,"entries":1,"maps":{"m":1}}\n');
    const sn = readStateFile(n, OBJ);
    assert.equal([sn.maps.get('m')!.prune, sn.maps.get('m')!.count], [true, 1]);
    writeFileSync(n, '');
    assert.is(readStateFile(n, OBJ).maps.size, 0, 'empty file: no maps named');
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});
Doc('document errors name the place', () => {
  const st = () => new DesiredState(OBJ, 's.yaml');
  assert.match(code(() => readStateDocument({ map: {} }, st())), /^VALUE_INVALID: s.yaml: map: unknown top-level field; expected 'maps'/);
  assert.match(code(() => readStateDocument({ maps: { m: { entries: {} } } }, st())), /^VALUE_INVALID: s.yaml: maps.m.entries: expected a list of \{key, value\}/);
  assert.match(code(() => readStateDocument({ maps: { m: { prune: 'yes' } } }, st())), /^VALUE_INVALID: s.yaml: maps.m.prune: expected true or false, got yes/);
  assert.match(code(() => readStateDocument({ maps: { m: { entries: [{ key: { id: 1 }, value: { a: -1 } }] } } }, st())), /^VALUE_RANGE: s.yaml: maps.m.entries\[0\]: value.a: expected u64/);
  assert.match(code(() => readStateDocument({ maps: { m: { variables: { x: 1 } } } }, st())), /^VALUE_INVALID: s.yaml: maps.m.variables: expected a global-data map/);
});
Doc('looksNdjson', () => {
  const cases: [string, boolean][] = [
    ['{"map":"m","key":1,"value":2}\n', true], ['  {"map": "m", "key": 1}', true], ['{"maps":{}}', false],
    ['{\n  "maps": {}\n}', false], ['maps:\n  m: {}', false], ['', false],
  ];
  for (const [t, want] of cases) assert.is(looksNdjson(t), want, JSON.stringify(t));
});
Doc.run();
