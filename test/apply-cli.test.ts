import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, batchThreadUseful, closeFd, mapCreate, mapUpdateElem, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { BIN } from './helpers/cli.js';
import { skip, toolsMissing } from './helpers/skip.js';
import { type MapSchema, type TypeNode, stringifyJson, possibleCpus } from '../src/index.js';

/** The built CLI (BPFMAP_CLI points the tests at another build of it). */
const cli = BIN;
const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const ip4: TypeNode = { kind: 'array', name: '', size: 4, length: 4, element: { kind: 'int', name: '__u8', size: 1, signed: false } };
const lpmKey: TypeNode = { kind: 'struct', name: 'lpm_key', size: 8, fields: [{ name: 'prefixLen', offset: 0, type: u32 }, { name: 'ip', offset: 4, type: ip4 }] };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };

function schema(name: string, type: string, typeId: number, key: TypeNode, max: number, mapFlags = 0): MapSchema {
  return { name, kernelName: name, type, typeId, keySize: key.size, valueSize: val.size, maxEntries: max, flags: mapFlags ? ['no_prealloc'] : [],
    mapFlags, pinning: 'none', pinPath: null, perCpu: type.startsWith('percpu') || type === 'lru_percpu_hash', key, value: val, section: '.maps',
    btfKeyTypeId: 0, btfValueTypeId: 0 };
}
const TYPES: MapSchema[] = [
  schema('t_hash', 'hash', BPF_MAP_TYPE.HASH, u32, 64),
  schema('t_lru_hash', 'lru_hash', BPF_MAP_TYPE.LRU_HASH, u32, 64),
  schema('t_pc_hash', 'percpu_hash', BPF_MAP_TYPE.PERCPU_HASH, u32, 64),
  schema('t_lru_pc_hash', 'lru_percpu_hash', BPF_MAP_TYPE.LRU_PERCPU_HASH, u32, 64),
  schema('t_array', 'array', BPF_MAP_TYPE.ARRAY, u32, 8),
  schema('t_pc_array', 'percpu_array', BPF_MAP_TYPE.PERCPU_ARRAY, u32, 8),
  schema('t_lpm', 'lpm_trie', BPF_MAP_TYPE.LPM_TRIE, lpmKey, 64, 1),
];

function create(dir: string, s: MapSchema): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: s.mapFlags, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

function withTmp<T>(fn: (tmp: string) => Promise<T> | T): Promise<T> {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-apply-cli-'));
  return Promise.resolve().then(() => fn(tmp)).finally(() => rmSync(tmp, { recursive: true, force: true }));
}
function run(args: string[], input?: string) {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const bpftoolDump = (p: string) => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const RoundTrip = suite('bpfmap apply: dump --ndjson | apply (kernel, CLI)');
RoundTrip('every CRUD-able map type: filled by apply, dumped, applied back with --prune: zero writes, same bytes', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: TYPES }, 2));
  const n = possibleCpus();
  const maps: Record<string, unknown> = {};
  for (const s of TYPES) {
    create(dir, s);
    const key = (i: number) => (s.type === 'lpm_trie' ? { ip: `10.${i}.0.0/16` } : i);
    const value = (i: number) => (s.perCpu ? Array.from({ length: n }, (_, c) => ({ a: i + c, b: 18446744073709551615n - BigInt(c) })) : { a: i, b: 18446744073709551615n });
    maps[s.name] = { entries: [1, 2, 3].map((i) => ({ key: key(i), value: value(i) })) };
  }
  const statePath = join(tmp, 'state.json');
  writeFileSync(statePath, stringifyJson({ maps }));
  const first = run(['apply', schemaPath, '-f', statePath, '--pin-root', dir, '--json']);
  assert.is(first.code, 0, first.err);
  const before = TYPES.map((s) => bpftoolDump(join(dir, s.name)));
  for (const s of TYPES) {
    const d = run(['dump', schemaPath, s.name, '--pin-root', dir, '--ndjson']);
    assert.is(d.code, 0, d.err);
    assert.ok(d.out.includes('18446744073709551615'), `${s.name}: u64 max printed exactly`);
    const r = run(['apply', schemaPath, '-f', '-', '--pin-root', dir, '--prune', '--json'], d.out);
    assert.is(r.code, 0, `${s.name}: ${r.err}`);
    const res = JSON.parse(r.out) as { maps: { unchanged: number; deleted: number }[]; stats: Record<string, number> };
    const writes = res.stats.updateBatch! + res.stats.updateElem! + res.stats.deleteBatch! + res.stats.deleteElem!;
    assert.is(writes, 0, `${s.name}: dump | apply writes nothing (${r.out})`);
    assert.is(res.maps[0]!.deleted, 0, s.name);
  }
  assert.equal(TYPES.map((s) => bpftoolDump(join(dir, s.name))), before);
}))));
RoundTrip.run();

