/**
 * Apply is atomic against signals and crashes, through the real CLI on a real map. A hash map holds
 * the OLD state (keys 0..N-1); the NEW state (with --prune) deletes the first quarter, changes the
 * rest and adds a quarter more, so it takes delete, change and add batches. Signals are injected
 * with strace at bpf() calls of each phase (plan, every write batch, the rollback of a failed apply)
 * or sent while the state is read; SIGKILL is injected at every write batch and sent at 10 random
 * times (fixed seed), each followed by the next command's recovery. Every case asserts the exit code,
 * the message and the map's whole contents: exactly OLD or exactly NEW.
 * BPFMAP_FAULTS_N sets N (default 50,000; e.g. 1000000 outside CI).
 */
import { suite, skip } from '../helpers/skip.js';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournal, writeJournal } from '../../src/apply/journal.js';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../../src/syscall/index.js';
import { BIN, ROOT, type Run } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { type MapSchema, type ObjectSchema, type TypeNode, applyState, readStateFile, stringifyJson, openMap } from '../../src/index.js';

const N = Number(process.env.BPFMAP_FAULTS_N ?? 50_000);
const Q = N / 4;
const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };
const hash = (name: string, max: number): MapSchema => ({ name, kernelName: name, type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16,
  maxEntries: max, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 });
const MAP = 't_faults';
/** Room for OLD and NEW; the overflow state (OLD changed plus Q more, no prune) does not fit in N + Q/2. */
const SCHEMA = { object: 'test.o', byteOrder: 'little', maps: [hash(MAP, N + Q / 2)] } as unknown as ObjectSchema;

const strace = spawnSync('strace', ['-V']).status === 0;

function ndjson(path: string, keys: Iterable<number>, b: number): void {
  const out: string[] = [];
  let n = 0;
  for (const i of keys) { out.push(`{"map":"${MAP}","key":${i},"value":{"a":${i},"b":${b}}}\n`); n++; }
  out.push(`{"trailer":true,"entries":${n},"maps":{"${MAP}":${n}}}\n`);
  writeFileSync(path, out.join(''));
}
function* range(from: number, to: number) { for (let i = from; i < to; i++) yield i; }

type Contents = 'OLD' | 'NEW' | string;
/** OLD, NEW, or what else the map holds. */
function contents(pin: string, extra = -1): Contents {
  const live = openMap({ pin, force: true });
  try {
    let n = 0, old = true, neu = true, sawExtra = false;
    for (const b of live.batches()) {
      const dv = new DataView(b.keys.buffer, b.keys.byteOffset, b.keys.byteLength);
      const vv = new DataView(b.values.buffer, b.values.byteOffset, b.values.byteLength);
      for (let j = 0; j < b.count; j++) {
        const k = dv.getUint32(j * 4, true), a = vv.getUint32(j * 16, true), v = vv.getBigUint64(j * 16 + 8, true);
        if (k === extra) { sawExtra = a === k && v === 9n; continue; }
        n++;
        if (!(k < N && a === k && v === 1n)) old = false;
        if (!(k >= Q && k < N + Q && a === k && v === 2n)) neu = false;
      }
    }
    if (extra >= 0 && !sawExtra) return `no extra key ${extra}`;
    if (old && n === N) return 'OLD';
    if (neu && n === N) return 'NEW';
    return `mixed (${n} entries)`;
  } finally { live.close(); }
}

interface Ctx { dir: string; tmp: string; schema: string; pin: string; jdir: string; files: Record<'old' | 'new' | 'over' | 'extra', string> }

