#!/usr/bin/env node
// Build: `tsc` type-checks and emits dist/ (the library, with .d.ts files), then esbuild bundles the
// CLI into dist/cli/ so that a command starts without resolving ~100 module files (start-up is most
// of a single `bpfmap lookup`): one bundle of every command and two of command groups, plus yaml and
// yargs, each a file. A few commands that need no kernel are then run to make the bundles' V8 code
// caches (see bin/start.cjs).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
rmSync(`${root}/dist/cli`, { recursive: true, force: true });
// The CLI is CommonJS: it starts without Node's ES module loader, and bin/start.cjs (dist/cli/bpfmap.js)
// runs it from a V8 code cache. yargs and yaml are pre-bundled files of their own (so the package
// installs neither as well), loaded through the starter from their caches only when needed: yargs for
// help, an error or an unusual command line, yaml when YAML is read or printed beyond what
// src/text/fast-flow-yaml.ts and bin/fast-yaml.ts take (the library requires the same file: one file,
// not yaml's 74 to find and compile; src/text/yaml-lazy.ts). koffi stays external (its native part is
// found next to its own files), loaded only by commands that touch the kernel (and by `types` to map
// the kernel's BTF).
const cjs = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // ES module code asks import.meta.url for its own location: the bundle file's, as a file: URL
  // made on first use: its URL cost every command about 0.8 ms at start (its module loaded, the URL
  // made), where a lookup needs none (import.meta.filename is the bundle's own path).
  define: { 'import.meta.url': '__bpfmap.url', 'import.meta.filename': '__filename' },
  banner: { js: "const __bpfmap = { get url() { const url = require('node:url').pathToFileURL(__filename).href; Object.defineProperty(this, 'url', { value: url }); return url; } };" },
  logLevel: 'warning',
  // Without the layout's spaces and comments (names kept, so stacks stay readable): every command reads
  // and compiles its bundle at start, elements.cjs 328 -> 248 kB. Together with the lazy literal tables
  // of src/format/fast-types-json.ts, 40 interleaved pairs of whole runs (2026-12-07, load average 0.7,
  // node -e 0 at 61 ms): lookup of an LPM entry 103.5 -> 97.0 ms median (paired difference -5.3 ms,
  // CPU time -10.7 ms), maps 85.3 -> 80.3 ms. Full minification (mangled names, keepNames) was slower
  // for lookup (+2.5 ms: a larger code cache) and is not used.
  minifyWhitespace: true,
};
// A pre-bundled package keeps the licence texts of every package bundled into its file, at its top:
// a first build lists them (esbuild's metafile), the second writes them.
async function prebundle(entry, outfile) {
  const { metafile } = await build({ ...cjs, entryPoints: [entry], outfile, metafile: true });
  const pkgs = [...new Set(Object.keys(metafile.inputs).map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1]).filter(Boolean))].sort();
  const texts = pkgs.map((p) => {
    const file = readdirSync(`${root}/node_modules/${p}`).find((f) => /^licen[cs]e([-.][\w.-]+)?$/i.test(f));
    if (!file) throw new Error(`build: ${p} (bundled into ${outfile}) has no licence file`);
    return `${p}:\n${readFileSync(`${root}/node_modules/${p}/${file}`, 'utf8').replaceAll('*/', '* /').trim()}`;
  });
  await build({ ...cjs, entryPoints: [entry], outfile, banner: { js: `/*!\n${texts.join('\n\n')}\n*/\n${cjs.banner.js}` } });
}
await prebundle('node_modules/yargs/index.mjs', 'dist/cli/yargs.cjs');
await prebundle('node_modules/yaml/dist/index.js', 'dist/cli/yaml.cjs');
const modules = { __BPFMAP_START_MODULE__: '"./bpfmap.js"' };
const cliBuild = { ...cjs, external: ['koffi', 'yargs', 'yaml'], define: { ...cjs.define, ...modules } };
// main.cjs holds every command; offline.cjs and elements.cjs hold only their group's (see bin/start.cjs).
const bundles = { 'main.cjs': 'dist/bin/bpfmap.js', 'offline.cjs': 'dist/bin/bpfmap-offline.js', 'elements.cjs': 'dist/bin/bpfmap-elements.js' };
// Each is written as the script the starter compiles (wrapped as Node wraps a CommonJS module, see
// bin/start.cjs): compiled as read, not copied into a new string joined to the wrapper first.
const { wrapped } = createRequire(import.meta.url)('../bin/start.cjs');
for (const [out, entry] of Object.entries(bundles)) {
  await build({ ...cliBuild, entryPoints: [entry], outfile: `dist/cli/${out}` });
  writeFileSync(`${root}/dist/cli/${out}`, wrapped(readFileSync(`${root}/dist/cli/${out}`, 'utf8')));
}
await build({ ...cliBuild, entryPoints: ['dist/bin/demo.js'], outfile: 'dist/cli/demo.js' });
// The library as one CommonJS file, for require('bpfmap'); its types are dist/cjs/index.d.cts.
await build({ ...cjs, entryPoints: ['dist/src/index.js'], outfile: 'dist/cjs/index.cjs', external: ['koffi', 'yaml'], define: { ...cjs.define, __BPFMAP_YAML_BUNDLE__: '"../cli/yaml.cjs"' } });
writeFileSync(`${root}/dist/cjs/index.d.cts`, "export * from '../src/index.js';\n");
writeFileSync(`${root}/dist/cli/package.json`, '{ "type": "commonjs" }\n');
// The starter, with the table of which group bundle runs which command.
const routes = {};
const groups = [['offline.cjs', (await import(`${root}/dist/bin/commands/offline.js`)).offlineCommands],
  ['elements.cjs', (await import(`${root}/dist/bin/commands/elements.js`)).elementCommands]];
