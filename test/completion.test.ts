// bpfmap completion: the bash script sourced in a real bash with COMP_WORDS / COMP_CWORD set as bash
// sets them, its COMPREPLY checked; bpfmap on PATH is the built CLI. Pins under bpffs come from a map
// the test creates in its own pin directory.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, bpfmap } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { suite, needs } from './helpers/skip.js';

const binDir = mkdtempSync(join(tmpdir(), 'bpfmap-compl-'));
writeFileSync(join(binDir, 'bpfmap'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
chmodSync(join(binDir, 'bpfmap'), 0o755);
const script = bpfmap(['completion', 'bash']).stdout;

/** COMPREPLY for a command line whose last word is being completed. */
function bashComplete(words: string[]): string[] {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const prog = `${script}\nCOMP_WORDS=(${['bpfmap', ...words].map(q).join(' ')})\nCOMP_CWORD=${words.length}\n_bpfmap\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`;
  const r = spawnSync('bash', ['-c', prog], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` } });
  assert.is(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

const S = suite('completion bash');

S('commands, map names of the object on the line, options, fields after --set', needs(['bash'], () => {
  assert.equal(bashComplete(['loo']), ['lookup']);
  assert.ok(bashComplete(['']).includes('completion'));
  assert.not.ok(bashComplete(['']).includes('__complete'), 'the helper is hidden');
  assert.equal(bashComplete(['lookup', 'fixtures/firewall.bpfel.o', 'ingress_node_firewall_t']), ['ingress_node_firewall_table_map']);
  assert.equal(bashComplete(['create', 'fixtures/coverage.bpfel.o', 'lpm_v4', 'lru_']), ['lru_map', 'lru_percpu_map']);
  assert.equal(bashComplete(['dump', 'fixtures/firewall.bpfel.o', 'ingress_node_firewall_table_map', '--pin-r']), ['--pin-root']);
  assert.equal(bashComplete(['dump', 'fixtures/firewall.bpfel.o', 'ingress_node_firewall_table_map', '--nd']), ['--ndjson']);
  const upd = ['update', 'fixtures/firewall.bpfel.o', 'ingress_node_firewall_table_map', '--key', '{}', '--set'];
  assert.equal(bashComplete([...upd, '']), ['rules[']);
  assert.equal(bashComplete([...upd, 'rules[3].ac']), ['rules[3].action=']);
  assert.equal(bashComplete([...upd, 'rules[3].']).length, 7);
  assert.equal(bashComplete(['maps', 'fixtures/firewall.bpf']), ['fixtures/firewall.bpfeb.o', 'fixtures/firewall.bpfel.o']);
}));

S('pinned paths under bpffs after --pin and pinned', kernel(() => withPinDir((dir) => {
  const r = bpfmap(['create', 'fixtures/coverage.bpfel.o', 'numa_map', 'lpm_v4', '--pin-root', dir]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(bashComplete(['dump', '--pin', `${dir}/`]), [`${dir}/lpm_v4`, `${dir}/numa_map`]);
  assert.equal(bashComplete(['dump', 'pinned', `${dir}/nu`]), [`${dir}/numa_map`]);
  assert.ok(bashComplete(['dump', '--pin', '']).includes(`${dir}/`), 'bpffs by default');
})));

S('zsh and fish scripts call the helper; another shell is a usage error', () => {
  for (const sh of ['zsh', 'fish']) {
    const r = bpfmap(['completion', sh]);
    assert.is(r.code, 0);
    assert.match(r.stdout, /bpfmap __complete/);
  }
  const bad = bpfmap(['completion', 'tcsh']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /flavour: got "tcsh", expected one of "bash", "zsh", "fish"/);
});

S.after(() => rmSync(binDir, { recursive: true, force: true }));
S.run();
