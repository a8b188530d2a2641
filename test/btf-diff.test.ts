/**
 * Differential test against bpftool: for every fixture object, every Debian object fetched by
 * fixtures/debian/fetch.sh and /sys/kernel/btf/vmlinux, every type's id, kind, name, size, members,
 * enum values, array info (and every other field bpftool prints) equals `bpftool btf dump file X -j`.
 *
 * One known bpftool quirk is normalised: bpftool prints an unsigned 32-bit ENUM value >= 2^31 sign-
 * extended to 64 bits (4026531839 as 18446744073441116159); we print the value BTF holds.
 */
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseElf } from '../src/elf/index.js';
import { skip, suite } from './helpers/skip.js';
import { loadBtf, writeTypesJson, typesJson } from '../src/index.js';
import { BtfBuilder } from './helpers/btf-builder.js';

const root = new URL('..', import.meta.url).pathname;
const VMLINUX = '/sys/kernel/btf/vmlinux';

function haveBpftool(): boolean {
  try { execFileSync('bpftool', ['version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

type Entry = Record<string, unknown>;

/** JSON.parse that keeps every enum value exact (as a decimal string). */
function parseTypes(text: string): Entry[] {
  return (JSON.parse(text.replace(/"val":(-?\d+)/g, '"val":"$1"')) as { types: Entry[] }).types;
}

function normaliseBpftool(t: Entry): Entry {
  if (t.kind === 'ENUM' && t.encoding === 'UNSIGNED') {
    const values = (t.values as { name: string; val: string }[]).map((v) => ({ ...v, val: BigInt.asUintN(32, BigInt(v.val)).toString() }));
    return { ...t, values };
  }
  return t;
}

function rawBtfOf(path: string): Uint8Array {
  const bytes = readFileSync(path);
  if (path === VMLINUX) return bytes;
  const elf = parseElf(bytes, path);
  const sec = elf.section('.BTF');
  if (!sec) throw new Error(`${path}: no .BTF section`);
  return elf.data(sec);
}

function ours(path: string): string {
  const chunks: string[] = [];
  writeTypesJson(loadBtf(rawBtfOf(path)), (c) => { chunks.push(c); });
  return chunks.join('');
}

function compare(path: string): number {
  const expected = parseTypes(execFileSync('bpftool', ['btf', 'dump', 'file', path, '-j'], { encoding: 'utf8', maxBuffer: 1 << 30 })).map(normaliseBpftool);
  const got = parseTypes(ours(path));
  assert.is(got.length, expected.length, `${path}: number of types`);
  const diffs: string[] = [];
  for (let i = 0; i < expected.length && diffs.length < 5; i++) {
    const a = JSON.stringify(got[i]);
    const b = JSON.stringify(expected[i]);
    if (a !== b) diffs.push(`type ${i + 1}:\n  ours:    ${a.slice(0, 400)}\n  bpftool: ${b.slice(0, 400)}`);
  }
  assert.is(diffs.length, 0, `${path}: differs from bpftool\n${diffs.join('\n')}`);
  return expected.length;
}

const fixtureObjects = readdirSync(join(root, 'fixtures')).filter((f) => f.endsWith('.o')).sort().map((f) => join(root, 'fixtures', f));
const debianDir = join(root, 'fixtures/debian/objects');
const debianObjects = existsSync(debianDir) ? readdirSync(debianDir).filter((f) => f.endsWith('.o')).sort().map((f) => join(debianDir, f)) : [];

const diff = suite('writeTypesJson vs bpftool');

const bpftool = haveBpftool();
diff('fixtures exist', () => { assert.ok(fixtureObjects.length >= 6, `fixture objects: ${fixtureObjects.join(', ')}`); });
for (const f of fixtureObjects) {
  diff(`fixture ${f.slice(root.length)}`, () => {
    if (!bpftool) return skip('bpftool not installed');
    assert.ok(compare(f) > 10);
  });
}
diff('Debian objects (fixtures/debian/fetch.sh)', () => {
  if (!bpftool) return skip('bpftool not installed');
  if (debianObjects.length === 0) return skip('fixtures/debian/objects is empty: run fixtures/debian/fetch.sh');
  let n = 0;
  for (const f of debianObjects) n += compare(f);
  assert.ok(n > 100);
});
diff('vmlinux', () => {
  if (!bpftool) return skip('bpftool not installed');
  if (!existsSync(VMLINUX)) return skip(`${VMLINUX} is not present`);
  assert.ok(compare(VMLINUX) > 10000);
});
diff.run();

const objs = suite('typesJson');
objs('builds the same entries as the streamed text', () => {
  for (const f of fixtureObjects) {
    const btf = loadBtf(rawBtfOf(f));
    const text = parseTypes(ours(f));
    const built = typesJson(btf).types.map((t) => {
      if (!Array.isArray(t.values)) return t;
      return { ...t, values: (t.values as { name: string; val: unknown }[]).map((v) => ({ ...v, val: String(v.val) })) };
    });
    assert.equal(built, text, f);
  }
});
objs('a section of 20,000 variables (about 900 kB of text in one record): streamed whole, as typesJson has it', () => {
  // The variables share one name, so the buffer's room for escaped names is small: the record must be
  // written out in chunks as it goes (it once overran the buffer: a RangeError, exit 1).
  const b = new BtfBuilder();
  const int = b.int('int', 4, { signed: true });
  const vars: [number, number, number][] = [];
  for (let i = 0; i < 20_000; i++) vars.push([b.variable('v', int), i * 4, 4]);
  b.datasec('.kconfig', 80_000, vars);
  const btf = loadBtf(b.build());
  const chunks: string[] = [];
  writeTypesJson(btf, (c) => { chunks.push(c); });
  const types = parseTypes(chunks.join(''));
  assert.ok(chunks.length > 1, 'written in more than one chunk');
  assert.equal(types, typesJson(btf).types);
  const sec = types.at(-1) as { kind: string; vars: { type_id: number; offset: number }[] };
  assert.equal([sec.kind, sec.vars.length, sec.vars.at(-1)], ['DATASEC', 20_000, { type_id: 20_001, offset: 79_996, size: 4 }]);
});
objs.run();