for (const [bundle, commands] of groups) for (const c of commands) for (const n of [c.name, ...c.aliases]) routes[n] = bundle;
const starter = readFileSync(`${root}/bin/start.cjs`, 'utf8');
const placeholder = 'const ROUTES = {}; // written by scripts/build.mjs';
if (!starter.includes(placeholder)) throw new Error('build: bin/start.cjs has no ROUTES line to fill');
writeFileSync(`${root}/dist/cli/bpfmap.js`, starter.replace(placeholder, `const ROUTES = ${JSON.stringify(routes)};`));
chmodSync(`${root}/dist/cli/bpfmap.js`, 0o755);

// The code caches: bytecode of what typical commands run. Each run rewrites the caches of the bundles
// it ran, keeping what it read from them, so the runs add up. No run touches the kernel (the build
// also runs where bpf() is refused, as in a container build): the element commands' run stops at a
// map the object does not have, after their set-up and argument handling; encode and decode, in the
// same bundle, run the key and value code that lookup and update run (a cache holding it: a lookup
// ran 563-572 M instructions under callgrind instead of 572-582 M; with a cache made from a real
// lookup, 555-561 M).
const cli = `${root}/dist/cli/bpfmap.js`;
const fw = `${root}/fixtures/firewall.bpfel.o`;
const table = 'ingress_node_firewall_table_map';
const key = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
for (const [args, status] of [[['maps', '--help'], 0], [['maps', fw], 0], [['maps', fw, '--json'], 0], [['schema', fw, '--json'], 0], [['types', fw, '--json'], 0], [['types', fw], 0],
  [['encode', fw, table, '--key', key, '--value', '{rules: [{ruleId: 1, action: 1}]}'], 0],
  // A quoted scalar and a schema's YAML: read and written by the yaml package (yaml.cjs's cache);
  // plain one-line keys and plain results never load it (src/text/fast-flow-yaml.ts, bin/fast-yaml.ts).
  [['encode', fw, table, '--key', '{ingress_ifindex: 6, ip_data: "10.10.10.0/24"}', '--value', '{rules: [{ruleId: 1, action: 1}]}'], 0],
  [['schema', fw], 0],
  [['decode', fw, table, '--key', '38000000060000000a0a0a00000000000000000000000000'], 0],
  [['completion', 'bash'], 0],
  [['lookup', fw, 'no_such_map', '--key', '1'], 3]]) {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, BPFMAP_WRITE_CODE_CACHE: '1' }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== status) throw new Error(`build: making the code cache: bpfmap ${args[0]} exited ${r.status}, not ${status}: ${r.stderr}`);
}
// Where the kernel lets the build make maps (root, bpffs mounted at /sys/fs/bpf), an update, lookups
// and a delete of a real entry, on maps pinned under a directory of the build's own (removed
// afterwards), add the code they run beyond the runs above (opening the pinned map, the bpf() calls,
// the results) to elements.cjs's cache. Measured together with the pre-wrapped bundles (one commit),
// 40 interleaved pairs (2026-12-07, `node -e 0` at 62.2 ms): a lookup of an LPM entry 91.7 -> 86.0 ms
// median (paired difference -5.2 ms, standard error 1.5 ms); the wrapping alone saves about 65 page
// faults (1 ms here). Elsewhere (no root, a container build) the caches stay as the runs above made
// them, and the CLI works the same.
const { isBpffs } = await import(`${root}/dist/src/syscall/bpffs.js`);
/** Removes a pin directory, saying so instead of failing the build if it cannot. */
function removePins(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (e) {
    process.stderr.write(`build: could not remove ${dir}: ${e.message}\n`);
  }
}
/**
 * Pin directories of builds killed before their cleanup: a build whose process is gone and whose
 * directory is older than its runs can last (5 runs of at most 60 s; a build in another pid
 * namespace sharing this bpffs looks gone, but its directory is younger).
 */
