// koffi's native module loaded straight from its prebuilt package (src/syscall/fast-koffi-load.ts):
// on this kind of machine it is the very module koffi's own loader gives, and wherever the answer is
// not plain it leaves the choice to that loader.
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { suite, skip } from './helpers/skip.js';
import { loadKoffiNative, runsOnGlibc } from '../src/syscall/fast-koffi-load.js';

const K = suite('loadKoffiNative');
const require = createRequire(import.meta.url);

K('on Linux x64/arm64 with glibc: the same module object as require("koffi") holds', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip(`${process.platform}-${process.arch}: koffi's own loader is used there`, ctx);
  if (!runsOnGlibc(readFileSync('/proc/self/maps', 'latin1'))) return skip('node does not run on glibc here', ctx);
  const fast = loadKoffiNative(require) as { load: (p: null) => unknown; version: string };
  assert.ok(fast, 'the fast path answered');
  const koffi = require('koffi') as { default: unknown; version: unknown };
  assert.is(fast, koffi.default, "koffi's loader picked the same native module");
  assert.is(fast.version, koffi.version);
  assert.type(fast.load(null), 'object', 'libc loads through it');
});

K('the bpf() binding loads koffi this way: koffi\'s own loader is never compiled', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip(`${process.platform}-${process.arch}: koffi's own loader is used there`, ctx);
  if (!runsOnGlibc(readFileSync('/proc/self/maps', 'latin1'))) return skip('node does not run on glibc here', ctx);
  const script = `import { libcFunction } from './src/syscall/binding.ts';
    import { createRequire } from 'node:module';
    const pid = libcFunction('int getpid(void)').call();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('koffi'));
    console.log(JSON.stringify({ pid, loaded }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { pid: number; loaded: string[] };
  assert.ok(out.pid > 0, 'getpid() went through the module');
  assert.equal(out.loaded.map((f) => f.replace(/^.*node_modules\//, '')), [`@koromix/koffi-linux-${process.arch}/linux_${process.arch}/koffi.node`]);
});

K('glibc is told from musl by what /proc/self/maps lists', () => {
  const glibc = '7f0000000000-7f0000001000 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6\n';
  const musl = '7f0000000000-7f0000001000 r--p 00000000 08:01 123 /lib/ld-musl-x86_64.so.1\n';
  assert.ok(runsOnGlibc(glibc));
  assert.not.ok(runsOnGlibc(musl));
  assert.not.ok(runsOnGlibc(glibc + musl), 'both mapped: not plain, koffi decides');
  assert.not.ok(runsOnGlibc('7f0000000000-7f0000001000 r--p 00000000 08:01 123 /opt/libc.so.6.bak\n'), 'a name that only starts like it');
  assert.not.ok(runsOnGlibc(''));
});

K('a package that does not resolve, a load that throws, or another major version: undefined', (ctx) => {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return skip('the fast path answers undefined before it resolves anything here', ctx);
  if (!runsOnGlibc(readFileSync('/proc/self/maps', 'latin1'))) return skip('node does not run on glibc here', ctx);
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