function cli(args: string[]): string[] { return [process.execPath, BIN, ...args]; }
function run(argv: string[], input?: string): Run {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', input, maxBuffer: 1 << 26, timeout: 60_000 });
  return { code: r.status ?? (r.signal ? 128 + (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as Record<string, number>)[r.signal] ?? 0) : -1), stdout: r.stdout, stderr: r.stderr };
}
/** The map's kernel id. */
function openMapId(c: Ctx): number {
  const m = openMap({ pin: c.pin, force: true });
  try { return m.info.id; } finally { m.close(); }
}
/** The journal files left in the journal directory. */
const journals = (c: Ctx) => (existsSync(c.jdir) ? readdirSync(c.jdir) : []);
/** The map opened with its schema (keys and values typed). */
const typed = (c: Ctx) => openMap({ pin: c.pin, map: SCHEMA.maps[0]!, byteOrder: 'little', force: true });
const apply = (c: Ctx, file: string, more: string[] = []) => ['apply', c.schema, '-f', file, '--pin-root', c.dir, '--journal', c.jdir, ...more];
const applyNew = (c: Ctx) => apply(c, c.files.new, ['--prune']);

/** The map back to OLD (in-process, no journal) and no journal left. */
function reset(c: Ctx): void {
  rmSync(c.jdir, { recursive: true, force: true });
  applyState(readStateFile(c.files.old, SCHEMA, { prune: true, complete: true }), { pinRoot: c.dir });
  assert.is(contents(c.pin), 'OLD');
}

