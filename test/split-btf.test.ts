/**
 * Split BTF (what the kernel exposes for modules at /sys/kernel/btf/<module>): `bpfmap types SPLIT
 * --base BASE` equals `bpftool btf dump file SPLIT -B BASE -j`, on split BTF written here on top of
 * the running kernel's vmlinux BTF (this machine's kernel has no modules) and on top of a small
 * big-endian base.
 */
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writer } from '../src/bytes.js';
import { BTF_KIND } from '../src/btf/index.js';
import { BtfBuilder } from './helpers/btf-builder.js';
import { bpfmap } from './helpers/cli.js';
import { skip, suite } from './helpers/skip.js';
import { type ByteOrder, loadBtf, loadSplitBtf, defaultBtfBase, formatTypesC, type Btf } from '../src/index.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-split-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/**
 * Split BTF on `base`: struct bpfmap_split_s { int a; bpfmap_u32_t b; }, typedef bpfmap_u32_t (an
 * `unsigned int` of the base), a pointer to the struct, an enum. Strings without a leading NUL, as
 * libbpf and pahole write split BTF.
 */
function splitOn(base: Btf, order: ByteOrder): Uint8Array {
  const first = base.raw.count;
  const strBase = base.strings.length;
  const strs: string[] = [];
  let strLen = 0;
  const str = (s: string): number => { const at = strBase + strLen; strs.push(s); strLen += Buffer.byteLength(s) + 1; return at; };
  const id = (name: string, kind: number) => { const t = base.findByName(name, kind); assert.ok(t, `base has ${name}`); return t!.id; };
  const int = id('int', BTF_KIND.INT);
  const uint = id('unsigned int', BTF_KIND.INT);
  const t = new Writer(order);
  // first: struct bpfmap_split_s (size 8, 2 members)
  t.u32(str('bpfmap_split_s')).u32((BTF_KIND.STRUCT << 24) | 2).u32(8);
  t.u32(str('a')).u32(int).u32(0);
  t.u32(str('b')).u32(first + 1).u32(32);
  // first + 1: typedef bpfmap_u32_t -> unsigned int (base)
  t.u32(str('bpfmap_u32_t')).u32(BTF_KIND.TYPEDEF << 24).u32(uint);
  // first + 2: pointer to first
  t.u32(0).u32(BTF_KIND.PTR << 24).u32(first);
  // first + 3: enum bpfmap_split_e { SPLIT_A = 1, SPLIT_B = 7 }
  t.u32(str('bpfmap_split_e')).u32((BTF_KIND.ENUM << 24) | 2).u32(4);
  t.u32(str('SPLIT_A')).u32(1);
  t.u32(str('SPLIT_B')).u32(7);
  const types = t.finish();
  const s = Buffer.concat(strs.map((x) => Buffer.concat([Buffer.from(x), Buffer.from([0])])));
  const w = new Writer(order);
  w.u16(0xeb9f).u8(1).u8(0).u32(24).u32(0).u32(types.byteLength).u32(types.byteLength).u32(s.byteLength);
  w.bytes(types).bytes(s);
  return w.finish();
}

