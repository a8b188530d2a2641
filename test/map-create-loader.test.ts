/**
 * `create` behaves like the loaders: the pin root is made when missing, ring buffers and perf event
 * arrays get the sizes the kernel wants (types dropped), max_entries 0 gets libbpf's default or needs a
 * size, --max-entries overrides, and a failure leaves nothing this run pinned. bpftool reads the result.
 */
import { suite, skip, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bpfmap, BIN, ROOT, FW, TABLE } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { createMaps, loadObjectFile, possibleCpus, parseJson } from '../src/index.js';
import { pageSize, ringbufSize } from '../src/map/loader-def.js';

const LM = join(ROOT, 'fixtures', 'loader-maps.bpfel.o');

interface Shown { id: number; type: string; name: string; bytes_key: number; bytes_value: number; max_entries: number; btf_id?: number }
function show(pin: string): Shown {
  return JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', pin], { encoding: 'utf8' })) as Shown;
}

function err(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
}

const Sizes = suite('ringbufSize (libbpf adjust_ringbuf_sz)');
Sizes('power-of-2 page multiples pass; anything else goes up to the next one', () => {
  const cases: [number, number][] = [[0, 0], [4096, 4096], [8192, 8192], [5000, 8192], [1, 4096], [12288, 16384], [65536, 65536]];
  for (const [inp, out] of cases) assert.is(ringbufSize(inp, 4096), out, `${inp}`);
  assert.is(ringbufSize(70000, 65536), 131072);
  assert.ok(pageSize() >= 4096 && (pageSize() & (pageSize() - 1)) === 0);
});
Sizes.run();

const C = suite('create like the loaders (kernel)');

C('a missing pin root is created, nested; typed ring buffer and perf event array get the kernel\'s sizes', kernel(() => withPinDir((dir) => {
  const root = join(dir, 'a', 'b');
  const r = bpfmap(['create', LM, 'rb_typed', 'perf_typed', '.rodata', '--pin-root', root, '--json']);
  assert.is(r.code, 0, r.stderr);
  const res = parseJson(r.stdout) as { name: string; status: string; btf: boolean; note?: string }[];
  assert.equal(res.map((x) => [x.name, x.status, x.btf]), [['rb_typed', 'created', false], ['perf_typed', 'created', false], ['.rodata', 'created', true]]);
  assert.equal(readdirSync(root).sort(), ['loader_m_rodata', 'perf_typed', 'rb_typed']);
  const rb = show(join(root, 'rb_typed'));
  assert.equal([rb.type, rb.name, rb.bytes_key, rb.bytes_value, rb.max_entries], ['ringbuf', 'rb_typed', 0, 0, ringbufSize(5000)]);
  assert.is(rb.btf_id, undefined, 'no BTF types for a ring buffer');
  const pe = show(join(root, 'perf_typed'));
  assert.equal([pe.type, pe.bytes_key, pe.bytes_value, pe.max_entries], ['perf_event_array', 4, 4, possibleCpus()]);
  // Creating again reuses them: the comparison uses the same loader sizes.
  const again = parseJson(bpfmap(['create', LM, 'rb_typed', 'perf_typed', '--pin-root', root, '--json']).stdout) as { status: string }[];
  assert.equal(again.map((x) => x.status), ['reused', 'reused']);
})));

C('max_entries 0 without a default needs --max-entries; nothing is created, not even the pin root', kernel(() => withPinDir((dir) => {
  const root = join(dir, 'new');
  const r = bpfmap(['create', LM, 'rb_typed', 'sized_at_load', '--pin-root', root]);
  assert.is(r.code, 2, r.stderr);
  assert.is(r.stderr, "bpfmap: map 'sized_at_load': max_entries is 0 in the object (its loader sizes it at load time) and a hash map has no default size; give one with --max-entries sized_at_load=N; nothing was created\n");
  assert.not.ok(existsSync(root));
  const lib = err(() => createMaps(loadObjectFile(LM), { pinRoot: root, names: ['sized_at_load'] }));
  assert.is(lib.code, 'USAGE');
  assert.match(lib.message, /give one with maxEntries: \{ 'sized_at_load': N \}/);
})));