/** The bpf() commands the command line makes, in order (strace's own names); the same for the same state. */
const traces = new Map<string, { cmd: string; failed: boolean }[]>();
function bpfCalls(argv: string[]): { cmd: string; failed: boolean }[] {
  const key = argv.slice(2).join(' ').replace(/bpfmap-test-[^/ ]+|bpfmap-faults-[^/ ]+/g, '');
  if (!traces.has(key)) traces.set(key, traceBpf(argv));
  return traces.get(key)!;
}
function traceBpf(argv: string[]): { cmd: string; failed: boolean }[] {
  const out = join(mkdtempSync(join(tmpdir(), 'bpfmap-trace-')), 'trace');
  const r = run(['strace', '-f', '-qq', '-e', 'trace=bpf', '-o', out, ...argv]);
  const text = spawnSync('cat', [out], { encoding: 'utf8' }).stdout;
  rmSync(join(out, '..'), { recursive: true, force: true });
  assert.ok(text.length > 0, `strace wrote nothing: ${r.stderr}`);
  return text.split('\n').filter((l) => /bpf\(BPF_/.test(l)).map((l) => ({ cmd: /bpf\((BPF_[A-Z_]+)/.exec(l)![1]!, failed: /= -1 /.test(l) }));
}
const inject = (when: number | string, sig: string, argv: string[]) => run(['strace', '-f', '-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:signal=${sig}:when=${when}`, ...argv]);
const writes = (calls: { cmd: string }[]) => calls.map((c, i) => ({ ...c, at: i + 1 })).filter((c) => c.cmd === 'BPF_MAP_UPDATE_BATCH' || c.cmd === 'BPF_MAP_DELETE_BATCH');

function withMap(fn: (c: Ctx) => Promise<void> | void) {
  return kernel(() => withPinDir(async (dir) => {
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-faults-'));
    try {
      const schema = join(tmp, 'schema.json');
      writeFileSync(schema, stringifyJson(SCHEMA));
      const m = SCHEMA.maps[0]!;
      const fd = mapCreate({ mapType: m.typeId, keySize: 4, valueSize: 16, maxEntries: m.maxEntries, mapFlags: 0, name: MAP });
      const pin = join(dir, MAP);
      try { objPin(fd, pin); } finally { closeFd(fd); }
      const files = { old: join(tmp, 'old.ndjson'), new: join(tmp, 'new.ndjson'), over: join(tmp, 'over.ndjson'), extra: join(tmp, 'extra.ndjson') };
      ndjson(files.old, range(0, N), 1);
      ndjson(files.new, range(Q, N + Q), 2);
      ndjson(files.over, range(0, N + Q), 2);
      const c: Ctx = { dir, tmp, schema, pin, jdir: join(tmp, 'journal'), files };
      reset(c);
      await fn(c);
    } finally { rmSync(tmp, { recursive: true, force: true }); }
  }));
}

function skipNoStrace(t: string): boolean {
  if (strace) return false;
  skip(`${t}: strace is not installed (apt-get install strace)`);
  return true;
}

const SUMMARY = `${MAP}: ${Q} added, ${N - Q} changed, ${Q} deleted, 0 unchanged\n`;
const COMPLETED = (sig: string) => `bpfmap: ${sig}: received while applying; the apply completed first: the maps hold the new state\n`;

const Signals = suite('apply: SIGINT/SIGTERM/SIGHUP at every phase complete or roll back (kernel, CLI, strace)');

Signals('while the state is read (stdin held open): stops at once, nothing written, exit 128+n', withMap(async (c) => {
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    const child = spawn(process.execPath, [BIN, ...apply(c, '-', ['--prune'])], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stdin.on('error', () => {}); // an early exit is reported by the exit code below
    // More than a pipe holds: the write completes only once the command is reading (its handlers are in).
    const half = Array.from({ length: 40_000 }, (_, i) => `{"map":"${MAP}","key":${i},"value":{"a":${i},"b":2}}\n`).join('');
    await new Promise<void>((r) => child.stdin.write(half, () => r()));
    // The command has read all there is and waits for more (a read on an empty pipe) when the signal comes.
    await new Promise((r) => setTimeout(r, 300));
    child.kill(sig);
    const hung = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const got = await done;
    clearTimeout(hung);
    assert.is(got, code, `${sig} while stdin is held open: ${got === null ? 'still running after 15 s (killed)' : `exit ${got}`}: ${err}`);
    child.stdin.destroy();
    assert.is(err, `bpfmap: ${sig}: stopped while reading the state, before writing anything: the maps are unchanged\n`);
    assert.is(contents(c.pin), 'OLD');
    assert.equal(journals(c), []);
  }
}));

Signals('while planning (the first MAP_LOOKUP_BATCH) and at every write batch: the apply completes, exit 128+n', withMap((c) => {
  if (skipNoStrace('signals at bpf() calls')) return;
  const calls = bpfCalls(cli(applyNew(c)));
  assert.is(contents(c.pin), 'NEW');
  reset(c);
  const plan = calls.findIndex((x) => x.cmd === 'BPF_MAP_LOOKUP_BATCH') + 1;
  const batches = writes(calls);
  assert.ok(batches.length >= 3, `delete, change and add batches: ${batches.map((b) => b.cmd).join(' ')}`);
  const points = [plan, ...batches.map((b) => b.at)];
  const sigs = [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const;
  points.forEach((at, i) => {
    const [sig, code] = sigs[i % 3]!;
    const r = inject(at, sig, cli(applyNew(c)));
    assert.is(r.code, code, `${sig} at bpf call ${at}: ${r.stderr}`);
    assert.is(r.stderr, COMPLETED(sig));
    assert.match(r.stdout, SUMMARY);
    assert.is(contents(c.pin), 'NEW', `${sig} at bpf call ${at}`);
    assert.equal(journals(c), [], 'the journal is removed');
    reset(c);
  });
}));

Signals('during the rollback of a failed apply (map full), once or at every later call: the rollback completes, exit 6, the map is OLD', withMap((c) => {
  if (skipNoStrace('signals during a rollback')) return;
  const argv = cli(apply(c, c.files.over));
  const calls = bpfCalls(argv);
  const failed = calls.findIndex((x) => x.failed && x.cmd === 'BPF_MAP_UPDATE_BATCH');
  assert.ok(failed > 0, 'an update batch failed (map full)');
  assert.is(contents(c.pin), 'OLD');
  const after = calls.slice(failed + 1).map((x, i) => ({ ...x, at: failed + 2 + i }));
  const rb = [after.find((x) => x.cmd === 'BPF_MAP_LOOKUP_BATCH'), ...writes(after)].filter((x) => x !== undefined).map((x) => x!.at);
  assert.ok(rb.length >= 2, `rollback reads and writes: ${after.map((x) => x.cmd).join(' ')}`);
  for (const [i, at] of rb.entries()) {
    {
      // SIGTERM at this call and at every later one (a signal at each rollback step), or SIGINT once.
      const sig = i % 2 === 0 ? 'SIGTERM' : 'SIGINT';
      const r = inject(i % 2 === 0 ? `${at}+` : at, sig, argv);
      assert.is(r.code, 6, r.stderr);
      assert.match(r.stderr, /^bpfmap: apply: map 't_faults': adding entry \d+ of \d+ \(line \d+\): map '.*': map is full \(E2BIG\): .*; rolled back: the \d+ entries written before the failure were restored, the maps are as before\n$/);
      assert.is(contents(c.pin), 'OLD', `${sig} at rollback call ${at}`);
      assert.equal(journals(c), []);
    }
  }
}));

Signals('--watch: a signal during the first apply (before any event) lets it complete, then exit 0', withMap((c) => {
  if (skipNoStrace('signals under --watch')) return;
  const argv = cli([...applyNew(c), '--watch', '--resync', '0']);
  const at = writes(bpfCalls(cli(applyNew(c))))[1]!.at;
  reset(c);
  const r = inject(at, 'SIGTERM', argv);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, 'bpfmap: SIGTERM: stopped; no apply was cut short (each completed or rolled back): the maps hold the last applied state\n');
  assert.match(r.stdout, / applied /);
  assert.is(contents(c.pin), 'NEW');
}));

Signals.run();

const Crash = suite('apply: SIGKILL mid-write leaves a journal; the next command rolls it back (kernel, CLI)');

/** The recovery line the next command prints for a journal it rolled back. */
const RECOVERED = /^bpfmap: map 't_faults' \(id \d+\): rolled back an unfinished apply \(pid \d+\): \d+ entries restored, the map is as before it\n/;

Crash('SIGKILL at every write batch: recover rolls the map back to OLD, then the journal is gone', withMap((c) => {
  if (skipNoStrace('SIGKILL at bpf() calls')) return;
  const batches = writes(bpfCalls(cli(applyNew(c))));
  reset(c);
  batches.forEach((b, i) => {
    const r = inject(b.at, 'SIGKILL', cli(applyNew(c)));
    assert.is(r.code, 137, r.stderr);
    const left = journals(c);
    assert.is(left.length, 1, 'the journal is left behind');
    assert.match(left[0]!, /^map-\d+\.journal$/);
    if (i % 2 === 0) {
      const rec = run(cli(['recover', '--journal', c.jdir, '--json']));
      assert.is(rec.code, 0, rec.stderr);
      const rep = JSON.parse(rec.stdout) as { outcome: string; map: string; conflicts: string[] }[];
      assert.is(rep.length, 1);
      assert.is(rep[0]!.outcome, 'rolled back');
      assert.is(rep[0]!.map, MAP);
      assert.equal(rep[0]!.conflicts, []);
    } else {
      // The next apply of that map (one unrelated key) rolls the journal back first and says so.
      ndjson(c.files.extra, [N * 4], 9);
      const r2 = run(cli(apply(c, c.files.extra)));
      assert.is(r2.code, 0, r2.stderr);
      assert.match(r2.stderr, RECOVERED);
      assert.is(contents(c.pin, N * 4), 'OLD');
      reset(c);
    }
    assert.is(contents(c.pin), 'OLD', `SIGKILL at write batch ${i + 1}`);
    assert.equal(journals(c), []);
  });
}));

Crash('SIGKILL at 10 random times (seed 14): after the next command the map is OLD or NEW', withMap(async (c) => {
  // One run unharmed: how long it takes, and when its journal appears and goes (the write phase).
  const timing = async (killAt: ((journalSeen: number | null, now: number) => boolean) | null) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...applyNew(c)], { cwd: ROOT, stdio: 'ignore' });
    let exited = false;
    const done = new Promise<void>((r) => child.on('exit', () => { exited = true; r(); }));
    let seen: number | null = null, gone: number | null = null;
    while (!exited) {
      const now = Date.now() - t0;
      const j = journals(c).length > 0;
      if (j && seen === null) seen = now;
      if (!j && seen !== null && gone === null) gone = now;
      if (killAt?.(seen, now)) { child.kill('SIGKILL'); break; }
      await new Promise((r) => setImmediate(r));
    }
    await done;
    return { took: Date.now() - t0, seen, gone };
  };
  const base = await timing(null);
  assert.is(contents(c.pin), 'NEW');
  assert.ok(base.seen !== null, 'the journal was seen while the apply ran');
  const window = Math.max(5, (base.gone ?? base.took) - base.seen!);
  reset(c);
  let seed = 14;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 2 ** 32; };
  const seen: string[] = [];
  for (let i = 0; i < 10; i++) {
    // Three points anywhere in the run, seven in its write phase (after the journal appeared).
    const anywhere = i < 3;
    const delay = Math.floor((anywhere ? base.took : window) * rand());
    await timing((j, now) => (anywhere ? now >= delay : j !== null && now >= j + delay));
    const left = journals(c).length > 0;
    const viaRecover = i % 2 === 0;
    if (!viaRecover) ndjson(c.files.extra, [N * 4], 9);
    const next = viaRecover ? run(cli(['recover', '--journal', c.jdir])) : run(cli(apply(c, c.files.extra)));
    assert.is(next.code, 0, next.stderr);
    const after = contents(c.pin, viaRecover ? -1 : N * 4);
    const where = `${anywhere ? '' : 'journal + '}${delay} ms`;
    if (left) {
      assert.match(viaRecover ? next.stdout : next.stderr, /rolled back an unfinished apply|cut off before any write: nothing to roll back/, where);
      assert.is(after, 'OLD', `kill at ${where}: a journal was left, so the map goes back to OLD`);
    } else {
      assert.ok(after === 'OLD' || after === 'NEW', `kill at ${where}: ${after}`);
    }
    assert.equal(journals(c), []);
    seen.push(`${where}:${left ? 'journal' : 'none'}:${after}`);
    reset(c);
  }
  console.log(`  SIGKILL points: ${seen.join(', ')}`);
}));

