// StrykerJS for `npm run mutate` (scripts/mutate.mjs): BPFMAP_MUTATE names the folder of src/ to
// mutate; test/mutate/run.mjs runs that folder's offline test files for every mutant.
const folder = process.env.BPFMAP_MUTATE ?? 'elf';
// A run over part of the folder (`--mutate` globs) can name its own report: BPFMAP_MUTATE_REPORT=codec-lpm.
const report = process.env.BPFMAP_MUTATE_REPORT ?? folder;
// `batch` is no folder: the two files of the batch writer, which test/mutate/run.mjs tests with their own test file.
const MUTATE = { batch: ['src/map/batch-writer.ts', 'src/syscall/fast-batch-thread.ts'] };

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'command',
  commandRunner: { command: 'node test/mutate/run.mjs' },
  mutate: MUTATE[folder] ?? [`src/${folder}/**/*.ts`],
  coverageAnalysis: 'off',
  concurrency: Number(process.env.BPFMAP_MUTATE_CONCURRENCY ?? 1),
  // A surviving mutant runs every test file; on the shared 2-core machine at nice 15+ that took up to
  // 80 s, and 60 s counted such slow survivors as timeouts (detected).
  // BPFMAP_MUTATE_TIMEOUT_MS shortens it for a run whose test files are quick (batch: a mutant that hangs
  // the two-thread writer's liveness wait is then a timeout after 90 s, not 300 s).
  timeoutMS: Number(process.env.BPFMAP_MUTATE_TIMEOUT_MS) > 0 ? Number(process.env.BPFMAP_MUTATE_TIMEOUT_MS) : 300000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${report}.html` },
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  ignorePatterns: ['dist', 'bench', 'deploy', 'reports', 'fixtures/debian', '.git'],
  // Stryker rewrites the tsconfig's project references through TypeScript's JS API, which the native
  // TypeScript 7 compiler does not have; nothing here needs it (tsx runs the tests), so point it at no file.
  tsconfigFile: 'no-tsconfig-to-rewrite.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
