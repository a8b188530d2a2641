/**
 * One fuzz process (spawned by run.ts): runs a range of iterations and reports over IPC. It announces
 * each iteration before running it, so that if it dies (out of memory, stack overflow in native code)
 * or hangs, the parent knows which input did it and can regenerate it from (seed, iteration).
 */
import { check, generate, newSummary, record, type Summary } from './fuzz.js';
import { loadCorpus } from './corpus.js';

const [seed, start, count] = process.argv.slice(2).map(Number) as [number, number, number];
const send = (m: unknown): void => { process.send!(m); };
const corpus = loadCorpus();
let s: Summary = newSummary();
const flush = (): void => {
  s.maxRss = Math.max(s.maxRss, process.memoryUsage.rss());
  send({ type: 'stats', summary: { ...s, failures: [] } });
  s = newSummary();
};
for (let i = start; i < start + count; i++) {
  send({ type: 'at', i });
  const r = check(generate(seed, i, corpus));
  record(s, r);
  if (r.failure) send({ type: 'fail', i, what: r.input.what, failure: r.failure, outcome: r.outcome, ms: r.ms });
  if ((i - start) % 500 === 499) flush();
}
flush();
send({ type: 'done' });
process.disconnect();
