/**
 * Racing writers are seen: applies to the same map exclude each other through the per-map lock
 * (/run/bpfmap/locks/<id>.lock), so two applies at once leave one state or the other, never a mix;
 * update and delete wait for the lock (or exit 6 naming the holder's pid); edit and set are
 * compare-and-swap: an entry another writer changed meanwhile is not overwritten (exit 6, the change
 * shown). The lock holder in some cases is this test process itself (lockMaps from the library).
 */
import { suite, skip } from '../helpers/skip.js';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objGetInfoByFd, objPin } from '../../src/syscall/index.js';
import { BIN, COV, bpfmap } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { type MapSchema, type TypeNode, stringifyJson, openMap, getVariables, setVariables, lockMaps, DEFAULT_LOCK_DIR, type LiveMap } from '../../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };
const MAX = 400_000;
const MAP: MapSchema = { name: 't_lock', kernelName: 't_lock', type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16, maxEntries: MAX,
  flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A fresh pinned hash map and a schema file naming it; fn gets the pin and the schema path. */
function withLockMap<T>(fn: (pin: string, schema: string, tmp: string) => Promise<T>): () => Promise<T | undefined> {
  return kernel(() => withPinDir(async (dir) => {
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-locks-'));
    try {
      const schema = join(tmp, 'schema.json');
      writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [MAP] }));
      const pin = join(dir, 't_lock');
      const fd = mapCreate({ mapType: MAP.typeId, keySize: 4, valueSize: 16, maxEntries: MAX, mapFlags: 0, name: 't_lock' });
      try { objPin(fd, pin); } finally { closeFd(fd); }
      return await fn(pin, schema, tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }));
}

/** NDJSON state: keys [from, from + n) with value a, and the trailer (a complete stream). */
function state(from: number, n: number, a: number): string {
  const lines: string[] = [];
  for (let i = from; i < from + n; i++) lines.push(`{"map":"t_lock","key":${i},"value":{"a":${a},"b":0}}`);
  lines.push(`{"trailer":true,"entries":${n},"maps":{"t_lock":${n}}}`);
  return lines.join('\n') + '\n';
}

/** The map as key -> a. */
function contents(pin: string): Map<number, number> {
  const live = openMap({ pin, force: true });
  try {
    const out = new Map<number, number>();
    for (const { key, value } of live.entriesRaw()) {
      out.set(new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true), new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true));
    }
    return out;
  } finally {
    live.close();
  }
}

/** Whether the map holds exactly keys [from, from + n) with value a. */
function isState(m: Map<number, number>, from: number, n: number, a: number): boolean {
  if (m.size !== n) return false;
  for (let i = from; i < from + n; i++) if (m.get(i) !== a) return false;
  return true;
}

interface Proc { pid: number; done: Promise<{ code: number | null; out: string; err: string }>; stdin: NodeJS.WritableStream }

function start(args: string[], env: Record<string, string> = {}): Proc {
  const c = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '', err = '';
  c.stdout!.on('data', (d) => { out += d; });
  c.stderr!.on('data', (d) => { err += d; });
  const done = new Promise<{ code: number | null; out: string; err: string }>((r) => c.on('close', (code) => r({ code, out, err })));
  return { pid: c.pid!, done, stdin: c.stdin! };
}

const N = 150_000;

/** Writes text to the process's stdin; resolves once the pipe has taken all of it. */
const feed = (p: Proc, text: string) => new Promise<void>((resolve) => { p.stdin.write(text, () => resolve()); });

/**
 * Two applies of NDJSON from stdin, each --prune: A = keys [0, N) a=1, B = keys [N/2, N/2 + N) a=2.
 * Both read their whole input first, then the test ends both inputs at the same moment: both plan
 * at once. Without the lock both plan on the empty map and add their keys: the map ends with the
 * union (a mix). With it, the second plans after the first has written and prunes its keys.
 */
async function racingApplies(schema: string, pin: string, lockTimeout: string[]) {
  const a = start(['apply', schema, '--pin', pin, '--prune', '-f', '-', ...lockTimeout]);
  const b = start(['apply', schema, '--pin', pin, '--prune', '-f', '-', ...lockTimeout]);
  // Everything but the end of input: written once both have read all but the pipe's last 64 KiB,
  // then time to parse that.
  await Promise.all([feed(a, state(0, N, 1)), feed(b, state(N / 2, N, 2))]);
  await sleep(1000);
  a.stdin.end();
  b.stdin.end();
  return { a, b, ra: await a.done, rb: await b.done };
}

