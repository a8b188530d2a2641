#!/usr/bin/env node
// Build: `tsc` type-checks and emits dist/ (the library, with .d.ts files), then esbuild bundles the
// CLI into dist/cli/ so that a command starts without resolving ~100 module files (start-up is most
// of a single `bpfmap lookup`), and a few offline commands are run to make the bundle's V8 code
// cache (see bin/start.cjs).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
rmSync(`${root}/dist/cli`, { recursive: true, force: true });
// The CLI is CommonJS: it starts without Node's ES module loader, and bin/start.cjs (dist/cli/bpfmap.js)
// runs it from a V8 code cache. yargs is a pre-bundled file of its own, loaded only when help, an
// error or an unusual command line needs it (so the package does not install yargs as well). yaml and
// koffi stay external: loaded at run time from node_modules (the library needs yaml installed anyway,
// and one copy is shipped, not two), yaml only when YAML is read or printed, koffi only by commands
// that touch the kernel.
const cjs = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ES module code asks import.meta.url for its own location: the bundle file's.
  define: { 'import.meta.url': '__bpfmap_url' },
  banner: { js: "const __bpfmap_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};
await build({ ...cjs, entryPoints: ['node_modules/yargs/index.mjs'], outfile: 'dist/cli/yargs.cjs' });
const modules = { __BPFMAP_YARGS_MODULE__: '"./yargs.cjs"' };
await build({ ...cjs, entryPoints: ['dist/bin/bpfmap.js'], outfile: 'dist/cli/main.cjs', external: ['koffi', 'yargs', 'yaml'], define: { ...cjs.define, ...modules } });
await build({ ...cjs, entryPoints: ['dist/bin/demo.js'], outfile: 'dist/cli/demo.js', external: ['koffi', 'yargs', 'yaml'], define: { ...cjs.define, ...modules } });
// The library as one CommonJS file, for require('bpfmap'); its types are dist/cjs/index.d.cts.
await build({ ...cjs, entryPoints: ['dist/src/index.js'], outfile: 'dist/cjs/index.cjs', external: ['koffi', 'yaml'] });
writeFileSync(`${root}/dist/cjs/index.d.cts`, "export * from '../src/index.js';\n");
writeFileSync(`${root}/dist/cli/package.json`, '{ "type": "commonjs" }\n');
copyFileSync(`${root}/bin/start.cjs`, `${root}/dist/cli/bpfmap.js`);
chmodSync(`${root}/dist/cli/bpfmap.js`, 0o755);

// The code cache: bytecode of what typical offline commands run (the kernel ones share most of it).
const cli = `${root}/dist/cli/bpfmap.js`;
const fw = `${root}/fixtures/firewall.bpfel.o`;
const table = 'ingress_node_firewall_table_map';
for (const args of [['maps', fw], ['maps', fw, '--json'], ['schema', fw, '--json'], ['types', fw, '--json'], ['types', fw],
  ['encode', fw, table, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}', '--value', '{rules: [{ruleId: 1, action: 1}]}'],
  ['decode', fw, table, '--key', '38000000060000000a0a0a00000000000000000000000000']]) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, BPFMAP_WRITE_CODE_CACHE: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build: making the code cache: bpfmap ${args[0]} failed: ${r.stderr}`);
}
