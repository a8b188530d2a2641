// The library's messages name the option fields its callers pass (`pin`, `pinRoot`, `force`); the
// CLI turns exactly those into flags (bin/report.ts), and leaves every other backquoted word alone.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyState, DesiredState, type ObjectSchema } from '../src/index.js';
import { cliMessage } from '../bin/report.js';

const ROOT = join(import.meta.dirname, '..');
const OBJ: ObjectSchema = { object: 't.o', byteOrder: 'little', maps: [] };

test('library: the message names the option fields, not flags', () => {
  let msg = '';
  try { applyState(new DesiredState(OBJ, 's.yaml'), { pin: '/x' }); } catch (e) { msg = (e as Error).message; }
  assert.is(msg, '`pin`: names one map, but s.yaml names 0; use `pinRoot` DIR');
});

test('CLI: option fields become flags, other backquoted words stay', () => {
  assert.is(cliMessage('give either `pin` or `pinRoot`, not both'), 'give either --pin or --pin-root, not both');
  assert.is(cliMessage('(use `force` to go ahead anyway); pick one with `id` N'), '(use --force to go ahead anyway); pick one with --id N');
  assert.is(cliMessage('field `ruleId` of `rules`'), 'field `ruleId` of `rules`');
});

test('CLI: the same error as printed, with flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-msg-'));
  try {
    const f = join(dir, 'state.yaml');
    writeFileSync(f, 'maps:\n  ingress_node_firewall_table_map: {entries: []}\n  ingress_node_firewall_statistics_map: {entries: []}\n');
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli/bpfmap.js'), 'apply', join(ROOT, 'fixtures/firewall.bpfel.o'), '-f', f, '--pin', join(dir, 'none')], { encoding: 'utf8' });
    assert.is(r.stderr, `bpfmap: --pin: names one map, but ${f} names 2; use --pin-root DIR\n`);
    assert.is(r.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
