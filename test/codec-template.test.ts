// `bpfmap template`, offline: the skeleton of every map of every little-endian fixture object, byte
// for byte against fixtures/golden-templates/ (every shape: records, unions, bitfields, arrays of
// structs, char arrays, addresses, enums, big-endian fields, LPM keys, maps without BTF), and each
// skeleton encodes to zeros as it is, except an LPM key, refused until its address or length is set.
// Regenerate deliberately with `npm run golden` after a reviewed change.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapCodecs, parseDocument, templateYaml } from '../src/codec/index.js';
import { loadObjectFile } from '../src/object/index.js';
import { ROOT } from './helpers/cli.js';

const T = suite('templates');
const GOLDEN = join(ROOT, 'fixtures', 'golden-templates');
const objects = readdirSync(join(ROOT, 'fixtures')).filter((f) => f.endsWith('.bpfel.o')).sort();

/** Every map's template of one object, one after the other. */
function templates(o: string): string {
  const { schema } = loadObjectFile(join(ROOT, 'fixtures', o));
  return schema.maps.map((m) => templateYaml(m)).join('---\n');
}

if (process.env.BPFMAP_GOLDEN === 'write') {
  mkdirSync(GOLDEN, { recursive: true });
  for (const o of objects) writeFileSync(join(GOLDEN, o.replace(/\.o$/, '.yaml')), templates(o));
}

T('a golden template file for every little-endian fixture object', () => {
  assert.ok(objects.length >= 6);
  assert.equal(readdirSync(GOLDEN).sort(), objects.map((o) => o.replace(/\.o$/, '.yaml')));
});

for (const o of objects) {
  T(o, () => {
    const want = join(GOLDEN, o.replace(/\.o$/, '.yaml'));
    assert.ok(existsSync(want), want);
    assert.fixture(templates(o), readFileSync(want, 'utf8'));
  });
}

T('every template encodes to zeros as it is; an LPM key only once its prefix is given', () => {
  let n = 0;
  for (const o of objects) {
    const { schema } = loadObjectFile(join(ROOT, 'fixtures', o));
    for (const m of schema.maps) {
      if (m.keySize === 0 && m.valueSize === 0) continue; // ring buffers: a template of comments only
      const doc = parseDocument(templateYaml(m), `${o} ${m.name}`) as { key?: unknown; value?: unknown };
      const c = mapCodecs(m, schema.byteOrder);
      if (m.keySize > 0 && doc.key !== undefined) {
        if (m.type === 'lpm_trie') {
          assert.throws(() => c.key.encode(doc.key), /prefix length/, `${o} ${m.name}: an LPM key without a prefix is refused`);
        } else {
          assert.ok(c.key.encode(doc.key).every((b) => b === 0), `${o} ${m.name} key`);
        }
      }
      if (m.valueSize > 0 && doc.value !== undefined) assert.ok(c.value.encode(doc.value).every((b) => b === 0), `${o} ${m.name} value`);
      n++;
    }
  }
  assert.ok(n >= 30, `${n} maps`);
});

T.run();