const Cli = suite('bpfmap apply: CLI');
Cli('--force onto a live map with larger values: refused before any write (values packed at the object\'s size took bytes of the next one)', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  const s = schema('t_wide', 'hash', BPF_MAP_TYPE.HASH, u32, 16);
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 24, maxEntries: 16, name: 't_wide' });
  const p = join(dir, 't_wide');
  try { objPin(fd, p); mapUpdateElem(fd, new Uint8Array([9, 0, 0, 0]), new Uint8Array(24).fill(0xee)); } finally { closeFd(fd); }
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const nd = join(tmp, 'state.ndjson');
  writeFileSync(nd, [0, 1, 2].map((i) => `{"map":"t_wide","key":${i},"value":{"a":1,"b":2}}\n`).join(''));
  const r = run(['apply', schemaPath, '-f', nd, '--pin-root', dir, '--force']);
  assert.is(r.code, 5, r.err);
  assert.match(r.err, /values of 16 bytes, but the live map's are 24: it does not match the object \(--force does not make the sizes fit\); nothing written/);
  const left = JSON.parse(bpftoolDump(p)) as { key: string[]; value: string[] }[];
  assert.equal(left.map((e) => [e.key.join(''), e.value.join('')]), [['0x090x000x000x00', '0xee'.repeat(24)]], 'the map as it was');
}))));
Cli('--prune on YAML from a pipe: a block document is refused without its end marker (a cut one still parses); with "...", as JSON or from a file it is applied', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  const s = schema('t_yaml', 'hash', BPF_MAP_TYPE.HASH, u32, 16);
  const p = create(dir, s);
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const count = () => (JSON.parse(bpftoolDump(p)) as unknown[]).length;
  const apply = (input: string, ...more: string[]) => run(['apply', schemaPath, '-f', '-', '--pin-root', dir, ...more], input);
  const three = 'maps:\n  t_yaml:\n    entries:\n' + [1, 2, 3].map((i) => `      - {key: ${i}, value: {a: ${i}, b: 1}}\n`).join('');
  assert.is(apply(three).code, 0);
  // Cut after its first entry: still a valid document, naming one entry; prune would delete two.
  const cut = `${three.split('\n').slice(0, 4).join('\n')}\n`;
  const r = apply(cut, '--prune');
  assert.is(r.code, 5, r.err);
  assert.match(r.err, /^bpfmap: stdin: a YAML document read from a pipe may have been cut off at a line boundary .*\(maps t_yaml\); nothing is applied\. End it with the document end marker '\.\.\.' on a line of its own, write it in flow style or as JSON, or pass --complete/);
  assert.is(count(), 3, 'nothing deleted');
  assert.is(apply(`${cut}...\n`, '--prune').code, 0);
  assert.is(count(), 1);
  assert.is(apply(three).code, 0);
  assert.is(apply(cut, '--prune', '--complete').code, 0);
  assert.is(count(), 1);
  assert.is(apply(three).code, 0);
  assert.is(apply('{"maps": {"t_yaml": {"entries": [{"key": 2, "value": {"a": 2, "b": 1}}]}}}\n', '--prune').code, 0);
  assert.is(count(), 1);
  assert.is(apply(three).code, 0);
  const file = join(tmp, 'state.yaml');
  writeFileSync(file, cut);
  assert.is(run(['apply', schemaPath, '-f', file, '--pin-root', dir, '--prune']).code, 0, 'a regular file is read whole');
  assert.is(count(), 1);
}))));
Cli('a module preloaded through NODE_OPTIONS that prints in every thread: apply of 100,000 entries (the second writing thread started) still exits, its stdout the report alone', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  if (!batchThreadUseful()) return skip('one CPU: no second writing thread is started');
  const s = schema('t_big', 'hash', BPF_MAP_TYPE.HASH, u32, 200_000);
  create(dir, s);
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const nd = join(tmp, 'state.ndjson');
  writeFileSync(nd, Array.from({ length: 100_000 }, (_, i) => `{"map":"t_big","key":${i},"value":{"a":${i},"b":1}}\n`).join(''));
  const preload = join(tmp, 'preload.cjs');
  writeFileSync(preload, "if (!require('node:worker_threads').isMainThread) { console.log('printed by a worker'); console.error('printed by a worker'); }\n");
  const r = spawnSync('node', [cli, 'apply', schemaPath, '-f', nd, '--pin-root', dir, '--json'],
    { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_OPTIONS: `--require ${preload}` } });
  // The worker prints when it starts, whether or not it then takes a chunk (it may still be loading
  // when the writes end): the command must still exit, and print nothing of the worker's.
  assert.is(r.status, 0, `exited: ${r.status} ${r.signal ?? ''} ${r.stderr}`);
  assert.is((JSON.parse(r.stdout) as { maps: { added: number }[] }).maps[0]!.added, 100_000, 'stdout is the report alone');
  assert.not.match(r.stderr, /printed by a worker/);
  const dumped = spawnSync('node', [cli, 'dump', schemaPath, 't_big', '--pin-root', dir, '--ndjson'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  assert.is(dumped.stdout.split('\n').filter((l) => l.includes('"key"')).length, 100_000, 'every entry written');
}))));
Cli('--journal DIR that cannot be made (under /proc, where mkdir keeps failing with ENOENT): exit 3 at once, nothing written, the map\'s lock released', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  const s = TYPES[0]!;
  const p = create(dir, s);
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const nd = join(tmp, 'state.ndjson');
  writeFileSync(nd, '{"map":"t_hash","key":1,"value":{"a":1,"b":1}}\n');
  const r = spawnSync('node', [cli, 'apply', schemaPath, '-f', nd, '--pin-root', dir, '--journal', '/proc/bpfmap-journal/x'], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
  assert.is(r.status, 3, `exited: ${r.status} ${r.signal ?? ''} ${r.stderr}`);
  assert.match(r.stderr, /^bpfmap: journal '\/proc\/bpfmap-journal\/x\/map-\d+\.journal': cannot make its directory: /);
  assert.is(JSON.parse(bpftoolDump(p)).length, 0, 'nothing written');
  const ok = run(['apply', schemaPath, '-f', nd, '--pin-root', dir, '--journal', join(tmp, 'journal'), '--lock-timeout', '0']);
  assert.is(ok.code, 0, ok.err);
}))));
Cli('--dry-run prints the diff and writes nothing; a bad entry exits 5 naming the line; NDJSON 64-bit values stay exact', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  const s = TYPES[0]!;
  const p = create(dir, s);
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const nd = join(tmp, 'state.ndjson');
  writeFileSync(nd, '{"map":"t_hash","key":1,"value":{"a":1,"b":18446744073709551615}}\n{"map":"t_hash","key":2,"value":{"a":2,"b":9007199254740993}}\n');
  const dry = run(['apply', schemaPath, '-f', nd, '--pin-root', dir, '--dry-run']);
  assert.is(dry.code, 0, dry.err);
  assert.match(dry.out, /^\+ t_hash 1: \{"a":1,"b":18446744073709551615\}\n\+ t_hash 2: \{"a":2,"b":9007199254740993\}\nt_hash: 2 added, 0 changed, 0 deleted, 0 unchanged\ndry run: nothing written\n$/);
  assert.is(JSON.parse(bpftoolDump(p)).length, 0);
  // Under --json stdout is one JSON object: the diff lines are its `diff`.
  const dryJson = run(['apply', schemaPath, '-f', nd, '--pin-root', dir, '--dry-run', '--json']);
  assert.is(dryJson.code, 0, dryJson.err);
  const o = JSON.parse(dryJson.out) as { dryRun: boolean; diff: string[]; maps: { added: number }[] };
  assert.equal([o.dryRun, o.maps[0]!.added, o.diff], [true, 2, ['+ t_hash 1: {"a":1,"b":18446744073709551615}', '+ t_hash 2: {"a":2,"b":9007199254740993}']]);
  assert.is(JSON.parse(bpftoolDump(p)).length, 0);
  const ok = run(['apply', schemaPath, '-f', nd, '--pin-root', dir]);
  assert.is(ok.code, 0, ok.err);
  const v = (JSON.parse(bpftoolDump(p)) as { key: string[]; value: string[] }[]).find((e) => e.key[0] === '0x02')!.value.slice(8).map((x) => parseInt(x, 16));
  assert.equal(v, [1, 0, 0, 0, 0, 0, 32, 0], '2^53 + 1 written exactly');
  writeFileSync(nd, '{"map":"t_hash","key":1,"value":{"a":1,"b":1}}\n{"map":"t_hash","key":3,"value":{"a":-1,"b":1}}\n');
  const bad = run(['apply', schemaPath, '-f', nd, '--pin-root', dir]);
  assert.is(bad.code, 5);
  assert.match(bad.err, /^bpfmap: .*state.ndjson:2: value.a: expected u32 0..4294967295, got -1\n$/);
}))));
Cli('--watch: re-applies on change, reports a broken file and keeps the last good state, recovers', kernel(() => withPinDir((dir) => withTmp(async (tmp) => {
  const s = TYPES[0]!;
  const p = create(dir, s);
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
  const st = join(tmp, 'state.yaml');
  const yaml = (ids: number[]) => `maps:\n  t_hash:\n    prune: true\n    entries:\n${ids.map((i) => `      - {key: ${i}, value: {a: ${i}, b: 0}}\n`).join('')}`;
  writeFileSync(st, yaml([1]));
  const child = spawn('node', [cli, 'apply', schemaPath, '-f', st, '--pin-root', dir, '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 300 && !ok(); i++) await sleep(100);
    assert.ok(ok(), `${what}\nstdout: ${out}\nstderr: ${err}`);
  };
  const count = () => (JSON.parse(bpftoolDump(p)) as unknown[]).length;
  try {
    await until('first apply', () => count() === 1);
    await sleep(300);
    writeFileSync(st, yaml([1, 2, 3]));
    await until('change picked up', () => count() === 3);
    const good = bpftoolDump(p);
    writeFileSync(st, `${yaml([1, 2])}      - {key: 4, value: {a: 70000000000, b: 0}}\n`);
    await until('broken file reported', () => /bpfmap: .*value\.a: expected u32/.test(err));
    assert.is(bpftoolDump(p), good, 'last good state kept');
    assert.is(child.exitCode, null, 'still watching');
    writeFileSync(st, yaml([2]));
    await until('recovered', () => count() === 1);
    // The log line follows the write: wait for it too (a loaded machine can deliver it later).
    await until('recovery logged', () => /t_hash: 0 added, 0 changed, 2 deleted, 1 unchanged/.test(out));
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    await new Promise((r) => { if (child.exitCode !== null) r(null); else child.on('exit', r); });
  }
  assert.is(child.exitCode, 0, 'SIGTERM ends watching cleanly');
}))));
Cli.run();

const Fallback = suite('bpfmap apply: one by one when the kernel refuses batch writes (kernel, CLI, seccomp)');
/** test/oracle/no-batch.c built into tmp: runs a program with MAP_UPDATE_BATCH / MAP_DELETE_BATCH failing with an errno. */
function noBatch(tmp: string): string | null {
  const missing = toolsMissing(['gcc']);
  if (missing) { skip(`${missing} not installed (builds test/oracle/no-batch.c)`); return null; }
  const exe = join(tmp, 'no-batch');
  execFileSync('gcc', ['-O1', '-Wall', '-Werror', new URL('oracle/no-batch.c', import.meta.url).pathname, '-o', exe]);
  return exe;
}
const le = (hex: string[]): bigint => hex.reduceRight((n, x) => (n << 8n) | BigInt(parseInt(x, 16)), 0n);
/** [key, a, b] of every entry bpftool sees in a t_hash / t_lpm map, sorted. */
function contents(p: string): string[] {
  return (JSON.parse(bpftoolDump(p)) as { key: string[]; value: string[] }[])
    .map((e) => `${e.key.map((x) => parseInt(x, 16)).join('.')} a=${le(e.value.slice(0, 4))} b=${le(e.value.slice(8, 16))}`).sort();
}
for (const [errno, name, s] of [[524, 'ENOTSUPP', TYPES[0]!], [22, 'EINVAL', TYPES[6]!]] as const) {
  Fallback(`${s.type}, batches refused with ${name}: additions (noexist), changes (exist) and prune deletes all go one by one; every entry checked with bpftool`, kernel(() => withPinDir((dir) => withTmp((tmp) => {
    const exe = noBatch(tmp);
    if (!exe) return;
    const p = create(dir, s);
    const schemaPath = join(tmp, 'schema.json');
    writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
    const key = (i: number) => (s.type === 'lpm_trie' ? { ip: `10.${i}.0.0/16` } : i);
    const keyText = (i: number) => (s.type === 'lpm_trie' ? `16.0.0.0.10.${i}.0.0` : `${i}.0.0.0`);
    const applyWith = (entries: { key: unknown; value: unknown }[], prune: boolean) => {
      const state = join(tmp, 'state.json');
      writeFileSync(state, stringifyJson({ maps: { [s.name]: { prune, entries } } }));
      const r = spawnSync(exe, [String(errno), process.execPath, cli, 'apply', schemaPath, '-f', state, '--pin-root', dir, '--json'], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stderr, '');
      return JSON.parse(r.stdout) as { maps: { added: number; changed: number; deleted: number; unchanged: number }[]; stats: Record<string, number> };
    };
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    const add = applyWith(ids.map((i) => ({ key: key(i), value: { a: i, b: 18446744073709551615n } })), false);
    assert.equal([add.maps[0]!.added, add.stats.updateBatch, add.stats.updateElem, add.stats.entriesWritten], [40, 1, 40, 40], 'one refused batch, then 40 single updates');
    assert.equal(contents(p), ids.map((i) => `${keyText(i)} a=${i} b=18446744073709551615`).sort());
    // Keys 1..10 change, 11..30 stay, 31..40 are pruned.
    const next = ids.slice(0, 30).map((i) => ({ key: key(i), value: { a: i <= 10 ? i + 1000 : i, b: 18446744073709551615n } }));
    const chg = applyWith(next, true);
    assert.equal([chg.maps[0]!.changed, chg.maps[0]!.deleted, chg.maps[0]!.unchanged], [10, 10, 20]);
    assert.equal([chg.stats.updateElem, chg.stats.entriesWritten, chg.stats.deleteBatch, chg.stats.deleteElem, chg.stats.entriesDeleted], [10, 10, 1, 10, 10]);
    assert.equal(contents(p), ids.slice(0, 30).map((i) => `${keyText(i)} a=${i <= 10 ? i + 1000 : i} b=18446744073709551615`).sort());
  }))));
}
Fallback.run();
