/**
 * The fuzz loop: iteration i of a run with a seed is a pure function of (seed, i), so any input can
 * be regenerated from its two numbers. The first iterations truncate the smallest committed fixture
 * at every offset; the rest mutate the corpus, cut vmlinux slices, or build synthetic hostile objects.
 * Each input runs through the offline pipeline and is checked: typed error or schema, under the time
 * budget, bounded memory.
 */
import { rngFor, type Rng } from './prng.js';
import { loadCorpus, type Corpus } from './corpus.js';
import { mutate } from './mutate.js';
import { mutateSchema } from './schema-mutate.js';
import { HOSTILE_NAMES, makeHostileObject } from './synth.js';
import { runPipeline } from './pipeline.js';

export interface FuzzInput {
  readonly iteration: number;
  readonly bytes: Uint8Array;
  /** Where it came from and what was done to it. */
  readonly what: string;
}

export interface FuzzResult {
  readonly input: FuzzInput;
  readonly outcome: string;
  readonly ms: number;
  /** Set when the input found a bug. */
  readonly failure?: string;
}

/** Per-input budget (the spec's limit). */
export const TIME_LIMIT_MS = 1000;

/**
 * Memory an input may add while it runs: a small multiple of its size, plus a multiple of the key and
 * value bytes it declares (at most 4 MiB each: decoding zeros into JS values costs per byte), plus
 * slack for the pipeline itself.
 */
export function memoryLimit(inputBytes: number, valueBytes = 0): number {
  return 96 * 1024 * 1024 + 64 * inputBytes + 128 * valueBytes;
}

function generateFrom(rng: Rng, corpus: Corpus): { bytes: Uint8Array; what: string } {
  const r = rng.int(100);
  if (r < 55 || (!corpus.vmlinux && r < 75)) {
    const seed = rng.pick(corpus.objects);
    const m = mutate(rng, seed.bytes);
    return { bytes: m.bytes, what: `${seed.name}: ${m.what}` };
  }
  if (r < 75 && corpus.vmlinux) {
    const head = rng.chance(0.1);
    const base = head ? corpus.vmlinux.head() : corpus.vmlinux.slice(rng);
    if (rng.chance(0.3)) return { bytes: base, what: `vmlinux ${head ? 'head' : 'slice'} (unmutated)` };
    const m = mutate(rng, base);
    return { bytes: m.bytes, what: `vmlinux ${head ? 'head' : 'slice'}: ${m.what}` };
  }
  if (r < 92) {
    const name = rng.pick(HOSTILE_NAMES);
    const obj = makeHostileObject(name, rng);
    if (rng.chance(0.7)) return { bytes: obj, what: `synthetic ${name}` };
    const m = mutate(rng, obj);
    return { bytes: m.bytes, what: `synthetic ${name}: ${m.what}` };
  }
  const seed = rng.pick(corpus.objects);
  const m = mutateSchema(rng, seed);
  return { bytes: m.bytes, what: `schema of ${seed.name}: ${m.what}` };
}

export function generate(seed: number, i: number, corpus: Corpus = loadCorpus()): FuzzInput {
  const small = corpus.smallest;
  if (i <= small.bytes.byteLength) {
    return { iteration: i, bytes: small.bytes.subarray(0, i), what: `${small.name}: truncate at ${i} (exhaustive)` };
  }
  const { bytes, what } = generateFrom(rngFor(seed, i), corpus);
  return { iteration: i, bytes, what };
}

function describeError(e: unknown): string {
  if (e instanceof Error) {
    const frames = (e.stack ?? '').split('\n').slice(1, 6).map((l) => l.trim()).join(' | ');
    return `${e.name}: ${e.message.slice(0, 500)} @ ${frames}`;
  }
  return `non-error thrown: ${String(e).slice(0, 200)}`;
}

/** Runs one input through the pipeline and judges it. */
export function check(input: FuzzInput): FuzzResult {
  const before = process.memoryUsage();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let outcome = 'crash';
  let failure: string | undefined;
  let valueBytes = 0;
  try {
    const r = runPipeline(input.bytes, 'fuzz.o');
    outcome = r.outcome;
    valueBytes = r.valueBytes;
  } catch (e) {
    failure = describeError(e);
  }
  const ms = performance.now() - t0;
  // Judged on the smaller of wall and CPU time: on a loaded machine (CI runs the slice next to other
  // work) wall time counts waiting for a core; CPU time alone would count parallel GC threads.
  const cpu = process.cpuUsage(cpu0);
  const cost = Math.min(ms, (cpu.user + cpu.system) / 1000);
  if (!failure && cost > TIME_LIMIT_MS) failure = `too slow: ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (limit ${TIME_LIMIT_MS} ms)`;
  if (!failure) {
    const after = process.memoryUsage();
    const grew = (after.heapUsed + after.arrayBuffers) - (before.heapUsed + before.arrayBuffers);
    if (grew > memoryLimit(input.bytes.byteLength, valueBytes)) failure = `memory grew by ${(grew / 1048576).toFixed(0)} MiB for a ${input.bytes.byteLength}-byte input`;
  }
  return { input, outcome, ms, ...(failure ? { failure } : {}) };
}

export interface Summary {
  iterations: number;
  outcomes: Record<string, number>;
  failures: FuzzResult[];
  slowestMs: number;
  slowestWhat: string;
  maxRss: number;
}

export function newSummary(): Summary {
  return { iterations: 0, outcomes: {}, failures: [], slowestMs: 0, slowestWhat: '', maxRss: 0 };
}

export function record(s: Summary, r: FuzzResult): void {
  s.iterations++;
  const key = r.failure ? 'FAILURE' : r.outcome;
  s.outcomes[key] = (s.outcomes[key] ?? 0) + 1;
  if (r.failure) s.failures.push(r);
  if (r.ms > s.slowestMs) { s.slowestMs = r.ms; s.slowestWhat = r.input.what; }
}

/** Runs iterations [start, start + count) in this thread. */
export function fuzzRange(seed: number, start: number, count: number, onResult?: (r: FuzzResult) => void): Summary {
  const corpus = loadCorpus();
  const s = newSummary();
  for (let i = start; i < start + count; i++) {
    const r = check(generate(seed, i, corpus));
    record(s, r);
    onResult?.(r);
    if ((i & 63) === 0) s.maxRss = Math.max(s.maxRss, process.memoryUsage.rss());
  }
  s.maxRss = Math.max(s.maxRss, process.memoryUsage.rss());
  return s;
}
