/**
 * Golden schemas: `bpfmap schema OBJ --json` for every committed fixture equals the committed file,
 * byte for byte. Regenerate deliberately with `npm run golden` after a reviewed change.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bpfmap, ROOT } from './helpers/cli.js';

const G = suite('golden schemas');
const objects = readdirSync(join(ROOT, 'fixtures')).filter((f) => f.endsWith('.o')).sort();

G('there is a golden schema for every fixture object', () => {
  assert.ok(objects.length >= 6);
  const golden = readdirSync(join(ROOT, 'fixtures', 'golden')).sort();
  assert.equal(golden, objects.map((o) => o.replace(/\.o$/, '.schema.json')).sort());
});

for (const o of objects) {
  G(`${o}`, () => {
    const r = bpfmap(['schema', join('fixtures', o), '--json']);
    assert.is(r.code, 0, r.stderr);
    const want = readFileSync(join(ROOT, 'fixtures', 'golden', o.replace(/\.o$/, '.schema.json')), 'utf8');
    assert.fixture(r.stdout, want);
  });
}

G('little- and big-endian builds give the same maps and layouts, only byteOrder differs', () => {
  for (const base of ['firewall', 'firewall-seed', 'coverage']) {
    const el = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'golden', `${base}.bpfel.schema.json`), 'utf8'));
    const eb = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'golden', `${base}.bpfeb.schema.json`), 'utf8'));
    assert.is(el.byteOrder, 'little');
    assert.is(eb.byteOrder, 'big');
    assert.equal(eb.maps, el.maps);
  }
});
G.run();
