#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own Node process (through tsx), streams its output, and
// adds up uvu's per-file totals. Offline files run two at a time (see canShare), the rest alone. A test that recorded a skip (test/helpers/skip.ts: a stdout line
// `SKIP\t<suite>\t<test>\t<reason>`) moves from passed to skipped; skipped tests are listed by name.
// Prints `tests: N passed, N failed, N skipped` as the last line; exits 1 on any failure (a file that
// crashes counts as one failed test).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'helpers' && name !== 'fixtures') out.push(...walk(p)); }
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = walk(join(root, 'test')).filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
let passed = 0, failed = 0, skipped = 0;
const failedFiles = [];
const skippedTests = [];

function strip(s) { return s.replace(/\x1b\[[0-9;]*m/g, ''); }

/**
 * Files that may share the machine with one other such file: offline ones (no kernel, bpffs,
 * namespaces or servers) that time nothing. Everything else runs alone, as before. Two at a time on
 * two cores saves most of the per-file start-up (node + tsx) of the offline files.
 */
const ALONE = /helpers\/kernel|helpers\/netns|withPinDir|prometheus|bpffs|\/sys\/fs\/bpf|performance\.now|Date\.now\(\)|hrtime|under 1 s/;
function canShare(file) {
  return !ALONE.test(readFileSync(file, 'utf8'));
}

/** A test file that runs longer than this is ended and counted as failed (a hang must not stall CI). */
const FILE_TIMEOUT_MS = Number(process.env.BPFMAP_TEST_FILE_TIMEOUT_S ?? 300) * 1000;

/**
 * The environment of every test file and of what it starts: without NODE_EXTRA_CA_CERTS, which makes
 * every Node process read and parse that certificate file before its first line (30-60 ms each on the
 * 2-core machine, and the suite starts a few thousand: the CLI under test, tsx). Nothing in the suite
 * makes a TLS connection (the package test installs offline), and bpfmap makes none.
 */
const testEnv = { ...process.env, FORCE_COLOR: '0' };
delete testEnv.NODE_EXTRA_CA_CERTS;

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    // Its own process group, so that a file that hangs is ended with every process it started.
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: testEnv });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
    }, FILE_TIMEOUT_MS);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) err += `\n# ${relative(root, file)}: still running after ${FILE_TIMEOUT_MS / 1000} s: ended (counted as a failure)\n`;
      resolve({ file, code: timedOut ? 'timeout' : code, raw: out, err, out: strip(out), ms: Date.now() - t0 });
    });
  });
}

/** Adds up one file's uvu totals and prints its output (whole, so that shared runs do not interleave). */
function report(res) {
  const rel = relative(root, res.file);
  process.stdout.write(`\n# ${rel}\n`);
  process.stdout.write(res.raw);
  if (res.err) process.stderr.write(res.err);
  const total = /Total:\s+(\d+)/.exec(res.out);
  const pass = /Passed:\s+(\d+)/.exec(res.out);
  const skip = /Skipped:\s+(\d+)/.exec(res.out);
  if (!total || !pass) {
    failed += 1;
    failedFiles.push(`${rel} (exit ${res.code}, no uvu totals)`);
    return;
  }
  const t = Number(total[1]), s = skip ? Number(skip[1]) : 0;
  // Tests that returned after recording a skip: uvu counted them as passed.
  const seen = new Set();
  for (const m of res.out.matchAll(/^SKIP\t([^\t\n]*)\t([^\t\n]*)\t([^\n]*)$/gm)) {
    const key = `${m[1]}\t${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    skippedTests.push(`${rel}: ${m[1]} › ${m[2]}: ${m[3]}`);
  }
  const p = Math.max(0, Number(pass[1]) - seen.size);
  passed += p; skipped += s + (Number(pass[1]) - p); failed += t - Number(pass[1]) - s;
  const f = t - Number(pass[1]) - s;
  if (f > 0 || res.code !== 0) {
    if (f === 0) failed += 1;
    failedFiles.push(`${rel} (${f} failed, exit ${res.code})`);
  }
  process.stdout.write(`# ${rel}: ${p}/${t} passed${seen.size ? `, ${seen.size} skipped` : ''} in ${res.ms} ms\n`);
}

const shared = files.filter(canShare);
const alone = files.filter((f) => !canShare(f));
const t0 = Date.now();
// The shared files two at a time, then the others one by one.
for (let i = 0; i < shared.length; i += 2) {
  for (const res of await Promise.all(shared.slice(i, i + 2).map(runFile))) report(res);
}
for (const file of alone) report(await runFile(file));
process.stdout.write(`\n${files.length} files (${shared.length} two at a time) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

if (skippedTests.length) process.stdout.write(`\nskipped tests (${skippedTests.length}):\n  ${skippedTests.join('\n  ')}\n`);
if (failedFiles.length) process.stdout.write(`\nfailed files:\n  ${failedFiles.join('\n  ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
