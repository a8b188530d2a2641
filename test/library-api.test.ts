// The exports of src/index.ts that no other test file calls by name, called as a library user calls
// them (through the package's entry point): each with what it must give, so that an export that
// went missing, was wired to the wrong function, or lost an option fails here.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  BpfObject, DEFAULT_JOURNAL_DIR, DEFAULT_LOCK_DIR, DEFAULT_PIN_ROOT, DesiredMap, DesiredState, ElfError, ERROR_CODE,
  ObjectMap, PERCPU_MAP_TYPES, SyscallError, applyState, createMaps, ensureDefaultBpffs, findMap, isBpfmapError,
  isGlobalDataMap, liveSchemas, loadObject, loadObjectFile, mapCodecs, openMap, parseFieldPath, parseJson,
  planDiff, readStateDocument, recoverAll, recoverMigrations, restoreSnapshot, reviveSchema, sameBytes, stringifyJson,
  toHex, updateFields, lockMaps, withMapLock, writeSnapshot, watchState, liveMapIds, readStateFile, planExporter, parseExporterConfig, scrapeText, possibleCpus,
  type MapPlan, type TypeNode,
} from '../src/index.js';
import { suite } from './helpers/skip.js';
import { deadApplyJournal } from './helpers/journal.js';
import { kernel, withPinDir } from './helpers/kernel.js';

const FW = 'fixtures/firewall.bpfel.o';
const COVERAGE = 'fixtures/coverage.bpfel.o';
const TABLE = 'ingress_node_firewall_table_map';
const KEY = { ingress_ifindex: 2, ip_data: '198.18.0.0/24' };

function refusal(fn: () => unknown): Error & { code?: string; path?: string } {
  try { fn(); } catch (e) { return e as Error & { code?: string }; }
  throw new Error('expected an error');
}

const Offline = suite('library API, offline');

Offline('constants: the default pin root, lock and journal directories, the per-CPU map types', () => {
  assert.equal([DEFAULT_PIN_ROOT, DEFAULT_LOCK_DIR, DEFAULT_JOURNAL_DIR], ['/sys/fs/bpf', '/run/bpfmap/locks', '/run/bpfmap']);
  for (const t of ['percpu_hash', 'percpu_array', 'lru_percpu_hash']) assert.ok(PERCPU_MAP_TYPES.has(t), t);
  for (const t of ['hash', 'array', 'lpm_trie', 'lru_hash']) assert.not.ok(PERCPU_MAP_TYPES.has(t), t);
  const cov = loadObjectFile(COVERAGE).schema;
  for (const m of cov.maps) assert.is(m.perCpu, PERCPU_MAP_TYPES.has(m.type), `${m.name} (${m.type})`);
});

Offline('watchState: while a newer state is refused (retried), the state the maps hold is re-applied every resyncMs, and its drift repaired', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-watch-held-'));
  const file = join(tmp, 'state.yaml');
  const states = new Map<string, DesiredState>();
  const calls: string[] = [];
  const events: string[] = [];
  let drift = false;
  try {
    writeFileSync(file, 'A');
    const read = () => {
      const t = readFileSync(file, 'utf8');
      if (!states.has(t)) states.set(t, { source: t } as unknown as DesiredState);
      return states.get(t)!;
    };
    const apply = (s: DesiredState) => {
      const name = (s as unknown as { source: string }).source;
      calls.push(name);
      if (name === 'B') throw new SyscallError(ERROR_CODE.MAP_FULL, 'map full', 28, 'ENOSPC', 'MAP_UPDATE_BATCH');
      const stats = { lookupBatch: 0, lookupElem: 0, getNextKey: 0, updateBatch: 0, updateElem: drift ? 1 : 0, deleteBatch: 0, deleteElem: 0,
        updateBatchSecondThread: 0, entriesWritten: drift ? 1 : 0, entriesDeleted: 0 };
      drift = false;
      return { dryRun: false, maps: [], stats };
    };
    const w = watchState(file, { read, apply, onEvent: (e) => events.push(`${e.event}${'reason' in e ? ` (${e.reason})` : ''}`),
      settleMs: 0, pollMs: 20, resyncMs: 150, retryMinMs: 20, retryMaxMs: 40 });
    try {
      const until = async (what: string, ok: () => boolean) => {
        for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
        assert.ok(ok(), `${what}; calls ${calls.join(',')}; events ${events.join(', ')}`);
      };
      await until('A applied', () => calls.includes('A'));
      writeFileSync(file, 'B');
      await until('B refused', () => events.includes('apply failed'));
      drift = true; // another writer changed what A wrote
      await until('A re-applied while B fails', () => events.includes('drift repaired (resync)'));
      const firstB = calls.indexOf('B');
      assert.ok(calls.slice(firstB).filter((c) => c === 'B').length >= 2, 'B is still retried');
      assert.ok(calls.slice(firstB).includes('A'));
      const repairs = calls.slice(firstB).filter((c) => c === 'A').length;
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(calls.slice(firstB).filter((c) => c === 'A').length <= repairs + 2, 'A is re-applied once per resyncMs, not at every retry');
    } finally { w.close(); }
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});

