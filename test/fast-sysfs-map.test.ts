// The kernel's BTF in sysfs mapped instead of read (src/syscall/fast-sysfs-map.ts): the same bytes
// as a read, a private read-only mapping that goes when its buffer is collected, files it cannot map
// left to the caller, and `bpfmap types` taking this way (seen by strace on the real CLI).
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, skip } from './helpers/skip.js';
import { BIN, FW } from './helpers/cli.js';
import { mapSysfsFile } from '../src/syscall/index.js';
import { mapsKernelBtf } from '../src/syscall/fast-sysfs-map.js';
import { BTF_KIND } from '../src/btf/index.js';
import { loadBtf } from '../src/index.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const M = suite('mapSysfsFile');

/** Why this machine cannot show the mapping, or null (decided without the function under test). */
function cannotMap(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (!existsSync(VMLINUX)) return `no ${VMLINUX} (a kernel without BTF)`;
  if (!mapsKernelBtf(release())) return `kernel ${release()} does not map ${VMLINUX} (Linux 6.16 and later do)`;
  return null;
}

M('kernel releases: 6.16 and later map the kernel BTF', () => {
  for (const r of ['6.16.0', '6.18.44-fc-v1272', '7.0.1', '10.1']) assert.ok(mapsKernelBtf(r), r);
  for (const r of ['6.15.9', '6.1.0-28-amd64', '5.19.0', '4.18.0-553.el8', 'unknown', '']) assert.not.ok(mapsKernelBtf(r), r);
});

M('vmlinux BTF: the same bytes as a read, from a private read-only mapping of the file', (ctx) => {
  const why = cannotMap();
  if (why) return skip(why, ctx);
  const mapped = mapSysfsFile(VMLINUX);
  assert.ok(mapped, 'mapped');
  assert.ok(Buffer.from(mapped!.buffer, mapped!.byteOffset, mapped!.byteLength).equals(readFileSync(VMLINUX)), 'the same bytes');
  const lines = readFileSync('/proc/self/maps', 'latin1').split('\n').filter((l) => l.endsWith(VMLINUX));
  assert.ok(lines.length > 0, 'the file is mapped into this process');
  for (const l of lines) assert.match(l.split(/\s+/)[1]!, /^r--p$/, 'read-only and private');
});

M('unmapped once its buffer is collected', (ctx) => {
  const why = cannotMap();
  if (why) return skip(why, ctx);
  const script = `import { mapSysfsFile } from './src/syscall/index.ts';
    import { readFileSync } from 'node:fs';
    const count = () => readFileSync('/proc/self/maps', 'latin1').split('\\n').filter((l) => l.endsWith('${VMLINUX}')).length;
    let b = mapSysfsFile('${VMLINUX}');
    const held = count();
    b = undefined;
    for (let i = 0; i < 20 && count() > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }
    console.log(JSON.stringify({ held, after: count() }));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { held: 1, after: 0 });
});

M('only the kernel BTF itself is mapped (a link to it too); any other file is left to be read', (ctx) => {
  const why = cannotMap();
  if (why) return skip(why, ctx);
  assert.is(mapSysfsFile(FW), undefined, 'a regular file');
  assert.is(mapSysfsFile('/sys/kernel/no-such-file'), undefined);
  const attr = '/sys/kernel/mm/transparent_hugepage/enabled';
  if (existsSync(attr)) assert.is(mapSysfsFile(attr), undefined, 'a text attribute');
  const module = readdirSync('/sys/kernel/btf').find((f) => f !== 'vmlinux');
  if (module) assert.is(mapSysfsFile(`/sys/kernel/btf/${module}`), undefined, `module BTF ${module}`);
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-link-'));
  try {
    symlinkSync(VMLINUX, join(dir, 'vmlinux'));
    assert.ok(mapSysfsFile(join(dir, 'vmlinux')), 'a link to it');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

M('bpfmap types maps vmlinux instead of reading it 4 KiB at a time', (ctx) => {
  const why = cannotMap();
  if (why) return skip(why, ctx);
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0) return skip('strace is not installed', ctx);
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-strace-'));
  try {
    const log = join(dir, 'log');
    const r = spawnSync('strace', ['-f', '-y', '-e', 'trace=mmap,read', '-o', log, process.execPath, BIN, 'types', VMLINUX, 'task_struct'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, /struct task_struct/);
    const text = readFileSync(log, 'utf8');
    const size = readFileSync(VMLINUX).byteLength;
    // -y names each descriptor's file: <fd<path>>.
    assert.match(text, new RegExp(`mmap\\(NULL, ${size}, PROT_READ, MAP_PRIVATE, \\d+<${VMLINUX}>, 0\\)`), 'mapped whole, private, read-only');
    const reads = text.split('\n').filter((l) => l.includes(`read(`) && l.includes(`<${VMLINUX}>`)).length;
    assert.is(reads, 0, `${reads} read() calls on it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

M('list names a tracing target from the kernel BTF both mapped and, where the mapping fails, read', (ctx) => {
  const why = cannotMap();
  if (why) return skip(why, ctx);
  if (spawnSync('strace', ['-V'], { stdio: 'ignore' }).status !== 0) return skip('strace is not installed', ctx);
  // This machine's kernel refuses trampoline programs (fentry, lsm: EPERM even as root), so no tracing
  // link can be made: the name lookup list runs for one is called directly, for a function that
  // exists in every kernel with BTF, and for the cases that answer null.
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-strace-'));
  try {
    const btf = loadBtf(readFileSync(VMLINUX));
    const id = btf.idsByName('bpf_fentry_test1').find((i) => btf.kind(i) === BTF_KIND.FUNC);
    assert.ok(id, 'bpf_fentry_test1 is a FUNC of the kernel BTF');
    const script = `import { vmlinuxName } from './src/inventory/attach.ts';
      const id = ${id};
      console.log(JSON.stringify([vmlinuxName(1, id), vmlinuxName(2, id), vmlinuxName(1, 0x7fffffff), vmlinuxName(1, 0)]));`;
    const run = (inject: boolean) => {
      const log = join(dir, inject ? 'read' : 'mapped');
      // -P: only calls on the kernel BTF; the first open of it (the mapping's) fails with EACCES.
      const r = spawnSync('strace', ['-f', '-qq', '-o', log, '-P', VMLINUX, '-e', 'trace=openat,mmap,read',
        ...(inject ? ['-e', 'inject=openat:error=EACCES:when=1'] : []),
        process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      assert.is(r.status, 0, r.stderr);
      const calls = readFileSync(log, 'utf8').split('\n');
      return { names: JSON.parse(r.stdout), mmaps: calls.filter((l) => /\bmmap\(/.test(l)).length, reads: calls.filter((l) => /\bread\(/.test(l)).length };
    };
    const expected = ['bpf_fentry_test1', null, null, null];
    const mapped = run(false), read = run(true);
    assert.equal(mapped.names, expected, 'mapped');
    assert.equal(read.names, expected, 'read');
    assert.equal([mapped.mmaps, mapped.reads], [1, 0], 'the lookup mapped the file');
    assert.is(read.mmaps, 0, 'the mapping failed (its open refused)');
    assert.ok(read.reads > 100, `the lookup read the file 4 KiB at a time: ${read.reads} read() calls`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

M.run();
