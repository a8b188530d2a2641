// Every command's --help has an example, and every offline example runs as pasted (the ones that
// need live maps: test/help-examples.test.ts). The examples are read from the tables in
// bin/commands/*.ts and must appear in the command's --help.
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { bpfmap } from './helpers/cli.js';
import { suite } from './helpers/skip.js';
import { asShell, COMMANDS, EX, expectedExit, noRun, offline, sh, workDir } from './helpers/help-examples.js';

const H = suite('--help examples');

H('every command has an example, shown by its --help', () => {
  assert.ok(COMMANDS.length >= 20, COMMANDS.join(' '));
  for (const c of COMMANDS) {
    const mine = EX.filter((e) => e.command === c);
    assert.ok(mine.length >= 1, `${c}: no example`);
    const r = bpfmap([c, '--help']);
    assert.is(r.code, 0, `${c} --help`);
    assert.match(r.stdout, /Examples:/, c);
    // Columns wrap: each example's start, and its description's first word, are in the help.
    const help = r.stdout.slice(r.stdout.indexOf('Examples:'));
    for (const e of mine) {
      assert.ok(help.includes(asShell(e).slice(0, 14)), `${c} --help shows '${e.text}'`);
      assert.ok(help.includes(e.description.split(' ')[0]!), `${c} --help shows '${e.description}'`);
    }
  }
});

H('offline examples run as pasted', async () => {
  const dir = workDir();
  try {
    const list = EX.filter((e) => offline(e) && !noRun(e));
    assert.ok(list.length >= 10);
    for (const e of list) {
      const r = await sh(asShell(e), dir);
      assert.is(r.code, expectedExit(e), `${e.text}\n${r.out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

H.run();