Crash('default journal directory (/run/bpfmap): after SIGKILL, the next update of the map rolls it back first', withMap((c) => {
  if (skipNoStrace('SIGKILL at bpf() calls')) return;
  const argv = cli(['apply', c.schema, '-f', c.files.new, '--pin-root', c.dir, '--prune']);
  const first = writes(bpfCalls(cli(applyNew(c))))[0]!.at;
  reset(c);
  const r = inject(first, 'SIGKILL', argv);
  assert.is(r.code, 137, r.stderr);
  const id = openMap({ pin: c.pin, force: true });
  const journal = `/run/bpfmap/map-${id.info.id}.journal`;
  id.close();
  try {
    assert.ok(existsSync(journal), `${journal} is left behind`);
    const u = run(cli(['update', c.schema, MAP, '--pin-root', c.dir, '--key', String(N * 4), '--value', `{a: ${N * 4}, b: 9}`]));
    assert.is(u.code, 0, u.stderr);
    assert.match(u.stderr, RECOVERED);
    assert.is(contents(c.pin, N * 4), 'OLD');
    assert.not.ok(existsSync(journal), 'the journal is removed');
  } finally { rmSync(journal, { force: true }); }
}));

Crash('a key another writer changed after the crash is left alone and named; recover exits 7', withMap((c) => {
  if (skipNoStrace('SIGKILL at bpf() calls')) return;
  const batches = writes(bpfCalls(cli(applyNew(c))));
  reset(c);
  const r = inject(batches[batches.length - 1]!.at, 'SIGKILL', cli(applyNew(c)));
  assert.is(r.code, 137);
  // Another writer changes key N-1 (the apply changed it to b=2) and re-adds key 0 (the apply deleted it).
  const live = typed(c);
  try {
    live.update(N - 1, { a: 7, b: 7 });
    live.update(0, { a: 8, b: 8 });
  } finally { live.close(); }
  const rec = run(cli(['recover', '--journal', c.jdir]));
  assert.is(rec.code, 7, rec.stderr);
  // The map has no BTF: recover, which has no object, names the keys in hex (key bytes, little-endian).
  const hexKey = (k: number) => Buffer.from(new Uint32Array([k]).buffer).toString('hex');
  assert.match(rec.stdout, new RegExp(`^map 't_faults' \\(id \\d+\\): rollback partial of an unfinished apply \\(pid \\d+\\): \\d+ entries restored; 2 entries another writer changed meanwhile left as they are \\(map 't_faults' key "(${hexKey(0)}|${hexKey(N - 1)})", map 't_faults' key "(${hexKey(0)}|${hexKey(N - 1)})"\\)\\n$`), rec.stdout);
  const check = typed(c);
  try {
    assert.equal(check.lookup(N - 1), { a: 7, b: 7n });
    assert.equal(check.lookup(0), { a: 8, b: 8n });
    assert.equal(check.lookup(1), { a: 1, b: 1n });
    assert.throws(() => check.lookup(N), (e: { code?: string }) => e.code === 'KEY_NOT_FOUND');
  } finally { check.close(); }
  assert.equal(journals(c), []);
}));

