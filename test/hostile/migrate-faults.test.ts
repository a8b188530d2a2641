/**
 * Migrate is safe against SIGKILL, signals and a second migrate, through the real CLI on real maps:
 * the firewall v1 maps (50 LPM targets x 100 rules, 1024 per-CPU counters) migrated to v2. SIGKILL is
 * injected with strace at the bpf() calls of every phase (each map created, each batch written, each
 * `_old` pin) and at 4 more calls picked with a fixed seed, at the journal's rename into place, at each
 * of the two pin renames, at the private directory's removal and at the journal's removal. After each kill every pin holds a whole
 * map, exactly the old bytes or exactly the new ones; then `recover` (or the next migrate) leaves no
 * `_old` pin, no private directory and no journal, and the pins hold the old maps (or the migrated
 * ones). SIGTERM during a migration lets it end first (exit 143). Two migrates of the same pins do
 * not interleave: one waits for the other's lock (or gives up with exit 6 naming its pid). A write to an
 * old map between the copy and the check (strace delays the check's first read) makes the check refuse
 * the swap.
 */
import { suite, skip } from '../helpers/skip.js';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perCpuStride } from '../../src/syscall/cpus.js';
import { BIN, ROOT, TABLE, STATS, type Run } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { lpmKey, rulesValue } from '../helpers/firewall-bytes.js';
import { loadObjectFile, createMaps, lockMaps, openMap, toHex, possibleCpus } from '../../src/index.js';

const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const FW2 = join(ROOT, 'fixtures/firewall-v2.bpfel.o');
const v1 = loadObjectFile(FW);
const strace = spawnSync('strace', ['-V']).status === 0;
const PINS = [TABLE, STATS];

interface Ctx { dir: string; jdir: string; lockDir: string; old: Record<string, string>; neu: Record<string, string> }

function fillV1(dir: string): void {
  createMaps(v1, { pinRoot: dir });
  const t = openMap({ map: v1.schema.maps.find((m) => m.name === TABLE)!, pinRoot: dir, byteOrder: 'little' });
  try {
    for (let k = 0; k < 50; k++) {
      t.updateRaw(lpmKey(`10.${k}.0.0`, 16, 1), rulesValue(Array.from({ length: 100 }, (_, i) => ({ ruleId: k * 100 + i + 1, protocol: 6, dstPortStart: i, action: 1 + (i & 1) }))));
    }
  } finally { t.close(); }
  const s = openMap({ map: v1.schema.maps.find((m) => m.name === STATS)!, pinRoot: dir, byteOrder: 'little' });
  try {
    const cpus = possibleCpus(), stride = perCpuStride(32);
    for (let id = 0; id < 1024; id++) {
      const b = Buffer.alloc(stride * cpus);
      for (let c = 0; c < cpus; c++) for (let f = 0; f < 4; f++) b.writeBigUInt64LE(BigInt(id * 1000 + c * 100 + f), c * stride + f * 8);
      s.updateRaw(Buffer.from(new Uint32Array([id]).buffer), b);
    }
  } finally { s.close(); }
}

/** A map's whole contents as sorted `key=value` hex lines (null: nothing pinned there). */
function bytesOf(pin: string): string | null {
  if (!existsSync(pin)) return null;
  const m = openMap({ pin, force: true });
  try {
    const ks = m.info.keySize, vs = m.rawValueSize, out: string[] = [];
    for (const b of m.batches()) {
      for (let i = 0; i < b.count; i++) out.push(`${toHex(b.keys.subarray(i * ks, (i + 1) * ks))}=${toHex(b.values.subarray(i * vs, (i + 1) * vs))}`);
    }
    return out.sort().join('\n');
  } finally { m.close(); }
}

const cli = (args: string[]) => [process.execPath, BIN, ...args];
function run(argv: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status ?? (r.signal === 'SIGKILL' ? 137 : -1), stdout: r.stdout, stderr: r.stderr };
}
const migrate = (c: Ctx, more: string[] = []) => cli(['migrate', FW, FW2, '--pin-root', c.dir, '--journal', c.jdir, ...more]);
const env = (c: Ctx) => ({ BPFMAP_LOCK_DIR: c.lockDir });
const journals = (c: Ctx) => (existsSync(c.jdir) ? readdirSync(c.jdir) : []);
const leftovers = (c: Ctx) => readdirSync(c.dir).filter((n) => n.endsWith('_old') || n.startsWith('bpfmap_migrate_')).sort();

/** Which pins hold the old bytes, which the new ones; anything else fails. */
function state(c: Ctx, what: string): ('OLD' | 'NEW')[] {
  return PINS.map((n) => {
    const b = bytesOf(join(c.dir, n));
    if (b === c.old[n]) return 'OLD';
    if (b === c.neu[n]) return 'NEW';
    assert.unreachable(`${what}: ${n} holds neither the old nor the new map (${b === null ? 'nothing pinned' : `${b.split('\n').length} entries`})`);
    return 'OLD';
  });
}

