#!/usr/bin/env node
/**
 * The `bpfmap` command (copied to dist/cli/bpfmap.js by the build). It runs one of the CLI's bundles
 * (each one CommonJS file) from V8's code cache (BUNDLE.cache, made by the build): the bytecode of
 * the functions a command uses is then read instead of parsed and compiled, several milliseconds of
 * every command (measured 2026-12-05 at a load average of 3, 21 interleaved runs: maps 216 -> 194 ms,
 * types of vmlinux --json 470 -> 406 ms without -> with). A cache this Node cannot use (another
 * version, other V8 flags) is ignored and the bundle is compiled as usual.
 *
 * Which bundle: the offline commands and the single-entry commands have bundles of their own
 * (offline.cjs, elements.cjs; ROUTES below, written by the build), which hold only their code; any
 * other command line runs main.cjs, which holds every command. Reading and compiling less is the
 * point: `bpfmap maps` reads 310 kB of source and 265 kB of cache instead of 730 kB and 410 kB
 * (2026-12-06, whole process, four interleaved runs of 21-31 against the one-bundle build, node -e 0
 * at 72-75 ms: maps medians 109-111 -> 95-98 ms; lookup of an LPM entry 175-177 -> 135-137 ms with
 * yaml.cjs below; on this VM two runs of one build can differ by 15 ms). A group bundle hands what its
 * fast path leaves to yargs (help, a malformed line) to main.cjs, so help and usage errors are the
 * whole CLI's.
 *
 * yaml and yargs are bundles too (yaml.cjs, yargs.cjs), loaded through load() from their caches
 * when a command needs them: the installed yaml package is 74 files to find and compile
 * (require('yaml') 39-54 ms against 13-18 ms for the one-file bundle, 2026-12-06).
 *
 * With BPFMAP_WRITE_CODE_CACHE=1 the cache of each bundle that ran is (re)written when the process
 * exits (scripts/build.mjs runs a few commands so).
 */
'use strict';
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');

/** Command name or alias -> the bundle that holds it, for commands outside main.cjs. */
const ROUTES = {}; // written by scripts/build.mjs

/** The bundle that runs this command line (process.argv). */
function bundleFor(argv) {
  return Object.hasOwn(ROUTES, argv[2]) ? ROUTES[argv[2]] : 'main.cjs';
}

/** The wrapper the starter puts around a bundle's text (as Node does a CommonJS module's; the text follows on the same line, then `\n})`). */
const WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

/** A bundle's text as a script that evaluates to its module function: wrapped here unless written so. */
function wrapped(text) {
  // The entry's `#!` line becomes a comment (so that line numbers stay those of the file).
  return text.startsWith(WRAPPER) ? text : `${WRAPPER}${text.replace(/^#!/, '//')}\n})`;
}

/**
 * A bundle as a compiled script (wrapped as Node wraps a CommonJS module), with its cache if usable.
 * The command bundles (main.cjs, offline.cjs, elements.cjs) are written wrapped by the build, so their
 * text is compiled as read: joining it to the wrapper here made V8 copy it into one new string first,
 * about 65 freshly touched pages of memory for elements.cjs (1 ms on the development VM, where a page
 * fault costs about 16 us: `perf record -e page-faults` of a lookup, 2026-12-07).
 */
function compile(bundle = 'main.cjs') {
  const file = join(__dirname, bundle);
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  return new Script(wrapped(readFileSync(file, 'utf8')), { filename: file, cachedData });
}

/** Compiles and runs a bundle as a CommonJS module; its exports. */
function execute(bundle) {
  const file = join(__dirname, bundle);
  const script = compile(bundle);
  if (process.env.BPFMAP_WRITE_CODE_CACHE === '1') {
    // A run that started from the cache keeps what it read in the new one: the caches of the
    // build's runs add up.
    process.once('exit', () => {
      const tmp = `${file}.cache.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, `${file}.cache`);
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, __dirname);
  return mod.exports;
}

/** Runs a bundle as the CLI. */
function run(bundle) {
  execute(bundle);
}

const loaded = new Map();
/** A pre-bundled dependency (yaml.cjs, yargs.cjs) loaded from its code cache, once. */
function load(bundle) {
  if (!loaded.has(bundle)) loaded.set(bundle, execute(bundle));
  return loaded.get(bundle);
}

module.exports = { compile, run, load, bundleFor, wrapped, ROUTES };
if (require.main === module) run(bundleFor(process.argv));
