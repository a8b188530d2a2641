#!/usr/bin/env node
// The test command of `npm run mutate` (StrykerJS's command runner runs it once per mutant, in its
// sandbox copy of the project): the offline test files that import the mutated folder straight from
// src/ (not through dist/), all in one Node process (as uvu's own CLI does: each file's suites are
// queued, then run in order), stopping at the first failing suite. One process instead of one per
// file: the codec files take 6 s instead of 37 s. The folder comes from BPFMAP_MUTATE (elf, btf,
// codec or map). Exit 0 = the mutant survived.
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const FILES = {
  elf: ['elf-fields', 'elf', 'schema'],
  // Offline files that call src/ (not the CLI in dist/, which the sandbox does not have); btf-diff compares with bpftool.
  btf: ['btf-validate', 'btf-header', 'btf-records', 'btf-graph', 'btf-prime', 'btf', 'schema', 'map-compare', 'fuzz-regressions', 'btf-diff'],
  // The files with wall-clock limits (values-hostile, codec-limits) come last: on a loaded machine
  // they can fail on their own, which would count a mutant as killed that no assertion caught.
  codec: ['codec', 'codec-schema-refusals', 'codec-edges', 'codec-records', 'codec-lpm-refusals', 'codec-lpm', 'codec-values', 'enum-names', 'codec-oracle', 'codec-addresses', 'codec-address-shape', 'codec-arrays', 'codec-compile', 'codec-parse-value', 'codec-template', 'codec-seed-template', 'codec-misc', 'codec-parts', 'codec-ifindex-fields', 'codec-lpm-pretty', 'codec-tiers', 'apply-state', 'line-matcher', 'json', 'values-hostile', 'codec-limits'],
  // Kernel test files (root and bpffs) that call src/map directly: the batch writer and its fallback,
  // updateBatch and deleteBatch, maps of maps. Not in the default `npm run mutate` list: `npm run mutate -- map`.
  map: ['map', 'map-batch-writer', 'map-in-map', 'apply'],
  // The batch writer and the two-thread writer alone (src/map/batch-writer.ts and
  // src/syscall/fast-batch-thread.ts, see stryker.config.mjs): their own kernel test file, 17 s a run
  // where the four map files take 60-80 s, so that a whole run of both files fits in an hour.
  batch: ['map-batch-writer'],
};

const folder = process.env.BPFMAP_MUTATE ?? '';
const files = FILES[folder];
if (!files) { process.stderr.write(`BPFMAP_MUTATE: expected one of ${Object.keys(FILES).join(', ')}, got '${folder}'\n`); process.exit(2); }
// Kernel tests that skip would let every mutant survive unseen: without root and bpffs they fail
// instead, so Stryker's first run without mutants stops the whole run (recheck.mjs gets the same env).
if (folder === 'map' || folder === 'batch') {
  process.env.BPFMAP_REQUIRE_KERNEL = '1';
  // Stryker ends a mutant's run that passes its timeout with SIGKILL, so the kernel tests of that run
  // cannot remove their pin directories (bpfmap-test-PID-...): those of processes that no longer
  // exist are removed here, before the next run.
  if (!process.argv.includes('--in-process')) {
    const { readdirSync, rmSync } = await import('node:fs');
    let names = [];
    try { names = readdirSync('/sys/fs/bpf'); } catch { /* no bpffs: the tests say so */ }
    for (const n of names) {
      const pid = /^bpfmap-test-(\d+)-[0-9a-f]+$/.exec(n)?.[1];
      if (pid === undefined) continue;
      try { process.kill(Number(pid), 0); } catch (e) {
        if (e.code === 'ESRCH') rmSync(`/sys/fs/bpf/${n}`, { recursive: true, force: true });
      }
    }
  }
}
if (!process.argv.includes('--in-process')) {
  // Re-run this script under tsx, quietly: the exit code is the only answer Stryker reads.
  const r = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--in-process'],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, FORCE_COLOR: '0' } });
  process.exit(r.status === 0 ? 0 : 1);
}
// One file at a time (imported, then its suites run), so that a mutant the first file kills costs
// only that file's import.
globalThis.UVU_DEFER = 1;
const uvu = await import('uvu');
for (const f of files) {
  globalThis.UVU_INDEX = 0;
  globalThis.UVU_QUEUE.length = 0;
  globalThis.UVU_QUEUE.push([f]);
  await import(pathToFileURL(`test/${f}.test.ts`).href);
  await uvu.exec(true);
  if (process.exitCode) process.exit(1);
}