/** Every `_old` pin holds the old bytes. */
function oldPinsOld(c: Ctx, what: string): void {
  for (const n of PINS) {
    const b = bytesOf(join(c.dir, `${n}_old`));
    if (b !== null) assert.ok(b === c.old[n], `${what}: ${n}_old holds the old map`);
  }
}

function withV1(fn: (c: Ctx) => Promise<void> | void) {
  return kernel(() => withPinDir(async (dir) => {
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-migrate-faults-'));
    try {
      fillV1(dir);
      const c: Ctx = { dir, jdir: join(tmp, 'journal'), lockDir: join(tmp, 'locks'), old: {}, neu: {} };
      for (const n of PINS) c.old[n] = bytesOf(join(dir, n))!;
      const r = run(migrate(c), env(c));
      assert.is(r.code, 0, r.stderr);
      for (const n of PINS) c.neu[n] = bytesOf(join(dir, n))!;
      assert.ok(c.neu[TABLE] !== c.old[TABLE] && c.neu[STATS] !== c.old[STATS]);
      assert.is(run(migrate(c, ['--rollback']), env(c)).code, 0);
      assert.equal(state(c, 'after the rollback'), ['OLD', 'OLD']);
      assert.equal(leftovers(c), []);
      await fn(c);
    } finally { rmSync(tmp, { recursive: true, force: true }); }
  }));
}

