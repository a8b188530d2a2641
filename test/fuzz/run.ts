/**
 * `npm run fuzz -- --iterations N --seed S [--start K] [--save]`: runs iterations [K, K+N) of the run
 * with seed S in a child process (restarted after a crash or hang, which is recorded against the
 * input that caused it), writes every failing input to test/fuzz/regressions/ with --save (the
 * default), and prints a summary: iterations, outcomes by error code, slowest input, max RSS.
 * Exit code 1 when any input failed.
 */
import { fork } from 'node:child_process';
import { generate, newSummary, type Summary } from './fuzz.js';
import { loadCorpus } from './corpus.js';
import { saveRegression } from './regressions.js';

interface Options { iterations: number; seed: number; start: number; save: boolean; hangMs: number; quiet: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { iterations: 10000, seed: 1, start: 0, save: true, hangMs: 20000, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) { process.stderr.write(`fuzz: ${a}: expected a non-negative integer, got ${argv[i]}\n`); process.exit(2); }
      return v;
    };
    if (a === '--iterations' || a === '-n') o.iterations = next();
    else if (a === '--seed' || a === '-s') o.seed = next();
    else if (a === '--start') o.start = next();
    else if (a === '--hang-ms') o.hangMs = next();
    else if (a === '--no-save') o.save = false;
    else if (a === '--quiet') o.quiet = true;
    else { process.stderr.write(`fuzz: unknown option ${a}\nusage: npm run fuzz -- --iterations N --seed S [--start K] [--no-save] [--quiet]\n`); process.exit(2); }
  }
  return o;
}

function merge(into: Summary, s: Summary): void {
  into.iterations += s.iterations;
  for (const [k, v] of Object.entries(s.outcomes)) into.outcomes[k] = (into.outcomes[k] ?? 0) + v;
  if (s.slowestMs > into.slowestMs) { into.slowestMs = s.slowestMs; into.slowestWhat = s.slowestWhat; }
  into.maxRss = Math.max(into.maxRss, s.maxRss);
}

interface Failure { i: number; what: string; failure: string }

/** Runs [from, end) in one child; resolves with the next iteration to run (after a crash) or end. */
function runChild(o: Options, from: number, end: number, total: Summary, failures: Failure[]): Promise<number> {
  return new Promise((resolve) => {
    const script = new URL('./child.ts', import.meta.url).pathname;
    const child = fork(script, [String(o.seed), String(from), String(end - from)], {
      execArgv: ['--import', 'tsx', '--max-old-space-size=2048', '--stack-size=984'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let at = from - 1;
    let done = false;
    let lastBeat = Date.now();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const timer = setInterval(() => {
      if (Date.now() - lastBeat > o.hangMs && child.pid !== undefined) {
        failures.push({ i: at, what: generate(o.seed, at).what, failure: `hang: no progress for ${o.hangMs} ms` });
        total.outcomes.FAILURE = (total.outcomes.FAILURE ?? 0) + 1;
        total.iterations++;
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('message', (m: { type: string; i?: number; what?: string; failure?: string; summary?: Summary }) => {
      lastBeat = Date.now();
      if (m.type === 'at') at = m.i!;
      else if (m.type === 'stats') merge(total, m.summary!);
      else if (m.type === 'fail') failures.push({ i: m.i!, what: m.what!, failure: m.failure! });
      else if (m.type === 'done') done = true;
    });
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (done) { resolve(end); return; }
      const hung = failures.some((f) => f.i === at && f.failure.startsWith('hang'));
      if (!hung) {
        const last = stderr.trim().split('\n').filter((l) => /error|Error|FATAL/.test(l)).slice(-2).join(' | ');
        failures.push({ i: at, what: generate(o.seed, at).what, failure: `process died (exit ${code}, signal ${signal}): ${last || stderr.slice(-300)}` });
        total.outcomes.FAILURE = (total.outcomes.FAILURE ?? 0) + 1;
        total.iterations++;
      }
      // Stats since the last flush of the dead child are lost; they are counted as skipped.
      resolve(at + 1);
    });
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  loadCorpus();
  const total = newSummary();
  const failures: Failure[] = [];
  const end = o.start + o.iterations;
  const t0 = Date.now();
  let next = o.start;
  while (next < end) next = await runChild(o, next, end, total, failures);
  const secs = (Date.now() - t0) / 1000;
  const saved: string[] = [];
  for (const f of failures) {
    const input = generate(o.seed, f.i);
    const note = `seed ${o.seed} iteration ${f.i}\ninput: ${f.what}\nfailure: ${f.failure}`;
    if (o.save) saved.push(saveRegression(input.bytes, note));
    if (!o.quiet) process.stdout.write(`FAIL seed ${o.seed} iteration ${f.i}: ${f.what}\n  ${f.failure.slice(0, 600)}\n`);
  }
  const codes = Object.entries(total.outcomes).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  process.stdout.write([
    `fuzz: seed ${o.seed}, iterations ${o.start}..${end - 1}`,
    `iterations: ${total.iterations} in ${secs.toFixed(1)} s (${(total.iterations / Math.max(secs, 0.001)).toFixed(0)}/s)`,
    `outcomes: ${codes}`,
    `slowest input: ${total.slowestMs.toFixed(1)} ms (${total.slowestWhat})`,
    `max RSS: ${(total.maxRss / 1048576).toFixed(0)} MiB`,
    `failures: ${failures.length}${saved.length ? ` (saved: ${[...new Set(saved)].length} regression inputs)` : ''}`,
  ].join('\n') + '\n');
  process.exitCode = failures.length ? 1 : 0;
}

await main();