function haveBpftool(): boolean {
  try { execFileSync('bpftool', ['version'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/** Our --json and bpftool's, parsed, for SPLIT on BASE. */
function both(split: string, base: string): { ours: unknown; bpftool: unknown } {
  const r = bpfmap(['types', split, '--base', base, '--json']);
  assert.is(r.code, 0, r.stderr);
  const b = spawnSync('bpftool', ['btf', 'dump', 'file', split, '-B', base, '-j'], { encoding: 'utf8' });
  assert.is(b.status, 0, b.stderr);
  return { ours: JSON.parse(r.stdout), bpftool: JSON.parse(b.stdout) };
}

const S = suite('split BTF');

S('on the running kernel\'s vmlinux: types --base equals bpftool -B', () => {
  if (!existsSync(VMLINUX)) { skip(`${VMLINUX} is missing`); return; }
  if (!haveBpftool()) { skip('bpftool is not installed'); return; }
  const base = loadBtf(readFileSync(VMLINUX));
  const path = join(tmp, 'module.btf');
  writeFileSync(path, splitOn(base, base.byteOrder));
  const { ours, bpftool } = both(path, VMLINUX);
  assert.equal(ours, bpftool);
  const types = (ours as { types: { id: number; name: string }[] }).types;
  assert.equal(types.map((t) => [t.id, t.name]), [[base.raw.count, 'bpfmap_split_s'], [base.raw.count + 1, 'bpfmap_u32_t'], [base.raw.count + 2, '(anon)'], [base.raw.count + 3, 'bpfmap_split_e']]);
  const c = bpfmap(['types', path, '--base', VMLINUX, 'bpfmap_split_s']);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, /^struct bpfmap_split_s \{ \/\* size 8 \*\/\n\tint a; \/\* offset 0, size 4 \*\/\n\tbpfmap_u32_t b; \/\* offset 4, size 4 \*\/\n\};/);
  // A name filter under --json lists the named types, also those of the base.
  for (const name of ['bpfmap_split_s', 'int']) {
    const j = bpfmap(['types', path, '--base', VMLINUX, name, '--json']);
    assert.is(j.code, 0, j.stderr);
    const listed = (JSON.parse(j.stdout) as { types: { id: number; name: string }[] }).types;
    assert.equal(listed.map((t) => t.name), [name]);
    assert.equal(listed[0]!.id, base.idsByName(name)[0] ?? base.raw.count);
  }
});

S('a big-endian base of our own: types --base equals bpftool -B; the listing starts after the base', () => {
  if (!haveBpftool()) { skip('bpftool is not installed'); return; }
  const b = new BtfBuilder({ order: 'big' });
  b.int('int', 4, { signed: true });
  b.int('unsigned int', 4);
  b.struct('base_s', 4, [{ name: 'x', type: 1, bitOffset: 0 }]);
  const basePath = join(tmp, 'base-eb.btf');
  writeFileSync(basePath, b.build());
  const base = loadBtf(readFileSync(basePath));
  const path = join(tmp, 'split-eb.btf');
  writeFileSync(path, splitOn(base, 'big'));
  const { ours, bpftool } = both(path, basePath);
  assert.equal(ours, bpftool);
  const merged = loadSplitBtf(readFileSync(path), base);
  assert.is(merged.firstId, 4);
  assert.is(merged.typeCount, 7);
  assert.not.match(formatTypesC(merged), /base_s/);
  assert.match(formatTypesC(merged), /struct bpfmap_split_s/);
});

S('without its base, split BTF is refused naming the reference it cannot resolve', () => {
  const b = new BtfBuilder();
  b.int('int', 4, { signed: true });
  b.int('unsigned int', 4);
  const base = loadBtf(b.build());
  const path = join(tmp, 'alone.btf');
  writeFileSync(path, splitOn(base, 'little'));
  const r = bpfmap(['types', path]);
  assert.is(r.code, 5);
  assert.match(r.stderr, /^bpfmap: BTF strings: expected the first byte to be NUL, got 0x[0-9a-f]+ \(split BTF, such as a kernel module's, starts without it and needs its base BTF\)\n$/);
});

S('byte orders must agree; a module path under /sys/kernel/btf defaults to vmlinux as base', () => {
  const b = new BtfBuilder({ order: 'little' });
  b.int('int', 4, { signed: true });
  b.int('unsigned int', 4);
  const base = loadBtf(b.build());
  let msg = '';
  try { loadSplitBtf(splitOn(base, 'big'), base); } catch (e) { msg = (e as Error).message; }
  assert.is(msg, 'split BTF: byte order: expected little-endian like its base, got big-endian');
  assert.is(defaultBtfBase('/sys/kernel/btf/nf_tables'), VMLINUX);
  assert.is(defaultBtfBase('/sys/kernel/btf/vmlinux'), null);
  assert.is(defaultBtfBase('fixtures/firewall.bpfel.o'), null);
});

S.run();