C('--max-entries sizes a map sized at load time and overrides any other size', kernel(() => withPinDir((dir) => {
  const r = bpfmap(['create', LM, 'sized_at_load', 'rb_typed', '--pin-root', dir, '--max-entries', 'sized_at_load=64', '--max-entries', 'rb_typed=16384']);
  assert.is(r.code, 0, r.stderr);
  assert.is(show(join(dir, 'sized_at_load')).max_entries, 64);
  assert.ok(show(join(dir, 'sized_at_load')).btf_id !== undefined, 'a hash keeps its BTF');
  assert.is(show(join(dir, 'rb_typed')).max_entries, 16384);
  const fw = bpfmap(['create', FW, TABLE, '--pin-root', dir, '--max-entries', `${TABLE}=10`]);
  assert.is(fw.code, 0, fw.stderr);
  assert.is(show(join(dir, TABLE)).max_entries, 10);
  const lib = createMaps(loadObjectFile(LM), { pinRoot: join(dir, 'lib'), names: ['perf_typed'], maxEntries: { perf_typed: 3 } });
  assert.is(show(lib[0]!.pinPath!).max_entries, 3);
  for (const [arg, msg] of [
    ['nope=3', "bpfmap: --max-entries nope: expected a map being created (sized_at_load), got 'nope'"],
    ['sized_at_load=0', 'bpfmap: --max-entries sized_at_load: expected an integer 1..4294967295, got 0'],
    ['sized_at_load', "bpfmap: --max-entries 'sized_at_load': expected NAME=N, e.g. events=1024"],
  ] as const) {
    const bad = bpfmap(['create', LM, 'sized_at_load', '--pin-root', join(dir, 'bad'), '--max-entries', arg]);
    assert.is(bad.code, 2, arg);
    assert.is(bad.stderr.split('\n')[0], msg);
    assert.not.ok(existsSync(join(dir, 'bad')));
  }
})));

C('all or nothing: the kernel refuses the last map; every pin and directory this run made is gone, reused pins stay', kernel(() => withPinDir((dir) => {
  const keep = bpfmap(['create', LM, 'rb_typed', '--pin-root', join(dir, 'root')]);
  assert.is(keep.code, 0, keep.stderr);
  const rbId = show(join(dir, 'root', 'rb_typed')).id;
  const r = bpfmap(['create', LM, '--pin-root', join(dir, 'root'), '--max-entries', 'sized_at_load=8']);
  assert.is(r.code, 6, r.stderr);
  const p = (n: string) => join(dir, 'root', n);
  assert.is(r.stderr, `bpfmap: map 'no_prealloc_lpm': invalid argument (EINVAL); nothing this run pinned remains (removed ${p('perf_typed')}, ${p('sized_at_load')})\n`);
  assert.equal(readdirSync(join(dir, 'root')), ['rb_typed'], 'only the pin that was there before');
  assert.is(show(p('rb_typed')).id, rbId);
  // A root the run created is removed as well.
  const fresh = join(dir, 'x', 'y');
  const r2 = bpfmap(['create', LM, 'perf_typed', 'no_prealloc_lpm', '--pin-root', fresh]);
  assert.is(r2.code, 6);
  assert.match(r2.stderr, /nothing this run pinned remains \(removed .*\/x\/y\/perf_typed\)\n$/);
  assert.not.ok(existsSync(join(dir, 'x')));
  // Through the library: the same, with the error's code kept.
  const e = err(() => createMaps(loadObjectFile(LM), { pinRoot: fresh, names: ['perf_typed', 'no_prealloc_lpm'] }));
  assert.is(e.code, 'SYSCALL');
  assert.match(e.message, /nothing this run pinned remains/);
  assert.not.ok(existsSync(join(dir, 'x')));
})));


C('SIGTERM in the middle of create (at its 4th bpf() call): create runs to its end, every map pinned, exit 143 saying so', kernel(() => withPinDir((dir) => {
  const missing = toolsMissing(['strace']);
  if (missing) return skip(`${missing} not installed`);
  const root = join(dir, 'sig');
  const r = spawnSync('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', 'inject=bpf:signal=SIGTERM:when=4',
    process.execPath, BIN, 'create', FW, '--pin-root', root], { encoding: 'utf8' });
  assert.is(r.status, 143, r.stderr);
  assert.match(r.stderr, /^bpfmap: SIGTERM: received while creating; create ran to its end first \(all of its maps, or none\)$/m);
  const all = (JSON.parse(bpfmap(['maps', FW, '--json']).stdout) as { name: string }[]).map((m) => m.name);
  assert.ok(all.length >= 3, 'the firewall has several maps');
  // Global data is pinned as <object>_rodata; the others by name.
  assert.equal(readdirSync(root).sort(), all.map((n) => n === '.rodata' ? 'firewall_rodata' : n).sort(), 'every map pinned (a signal that ends create part-way leaves only some)');
})));

C.run();
