#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own Node process (through tsx), streams its output, and
// adds up uvu's per-file totals. A test that recorded a skip (test/helpers/skip.ts: a stdout line
// `SKIP\t<suite>\t<test>\t<reason>`) moves from passed to skipped; skipped tests are listed by name.
// Prints `tests: N passed, N failed, N skipped` as the last line; exits 1 on any failure (a file that
// crashes counts as one failed test).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

for (const file of files) {
  const rel = relative(root, file);
  process.stdout.write(`\n# ${rel}\n`);
  const t0 = Date.now();
  const res = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    child.stderr.on('data', (d) => { process.stderr.write(d); });
    child.on('close', (code) => resolve({ code, out: strip(out) }));
  });
  const total = /Total:\s+(\d+)/.exec(res.out);
  const pass = /Passed:\s+(\d+)/.exec(res.out);
  const skip = /Skipped:\s+(\d+)/.exec(res.out);
  if (!total || !pass) {
    failed += 1;
    failedFiles.push(`${rel} (exit ${res.code}, no uvu totals)`);
    continue;
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
  process.stdout.write(`# ${rel}: ${p}/${t} passed${seen.size ? `, ${seen.size} skipped` : ''} in ${Date.now() - t0} ms\n`);
}

if (skippedTests.length) process.stdout.write(`\nskipped tests (${skippedTests.length}):\n  ${skippedTests.join('\n  ')}\n`);
if (failedFiles.length) process.stdout.write(`\nfailed files:\n  ${failedFiles.join('\n  ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 ? 1 : 0);
