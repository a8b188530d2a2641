/**
 * `edit` that changes an entry's key moves the entry (writes the new key, deletes the old): never a
 * copy left behind, also in a hash map, and never half a move when a stop signal comes between the
 * two writes (strace delivers SIGTERM as the new key is written). An array's index cannot move: refused.
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, COV, FW, TABLE, bpfmap } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { skip, suite } from '../helpers/skip.js';
import { parseJson } from '../../src/index.js';

const S = suite('edit: a changed key moves the entry, whole');
const hasStrace = spawnSync('strace', ['-V']).status === 0;

/** An editor (node script) that rewrites the `key:` block to `newKey`; a second round restores the first text (cancel). */
function editor(tmp: string, newKey: string): Record<string, string> {
  const ed = join(tmp, 'ed.mjs');
  const first = join(tmp, 'first.yaml');
  writeFileSync(ed, `import { readFileSync, writeFileSync, existsSync } from 'node:fs';
const f = process.argv[2];
const t = readFileSync(f, 'utf8');
if (!existsSync(${JSON.stringify(first)})) {
  writeFileSync(${JSON.stringify(first)}, t);
  writeFileSync(f, t.replace(/^key:[\\s\\S]*?(?=^value:)/m, ${JSON.stringify(`key: ${newKey}\n`)}));
} else writeFileSync(f, readFileSync(${JSON.stringify(first)}, 'utf8'));
`);
  return { VISUAL: '', EDITOR: `${process.execPath} ${ed}` };
}

function withTmp<T>(fn: (tmp: string) => T): T {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-edit-sig-'));
  try { return fn(tmp); } finally { rmSync(tmp, { recursive: true, force: true }); }
}

function keysOf(obj: string, map: string, dir: string): unknown[] {
  const r = bpfmap(['dump', obj, map, '--pin-root', dir, '--json']);
  assert.is(r.code, 0, r.stderr);
  return (parseJson(r.stdout) as { key: unknown }[]).map((e) => e.key);
}

S('a hash map: the entry moves to the new key (it used to be copied, the old key kept)', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  assert.is(bpfmap(['create', COV, 'numa_map', '--pin-root', dir]).code, 0);
  assert.is(bpfmap(['update', COV, 'numa_map', '--pin-root', dir, '--key', '1', '--value', 'COLOR_GREEN']).code, 0);
  const r = bpfmap(['edit', COV, 'numa_map', '--pin-root', dir, '--key', '1'], { env: editor(tmp, '2') });
  assert.equal([r.code, r.stderr], [0, 'bpfmap: the key changed: moved the entry from 1 to 2 (the old entry is deleted)\n']);
  assert.equal(keysOf(COV, 'numa_map', dir), [2]);
}))));

S('an array: another index is refused in the editor, nothing written', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  assert.is(bpfmap(['create', COV, 'inner_a', '--pin-root', dir]).code, 0);
  assert.is(bpfmap(['update', COV, 'inner_a', '--pin-root', dir, '--key', '0', '--value', '5']).code, 0);
  const r = bpfmap(['edit', COV, 'inner_a', '--pin-root', dir, '--key', '0'], { env: editor(tmp, '3') });
  assert.equal([r.code, r.stderr], [0, 'bpfmap: unchanged; nothing written\n']);
  const v = (k: number) => (parseJson(bpfmap(['lookup', COV, 'inner_a', '--pin-root', dir, '--key', String(k), '--json']).stdout) as { value: number }).value;
  assert.equal([v(0), v(3)], [5, 0]);
}))));

S('SIGTERM as the new LPM key is written: the move ends whole (exit 143), one entry left', kernel(() => withPinDir((dir) => withTmp((tmp) => {
  if (!hasStrace) { skip('strace is not installed (apt-get install strace)'); return; }
  const A = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
  const reset = () => {
    spawnSync('rm', ['-f', join(dir, TABLE)]);
    assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
    assert.is(bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', A, '--value', '{rules: [{ruleId: 1, action: 2}]}']).code, 0);
  };
  const argv = [process.execPath, BIN, 'edit', FW, TABLE, '--pin-root', dir, '--key', A];
  const run = (pre: string[], sub: string) => {
    const t = join(tmp, sub);
    spawnSync('mkdir', ['-p', t]);
    return spawnSync('strace', ['-f', '-qq', ...pre, ...argv], { encoding: 'utf8', env: { ...process.env, ...editor(t, '{ingress_ifindex: 6, ip_data: 10.20.0.0/16}') } });
  };
  reset();
  const log = join(tmp, 'trace');
  run(['-e', 'trace=bpf', '-o', log], 'a');
  const calls = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /bpf\(BPF_/.test(l)).map((l) => /bpf\((BPF_[A-Z_]+)/.exec(l)![1]);
  const at = calls.indexOf('BPF_MAP_UPDATE_ELEM') + 1;
  assert.ok(at > 0 && calls[at] === 'BPF_MAP_DELETE_ELEM', `the move writes then deletes: ${calls.join(' ')}`);
  reset();
  const r = run(['-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:signal=TERM:when=${at}`], 'b');
  assert.is(r.status, 143, r.stderr);
  assert.match(r.stderr, /bpfmap: SIGTERM: received while writing; the edit ran to its end first/);
  assert.equal(keysOf(FW, TABLE, dir), [{ prefixLen: 48, ingress_ifindex: 6, ip_data: '10.20.0.0/16' }]);
}))));

S.run();
