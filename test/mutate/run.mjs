#!/usr/bin/env node
// The test command of `npm run mutate` (StrykerJS's command runner runs it once per mutant, in its
// sandbox copy of the project): the offline test files that import the mutated folder straight from
// src/ (not through dist/), one Node process each, stopping at the first failing file. The folder
// comes from BPFMAP_MUTATE (elf, btf or codec). Exit 0 = the mutant survived.
import { spawnSync } from 'node:child_process';

const FILES = {
  elf: ['elf-fields', 'elf', 'schema'],
  btf: ['btf', 'schema', 'objects', 'map-compare', 'fuzz-regressions', 'split-btf'],
  codec: ['codec', 'enum-names', 'codec-values', 'codec-limits', 'codec-lpm-pretty', 'codec-oracle', 'values-hostile', 'apply-state', 'line-matcher', 'json'],
};

{
  const folder = process.env.BPFMAP_MUTATE ?? '';
  const files = FILES[folder];
  if (!files) { process.stderr.write(`BPFMAP_MUTATE: expected one of ${Object.keys(FILES).join(', ')}, got '${folder}'\n`); process.exit(2); }
  for (const f of files) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', `test/${f}.test.ts`], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, FORCE_COLOR: '0' } });
    if (r.status !== 0) process.exit(1);
  }
}