function removeStalePins() {
  let names;
  try {
    names = readdirSync('/sys/fs/bpf');
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /^bpfmap-build-(\d+)$/.exec(name)?.[1];
    if (pid === undefined) continue;
    try {
      if (Date.now() - statSync(`/sys/fs/bpf/${name}`).mtimeMs < 10 * 60_000) continue;
      process.kill(Number(pid), 0);
    } catch (e) {
      if (e.code === 'ESRCH') removePins(`/sys/fs/bpf/${name}`);
    }
  }
}
if (process.platform === 'linux' && process.getuid?.() === 0 && isBpffs('/sys/fs/bpf')) {
  removeStalePins();
  const pinRoot = `/sys/fs/bpf/bpfmap-build-${process.pid}`;
  // Lock files in a directory of the build's own, not the host's (BPFMAP_LOCK_DIR, see bin/options.ts).
  const lockDir = mkdtempSync(join(tmpdir(), 'bpfmap-build-locks-'));
  const env = { ...process.env, BPFMAP_WRITE_CODE_CACHE: '1', BPFMAP_LOCK_DIR: lockDir };
  const run = (args) => spawnSync(process.execPath, [cli, ...args, '--pin-root', pinRoot], { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 60_000 });
  const why = (r) => r.error ? r.error.code ?? r.error.message : r.status ?? r.signal;
  try {
    const created = run(['create', fw]);
    if (created.status !== 0) process.stderr.write(`build: the code cache is made without kernel runs: bpfmap create exited ${why(created)}: ${created.stderr}`);
    else {
      for (const args of [['update', fw, table, '--key', key, '--value', '{rules: [{ruleId: 1, protocol: 6, dstPortStart: 80, action: 2}]}'],
        ['lookup', fw, table, '--key', key], ['lookup', fw, table, '--key', key, '--json'], ['delete', fw, table, '--key', key]]) {
        const r = run(args);
        if (r.status !== 0) {
          process.stderr.write(`build: bpfmap ${args[0]} on maps the build pinned exited ${why(r)}: ${r.stderr}`);
          break;
        }
      }
    }
  } finally {
    removePins(pinRoot);
    removePins(lockDir);
  }
}