/** The calls of the given syscalls a migration makes, in order: [syscall, bpf command or path]. */
function trace(c: Ctx): { sys: string; what: string }[] {
  const out = join(mkdtempSync(join(tmpdir(), 'bpfmap-trace-')), 'trace');
  const r = run(['strace', '-qq', '-e', 'trace=bpf,rename,rmdir,unlink', '-o', out, ...migrate(c)], env(c));
  assert.is(r.code, 0, r.stderr);
  const text = spawnSync('cat', [out], { encoding: 'utf8' }).stdout;
  rmSync(join(out, '..'), { recursive: true, force: true });
  assert.is(run(migrate(c, ['--rollback']), env(c)).code, 0);
  return text.split('\n').filter((l) => /^(bpf|rename|rmdir|unlink)\(/.test(l))
    .map((l) => ({ sys: /^(\w+)\(/.exec(l)![1]!, what: /^bpf\((BPF_[A-Z_]+)/.exec(l)?.[1] ?? /^\w+\("([^"]*)"/.exec(l)![1]! }));
}

/** A seeded generator (mulberry32): the same points on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function skipNoStrace(t: string): boolean {
  if (strace) return false;
  skip(`${t}: strace is not installed (apt-get install strace)`);
  return true;
}

const Kill = suite('migrate: SIGKILL at any point leaves every pin on a whole map; recover or the next migrate undoes it (kernel, CLI, strace)');

Kill('SIGKILL at each map made, batch written, _old pin, rename, rmdir, journal removal and 4 seeded bpf() calls', withV1((c) => {
  if (skipNoStrace('SIGKILL at migration steps')) return;
  const calls = trace(c);
  const nth = (sys: string, i: number) => calls.slice(0, i + 1).filter((x) => x.sys === sys).length;
  const points: { sys: string; when: number; label: string }[] = [];
  calls.forEach((x, i) => {
    const key = x.sys === 'bpf' ? x.what : x.sys;
    const oldPin = key === 'BPF_OBJ_PIN' && calls.slice(0, i).filter((y) => y.what === 'BPF_OBJ_PIN').length >= 2; // the 3rd and 4th: the _old pins
    if (['BPF_MAP_CREATE', 'BPF_MAP_UPDATE_BATCH', 'rename', 'rmdir'].includes(key) || oldPin || (x.sys === 'unlink' && x.what.endsWith('.journal'))) {
      points.push({ sys: x.sys, when: nth(x.sys, i), label: `${key} ${x.what}` });
    }
  });
  const bpfCount = calls.filter((x) => x.sys === 'bpf').length;
  const rnd = seeded(18);
  for (let i = 0; i < 4; i++) { const when = 1 + Math.floor(rnd() * bpfCount); points.push({ sys: 'bpf', when, label: `bpf call ${when} (seeded)` }); }
  assert.ok(points.filter((p) => p.label.startsWith('BPF_MAP_CREATE')).length >= 2 && points.filter((p) => p.sys === 'rename').length === 3, points.map((p) => p.label).join(', '));
  const seen = new Set<string>();
  points.forEach((p, i) => {
    const r = run(['strace', '-qq', '-o', '/dev/null', '-e', `trace=${p.sys}`, '-e', `inject=${p.sys}:signal=SIGKILL:when=${p.when}`, ...migrate(c)], env(c));
    assert.is(r.code, 137, `${p.label}: ${r.stderr}`);
    const after = state(c, `killed at ${p.label}`);
    seen.add(after.join(' '));
    oldPinsOld(c, `killed at ${p.label}`);
    // No journal: killed before it was in place (nothing done) or after its removal (all done).
    const unfinished = journals(c).some((n) => n.endsWith('.journal'));
    if (!unfinished) assert.ok(['OLD OLD', 'NEW NEW'].includes(after.join(' ')), `killed at ${p.label}: no journal, yet ${after.join(' ')}`);
    if (i % 2 === 0) {
      const rec = run(cli(['recover', '--journal', c.jdir]), env(c));
      assert.is(rec.code, 0, rec.stderr);
      if (unfinished) assert.match(rec.stdout, /^migration of .*: rolled back an unfinished migration \(pid \d+\): [0-2] pins? put back on the old maps?, its private maps removed\n$/);
      assert.equal(state(c, `recovered after ${p.label}`), unfinished ? ['OLD', 'OLD'] : after, `recovered after ${p.label}`);
    } else {
      const next = run(migrate(c), env(c));
      assert.is(next.code, 0, next.stderr);
      if (unfinished) assert.match(next.stderr, /^bpfmap: migration of .*: rolled back an unfinished migration/);
      assert.equal(state(c, `migrated again after ${p.label}`), ['NEW', 'NEW'], `migrated again after ${p.label}`);
      oldPinsOld(c, `migrated again after ${p.label}`);
    }
    assert.equal(journals(c), [], `no journal after ${p.label}`);
    if (leftovers(c).length > 0) assert.equal(run(migrate(c, ['--rollback']), env(c)).code, 0);
    assert.equal(leftovers(c), [], `no _old pin or private directory after ${p.label}`);
    assert.equal(state(c, `reset after ${p.label}`), ['OLD', 'OLD'], `reset after ${p.label}`);
  });
  // The kills left the pins in each of these mixes (between the two swaps: the table new, the counters old).
  assert.equal([...seen].sort(), ['NEW NEW', 'NEW OLD', 'OLD OLD']);
}));

Kill('SIGTERM during the copy: the migration ends first, exit 143, every pin on its new map', withV1((c) => {
  if (skipNoStrace('SIGTERM at a migration step')) return;
  const at = trace(c).filter((x) => x.sys === 'bpf').findIndex((x) => x.what === 'BPF_MAP_UPDATE_BATCH') + 1;
  const r = run(['strace', '-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:signal=SIGTERM:when=${at}`, ...migrate(c)], env(c));
  assert.is(r.code, 143, r.stderr);
  assert.is(r.stderr, 'bpfmap: SIGTERM: received while migrating; the migration ran to its end first (every pin swapped, or none)\n');
  assert.match(r.stdout, /ingress_node_firewall_table_map +migrated/);
  assert.equal(state(c, 'after SIGTERM'), ['NEW', 'NEW']);
  oldPinsOld(c, 'after SIGTERM');
  assert.equal(journals(c), []);
}));

/** The migration under strace, its bpf() call number `when` delayed by `us` microseconds: its exit code, its stderr so far. */
function migrateDelayed(c: Parameters<Parameters<typeof withV1>[0]>[0], when: number, us: number): { done: Promise<number | null>; err: () => string } {
  const argv = ['strace', '-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:delay_enter=${us}:when=${when}`, ...migrate(c)];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, ...env(c) } });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  return { done: new Promise<number | null>((r) => child.on('exit', (code) => r(code))), err: () => err };
}

/** Waits until the migration's private directory holds the new table with all 50 entries (the copy is done). */
async function untilCopied(dir: string): Promise<void> {
  const copied = () => {
    try {
      return readdirSync(dir).some((d) => d.startsWith('bpfmap_migrate_') && (bytesOf(join(dir, d, TABLE)) ?? '').split('\n').length === 50);
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 200 && !copied(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(copied(), 'the table was copied');
}

/** Another writer changes rule 0's id of the old table's entry for ADDR/16; the value it wrote. */
function changeOldEntry(dir: string, addr: string): Uint8Array {
  const t = openMap({ pin: join(dir, TABLE), force: true });
  try {
    const key = lpmKey(addr, 16, 1);
    const changed = new Uint8Array(t.lookupRaw(key));
    changed[0] ^= 0xff;
    t.updateRaw(key, changed);
    return changed;
  } finally { t.close(); }
}

Kill('a write to an old map between the copy and the check: the swap is refused naming the key, exit 6, nothing left behind', withV1(async (c) => {
  if (skipNoStrace('a delayed bpf() call')) return;
  const calls = trace(c).filter((x) => x.sys === 'bpf');
  const firstWrite = calls.findIndex((x) => x.what === 'BPF_MAP_UPDATE_BATCH');
  const check = calls.findIndex((x, i) => i > firstWrite && x.what === 'BPF_MAP_LOOKUP_BATCH') + 1; // the check reads the old table again
  const { done, err } = migrateDelayed(c, check, 5_000_000);
  // Once the new table holds all 50 entries, the copy is done and the check's first read is delayed.
  await untilCopied(c.dir);
  const changed = changeOldEntry(c.dir, '10.7.0.0');
  assert.is(await done, 6, err());
  assert.match(err(), /^bpfmap: map 'ingress_node_firewall_table_map': key 30000000010000000a07[0-9a-f]+: the new map's value differs from the old one's, converted \(written meanwhile\?\); nothing was swapped\n$/);
  assert.equal(leftovers(c), []);
  assert.equal(journals(c), []);
  assert.ok(bytesOf(join(c.dir, TABLE))!.includes(toHex(changed)), 'the old map, with the write');
}));

Kill('a write to the first old map while the second map is built: the swap is refused naming the key, exit 6, the write kept', withV1(async (c) => {
  if (skipNoStrace('a delayed bpf() call')) return;
  const calls = trace(c).filter((x) => x.sys === 'bpf');
  const creates = calls.map((x, i) => (x.what === 'BPF_MAP_CREATE' ? i + 1 : 0)).filter((i) => i > 0);
  const second = creates[creates.length - 1]!; // the counters' new map: the table's is full and was checked before it
  const { done, err } = migrateDelayed(c, second, 3_000_000);
  await untilCopied(c.dir);
  await new Promise((r) => setTimeout(r, 300)); // its check ran; the counters' map is being made
  const changed = changeOldEntry(c.dir, '10.9.0.0');
  assert.is(await done, 6, err());
  assert.match(err(), /^bpfmap: map 'ingress_node_firewall_table_map': key 30000000010000000a09[0-9a-f]+: the new map's value differs from the old one's, converted \(written meanwhile\?\); nothing was swapped\n$/);
  assert.equal(leftovers(c), []);
  assert.equal(journals(c), []);
  assert.ok(bytesOf(join(c.dir, TABLE))!.includes(toHex(changed)), 'the old map, with the write, under its name');
}));

Kill.run();

const Two = suite('migrate: two migrates of the same pins do not interleave (kernel, CLI)');

Two('a migrate waits for the maps\' lock; past --lock-timeout it exits 6 naming the holder, nothing changed', withV1((c) => {
  const ids = PINS.map((n) => { const m = openMap({ pin: join(c.dir, n), force: true }); try { return m.info.id; } finally { m.close(); } });
  const lock = lockMaps(ids, { lockDir: c.lockDir });
  try {
    const r = run(migrate(c, ['--lock-timeout', '0.3']), env(c));
    assert.is(r.code, 6, r.stderr);
    assert.match(r.stderr, new RegExp(`^bpfmap: map '.*': locked by pid ${process.pid}, which is writing this map \\(lock .*\\); gave up after 0\\.3 s\\n$`));
  } finally { lock.release(); }
  assert.equal(state(c, 'after the refused migrate'), ['OLD', 'OLD']);
  assert.equal(leftovers(c), []);
  assert.equal(journals(c), []);
}));

Two('two migrates started together: one migrates, the other then finds the new layout; the _old pins hold the old maps', withV1(async (c) => {
  for (let round = 0; round < 3; round++) {
    const start = () => new Promise<Run>((resolve) => {
      const p = spawn(process.execPath, [BIN, ...migrate(c, ['--json']).slice(2)], { cwd: ROOT, env: { ...process.env, ...env(c) } });
      let out = '', err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      p.on('exit', (code) => resolve({ code: code ?? -1, stdout: out, stderr: err }));
    });
    const rs = await Promise.all([start(), start()]);
    for (const r of rs) assert.is(r.code, 0, r.stderr);
    const statuses = rs.map((r) => (JSON.parse(r.stdout) as { status: string; verdict: string }[]).slice(0, 2).map((x) => `${x.status}/${x.verdict}`).join(' ')).sort();
    assert.equal(statuses, ['migrated/migratable migrated/migratable', 'unchanged/already-new unchanged/already-new'], `round ${round}`);
    assert.equal(state(c, 'after two migrates'), ['NEW', 'NEW']);
    oldPinsOld(c, 'after two migrates');
    assert.equal(leftovers(c), [`${STATS}_old`, `${TABLE}_old`]);
    assert.equal(journals(c), []);
    assert.is(run(migrate(c, ['--rollback']), env(c)).code, 0);
  }
}));

Two.run();
