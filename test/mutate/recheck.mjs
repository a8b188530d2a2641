#!/usr/bin/env node
// node test/mutate/recheck.mjs FOLDER [REPORT]: re-runs only the mutants that survived the last `npm run
// mutate -- FOLDER` (reports/mutation/FOLDER.json, or REPORT.json for a run restricted with --mutate
// and BPFMAP_MUTATE_REPORT) against the current tests, one at a time: each is written into its source
// file, test/mutate/run.mjs runs, and the file is restored (also on Ctrl-C). Mutants that timed out
// are re-run too: on a loaded machine a slow surviving run can pass Stryker's timeout. Prints every
// mutant still alive and the updated score. Much faster than a whole run after adding tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

const folder = process.argv[2] ?? 'elf';
const report = JSON.parse(readFileSync(`reports/mutation/${process.argv[3] ?? folder}.json`, 'utf8'));
const offsetOf = (src, { line, column }) => {
  let at = 0;
  for (let l = 1; l < line; l++) at = src.indexOf('\n', at) + 1;
  return at + column - 1;
};
let killed = 0, total = 0, still = [];
let restore = null;
let child = null;
// The mutated file is put back on Ctrl-C and on SIGTERM (a `timeout` around the run) alike. The test
// run is awaited (not run synchronously), so that these handlers get their turn while it runs.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(sig, () => { child?.kill('SIGKILL'); if (restore) restore(); process.exit(code); });
}
/** Runs the folder's tests once; resolves to { status, signal } (SIGKILL after RECHECK_TIMEOUT_S). */
function runTests() {
  return new Promise((resolve) => {
    child = spawn('nice', ['-n', '15', process.execPath, '--import', 'tsx', 'test/mutate/run.mjs', '--in-process'],
      { env: { ...process.env, BPFMAP_MUTATE: folder, FORCE_COLOR: '0' }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), Number(process.env.RECHECK_TIMEOUT_S ?? 120) * 1000);
    child.on('exit', (status, signal) => { clearTimeout(timer); child = null; resolve({ status, signal }); });
  });
}
const changed = [];
for (const [file, { mutants, source }] of Object.entries(report.files)) {
  const src = readFileSync(file, 'utf8');
  // A mutant is located by line and column in the source the run saw: in an edited file they point
  // elsewhere, so such a file needs a whole new run instead.
  if (src !== source) { changed.push(file); continue; }
  for (const m of mutants) {
    if (m.status === 'CompileError' || m.status === 'Ignored') continue;
    total++;
    if (m.status !== 'Survived' && m.status !== 'NoCoverage' && m.status !== 'Timeout') { killed++; continue; }
    const a = offsetOf(src, m.location.start), b = offsetOf(src, m.location.end);
    restore = () => writeFileSync(file, src);
    writeFileSync(file, src.slice(0, a) + m.replacement + src.slice(b));
    // One process (run.mjs's in-process half), so that a mutant that loops for ever is ended whole
    // after RECHECK_TIMEOUT_S (default 120) and counted as Stryker counts a timeout: detected.
    const r = await runTests();
    restore();
    restore = null;
    if (r.status !== 0) { killed++; process.stdout.write(`${r.signal ? 'timeout' : 'killed '}  ${file}:${m.location.start.line} ${m.mutatorName}: ${m.replacement.split('\n')[0].slice(0, 80)}\n`); }
    else { still.push(m); process.stdout.write(`survived ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName}: ${m.replacement.split('\n')[0].slice(0, 80)}\n`); }
  }
}
for (const f of changed) process.stdout.write(`skipped ${f}: changed since the run, needs a whole new run\n`);
process.stdout.write(`\n${process.argv[3] ?? folder}${changed.length ? ` (without ${changed.length} changed files)` : ''}: ${killed} of ${total} mutants killed (${(100 * killed / total).toFixed(1)}%), ${still.length} survived\n`);
