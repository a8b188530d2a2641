/**
 * `apply --watch` keeps the maps right, not only the file: a map missing at start is waited for
 * (logged once) and applied when it appears; drift is repaired at the next resync; a pin re-pointed
 * to a new empty map is re-applied at once; a map removed later is waited for again; a state file
 * rewritten line by line (or stopping mid-line) is never applied half-written, so --prune never
 * deletes what the rest of the file lists. Every event is one NDJSON line with --json.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../../src/syscall/index.js';
import { BIN, COV, bpfmap } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { type MapSchema, type TypeNode, stringifyJson, openMap, getVariables, setVariables } from '../../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };
const MAP: MapSchema = { name: 't_watch', kernelName: 't_watch', type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16, maxEntries: 1024,
  flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const newMap = () => mapCreate({ mapType: MAP.typeId, keySize: 4, valueSize: 16, maxEntries: 1024, mapFlags: 0, name: 't_watch' });
function pinNew(path: string): void {
  const fd = newMap();
  try { objPin(fd, path); } finally { closeFd(fd); }
}
/** The map's entries as {key: a} (bpftool is the oracle). */
function contents(pin: string): Record<number, number> {
  const out: Record<number, number> = {};
  const rows = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
  const le = (b: string[]) => parseInt(b.slice(0, 4).reverse().map((x) => x.replace(/^0x/, '')).join(''), 16);
  for (const r of rows) out[le(r.key)] = le(r.value);
  return out;
}
const ndjson = (ids: number[], a: (i: number) => number) =>
  ids.map((i) => `{"map":"t_watch","key":${i},"value":{"a":${a(i)},"b":0}}\n`).join('') + `{"trailer":true,"entries":${ids.length},"maps":{"t_watch":${ids.length}}}\n`;
const expected = (ids: number[], a: (i: number) => number) => Object.fromEntries(ids.map((i) => [i, a(i)]));

interface Ev { time: string; event: string; reason?: string; maps?: { added: number; changed: number; deleted: number }[]; error?: { code: string; message: string } }

class Watcher {
  readonly events: Ev[] = [];
  readonly child: ChildProcess;
  out = '';
  err = '';
  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => {
      this.out += d;
      const lines = this.out.split('\n');
      this.out = lines.pop()!;
      for (const l of lines) this.events.push(JSON.parse(l) as Ev);
    });
    this.child.stderr!.on('data', (d) => { this.err += d; });
  }
  count(event: string, since = 0): number { return this.events.slice(since).filter((e) => e.event === event).length; }
  async until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
    for (let t = 0; t < ms && !ok(); t += 50) await sleep(50);
    assert.ok(ok(), `${what}\nevents: ${this.events.map((e) => `${e.event}${e.reason ? `(${e.reason})` : ''}${e.error ? `: ${e.error.message}` : ''}`).join('\n  ')}\nstderr: ${this.err}`);
  }
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      const done = new Promise((r) => this.child.on('exit', r));
      process.kill(this.child.pid, 'SIGTERM');
      await done;
    }
  }
}

const W = suite('apply --watch: missing maps, drift, re-pointed pins, half-written files (kernel, CLI)');
W('missing at start -> applied when pinned; drift repaired at resync; re-pointed to an empty map -> re-applied; removed -> waited for', kernel(() => withPinDir(async (dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-watch-'));
  const schema = join(tmp, 'schema.json');
  writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [MAP] }));
  const st = join(tmp, 'state.ndjson');
  const ids = [1, 2, 3];
  const want = expected(ids, (i) => i * 10);
  writeFileSync(st, ndjson(ids, (i) => i * 10));
  const pin = join(dir, 't_watch');
  const w = new Watcher(['apply', schema, '-f', st, '--pin-root', dir, '--prune', '--watch', '--json', '--resync', '1']);
  try {
    // 1. Missing at start: one line however many retries.
    await w.until('waiting for map', () => w.count('waiting for map') === 1);
    await sleep(2500);
    assert.is(w.count('waiting for map'), 1, 'logged once per state, not once per retry');
    assert.match(w.events[0]!.error!.message, /t_watch/);
    pinNew(pin);
    await w.until('applied once the map appears', () => w.count('applied') === 1);
    assert.equal(contents(pin), want);
    // 2. Drift: another writer changes, deletes and adds; the next resync repairs it.
    const at = w.events.length;
    const other = openMap({ map: MAP, byteOrder: 'little', pin });
    try {
      other.update(1, { a: 99, b: 0 });
      other.delete(2);
      other.update(77, { a: 1, b: 0 });
    } finally { other.close(); }
    await w.until('drift repaired', () => w.count('drift repaired', at) >= 1 && Object.keys(contents(pin)).length === 3);
    const repairs = w.events.slice(at).filter((e) => e.event === 'drift repaired');
    assert.ok(repairs.every((e) => e.reason === 'resync'));
    const sum = (f: 'added' | 'changed' | 'deleted') => repairs.reduce((n, e) => n + e.maps![0]![f], 0);
    assert.equal([sum('added'), sum('changed'), sum('deleted')], [1, 1, 1]);
    assert.equal(contents(pin), want);
    await w.until('resyncs with nothing to repair are logged as unchanged', () => w.events.slice(at).some((e) => e.event === 'unchanged' && e.reason === 'resync'));
    // 3. Re-pointed: a new, empty map put in place of the pin (atomically, by rename).
    const before = w.events.length;
    pinNew(join(dir, 't_watch_new'));
    renameSync(join(dir, 't_watch_new'), pin);
    assert.equal(contents(pin), {}, 'the new map is empty');
    await w.until('re-pointed pin re-applied', () => w.events.slice(before).some((e) => e.event === 'drift repaired' && e.reason === 'repointed'));
    assert.equal(contents(pin), want);
    // 4. Removed later: waited for (once), applied when back.
    const mark = w.events.length;
    unlinkSync(pin);
    await w.until('waiting again', () => w.count('waiting for map', mark) === 1);
    await sleep(1500);
    assert.is(w.count('waiting for map', mark), 1);
    pinNew(pin);
    await w.until('applied again', () => w.events.slice(mark).some((e) => e.event === 'applied'));
    assert.equal(contents(pin), want);
    for (const e of w.events) assert.match(e.time, /^\d{4}-\d\d-\d\dT/);
    assert.is(w.err, '', 'nothing on stderr');
  } finally {
    await w.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  assert.is(w.child.exitCode, 0);
})));

