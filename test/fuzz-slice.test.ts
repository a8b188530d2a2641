/**
 * The CI slice of the fuzz harness: a fixed seed, every truncation of the smallest committed fixture,
 * then a few thousand mutated / synthetic / vmlinux-slice inputs. Every input must end in a schema or
 * a BpfmapError, under 1 s, with bounded memory.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fuzzRange, generate, check, type FuzzResult } from './fuzz/fuzz.js';
import { loadCorpus } from './fuzz/corpus.js';
import { rngFor } from './fuzz/prng.js';
import { mutate } from './fuzz/mutate.js';

const SEED = 7;
const RANDOM = 2500;
const corpus = loadCorpus();
const truncations = corpus.smallest.bytes.byteLength + 1;

const slice = suite('fuzzRange (CI slice)');

slice(`seed ${SEED}: ${truncations} truncations of ${corpus.smallest.name} and ${RANDOM} random inputs, no failures`, () => {
  const results: FuzzResult[] = [];
  const s = fuzzRange(SEED, 0, truncations + RANDOM, (r) => results.push(r));
  const report = s.failures.slice(0, 5).map((f) => `iteration ${f.input.iteration} (${f.input.what}): ${f.failure}`).join('\n');
  assert.is(s.failures.length, 0, `fuzz failures:\n${report}`);
  assert.is(s.iterations, truncations + RANDOM);
  // Every proper truncation is refused as a malformed object; the whole file loads.
  for (let i = 0; i < truncations - 1; i++) assert.ok(/_MALFORMED$|^ELF/.test(results[i]!.outcome) || results[i]!.outcome.startsWith('BTF'), `truncation at ${i}: ${results[i]!.outcome}`);
  assert.is(results[truncations - 1]!.outcome, 'object');
  // The random part reaches every stage: loaded objects, ELF refusals, BTF refusals, codec refusals.
  for (const code of ['object', 'ELF_MALFORMED', 'BTF_MALFORMED', 'SCHEMA_INVALID']) {
    assert.ok((s.outcomes[code] ?? 0) > 0, `no input ended in ${code}: ${JSON.stringify(s.outcomes)}`);
  }
  // The 1 s budget per input is enforced by check() (a failure above), on the smaller of wall and CPU
  // time: wall time alone counts waiting for a core on a loaded machine (seen: 5.0 s wall, 0.8 s CPU).
});

const gen = suite('generate');

gen('an input is a pure function of (seed, iteration)', () => {
  for (const i of [0, 5, truncations + 1, truncations + 777]) {
    assert.equal(generate(SEED, i, corpus).bytes, generate(SEED, i, corpus).bytes);
  }
  assert.not.equal(generate(SEED, truncations + 1, corpus).bytes, generate(SEED + 1, truncations + 1, corpus).bytes);
});

gen('the first iterations truncate the smallest fixture at every offset', () => {
  for (const i of [0, 1, 63, 64, truncations - 1]) assert.is(generate(SEED, i, corpus).bytes.byteLength, i);
});

const mut = suite('mutate');

mut('mutations change the input and say what they did', () => {
  let changed = 0;
  for (let i = 0; i < 200; i++) {
    const seed = corpus.objects[i % corpus.objects.length]!;
    const m = mutate(rngFor(99, i), seed.bytes);
    assert.ok(m.what.length > 0);
    if (m.bytes.byteLength !== seed.bytes.byteLength || m.bytes.some((b, k) => b !== seed.bytes[k])) changed++;
  }
  assert.ok(changed >= 180, `only ${changed} of 200 mutations changed anything`);
});

const chk = suite('check');

chk('typed refusals and loaded inputs are outcomes, not failures', () => {
  const ok = check({ iteration: -1, bytes: corpus.smallest.bytes, what: 'fixture' });
  assert.is(ok.failure, undefined);
  assert.is(ok.outcome, 'object');
  const bad = check({ iteration: -1, bytes: new TextEncoder().encode('{"maps": 5}'), what: 'bad schema' });
  assert.is(bad.failure, undefined);
  assert.is(bad.outcome, 'SCHEMA_INVALID');
});

slice.run();
gen.run();
mut.run();
chk.run();
