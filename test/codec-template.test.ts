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

T('enums (a zero name when there is a usable one, at most 12 listed), empty structs, arrays of none or of empty elements, of unions', async () => {
  const { arr, enm, f, mapOf, struct, u32, u8, union } = await import('./oracle/schemas.js');
  const e13 = enm('many', 4, false, Array.from({ length: 13 }, (_, i) => [`V${i}`, i] as [string, number]));
  const e12 = enm('twelve', 4, false, Array.from({ length: 12 }, (_, i) => [`W${i}`, i + 1] as [string, number]));
  const v = struct('v', 64, [f('m', 0, e13), f('t', 4, e12), f('o', 8, enm('odd', 4, false, [['A-B', 0], ['C', 1]])),
    f('b', 16, enm('big', 8, false, [['ZERO', 0n], ['ONE', 1n]])), f('p', 24, enm('pre', 4, false, [['9X', 0]])),
    f('empty', 28, struct('nothing', 0, [])), f('none', 28, arr(struct('pt', 4, [f('x', 0, u32)]), 0)),
    f('hollow', 28, arr(struct('nothing', 0, []), 3)), f('tail', 28, arr(u8, 4)),
    f('alts', 32, arr(union('alt', 4, [f('x', 0, u32), f('y', 0, u8)]), 2))]);
  assert.fixture(templateYaml(mapOf('m', 'hash', u32, v)), WANT);
});

const WANT = "# map m (hash): key 4 bytes, value 64 bytes\n# every field is zero; a field left out is zero too\nkey: 0  # __u32, offset 0, size 4\nvalue:  # struct v, offset 0, size 64\n  m: V0  # enum many (V0=0, V1=1, V2=2, V3=3, V4=4, V5=5, V6=6, V7=7, V8=8, V9=9, V10=10, V11=11, ...), offset 0, size 4\n  t: 0  # enum twelve (W0=1, W1=2, W2=3, W3=4, W4=5, W5=6, W6=7, W7=8, W8=9, W9=10, W10=11, W11=12), offset 4, size 4\n  o: 0  # enum odd (A-B=0, C=1), offset 8, size 4\n  b: ZERO  # enum big (ZERO=0, ONE=1), offset 16, size 8\n  p: 0  # enum pre (9X=0), offset 24, size 4\n  empty: {}  # struct nothing, offset 28, size 0\n  none: []  # struct pt[0], offset 28, size 0: a list of up to 0\n  hollow: []  # struct nothing[3], offset 28, size 0: a list of up to 3\n  tail: []  # __u8[4], offset 28, size 4: a list of up to 4, or an IPv4 address\n  alts:  # union alt[2], offset 32, size 8: a list, or an index map of elements 0..1\n    0:  # union alt, offset 32, size 4; name exactly one of x, y\n      x: 0  # __u32, offset 32, size 4\n";

T.run();