W('a file rewritten line by line, or stopping mid-line, is waited for: --prune never deletes what the rest lists', kernel(() => withPinDir(async (dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-watch-'));
  const schema = join(tmp, 'schema.json');
  writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [MAP] }));
  const pin = join(dir, 't_watch');
  pinNew(pin);
  const ids = Array.from({ length: 200 }, (_, i) => i + 1);
  const st = join(tmp, 'state.ndjson');
  writeFileSync(st, ndjson(ids, (i) => i));
  const w = new Watcher(['apply', schema, '-f', st, '--pin-root', dir, '--prune', '--watch', '--json', '--resync', '0']);
  let lowest = Infinity;
  let sampling = true;
  const sampler = (async () => { while (sampling) { lowest = Math.min(lowest, Object.keys(contents(pin)).length); await sleep(30); } })();
  try {
    await w.until('first apply', () => w.count('applied') === 1);
    lowest = Infinity;
    const mark = w.events.length;
    // Rewrite in place, line by line (new values), with a pause half-way longer than the settle time.
    const lines = ndjson(ids, (i) => i + 1000).split('\n').map((l) => `${l}\n`).slice(0, -1);
    writeFileSync(st, '');
    for (let i = 0; i < 100; i++) { appendFileSync(st, lines[i]!); await sleep(3); }
    await sleep(1500);
    // ... and stop mid-line for a while.
    appendFileSync(st, lines[100]!.slice(0, 20));
    await sleep(1500);
    appendFileSync(st, lines[100]!.slice(20));
    for (let i = 101; i < lines.length; i++) { appendFileSync(st, lines[i]!); await sleep(3); }
    await w.until('the whole new file applied', () => w.events.slice(mark).some((e) => e.event === 'applied'));
    sampling = false;
    await sampler;
    const invalid = w.events.slice(mark).filter((e) => e.event === 'file invalid');
    assert.ok(invalid.some((e) => e.error!.code === 'INPUT_INCOMPLETE'), 'the half file (no trailer) was seen and refused');
    assert.ok(invalid.some((e) => /JSON at offset/.test(e.error!.message)), 'the file stopping mid-line was seen and refused');
    // Read only when it stood still for the settle time: the half file and the cut line, not each append.
    assert.ok(invalid.length <= 4, `${invalid.length} refusals`);
    const applied = w.events.slice(mark).filter((e) => e.event === 'applied');
    assert.is(applied.length, 1);
    assert.equal([applied[0]!.maps![0]!.changed, applied[0]!.maps![0]!.deleted], [200, 0]);
    assert.is(lowest, 200, 'the map never lost an entry while the file was rewritten');
    assert.equal(contents(pin), expected(ids, (i) => i + 1000));
  } finally {
    sampling = false;
    await sampler;
    await w.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
})));
W('a resync while the file is half-written applies the last good state, patching the live section as it is now: another writer\'s variables are kept', kernel(() => withPinDir(async (dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-watch-'));
  const made = bpfmap(['create', COV, '--pin-root', dir]);
  assert.is(made.code, 0, made.stderr);
  const st = join(tmp, 'state.yaml');
  writeFileSync(st, 'maps:\n  .data.config:\n    variables: {config_mode: 5}\n');
  const live = openMap({ pin: join(dir, '_data_config'), force: true });
  const vars = () => getVariables(live, ['config_mode', 'config_offset']);
  const w = new Watcher(['apply', COV, '-f', st, '--pin-root', dir, '--watch', '--json', '--resync', '1']);
  try {
    await w.until('first apply', () => w.count('applied') === 1);
    assert.equal(vars(), { config_mode: 5, config_offset: -5 });
    // Another writer: config_mode drifts (the state names it), config_offset changes (the state does not).
    setVariables(live, { config_mode: 6, config_offset: 42 });
    // The state file is being rewritten and stops half-way.
    const mark = w.events.length;
    writeFileSync(st, 'maps:\n  .data.config:\n    variables: {config_mo');
    await w.until('drift repaired from the last good state', () => w.events.slice(mark).some((e) => e.event === 'drift repaired' && e.reason === 'resync'));
    assert.ok(w.events.slice(mark).some((e) => e.event === 'file invalid'), 'the half file was refused');
    assert.equal(vars(), { config_mode: 5, config_offset: 42 });
    // Resyncs go on applying it, each on the section as it is then.
    setVariables(live, { config_offset: 43 });
    const again = w.events.length;
    setVariables(live, { config_mode: 8 });
    await w.until('repaired again', () => w.events.slice(again).some((e) => e.event === 'drift repaired'));
    assert.equal(vars(), { config_mode: 5, config_offset: 43 });
    assert.is(w.err, '', 'nothing on stderr');
  } finally {
    await w.stop();
    live.close();
    rmSync(tmp, { recursive: true, force: true });
  }
})));

W.run();