Crash.run();

const InProcess = suite('apply rollback (in-process): a key another writer changed meanwhile is left alone and named');

InProcess('map full part-way; another writer changed a key after apply wrote it: ROLLBACK_PARTIAL naming it, the rest is OLD', withMap((c) => {
  const other = typed(c);
  let calls = 0, changed = -1;
  try {
    const state = readStateFile(c.files.over, SCHEMA, { prune: false, complete: true });
    assert.throws(() => applyState(state, {
      pinRoot: c.dir, journalDir: c.jdir,
      onProgress: () => {
        if (calls++ !== 0) return;
        // After the first write batch: a key it changed (b = 2; changes go in the map's own order).
        for (let k = 0; k < N && changed < 0; k++) if ((other.lookup(k) as { b: bigint }).b === 2n) changed = k;
        other.update(changed, { a: changed, b: 7 });
      },
    }), (e: { code?: string; message?: string; rolledBack?: boolean }) => {
      assert.is(e.code, 'ROLLBACK_PARTIAL');
      assert.is(e.rolledBack, false);
      assert.match(e.message!, new RegExp(`: map is full \\(E2BIG\\): .*; rollback partial: \\d+ entries restored; 1 entry another writer changed meanwhile left as they are \\(map 't_faults' key ${changed}\\)$`));
      return true;
    });
    assert.ok(changed >= 0);
    assert.equal(other.lookup(changed), { a: changed, b: 7n });
    other.update(changed, { a: changed, b: 1 });
  } finally { other.close(); }
  assert.is(contents(c.pin), 'OLD');
  assert.equal(journals(c), [], 'the journal is removed after the rollback');
}));

