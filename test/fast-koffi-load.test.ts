// koffi's native module loaded straight from its prebuilt package (src/syscall/fast-koffi-load.ts):
// on this kind of machine it is the very module koffi's own loader gives, and wherever the answer is
// not plain it leaves the choice to that loader.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { createRequire } from 'node:module';
import { suite, skip } from './helpers/skip.js';
import { executableHead, interpreterOf, isGlibcInterpreter, loadKoffiNative } from '../src/syscall/fast-koffi-load.js';

const nodeHead = executableHead;
/** Whether node runs on glibc, told independently of the code under test (Node's own report). */
const onGlibc = () => typeof (process.report.getReport() as { header?: { glibcVersionRuntime?: unknown } }).header?.glibcVersionRuntime === 'string';
/** The files this process has mapped (full paths, as /proc/self/maps lists them). */
const mappedFiles = () => readFileSync('/proc/self/maps', 'latin1').split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((f) => f.startsWith('/'));
/** A path's real path, or the path itself where it cannot be resolved (a deleted file's mapping). */
const real = (f: string) => {
  try {
    return realpathSync(f);
  } catch {
    return f;
  }
};

const K = suite('loadKoffiNative');
const require = createRequire(import.meta.url);

K('on Linux x64/arm64 with glibc: the same module object as require("koffi") holds', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip(`${process.platform}-${process.arch}: koffi's own loader is used there`, ctx);
  if (!onGlibc()) return skip('node does not run on glibc here', ctx);
  const fast = loadKoffiNative(require) as { load: (p: null) => unknown; version: string };
  assert.ok(fast, 'the fast path answered');
  const koffi = require('koffi') as { default: unknown; version: unknown };
  assert.is(fast, koffi.default, "koffi's loader picked the same native module");
  assert.is(fast.version, koffi.version);
  assert.type(fast.load(null), 'object', 'libc loads through it');
});

K('the bpf() binding loads koffi this way: koffi\'s own loader is never compiled', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip(`${process.platform}-${process.arch}: koffi's own loader is used there`, ctx);
  if (!onGlibc()) return skip('node does not run on glibc here', ctx);
  const script = `import { libcFunction } from './src/syscall/binding.ts';
    import { createRequire } from 'node:module';
    const pid = libcFunction('int getpid(void)').call();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('koffi'));
    console.log(JSON.stringify({ pid, loaded }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { pid: number; loaded: string[] };
  assert.ok(out.pid > 0, 'getpid() went through the module');
  assert.equal(out.loaded.map((f) => f.replace(/^.*node_modules\//, '')), [`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`]);
});

/** A little-endian ELF64 head: the header, `phdrs` program headers at 64, then `tail` bytes. */
function elfHead(phdrs: Array<{ type: number; off: number; size: number }>, tail: Uint8Array, opts: { cls?: number; phentsize?: number } = {}): Uint8Array {
  const b = new Uint8Array(64 + 56 * phdrs.length + tail.length);
  const v = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 2, 1, 1]);
  v.setBigUint64(32, 64n, true);
  v.setUint16(54, opts.phentsize ?? 56, true);
  v.setUint16(56, phdrs.length, true);
  phdrs.forEach((p, i) => {
    v.setUint32(64 + i * 56, p.type, true);
    v.setBigUint64(64 + i * 56 + 8, BigInt(p.off), true);
    v.setBigUint64(64 + i * 56 + 32, BigInt(p.size), true);
  });
  b.set(tail, 64 + 56 * phdrs.length);
  return b;
}

K("node's interpreter is read from its ELF head: the dynamic loader this process has mapped", (ctx) => {
  if (process.platform !== 'linux') return skip(`${process.platform}: no /proc/self/maps, no ELF`, ctx);
  const loader = mappedFiles().find((f) => /\/ld-(linux|musl)[^/]*$/.test(real(f)) || /\/ld-(linux|musl)-/.test(f));
  if (loader === undefined) return skip('no dynamic loader is mapped: node is statically linked', ctx);
  const interp = interpreterOf(nodeHead());
  assert.ok(interp !== undefined, `node's interpreter read (${loader} is mapped)`);
  // The interpreter may be a symlink (ld-linux-x86-64.so.2 -> ld-2.31.so): /proc/self/maps lists its target.
  assert.ok(mappedFiles().includes(realpathSync(interp!)), `${interp} (${realpathSync(interp!)}) among the mapped files`);
  assert.is(isGlibcInterpreter(interp), onGlibc(), 'glibc by the interpreter exactly when Node reports a glibc runtime');
});