Offline('lockMaps: a holder whose pid does not run here is said so (another PID namespace, or a process it started kept the lock)', async () => {
  const lockDir = mkdtempSync(join(tmpdir(), 'bpfmap-lock-holder-'));
  const file = join(lockDir, '77.lock');
  writeFileSync(file, '2147483632\n');
  const holder = spawn('flock', ['-x', file, 'sleep', '30'], { stdio: 'ignore', detached: true });
  try {
    const until = Date.now() + 5000;
    while (spawnSync('flock', ['-n', file, 'true']).status === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const e = refusal(() => lockMaps([77], { lockDir, lockTimeoutMs: 100 }, new Map([[77, 'map 77']])));
    assert.is(e.code, ERROR_CODE.LOCKED);
    assert.match(e.message, /^map 77: locked by pid 2147483632 \(not running here: a process of another PID namespace, or one it started, holds the lock\)/);
  } finally {
    try { process.kill(-holder.pid!, 'SIGKILL'); } catch { /* gone */ }
    rmSync(lockDir, { recursive: true, force: true });
  }
});

Offline('ElfError: a file that is not ELF is refused with its code and the offset', () => {
  const e = refusal(() => loadObject(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 9, 9, 9, 9]), 'junk.o'));
  assert.ok(e instanceof ElfError, String(e));
  assert.ok(isBpfmapError(e));
  assert.is(e.code, ERROR_CODE.ELF_MALFORMED);
  assert.type((e as ElfError).offset, 'number');
});

Offline('isGlobalDataMap: .data and .rodata are global data, the other maps are not', () => {
  const cov = loadObjectFile(COVERAGE).schema;
  const global = cov.maps.filter((m) => isGlobalDataMap(m)).map((m) => m.name).sort();
  assert.equal(global, ['.bss', '.data', '.data.config', '.rodata', '.rodata.table']);
  assert.not.ok(isGlobalDataMap(findMap(loadObjectFile(FW).schema, TABLE)));
});

Offline('reviveSchema: a saved schema (JSON) comes back with the same maps and encodes the same bytes', () => {
  const schema = loadObjectFile(FW).schema;
  const revived = reviveSchema(parseJson(stringifyJson(schema)), 'saved.json');
  assert.equal(revived.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]),
    schema.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]));
  const a = mapCodecs(findMap(schema, TABLE), schema.byteOrder), b = mapCodecs(findMap(revived, TABLE), revived.byteOrder);
  assert.is(toHex(b.key.encode(KEY)), toHex(a.key.encode(KEY)));
  const value = { rules: [{ ruleId: 7, protocol: 6, dstPortStart: 80, action: 2 }] };
  assert.is(toHex(b.value.encode(value)), toHex(a.value.encode(value)));
  const e = refusal(() => reviveSchema({ byteOrder: 'little', maps: 'none' }, 'bad.json'));
  assert.is(e.code, ERROR_CODE.SCHEMA_INVALID);
  assert.match(e.message, /bad\.json/);
});