InProcess.run();

const Format = suite('journal file: a torn journal is never taken for complete');

Format('cut at every length before its end: unreadable as a journal (null: discarded); whole: every entry back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-journal-'));
  try {
    const ks = 4, vs = 8;
    const fill = (seed: number, size: number) => (s: number, n: number, out: Uint8Array) => { for (let i = 0; i < n * size; i++) out[i] = (seed + s * size + i) & 255; };
    const j = writeJournal(dir, { mapId: 77, mapName: 'm', keySize: ks, valueSize: vs, arrayLike: false,
      added: { count: 2, keys: fill(1, ks), new: fill(2, vs) },
      changed: { count: 1, keys: fill(3, ks), old: fill(4, vs), new: fill(5, vs) },
      deleted: { count: 3, keys: fill(6, ks), old: fill(7, vs) } });
    const whole = readFileSync(j.path);
    const r = readJournal(j.path)!;
    assert.equal([r.version, r.mapId, r.mapName, r.added.count, r.changed.count, r.deleted.count, r.pid], [2, 77, 'm', 2, 1, 3, process.pid]);
    assert.equal(r.bootId && [...r.bootId], [...readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim().replace(/-/g, '').match(/../g)!].map((x) => parseInt(x, 16)), 'the boot id of this boot');
    assert.equal([...r.changed.old], [4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal([...r.deleted.keys.subarray(8, 12)], [14, 15, 16, 17]);
    for (let n = 0; n < whole.byteLength; n++) {
      writeFileSync(j.path, whole.subarray(0, n));
      assert.is(readJournal(j.path), null, `cut at ${n} of ${whole.byteLength}`);
    }
    // The body complete but the commit record zero-filled (a file extended before its data landed).
    const zeroed = Buffer.from(whole); zeroed.fill(0, whole.byteLength - 16);
    writeFileSync(j.path, zeroed);
    assert.is(readJournal(j.path), null);
    // Version 1 (no boot id): the same entries.
    const v1 = Buffer.concat([whole.subarray(0, 52), whole.subarray(68)]);
    v1.writeUInt32LE(1, 8);
    v1.writeBigUInt64LE(BigInt(v1.byteLength - 16), v1.byteLength - 8);
    writeFileSync(j.path, v1);
    const r1 = readJournal(j.path)!;
    assert.equal([r1.version, r1.mapId, r1.mapName, r1.bootId, [...r1.changed.old], [...r1.deleted.keys.subarray(8, 12)]], [1, 77, 'm', null, [4, 5, 6, 7, 8, 9, 10, 11], [14, 15, 16, 17]]);
    const other = Buffer.from(whole); other.writeUInt32LE(3, 8);
    writeFileSync(j.path, other);
    assert.throws(() => readJournal(j.path), /version 3, expected 1 or 2; check the map and remove the file by hand/);
    j.remove();
    assert.not.ok(existsSync(j.path));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

Format('recover discards a torn journal and leaves the map alone (kernel, CLI)', withMap((c) => {
  const j = writeJournal(c.jdir, { mapId: openMapId(c), mapName: MAP, keySize: 4, valueSize: 16, arrayLike: false,
    added: { count: 1, keys: (_s, _n, o) => o.set([1, 0, 0, 0]), new: (_s, _n, o) => o.fill(0) },
    changed: { count: 0, keys: () => {} }, deleted: { count: 0, keys: () => {} } });
  const whole = readFileSync(j.path);
  writeFileSync(j.path, whole.subarray(0, whole.byteLength - 3));
  const r = run(cli(['recover', '--journal', c.jdir]));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^journal '.*map-\d+\.journal': unfinished journal cut off before any write: nothing to roll back; removed\n$/);
  assert.is(contents(c.pin), 'OLD');
  assert.equal(journals(c), []);
}));

Format('a journal from an earlier boot is discarded, never rolled back onto the map that has its id now; from this boot it is (kernel, CLI)', withMap((c) => {
  // The journal says key 1 was added with the bytes the map holds there: rolling it back deletes key 1.
  const journal = () => writeJournal(c.jdir, { mapId: openMapId(c), mapName: MAP, keySize: 4, valueSize: 16, arrayLike: false,
    added: { count: 1, keys: (_s, _n, o) => o.set([1, 0, 0, 0]), new: (_s, _n, o) => { o.fill(0); o[0] = 1; o[8] = 1; } },
    changed: { count: 0, keys: () => {} }, deleted: { count: 0, keys: () => {} } });
  // Its writer dead (a pid no process has), so that only the boot id keeps it from being rolled back.
  const j = journal();
  const b = readFileSync(j.path);
  b.writeUInt32LE(0x7ffffff0, 24);
  b[52] ^= 0xff; // another boot's id
  writeFileSync(j.path, b);
  const r = run(cli(['recover', '--journal', c.jdir]));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^map 't_faults' \(id \d+\): journal written before the machine last booted: the map it names is gone \(a map of this boot may have its id\): nothing rolled back; journal removed\n$/);
  assert.is(contents(c.pin), 'OLD');
  assert.equal(journals(c), []);
  // The same journal of this boot, as if its writer had died (a pid no process has).
  const k = journal();
  const dead = readFileSync(k.path);
  dead.writeUInt32LE(0x7ffffff0, 24);
  writeFileSync(k.path, dead);
  const again = run(cli(['recover', '--journal', c.jdir]));
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, /rolled back an unfinished apply .*: 1 entry restored/);
  assert.is(contents(c.pin), `mixed (${N - 1} entries)`, 'this boot\'s journal is rolled back: key 1 deleted');

  // A version 1 journal (no boot id) last written before this boot began, for a map id that has a
  // map of its sizes now: the time stamp cannot tell whether that map is its own (the clock set
  // forward since) or a map of this boot with its id. Refused, kept, nothing rolled back. The journal
  // says key 2 was added with the bytes the map holds there: a rollback would delete it.
  const booted = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))![1]);
  const v1Journal = (mapId: number, valueSize = 16) => {
    const v = writeJournal(c.jdir, { mapId, mapName: MAP, keySize: 4, valueSize, arrayLike: false,
      added: { count: 1, keys: (_s, _n, o) => o.set([2, 0, 0, 0]), new: (_s, _n, o) => { o.fill(0); o[0] = 2; o[8] = 1; } },
      changed: { count: 0, keys: () => {} }, deleted: { count: 0, keys: () => {} } });
    const whole = readFileSync(v.path);
    const v1 = Buffer.concat([whole.subarray(0, 52), whole.subarray(68)]);
    v1.writeUInt32LE(1, 8);
    v1.writeUInt32LE(0x7ffffff0, 24);
    v1.writeBigUInt64LE(BigInt(v1.byteLength - 16), v1.byteLength - 8);
    writeFileSync(v.path, v1);
    utimesSync(v.path, booted - 60, booted - 60);
    return v.path;
  };
  const before = contents(c.pin);
  const kept = v1Journal(openMapId(c));
  // A second such journal, for a map id no map has: the map it names is gone, and it is removed in
  // the same run (one refused journal does not stop the others).
  const gone = v1Journal(0x7ffffff0);
  const unsure = run(cli(['recover', '--journal', c.jdir]));
  assert.is(unsure.code, 5, unsure.stdout + unsure.stderr);
  assert.match(unsure.stdout, new RegExp(`^journal '.*' has no boot id and was last written before this boot began, but map id ${openMapId(c)} exists with its key/value sizes 4/16: .*nothing rolled back; check the map and remove the file by hand$`, 'm'));
  assert.match(unsure.stdout, /^map 't_faults' \(id 2147483632\): journal written before the machine last booted: the map it names is gone/m);
  assert.is(contents(c.pin), before, 'nothing rolled back onto the map');
  assert.ok(existsSync(kept), 'the journal is kept');
  assert.not.ok(existsSync(gone), 'the other journal is removed');
  const json = run(cli(['recover', '--journal', c.jdir, '--json']));
  assert.is(json.code, 5);
  assert.equal((JSON.parse(json.stdout) as { outcome: string; code: string }[]).map((r) => [r.outcome, r.code]), [['refused', 'MAP_INCOMPATIBLE']]);
  // The same journal stops the map's next apply too (recovery before its writes).
  const applied = run(cli(applyNew(c)));
  assert.is(applied.code, 5, applied.stdout + applied.stderr);
  assert.match(applied.stderr, /has no boot id and was last written before this boot began/);
  assert.is(contents(c.pin), before, 'the apply wrote nothing');
  rmSync(kept);
  // With no map of its sizes under its id (another value size here), the map it names is gone: removed.
  v1Journal(openMapId(c), 24);
  const old = run(cli(['recover', '--journal', c.jdir]));
  assert.is(old.code, 0, old.stderr);
  assert.match(old.stdout, /journal written before the machine last booted/);
  assert.equal(journals(c), []);
  assert.is(contents(c.pin), before);
}));

Format.run();
