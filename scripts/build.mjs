#!/usr/bin/env node
// Build: `tsc` type-checks and emits dist/ (the library, with .d.ts files), then esbuild bundles the
// CLI into dist/cli/ so that a command starts without resolving ~100 module files (start-up is most
// of a single `bpfmap lookup`). yargs is split into its own chunk, loaded only when --help, an error,
// or an unusual command line needs it. koffi stays external: it is loaded at run time from
// node_modules, only by commands that touch the kernel.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
rmSync(`${root}/dist/cli`, { recursive: true, force: true });
// yaml as one pre-bundled CommonJS file: loaded (only when YAML is read or printed) in a few ms.
await build({
  absWorkingDir: root,
  entryPoints: ['node_modules/yaml/dist/index.js'],
  outfile: 'dist/cli/yaml.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
await build({
  absWorkingDir: root,
  entryPoints: ['dist/bin/bpfmap.js', 'dist/bin/demo.js'],
  define: { __BPFMAP_YAML_MODULE__: '"./yaml.cjs"' },
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  // yaml and koffi are loaded with createRequire; bundled CommonJS code needs `require` too.
  banner: { js: "import { createRequire as __bpfmapRequire } from 'node:module'; const require = __bpfmapRequire(import.meta.url);" },
  logLevel: 'warning',
});