Offline('sameBytes: the same layout under other names is the same; swapped fields or another size are not', () => {
  const u32 = (name: string): TypeNode => ({ kind: 'int', name, size: 4, signed: false });
  const pair = (a: string, b: string, tag = 'pair'): TypeNode => ({ kind: 'struct', name: tag, size: 8,
    fields: [{ name: a, offset: 0, type: u32('__u32') }, { name: b, offset: 4, type: u32('u32_t') }] } as TypeNode);
  assert.ok(sameBytes(pair('a', 'b'), pair('a', 'b', 'other_tag')), 'struct tags may differ');
  assert.not.ok(sameBytes(pair('a', 'b'), pair('b', 'a')), 'two u32 fields swapped');
  assert.ok(sameBytes(pair('a', 'b'), pair('a', 'c'), { b: 'c' }), 'a field renamed through rename');
  assert.not.ok(sameBytes(pair('a', 'b'), u32('x')));
  const key = findMap(loadObjectFile(FW).schema, TABLE).key!;
  assert.ok(sameBytes(key, key));
});

Offline('parseFieldPath: names and indexes; a malformed path is refused', () => {
  assert.equal(parseFieldPath('rules[3].action'), ['rules', 3, 'action']);
  assert.equal(parseFieldPath('a.b'), ['a', 'b']);
  for (const bad of ['', 'rules[', 'rules[x]', 'a..b']) assert.ok(isBpfmapError(refusal(() => parseFieldPath(bad))), bad);
});

Offline('readStateDocument: a parsed document becomes one DesiredMap per map', () => {
  const schema = loadObjectFile(FW).schema;
  const state = new DesiredState(schema, 'doc');
  readStateDocument({ maps: { [TABLE]: { entries: [{ key: KEY, value: { rules: [{ ruleId: 1, action: 2 }] } }] } } }, state);
  assert.equal([...state.maps.keys()], [TABLE]);
  assert.ok(state.maps.get(TABLE) instanceof DesiredMap);
  assert.is(state.maps.get(TABLE)!.map.name, TABLE);
  const e = refusal(() => readStateDocument({ maps: { [TABLE]: { entries: [{ key: { ...KEY, nope: 1 }, value: {} }] } } }, new DesiredState(schema, 'doc')));
  assert.is(e.code, ERROR_CODE.VALUE_INVALID);
  assert.match(e.message, /nope/);
});

Offline('BpfObject.map gives an ObjectMap', async () => {
  const fw = await BpfObject.open(FW);
  assert.ok(fw.map(TABLE) instanceof ObjectMap);
});

const Live = suite('library API, kernel');

/** The firewall's maps created under a pin directory of their own; fn gets the directory and the object. */
function withFirewall(fn: (dir: string, obj: ReturnType<typeof loadObjectFile>) => void | Promise<void>) {
  return kernel(() => withPinDir(async (dir) => {
    const obj = loadObjectFile(FW);
    createMaps(obj, { pinRoot: dir });
    await fn(dir, obj);
  }));
}

Live('updateFields: one field of an entry changed, the others kept; a missing key is KEY_NOT_FOUND', withFirewall((dir, obj) => {
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    live.update(KEY, { rules: [{ ruleId: 1, protocol: 6, dstPortStart: 80, action: 2 }] });
    assert.equal(updateFields(live, KEY, [{ path: parseFieldPath('rules[0].action'), value: 1 }]), { rounds: 1 });
    const v = live.lookup(KEY) as { rules: { ruleId: number; protocol: number; dstPortStart: number; action: number }[] };
    assert.equal([v.rules[0]!.ruleId, v.rules[0]!.protocol, v.rules[0]!.dstPortStart, v.rules[0]!.action], [1, 6, 80, 1]);
    const e = refusal(() => updateFields(live, { ingress_ifindex: 3, ip_data: '198.18.1.0/24' }, [{ path: ['rules', 0, 'action'], value: 1 }]));
    assert.is(e.code, ERROR_CODE.KEY_NOT_FOUND);
  } finally { live.close(); }
}));