const Apply = suite('two applies of the same map at once (kernel, CLI)');

Apply('default --lock-timeout: the second waits, then applies on top of the first: the map holds one whole state', withLockMap(async (pin, schema) => {
  const { ra, rb } = await racingApplies(schema, pin, []);
  assert.is(ra.code, 0, ra.err);
  assert.is(rb.code, 0, rb.err);
  const m = contents(pin);
  const isA = isState(m, 0, N, 1), isB = isState(m, N / 2, N, 2);
  assert.ok(isA || isB, `expected exactly state A or state B, got ${m.size} entries (A ${N} keys, B ${N} keys)`);
  // The one that went second saw the other's entries: it changed or deleted them.
  const second = isA ? ra : rb;
  assert.match(second.out, isA ? `${N / 2} added, ${N / 2} changed, ${N / 2} deleted` : `${N / 2} added, ${N / 2} changed, ${N / 2} deleted`);
  assert.not.ok(existsSync(join(DEFAULT_LOCK_DIR, `${openMap({ pin, force: true }).info.id}.lock`)), 'the lock file is removed on release');
}));

Apply('--lock-timeout 0: one exits 6 naming the other\'s pid and writes nothing; the map holds the winner\'s state', withLockMap(async (pin, schema) => {
  const { a, b, ra, rb } = await racingApplies(schema, pin, ['--lock-timeout', '0']);
  const codes = [ra.code, rb.code].sort();
  assert.equal(codes, [0, 6], `exit codes ${ra.code} / ${rb.code}\nA: ${ra.err}\nB: ${rb.err}`);
  const [won, lost, winnerPid] = ra.code === 0 ? [ra, rb, a.pid] : [rb, ra, b.pid];
  assert.ok(won.code === 0 && lost.code === 6);
  assert.match(lost.err, `locked by pid ${winnerPid}`, lost.err);
  assert.match(lost.err, /gave up after 0 s/);
  assert.is(lost.out, '');
  const m = contents(pin);
  assert.ok(ra.code === 0 ? isState(m, 0, N, 1) : isState(m, N / 2, N, 2), `expected the winner's state, got ${m.size} entries\n${won.out}`);
}));

