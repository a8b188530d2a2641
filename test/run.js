#!/usr/bin/env node
// Runs every test/**/*.test.ts file in its own Node process (through tsx), streams its output, and
// adds up uvu's per-file totals. Prints `tests: N passed, N failed` as the last line; exits 1 on any
// failure (a file that crashes counts as one failed test).
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
  const t = Number(total[1]), p = Number(pass[1]), s = skip ? Number(skip[1]) : 0;
  passed += p; skipped += s; failed += t - p - s;
  if (t - p - s > 0 || res.code !== 0) {
    if (t - p - s === 0) failed += 1;
    failedFiles.push(`${rel} (${t - p - s} failed, exit ${res.code})`);
  }
  process.stdout.write(`# ${rel}: ${p}/${t} passed in ${Date.now() - t0} ms\n`);
}

if (failedFiles.length) process.stdout.write(`\nfailed files:\n  ${failedFiles.join('\n  ')}\n`);
process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 ? 1 : 0);
