// update --set: one field of an existing entry changes by read-modify-write under the map's lock.
// A writer that holds the lock while changing another field (this test process, through the library)
// is waited for, and its change is kept; parallel `update --set` processes on the same entry each keep
// the others' fields; bad paths and missing entries are refused naming them.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, COV, FW, TABLE, bpfmap } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { suite } from './helpers/skip.js';
import { findMap, loadObjectFile, lockMaps, openMap, parseJson } from '../src/index.js';

const S = suite('update --set');
const KEY = '{ingress_ifindex: 1, ip_data: 10.0.0.0/8}';

function ok(args: string[], env: Record<string, string> = {}): string {
  const r = bpfmap(args, { env });
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function rules(dir: string, env: Record<string, string> = {}): Record<string, { ruleId: number; action: number }> {
  return (parseJson(ok(['lookup', FW, TABLE, '--pin-root', dir, '--key', KEY, '--json'], env)) as { value: { rules: Record<string, { ruleId: number; action: number }> } }).value.rules;
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

async function withLockDir<T>(fn: (env: Record<string, string>, lockDir: string) => Promise<T>): Promise<T> {
  const lockDir = mkdtempSync(join(tmpdir(), 'bpfmap-set-locks-'));
  try { return await fn({ BPFMAP_LOCK_DIR: lockDir }, lockDir); } finally { rmSync(lockDir, { recursive: true, force: true }); }
}

S('changes only the named fields; bad path, missing entry and --value together are refused', kernel(() => withPinDir((dir) => {
  ok(['create', FW, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--value', '{rules: {0: {ruleId: 1, action: 1}, 3: {ruleId: 4, action: 1}}}']);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[3].action=2', 'rules[5].ruleId=9']);
  const r = rules(dir);
  assert.equal([r['0']!.action, r['3']!.ruleId, r['3']!.action, r['5']!.ruleId], [1, 4, 2, 9]);
  const bad = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[3].nope=2']);
  assert.is(bad.code, 5);
  assert.match(bad.stderr, /value\.rules\[3\]\.nope: unknown field; fields are ruleId, /);
  const range = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[100].action=2']);
  assert.match(range.stderr, /value\.rules\[100\]: expected an index 0\.\.99/);
  const missing = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.0/16}', '--set', 'rules[0].action=2']);
  assert.is.not(missing.code, 0);
  const both = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[0].action=2', '--value', '{}']);
  assert.is(both.code, 2, both.stderr);
})));

S('a struct or index map given to --set changes only what it names; a list for an array of structs is refused', kernel(() => withPinDir((dir) => {
  ok(['create', FW, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--value', '{rules: {0: {ruleId: 1, protocol: 6, dstPortStart: 22, action: 2}}}']);
  // An index map for the array: rule 0 stays, rule 1 is added.
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules={1: {ruleId: 2, protocol: 17, dstPortStart: 53, action: 1}}']);
  // An object for one element: only action changes, ruleId, protocol and port stay.
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[0]={action: 1}']);
  const r = rules(dir) as unknown as Record<string, Record<string, number>>;
  assert.equal([r['0']!.ruleId, r['0']!.protocol, r['0']!.dstPortStart, r['0']!.action], [1, 6, 22, 1]);
  assert.equal([r['1']!.ruleId, r['1']!.dstPortStart, r['1']!.action], [2, 53, 1]);
  const before = rules(dir);
  const list = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules=[{ruleId: 9, action: 1}]']);
  assert.equal([list.code, list.stderr], [5, 'bpfmap: value.rules: expected an index map of the elements to change ({3: {...}}), got a list: ' +
    'a list would set all 100 elements, zeroing those it leaves out (write the whole entry with --value for that)\n']);
  const unknown = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[0]={nope: 1}']);
  assert.is(unknown.code, 5);
  assert.match(unknown.stderr, /value\.rules\[0\]\.nope: unknown field; fields are ruleId, /);
  // An index with a leading zero: C reads 010 as 8, most tools as 10; refused in the path and in an index map.
  const zero = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[010].action=2']);
  assert.equal([zero.code, zero.stderr], [5, 'bpfmap: rules[010].action: expected an index without a leading zero, got 010 (C reads it as octal, 8): write 10 or 8\n']);
  const zeroKey = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules={"09": {action: 2}}']);
  assert.equal([zeroKey.code, zeroKey.stderr], [5, 'bpfmap: value.rules[09]: expected an index without a leading zero, got 09: write 9\n']);
  assert.equal(rules(dir), before, 'the refused --set wrote nothing');
})));

S('a writer holding the map lock is waited for and its change kept; parallel --set processes keep each other\'s fields', kernel(() => withPinDir((dir) => withLockDir(async (env, lockDir) => {
  ok(['create', FW, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--value', '{rules: {0: {ruleId: 1, action: 1}}}']);
  const obj = loadObjectFile(FW);
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    const lock = lockMaps([live.info.id], { lockDir });
    let released = false;
    try {
      // The lock holder's own read-modify-write: read now, write after --set has started.
      const key = { ingress_ifindex: 1, ip_data: '10.0.0.0/8' };
      const v = live.lookup(key, { exact: true }) as { rules: { ruleId: number }[] };
      const child = run(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', 'rules[0].action=2', '--lock-timeout', '30'], env);
      // Long enough for the child to start, open the map and wait on the lock.
      await new Promise((r) => setTimeout(r, 1500));
      v.rules[7]!.ruleId = 77;
      live.update(key, v);
      lock.release();
      released = true;
      const c = await child;
      assert.is(c.code, 0, c.stderr);
    } finally {
      if (!released) lock.release();
    }
  } finally {
    live.close();
  }
  const after = rules(dir, env);
  assert.is(after['0']!.action, 2, 'the --set field, written after the holder released the lock (not overwritten by its stale read)');
  assert.is(after['7']?.ruleId, 77, 'the lock holder\'s change is kept');

  const n = 6;
  const results = await Promise.all(Array.from({ length: n }, (_, i) =>
    run(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--set', `rules[${10 + i}].ruleId=${100 + i}`, '--lock-timeout', '60'], env)));
  for (const r of results) assert.is(r.code, 0, r.stderr);
  const all = rules(dir, env);
  assert.equal(Array.from({ length: n }, (_, i) => all[String(10 + i)]?.ruleId), Array.from({ length: n }, (_, i) => 100 + i));
  assert.is(all['7']?.ruleId, 77);
}))));


S('update of an array of several entries needs its key; a one-entry array (global data) takes index 0', kernel(() => withPinDir((dir) => {
  ok(['create', COV, '--pin-root', dir]);
  const r = bpfmap(['update', COV, 'inner_a', '--pin-root', dir, '--value', '7']);
  assert.equal([r.code, r.stderr], [2, "bpfmap: give the key with --key or in -f FILE\nrun 'bpfmap --help' for usage\n"]);
  assert.is((parseJson(ok(['lookup', COV, 'inner_a', '--pin-root', dir, '--key', '0', '--json'])) as { value: number }).value, 0, 'nothing written');
  ok(['update', COV, 'inner_a', '--pin-root', dir, '--key', '0', '--value', '7']);
  assert.is((parseJson(ok(['lookup', COV, 'inner_a', '--pin-root', dir, '--key', '0', '--json'])) as { value: number }).value, 7);
})));
S.run();
