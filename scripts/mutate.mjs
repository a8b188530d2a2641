#!/usr/bin/env node
// npm run mutate [-- elf|btf|codec|map|batch ...]: StrykerJS over src/<folder> (batch: the batch writer's
// two files, see stryker.config.mjs), one folder at a time, at low
// priority (nice 15) and concurrency (1; BPFMAP_MUTATE_CONCURRENCY to change). The settings are in
// stryker.config.mjs, the test command in test/mutate/run.mjs. Not part of CI. Reports go to
// reports/mutation/<folder>.html and .json; the score is printed at the end of each run.
import { spawnSync } from 'node:child_process';

const folders = process.argv.slice(2).length ? process.argv.slice(2) : ['elf', 'codec', 'btf'];
let rc = 0;
for (const folder of folders) {
  const r = spawnSync('nice', ['-n', '15', 'npx', 'stryker', 'run', 'stryker.config.mjs'],
    { stdio: 'inherit', env: { ...process.env, BPFMAP_MUTATE: folder } });
  if (r.status !== 0) rc = r.status ?? 1;
}
process.exit(rc);
