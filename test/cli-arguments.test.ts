/**
 * Command lines that say one thing twice or two things at once are refused before anything is read or
 * written (exit 2), and a path that cannot be a pin root is invalid input (exit 5), whatever the
 * command and however the map is named.
 */
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { DEFAULT_JOURNAL_DIR } from '../src/index.js';
import { deadApplyJournal } from './helpers/journal.js';
import { tmpdir } from 'node:os';
import { createMaps, loadObjectFile, openMap, findMap } from '../src/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { assertUsage as usage, bpfmap, FW, TABLE, STATS } from './helpers/cli.js';

const H = suite('handle words and flags');

H("'pinned PATH' with --pin-root is refused as --pin with --pin-root is", kernel(() => withPinDir((dir) => {
  createMaps(loadObjectFile(FW), { pinRoot: dir, names: [STATS] });
  const pin = join(dir, STATS);
  usage(['lookup', '--pin', pin, '--pin-root', dir, '--key', '1'], 'give either --pin or --pin-root, not both');
  usage(['lookup', 'pinned', pin, '--pin-root', dir, '--key', '1'], `give the map once: 'pinned ${pin}' or --pin-root, not both`);
  usage(['dump', 'pinned', pin, '--pin-root', join(dir, 'nope')], `give the map once: 'pinned ${pin}' or --pin-root, not both`);
  assert.is(bpfmap(['lookup', 'pinned', pin, '--key', '1']).code, 0);
})));
H.run();

const P = suite('a file as --pin-root');

P('every live command: exit 5 naming the file, not a kernel failure (exit 6)', kernel(() => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-pinroot-'));
  try {
    const file = join(tmp, 'afile');
    writeFileSync(file, '');
    for (const args of [
      ['lookup', FW, STATS, '--key', '1'],
      ['dump', FW, TABLE],
      ['get', FW],
      ['create', FW, STATS],
    ]) {
      const r = bpfmap([...args, '--pin-root', file]);
      assert.is(r.code, 5, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, `${file} is not a directory`);
      const j = bpfmap([...args, '--pin-root', file, '--json']);
      const e = JSON.parse(j.stderr) as { code: string; errno: string };
      assert.equal([j.code, e.code, e.errno], [5, 'VALUE_INVALID', 'ENOTDIR'], j.stderr);
    }
    // A file above the pin root: create cannot make the directory; exit 5 too, nothing made.
    const below = bpfmap(['create', FW, STATS, '--pin-root', join(file, 'sub')]);
    assert.equal([below.code, below.stderr], [5, `bpfmap: pin root '${join(file, 'sub')}': cannot create ${join(file, 'sub')} (ENOTDIR: a file is in the way; pins live in directories of bpffs)\n`]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}));
P.run();

const S = suite('set: one variable twice');

S('refused before anything is written, whichever way the variable is named', kernel(() => withPinDir((dir) => {
  const obj = loadObjectFile(FW);
  createMaps(obj, { pinRoot: dir, names: ['.rodata'] });
  const t = ['--pin-root', dir];
  usage(['set', FW, ...t, 'debug_lookup=1', 'debug_lookup=2'], "debug_lookup: given twice (debug_lookup=1, debug_lookup=2); give each variable once");
  usage(['set', FW, ...t, 'debug_lookup=3', '.rodata.debug_lookup=4'], "debug_lookup: given twice (debug_lookup=3, .rodata.debug_lookup=4); give each variable once");
  const live = openMap({ map: findMap(obj.schema, '.rodata'), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  try {
    assert.equal(live.lookup(0), { debug_lookup: 0 });
  } finally {
    live.close();
  }
  assert.is(bpfmap(['set', FW, ...t, 'debug_lookup=5']).code, 0);
})));
S.run();

const M = suite('schema: the map as MAP and as --map');

M('two different maps are refused; the same one twice is fine', () => {
  usage(['schema', FW, TABLE, '--map', STATS], `give the map once: '${TABLE}' or --map ${STATS}, not both`);
  const r = bpfmap(['schema', FW, TABLE, '--map', TABLE, '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { maps: { name: string }[] }).maps.map((m) => m.name), [TABLE]);
});
M.run();

const E = suite('edit: a leftover journal is rolled back under the map\'s lock');
E('while another writer holds the lock, edit waits for it and leaves the journal and the map alone', kernel(() => withPinDir(async (dir) => {
  const obj = loadObjectFile(FW);
  createMaps(obj, { pinRoot: dir });
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-edit-lock-'));
  const live = openMap({ map: findMap(obj.schema, TABLE), byteOrder: obj.schema.byteOrder, pinRoot: dir });
  const KEY = { ingress_ifindex: 1, ip_data: '10.0.0.0/8' };
  let holder: ReturnType<typeof spawn> | null = null;
  let journal = '';
  try {
    live.update(KEY, { rules: [{ ruleId: 1, action: 2 }] });
    // The journal of an apply whose writer is gone, which added this entry (its rollback deletes it).
    journal = deadApplyJournal(DEFAULT_JOURNAL_DIR, live, KEY);
    // Another writer (an apply rolling the journal back itself, then writing) holds the map's lock.
    const lock = join(tmp, `${live.info.id}.lock`);
    holder = spawn('flock', ['-x', lock, 'sleep', '30'], { stdio: 'ignore', detached: true });
    const until = Date.now() + 5000;
    while (spawnSync('flock', ['-n', lock, 'true']).status === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const r = bpfmap(['edit', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.0/8}', '--lock-timeout', '0.3'],
      { env: { EDITOR: 'true', VISUAL: 'true', BPFMAP_LOCK_DIR: tmp } });
    assert.is(r.code, 6, r.stderr);
    assert.match(r.stderr, /locked/);
    assert.ok(existsSync(journal), 'the journal is kept for the lock holder');
    assert.ok(live.lookup(KEY), 'the entry is left alone');
  } finally {
    try { if (holder?.pid !== undefined) process.kill(-holder.pid, 'SIGKILL'); } catch { /* gone */ }
    if (journal !== '') rmSync(journal, { force: true });
    live.close();
    rmSync(tmp, { recursive: true, force: true });
  }
})));
E.run();
