/**
 * Recovery of an apply killed before its first write to an LPM trie whose live key has other host
 * bits than the state's key for the same prefix (the plan matched them by prefix): the map is as
 * before, and recovery says so (exit 0), not that another writer changed the entry (exit 7).
 */
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, FW, TABLE, bpfmap } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { skip, suite } from '../helpers/skip.js';
import { parseJson } from '../../src/index.js';

const S = suite('recover: LPM keys compared by prefix');
const hasStrace = spawnSync('strace', ['-V']).status === 0;

S('apply killed at its first write, the state\'s key differing in host bits: recover finds the map as before, exit 0', kernel(() => withPinDir((dir) => {
  if (!hasStrace) { skip('strace is not installed (apt-get install strace)'); return; }
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-recover-lpm-'));
  try {
    assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
    assert.is(bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.7/24}', '--value', '{rules: [{ruleId: 1, action: 2}]}']).code, 0);
    const state = join(tmp, 'state.yaml');
    writeFileSync(state, `maps:\n  ${TABLE}:\n    entries:\n      - key: {ingress_ifindex: 6, ip_data: 10.10.10.3/24}\n        value: {rules: [{ruleId: 2, action: 1}]}\n`);
    const journal = join(tmp, 'journal');
    const argv = [process.execPath, BIN, 'apply', FW, '-f', state, '--pin-root', dir, '--journal', journal];
    const log = join(tmp, 'trace');
    // Where the first write is: traced on a copy of the run that is undone again (--dry-run makes no write).
    spawnSync('strace', ['-f', '-qq', '-e', 'trace=bpf', '-o', log, ...argv, '--dry-run']);
    const dry = spawnSync('cat', [log], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /bpf\(BPF_/.test(l)).length;
    const before = bpfmap(['dump', FW, TABLE, '--pin-root', dir, '--json']).stdout;
    const killed = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:signal=KILL:when=${dry + 1}..${dry + 40}`, ...argv], { encoding: 'utf8' });
    assert.ok(killed.signal === 'SIGKILL' || killed.status === 137, `killed: ${killed.status} ${killed.signal} ${killed.stderr}`);
    assert.is(bpfmap(['dump', FW, TABLE, '--pin-root', dir, '--json']).stdout, before, 'killed before its write: the map is as before');
    const r = bpfmap(['recover', '--journal', journal, '--json']);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.not.match(r.stdout, /another writer/);
    assert.is(bpfmap(['dump', FW, TABLE, '--pin-root', dir, '--json']).stdout, before);
    assert.equal((parseJson(before) as unknown[]).length, 1);
  } finally { rmSync(tmp, { recursive: true, force: true }); }
})));

S.run();
