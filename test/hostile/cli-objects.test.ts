/**
 * The CLI on hostile objects: `maps`, `schema` and `types` on each bad input of BAD_OBJECTS exit with
 * the documented code (5 invalid input, 3 missing file), print exactly one line `bpfmap: <message>`
 * on stderr (no stack trace) and nothing on stdout. Needs the built CLI (npm run build).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { BAD_OBJECTS } from './bad-objects.js';
import { BIN } from '../helpers/cli.js';

const root = new URL('../../', import.meta.url).pathname;
const CLI = BIN;
const COMMANDS = ['maps', 'schema', 'types'] as const;

const dir = mkdtempSync(join(tmpdir(), 'bpfmap-hostile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const cli = suite('bpfmap maps/schema/types on hostile objects');

cli('the CLI is built', () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
});

for (const c of BAD_OBJECTS) {
  const path = c.make(dir);
  if (c.badMap) {
    // One bad map: the object stays usable; only a command naming that map fails, with its reason.
    cli(`maps/schema: ${c.name} -> map '${c.badMap}' reported unusable, exit 0`, () => {
      const schema = spawnSync(process.execPath, [CLI, 'schema', path, '--json'], { encoding: 'utf8', timeout: 20000 });
      assert.is(schema.status, 0, schema.stderr);
      const doc = JSON.parse(schema.stdout) as { unusable: { name: string; code: string; reason: string }[] };
      assert.equal(doc.unusable.map((u) => u.name), [c.badMap]);
      assert.match(doc.unusable[0]!.code, /^BTF_(MALFORMED|UNSUPPORTED)$/);
      assert.is(doc.unusable[0]!.reason, c.message(path, basename(path)));
      const maps = spawnSync(process.execPath, [CLI, 'maps', path], { encoding: 'utf8', timeout: 20000 });
      assert.is(maps.status, 0, maps.stderr);
      assert.ok(maps.stdout.includes(`  ${c.message(path, basename(path))}\n`), maps.stdout);
    });
    cli(`template naming the map: ${c.name} -> exit ${c.exit}`, () => {
      const r = spawnSync(process.execPath, [CLI, 'template', path, c.badMap!], { encoding: 'utf8', timeout: 20000 });
      assert.is(r.stderr, `bpfmap: ${c.message(path, basename(path))}\n`);
      assert.is(r.status, c.exit);
      assert.is(r.stdout, '');
    });
    cli(`types: ${c.name} -> does not depend on the map`, () => {
      const r = spawnSync(process.execPath, [CLI, 'types', path, '--json'], { encoding: 'utf8', timeout: 20000 });
      assert.is(r.status, 0, r.stderr);
      assert.ok((JSON.parse(r.stdout) as { types: unknown[] }).types.length > 3);
    });
    continue;
  }
  for (const cmd of COMMANDS) {
    cli(`${cmd}: ${c.name} -> exit ${c.exit}`, () => {
      const r = spawnSync(process.execPath, [CLI, cmd, path], { encoding: 'utf8', timeout: 20000 });
      assert.is(r.signal, null, 'killed (timeout)');
      assert.is(r.stderr, `bpfmap: ${c.message(path, basename(path))}\n`);
      assert.is(r.status, c.exit);
      assert.is(r.stdout, '');
      assert.not.match(r.stderr, /\n\s+at /);
    });
  }
}

cli('--verbose adds the stack, still on stderr only', () => {
  const c = BAD_OBJECTS.find((x) => x.name === 'ELF32 file')!;
  const path = c.make(dir);
  const r = spawnSync(process.execPath, [CLI, 'maps', path, '--verbose'], { encoding: 'utf8' });
  assert.is(r.status, 5);
  assert.ok(r.stderr.startsWith(`bpfmap: ${c.message(path, basename(path))}\n`));
  assert.match(r.stderr, /\n\s+at /);
  assert.is(r.stdout, '');
});

cli.run();