Live('withMapLock: runs the function holding the map\'s lock (another process gets LOCKED meanwhile) and releases it', withFirewall((dir, obj) => {
  const lockDir = mkdtempSync(join(tmpdir(), 'bpfmap-locks-'));
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  /** What another process gets from lockMaps of the map, at once: 'taken' or the error's code. */
  const other = (id: number): string => {
    const script = `import { lockMaps } from './src/index.ts';
      try { lockMaps([${id}], { lockDir: ${JSON.stringify(lockDir)}, lockTimeoutMs: 0 }).release(); console.log('taken'); } catch (e) { console.log(e.code); }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  try {
    const id = live.info.id;
    const got = withMapLock(id, 'the table', { lockDir }, () => {
      assert.is(other(id), ERROR_CODE.LOCKED);
      return 42;
    });
    assert.is(got, 42);
    assert.is(other(id), 'taken', 'released');
    assert.throws(() => withMapLock(id, 'the table', { lockDir }, () => { throw new Error('inside'); }), /inside/);
    assert.is(other(id), 'taken', 'released after a throw too');
  } finally { live.close(); rmSync(lockDir, { recursive: true, force: true }); }
}));

Live('liveSchemas: the pinned maps as the kernel describes them, under the object\'s names; maps not pinned are left out', withFirewall((dir, obj) => {
  const live = liveSchemas(obj.schema.maps, dir);
  assert.equal(live.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]).sort(),
    obj.schema.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries]).sort());
  assert.ok(sameBytes(findMap({ ...obj.schema, maps: live }, TABLE).key!, findMap(obj.schema, TABLE).key!), 'the key\'s layout from the kernel BTF');
  rmSync(join(dir, TABLE));
  assert.not.ok(liveSchemas(obj.schema.maps, dir).some((m) => m.name === TABLE));
}));

Live('writeSnapshot and restoreSnapshot: the entries written out, the map emptied, the entries back', withFirewall((dir, obj) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-snap-'));
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    const value = { rules: [{ ruleId: 9, protocol: 17, dstPortStart: 53, action: 1 }] };
    live.update(KEY, value);
    const before = toHex(live.lookupRaw(live.encodeKey(KEY)));
    const lines: string[] = [];
    const maps = writeSnapshot(obj, { pinRoot: dir }, (l) => lines.push(l));
    assert.equal(maps.filter((m) => m.name === TABLE).map((m) => m.entries), [1], 'the table is in the snapshot with its entry');
    const file = join(tmp, 'snap.ndjson');
    writeFileSync(file, lines.join(''));
    live.delete(KEY);
    const r = restoreSnapshot(file, obj, { pinRoot: dir, journalDir: join(tmp, 'journal') });
    assert.equal(r.maps.filter((m) => m.name === TABLE).map((m) => m.entries), [1], JSON.stringify(r.maps));
    assert.is(toHex(live.lookupRaw(live.encodeKey(KEY))), before, 'the entry back, byte for byte');
    // A snapshot cut off before its trailer restores nothing.
    writeFileSync(file, lines.slice(0, -1).join(''));
    live.delete(KEY);
    assert.is(refusal(() => restoreSnapshot(file, obj, { pinRoot: dir, journalDir: join(tmp, 'journal') })).code, ERROR_CODE.INPUT_INCOMPLETE);
    assert.is(refusal(() => live.lookup(KEY)).code, ERROR_CODE.KEY_NOT_FOUND);
  } finally { live.close(); rmSync(tmp, { recursive: true, force: true }); }
}));

Live('planDiff: the plan applyState made, one line per added key', withFirewall((dir, obj) => {
  const state = new DesiredState(obj.schema, 'doc');
  readStateDocument({ maps: { [TABLE]: { entries: [{ key: KEY, value: { rules: [{ ruleId: 1, action: 2 }] } }] } } }, state);
  let plans: readonly MapPlan[] = [];
  applyState(state, { pinRoot: dir, dryRun: true, onPlan: (p) => { plans = p; } });
  const table = plans.find((p) => p.desired.map.name === TABLE);
  assert.ok(table, 'a plan for the table');
  const lines: string[] = [];
  planDiff(table!, (l) => lines.push(l));
  assert.is(lines.length, 1, lines.join(''));
  assert.match(lines[0]!, /^\+ ingress_node_firewall_table_map \{"prefixLen":56,"ingress_ifindex":2,"ip_data":\[198,18,0,0,0,0,0,0,0,0,0,0,0,0,0,0\]\}: \{"rules":\[\{"ruleId":1,"protocol":0,"dstPortStart":0,"dstPortEnd":0,"icmpType":0,"icmpCode":0,"action":2\},/);
  lines.length = 0;
  planDiff(table!, (l) => lines.push(l), { prettyAddresses: true });
  assert.match(lines[0]!, /^\+ ingress_node_firewall_table_map \{"prefixLen":56,"ingress_ifindex":2,"ip_data":"198\.18\.0\.0\/24"\}: /, 'decode options passed on');
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try { assert.is(refusal(() => live.lookup(KEY)).code, ERROR_CODE.KEY_NOT_FOUND, 'a dry run writes nothing'); } finally { live.close(); }
}));

Live('recoverAll: a journal an apply left (its writer dead) is rolled back, the entry it added deleted; recoverMigrations finds nothing to do', withFirewall((dir, obj) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-journal-'));
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    live.update(KEY, { rules: [{ ruleId: 1, action: 2 }] });
    // The journal of an apply that added this entry and was killed (a pid no process has).
    deadApplyJournal(tmp, live, KEY);
    const r = recoverAll(tmp);
    assert.equal(r.map((x) => [x.outcome, x.restored, x.mapId, x.map]), [['rolled back', 1, live.info.id, TABLE]]);
    assert.is(refusal(() => live.lookup(KEY)).code, ERROR_CODE.KEY_NOT_FOUND, 'the entry the unfinished apply added is gone');
    assert.equal(recoverAll(tmp), [], 'the journal is removed');
    assert.equal(recoverMigrations(tmp), []);
  } finally { live.close(); rmSync(tmp, { recursive: true, force: true }); }
}));

Live('recoverAll: rolls a journal back under its map\'s lock; while another writer holds it, nothing is written and the journal is kept', withFirewall(async (dir, obj) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-journal-'));
  const lockDir = join(tmp, 'locks');
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  let holder: ReturnType<typeof spawn> | null = null;
  try {
    live.update(KEY, { rules: [{ ruleId: 1, action: 2 }] });
    const j = { path: deadApplyJournal(tmp, live, KEY) };
    // Another writer of the map (an apply that rolls this journal back itself, then writes) holds the lock.
    mkdirSync(lockDir);
    holder = spawn('flock', ['-x', join(lockDir, `${live.info.id}.lock`), 'sleep', '30'], { stdio: 'ignore', detached: true });
    const until = Date.now() + 5000;
    while (spawnSync('flock', ['-n', join(lockDir, `${live.info.id}.lock`), 'true']).status === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const r = recoverAll(tmp, { lockDir, lockTimeoutMs: 200 });
    assert.equal(r.map((x) => [x.outcome, x.code]), [['refused', ERROR_CODE.LOCKED]]);
    assert.ok(live.lookup(KEY), 'the entry is left to the writer holding the lock');
    assert.ok(existsSync(j.path), 'the journal is kept');
    const exited = new Promise((res) => holder!.once('exit', res));
    process.kill(-holder.pid!, 'SIGKILL'); // flock and the sleep that holds the lock with it
    await exited;
    assert.equal(recoverAll(tmp, { lockDir }).map((x) => [x.outcome, x.restored]), [['rolled back', 1]]);
    assert.is(refusal(() => live.lookup(KEY)).code, ERROR_CODE.KEY_NOT_FOUND);
  } finally {
    try { if (holder?.pid !== undefined) process.kill(-holder.pid, 'SIGKILL'); } catch { /* gone */ }
    live.close(); rmSync(tmp, { recursive: true, force: true });
  }
}));

Offline('ensureDefaultBpffs: nothing to do for a path outside /sys/fs/bpf', () => {
  assert.is(ensureDefaultBpffs(['/tmp/elsewhere']), null);
});

Live('SyscallError: a kernel refusal carries the errno and its name', withFirewall((dir, obj) => {
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    const e = refusal(() => live.updateRaw(new Uint8Array(live.info.keySize), new Uint8Array(live.info.valueSize), 'exist'));
    assert.ok(e instanceof SyscallError, String(e));
    assert.equal([(e as SyscallError).errno, (e as SyscallError).errnoName], [2, 'ENOENT']);
  } finally { live.close(); }
}));

Live('scrapeText: the exporter\'s scrape of the live statistics map as Prometheus text and as OpenMetrics', withFirewall(async (dir, obj) => {
  const stats = openMap({ map: findMap(obj.schema, 'ingress_node_firewall_statistics_map'), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    stats.update(7, { allow_stats: { packets: 3, bytes: 180 }, deny_stats: { packets: 0, bytes: 0 } });
  } finally { stats.close(); }
  const plan = planExporter(obj.schema, parseExporterConfig(readFileSync('examples/firewall-exporter.yaml', 'utf8')));
  const prom = await scrapeText(plan, 'prometheus', { pinRoot: dir });
  // Summed over the CPUs: the value went into each CPU's slot.
  const cpus = possibleCpus();
  assert.match(prom, new RegExp(`^ingress_node_firewall_allow_packets_total\\{rule_id="7"\\} ${3 * cpus}$`, 'm'));
  assert.match(prom, new RegExp(`^ingress_node_firewall_allow_bytes_total\\{rule_id="7"\\} ${180 * cpus}$`, 'm'));
  assert.match(prom, /^# TYPE ingress_node_firewall_allow_packets_total counter$/m);
  const om = await scrapeText(plan, 'openmetrics', { pinRoot: dir });
  assert.match(om, /^# TYPE ingress_node_firewall_allow_packets counter$/m);
  assert.match(om, /# EOF\n$/);
}));

Live('watchState: the state file applied, then again when it changes; a broken file keeps the last good state; liveMapIds names the live map', withFirewall(async (dir, obj) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-watch-'));
  const file = join(tmp, 'state.yaml');
  const doc = (action: number) => `maps:\n  ${TABLE}:\n    entries:\n      - key: {ingress_ifindex: 2, ip_data: 198.18.0.0/24}\n        value: {rules: [{ruleId: 1, action: ${action}}]}\n`;
  writeFileSync(file, doc(1));
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  const events: string[] = [];
  const action = (): number | null => { try { return (live.lookup(KEY) as { rules: { action: number }[] }).rules[0]!.action; } catch { return null; } };
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(ok(), `${what}; events: ${events.join(', ')}`);
  };
  const read = () => readStateFile(file, obj.schema);
  assert.equal(liveMapIds(read(), { pinRoot: dir }), [live.info.id]);
  const w = watchState(file, { read, apply: (state) => applyState(state, { pinRoot: dir, lockDir: join(tmp, 'locks'), journalDir: join(tmp, 'journal') }),
    onEvent: (e) => events.push(`${e.event}${'reason' in e ? ` (${e.reason})` : ''}`), settleMs: 50, pollMs: 50, resyncMs: 0 });
  try {
    await until('the first state applied', () => action() === 1);
    assert.equal(events.slice(0, 1), ['applied (file)']);
    writeFileSync(file, 'maps:\n  nope: {}\n');
    await until('a broken file reported', () => events.some((e) => e === 'file invalid'));
    assert.is(action(), 1, 'the last good state kept');
    writeFileSync(file, doc(2));
    await until('the changed file applied', () => action() === 2);
  } finally { w.close(); live.close(); rmSync(tmp, { recursive: true, force: true }); }
}));

Offline.run();
Live.run();