Apply('several maps are locked in ascending id order, whatever order the state names them in (no deadlock between two multi-map applies)', kernel(() => withPinDir(async (dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-locks-'));
  try {
    const second: MapSchema = { ...MAP, name: 't_lock2', kernelName: 't_lock2' };
    const schema = join(tmp, 'schema.json');
    writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [MAP, second] }));
    const ids: number[] = [];
    for (const m of [MAP, second]) {
      const fd = mapCreate({ mapType: m.typeId, keySize: 4, valueSize: 16, maxEntries: MAX, mapFlags: 0, name: m.kernelName });
      try { objPin(fd, join(dir, m.name)); ids.push(objGetInfoByFd(fd).id); } finally { closeFd(fd); }
    }
    const [low, high] = [...ids].sort((x, y) => x - y) as [number, number];
    const byId = ids[0] === low ? [MAP.name, second.name] : [second.name, MAP.name];
    // The state names the higher id first; this test holds the higher id's lock.
    const st = join(tmp, 'state.ndjson');
    writeFileSync(st, `{"map":"${byId[1]}","key":1,"value":{"a":1,"b":0}}\n{"map":"${byId[0]}","key":1,"value":{"a":1,"b":0}}\n`);
    const lock = lockMaps([high]);
    let released = false;
    try {
      const ap = start(['apply', schema, '--pin-root', dir, '-f', st, '--lock-timeout', '20']);
      const lowFile = join(DEFAULT_LOCK_DIR, `${low}.lock`);
      let holder = '';
      for (let t = 0; t < 10_000 && holder === ''; t += 50) {
        await sleep(50);
        try { holder = readFileSync(lowFile, 'utf8').trim(); } catch { /* not yet */ }
      }
      // Waiting for the higher id, it already holds the lower one: the order is by id, not by the state.
      assert.is(holder, String(ap.pid), `the apply holds the lower id while it waits for the higher${holder ? '' : `: ${(await Promise.race([ap.done, sleep(10).then(() => null)]))?.err ?? 'still running'}`}`);
      lock.release();
      released = true;
      const r = await ap.done;
      assert.is(r.code, 0, r.err);
    } finally {
      if (!released) lock.release();
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));

Apply.run();

const Update = suite('update and delete take the map lock (kernel, CLI)');

Update('while another process holds the lock: update/delete with --lock-timeout 0.3 exit 6 naming its pid and write nothing; with a longer timeout they wait and then write', withLockMap(async (pin, schema) => {
  assert.is(bpfmap(['update', schema, 't_lock', '--pin', pin, '--key', '1', '--value', '{a: 1, b: 0}']).code, 0);
  const live = openMap({ pin, force: true });
  const lock = lockMaps([live.info.id]);
  let released = false;
  try {
    const u = bpfmap(['update', schema, 't_lock', '--pin', pin, '--key', '1', '--value', '{a: 2, b: 0}', '--lock-timeout', '0.3']);
    assert.is(u.code, 6, u.stderr);
    assert.match(u.stderr, `locked by pid ${process.pid}`);
    const d = bpfmap(['delete', schema, 't_lock', '--pin', pin, '--key', '1', '--lock-timeout', '0.3']);
    assert.is(d.code, 6, d.stderr);
    assert.equal([...contents(pin)], [[1, 1]], 'nothing written while locked');
    // A waiting update goes in once the holder lets go, not before.
    const w = start(['update', schema, 't_lock', '--pin', pin, '--key', '1', '--value', '{a: 3, b: 0}', '--lock-timeout', '20']);
    await sleep(1500);
    assert.equal([...contents(pin)], [[1, 1]], 'the waiting update has not written yet');
    lock.release();
    released = true;
    const r = await w.done;
    assert.is(r.code, 0, r.err);
    assert.equal([...contents(pin)], [[1, 3]]);
  } finally {
    if (!released) lock.release();
    live.close();
  }
}));

Update('apply against a loop of updates to one of its keys: updates that arrive while the apply holds the lock exit 6 naming its pid, the rest land before or after it', withLockMap(async (pin, schema, tmp) => {
  const M = 300_000;
  const file0 = join(tmp, 'zero.ndjson'), file1 = join(tmp, 'one.ndjson');
  writeFileSync(file0, state(0, M, 0));
  writeFileSync(file1, state(0, M, 1));
  const pre = bpfmap(['apply', schema, '--pin', pin, '-f', file0]);
  assert.is(pre.code, 0, pre.stderr);
  // Every value changes: the apply reads and writes M entries while it holds the lock.
  const ap = start(['apply', schema, '--pin', pin, '-f', file1]);
  let ended = false;
  const apDone = ap.done.then((r) => { ended = true; return r; });
  const results: { code: number; err: string }[] = [];
  while (!ended) {
    const u = await new Promise<{ code: number; err: string }>((resolve) => {
      const c = spawn(process.execPath, [BIN, 'update', schema, 't_lock', '--pin', pin, '--key', '7', '--value', '{a: 2, b: 0}', '--lock-timeout', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d) => { err += d; });
      c.on('close', (code) => resolve({ code: code ?? -1, err }));
    });
    results.push(u);
  }
  const r = await apDone;
  assert.is(r.code, 0, r.err);
  assert.match(r.out, `t_lock: 0 added, ${M} changed`);
  const refused = results.filter((x) => x.code === 6);
  assert.ok(results.every((x) => x.code === 0 || x.code === 6), results.map((x) => `${x.code} ${x.err}`).join('\n'));
  assert.ok(refused.length > 0, `expected updates during the apply to be refused; ${results.length} updates all exited 0`);
  for (const x of refused) assert.match(x.err, `locked by pid ${ap.pid}`);
  const m = contents(pin);
  m.delete(7);
  assert.ok(isState(new Map([...m, [7, 1]]), 0, M, 1), 'every other entry holds the apply\'s value');
}));

Update.run();

const Edit = suite('edit is compare-and-swap (kernel, CLI)');

Edit('another writer changes the entry while the editor is open: nothing written, exit 6, the change shown, the writer\'s value kept', withLockMap(async (pin, schema, tmp) => {
  assert.is(bpfmap(['update', schema, 't_lock', '--pin', pin, '--key', '5', '--value', '{a: 1, b: 10}']).code, 0);
  // The editor: meanwhile another bpfmap writes the entry; then the user's edit changes a to 99.
  const editor = join(tmp, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\n"${process.execPath}" "${BIN}" update "${schema}" t_lock --pin "${pin}" --key 5 --value '{a: 2, b: 20}' || exit 9\n` +
    `sed -i 's/a: 1/a: 99/' "$1"\n`);
  chmodSync(editor, 0o755);
  const r = spawnSync(process.execPath, [BIN, 'edit', schema, 't_lock', '--pin', pin, '--key', '5'], { encoding: 'utf8', env: { ...process.env, EDITOR: editor }, stdio: ['pipe', 'pipe', 'pipe'] });
  assert.is(r.status, 6, r.stderr);
  assert.match(r.stderr, /the entry changed while it was being edited; nothing written/);
  assert.match(r.stderr, /- +a: 1/);
  assert.match(r.stderr, /\+ +a: 2/);
  assert.equal([...contents(pin)], [[5, 2]], 'the other writer\'s change is kept');
  // Unchanged meanwhile: the edit is written.
  writeFileSync(editor, `#!/bin/sh\nsed -i 's/a: 2/a: 99/' "$1"\n`);
  const ok = spawnSync(process.execPath, [BIN, 'edit', schema, 't_lock', '--pin', pin, '--key', '5'], { encoding: 'utf8', env: { ...process.env, EDITOR: editor }, stdio: ['pipe', 'pipe', 'pipe'] });
  assert.is(ok.status, 0, ok.stderr);
  assert.equal([...contents(pin)], [[5, 99]]);
}));

// script(1) gives the edit a terminal; without it this case is a counted skip.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
Edit('on a terminal the editor reopens with the fresh entry and the change on top; saving it then writes', withLockMap(async (pin, schema, tmp) => {
  if (!hasScript) return skip('script(1) (util-linux) is not installed');
  assert.is(bpfmap(['update', schema, 't_lock', '--pin', pin, '--key', '5', '--value', '{a: 1, b: 10}']).code, 0);
  const editor = join(tmp, 'editor.sh');
  const round = join(tmp, 'round');
  const seen = join(tmp, 'second.yaml');
  // First round: another writer changes the entry, the user edits a; second round: the user edits b.
  writeFileSync(editor, `#!/bin/sh\nif [ ! -e "${round}" ]; then touch "${round}"\n` +
    `"${process.execPath}" "${BIN}" update "${schema}" t_lock --pin "${pin}" --key 5 --value '{a: 2, b: 20}' || exit 9\n` +
    `sed -i 's/a: 1/a: 99/' "$1"\nelse cp "$1" "${seen}"; sed -i 's/b: 20/b: 21/' "$1"; fi\n`);
  chmodSync(editor, 0o755);
  const cmd = `"${process.execPath}" "${BIN}" edit "${schema}" t_lock --pin "${pin}" --key 5; echo "exit=$?"`;
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', env: { ...process.env, EDITOR: editor }, stdio: ['pipe', 'pipe', 'pipe'] });
  assert.match(r.stdout, /exit=0/, r.stdout + r.stderr);
  assert.match(r.stdout, /reopening the editor with the current entry/);
  const second = readFileSync(seen, 'utf8');
  assert.match(second, /# CHANGED by another writer/);
  assert.match(second, /a: 2/);
  assert.equal([...contents(pin)], [[5, 2]], 'a from the other writer');
  const live = openMap({ pin, force: true, map: MAP, byteOrder: 'little' });
  try { assert.equal(live.lookup(5), { a: 2, b: 21n }); } finally { live.close(); }
}));

Edit.run();

const SetCas = suite('set is compare-and-swap (kernel, CLI)');

SetCas('a variable another writer changes between set\'s read and its write: nothing written, exit 6 naming it; unchanged: written', kernel(() => withPinDir(async (dir) => {
  const made = bpfmap(['create', COV, '--pin-root', dir]);
  assert.is(made.code, 0, made.stderr);
  const live: LiveMap = openMap({ pin: join(dir, '_data_config'), force: true });
  const lock = lockMaps([live.info.id]);
  let released = false;
  try {
    // set reads the section, then waits for the lock this test holds; meanwhile config_offset changes.
    const s = start(['set', COV, '--pin-root', dir, 'config_mode=9', '--lock-timeout', '20']);
    await sleep(1500);
    setVariables(live, { config_offset: 42 });
    lock.release();
    released = true;
    const r = await s.done;
    assert.is(r.code, 6, r.err);
    assert.match(r.err, /changed by another writer since it was read; nothing written/);
    assert.match(r.err, /config_offset: -5 -> 42/);
    assert.equal(getVariables(live, ['config_mode', 'config_offset']), { config_mode: 3, config_offset: 42 });
    const ok = bpfmap(['set', COV, '--pin-root', dir, 'config_mode=9']);
    assert.is(ok.code, 0, ok.stderr);
    assert.equal(getVariables(live, ['config_mode', 'config_offset']), { config_mode: 9, config_offset: 42 });
  } finally {
    if (!released) lock.release();
    live.close();
  }
})));

SetCas.run();
