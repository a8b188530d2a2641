#!/usr/bin/env node
/**
 * The `bpfmap` command (copied to dist/cli/bpfmap.js by the build). It runs the CLI bundle
 * (main.cjs, one CommonJS file) from V8's code cache (main.cjs.cache, made by the build): the
 * bytecode of the functions a command uses is then read instead of parsed and compiled, several
 * milliseconds of every command (maps: ~36 -> ~28 ms; measured again 2026-12-05 at a load average of 3,
 * 21 interleaved runs: maps 216 -> 194 ms, types of vmlinux --json 470 -> 406 ms without -> with). A cache this Node cannot use (another
 * version, other V8 flags) is ignored and the bundle is compiled as usual.
 * With BPFMAP_WRITE_CODE_CACHE=1 the cache is (re)written when the process exits (scripts/build.mjs
 * runs a few commands so).
 */
'use strict';
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { createRequire } = require('node:module');

const file = join(__dirname, 'main.cjs');
const cacheFile = `${file}.cache`;

/** The bundle as a compiled script (wrapped as Node wraps a CommonJS module), with the cache if usable. */
function compile() {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // The entry's `#!` line becomes a comment (so that line numbers stay those of the file).
  const source = readFileSync(file, 'utf8').replace(/^#!/, '//');
  return new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
}

if (require.main === module) {
  const script = compile();
  if (process.env.BPFMAP_WRITE_CODE_CACHE === '1') {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    });
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, __dirname);
} else {
  module.exports = { compile, file, cacheFile };
}