K('glibc is told from musl by the interpreter named in PT_INTERP; anything unusual is left to koffi', () => {
  const at = (s: string) => new TextEncoder().encode(`${s}\0`);
  const musl = at('/lib/ld-musl-x86_64.so.1');
  const one = (tail: Uint8Array, extra: Partial<{ off: number; size: number }> = {}, opts = {}) =>
    interpreterOf(elfHead([{ type: 6, off: 0, size: 0 }, { type: 3, off: 64 + 2 * 56, size: tail.length, ...extra }], tail, opts));
  assert.is(one(at('/lib64/ld-linux-x86-64.so.2')), '/lib64/ld-linux-x86-64.so.2', 'after another program header');
  assert.is(one(musl), '/lib/ld-musl-x86_64.so.1');
  assert.is(interpreterOf(elfHead([{ type: 1, off: 0, size: 0 }], musl)), undefined, 'no PT_INTERP: statically linked');
  assert.is(one(musl, { size: musl.length + 1 }), undefined, 'the name runs past the bytes read');
  assert.is(one(musl, { size: musl.length - 1 }), undefined, 'no NUL at its end');
  assert.is(one(musl, {}, { cls: 1 }), undefined, '32-bit ELF');
  assert.is(one(musl, {}, { phentsize: 32 }), undefined, 'program headers too short');
  assert.is(interpreterOf(new TextEncoder().encode('#!/bin/sh\n'.padEnd(80))), undefined, 'not ELF');
  assert.is(interpreterOf(new Uint8Array(0)), undefined);

  for (const g of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1', '/nix/store/x-glibc-2.40/lib/ld-linux-x86-64.so.2']) assert.ok(isGlibcInterpreter(g), g);
  for (const o of ['/lib/ld-musl-x86_64.so.1', '/lib/ld-linux.so.2.bak/x', '/opt/ld-linux', undefined]) assert.not.ok(isGlibcInterpreter(o), String(o));
});

K('a package that does not resolve, a load that throws, or another major version: undefined', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip('the fast path answers undefined before it resolves anything here', ctx);
  if (!onGlibc()) return skip('node does not run on glibc here', ctx);
  const fake = (resolve: () => string, load: () => unknown): NodeRequire => Object.assign(load, { resolve }) as unknown as NodeRequire;
  const pkg = '/nowhere/@koromix/koffi-linux-x64/package.json';
  const calls: string[] = [];
  assert.is(loadKoffiNative(fake(() => { throw new Error('Cannot find module'); }, () => ({}))), undefined);
  assert.is(loadKoffiNative(fake(() => pkg, () => { throw new Error('wrong ELF class'); })), undefined);
  assert.is(loadKoffiNative(fake(() => pkg, () => ({ version: '2.9.0', load() {} }))), undefined);
  assert.is(loadKoffiNative(fake(() => pkg, () => ({ version: '3.3.4' }))), undefined, 'no load()');
  const native = { version: '3.9.1', load() {} };
  assert.is(loadKoffiNative(fake(() => pkg, () => native)), native);
  const seen = loadKoffiNative(Object.assign((p: string) => { calls.push(p); return native; }, { resolve: () => pkg }) as unknown as NodeRequire);
  assert.is(seen, native);
  assert.equal(calls, [`/nowhere/@koromix/koffi-linux-x64/linux_${process.arch}/koffi.node`], 'the glibc build next to the package');
});

K.run();
