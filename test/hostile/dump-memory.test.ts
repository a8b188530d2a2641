/**
 * `dump` streams in every output format: a map of 1,000,000 entries is dumped as YAML, JSON and NDJSON
 * inside a memory cgroup limited to 256 MB; the cgroup's peak stays under 200 MB, every entry comes
 * out, and the first bytes come out long before the end (the map is not read whole first).
 * BPFMAP_DUMP_ENTRIES sets another count.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../../src/syscall/index.js';
import { bpfmap, BIN } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { skip } from '../helpers/skip.js';
import { type MapSchema, type TypeNode, stringifyJson } from '../../src/index.js';

const N = Number(process.env.BPFMAP_DUMP_ENTRIES ?? 1_000_000);
const LIMIT = 256 << 20;
const PEAK_MAX = 200 << 20;
const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };
const MAP: MapSchema = { name: 't_million', kernelName: 't_million', type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16,
  maxEntries: N, flags: ['no_prealloc'], mapFlags: 1, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps',
  btfKeyTypeId: 0, btfValueTypeId: 0 };

/** A child memory cgroup (v2: memory.max / memory.peak; v1: limit_in_bytes / max_usage_in_bytes), or why there is none. */
interface Cgroup { dir: string; procs: string; peak: () => number; remove: () => void }
function memoryCgroup(limit: number): Cgroup | string {
  const name = `bpfmap-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const v2 = '/sys/fs/cgroup';
  if (existsSync(join(v2, 'cgroup.controllers')) && readFileSync(join(v2, 'cgroup.controllers'), 'utf8').includes('memory')) {
    const dir = join(v2, name);
    try { writeFileSync(join(v2, 'cgroup.subtree_control'), '+memory'); } catch { /* already on, or not allowed here */ }
    mkdirSync(dir);
    if (!existsSync(join(dir, 'memory.max'))) { rmdirSync(dir); return 'cgroup v2 without the memory controller for children'; }
    writeFileSync(join(dir, 'memory.max'), String(limit));
    try { writeFileSync(join(dir, 'memory.swap.max'), '0'); } catch { /* no swap accounting */ }
    return { dir, procs: join(dir, 'cgroup.procs'), peak: () => Number(readFileSync(join(dir, 'memory.peak'), 'utf8')), remove: () => rmdirSync(dir) };
  }
  const v1 = '/sys/fs/cgroup/memory';
  if (existsSync(join(v1, 'memory.limit_in_bytes'))) {
    const dir = join(v1, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limit));
    return { dir, procs: join(dir, 'cgroup.procs'), peak: () => Number(readFileSync(join(dir, 'memory.max_usage_in_bytes'), 'utf8')), remove: () => rmdirSync(dir) };
  }
  return 'no memory cgroup controller (v1 or v2) at /sys/fs/cgroup';
}

/** Runs `bpfmap dump ...` inside the cgroup (the child moves itself in before node starts), counting its output. */
function dumpIn(cg: Cgroup, args: string[], isEntry: (line: string) => boolean) {
  return new Promise<{ code: number | null; entries: number; bytes: number; firstMs: number; totalMs: number; err: string }>((resolve) => {
    const t0 = Date.now();
    const child = spawn('sh', ['-c', 'echo $$ > "$0" && exec "$@"', cg.procs, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let entries = 0, bytes = 0, firstMs = -1, rest = '', err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      if (firstMs < 0) firstMs = Date.now() - t0;
      bytes += d.length;
      const lines = (rest + d).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (isEntry(l)) entries++;
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code) => resolve({ code, entries, bytes, firstMs, totalMs: Date.now() - t0, err }));
  });
}

const Mem = suite(`dump of ${N.toLocaleString('en')} entries streams in a 256 MB memory cgroup (kernel, CLI)`);
Mem('YAML, JSON and NDJSON: every entry out, peak under 200 MB, output from the first batch on', kernel(() => withPinDir(async (dir) => {
  const cg = memoryCgroup(LIMIT);
  if (typeof cg === 'string') {
    skip(`memory cgroup unavailable: ${cg}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-dump-mem-'));
  try {
    const schema = join(tmp, 'schema.json');
    writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [MAP] }));
    const fd = mapCreate({ mapType: MAP.typeId, keySize: 4, valueSize: 16, maxEntries: N, mapFlags: 1, name: MAP.kernelName });
    try { objPin(fd, join(dir, MAP.name)); } finally { closeFd(fd); }
    const st = join(tmp, 'fill.ndjson');
    const out = openSync(st, 'w');
    for (let i = 0; i < N; i += 10_000) {
      let s = '';
      for (let j = i; j < Math.min(N, i + 10_000); j++) s += `{"map":"t_million","key":${j},"value":{"a":${j},"b":${j * 1000}}}\n`;
      writeSync(out, s);
    }
    closeSync(out);
    const fill = bpfmap(['apply', schema, '-f', st, '--pin-root', dir]);
    assert.is(fill.code, 0, fill.stderr);
    rmSync(st);
    const base = ['dump', schema, MAP.name, '--pin-root', dir];
    const cases: [string, string[], (l: string) => boolean][] = [
      ['ndjson', ['--ndjson'], (l) => l.startsWith('{"map":')],
      ['json', ['--json'], (l) => l === '    "key": ' + l.slice(11) && l.startsWith('    "key": ')],
      ['yaml', [], (l) => l.startsWith('- key: ')],
    ];
    const figures: string[] = [];
    for (const [name, flags, isEntry] of cases) {
      const r = await dumpIn(cg, [...base, ...flags], isEntry);
      const peak = cg.peak();
      figures.push(`${name}: ${(peak / 1048576).toFixed(0)} MB peak, first bytes after ${r.firstMs} ms of ${r.totalMs} ms, ${(r.bytes / 1048576).toFixed(0)} MB out`);
      assert.is(r.code, 0, `${name}: ${r.err}`);
      assert.is(r.entries, N, `${name}: every entry`);
      assert.ok(peak < PEAK_MAX, `${name}: peak ${peak} bytes`);
      assert.ok(r.firstMs < r.totalMs / 2, `${name}: output started before the map was read to its end (${r.firstMs} of ${r.totalMs} ms)`);
      // The next format's peak is its own.
      if (existsSync(join(cg.dir, 'memory.max_usage_in_bytes'))) writeFileSync(join(cg.dir, 'memory.max_usage_in_bytes'), '0');
      else if (existsSync(join(cg.dir, 'memory.reclaim'))) try { writeFileSync(join(cg.dir, 'memory.peak'), '0'); } catch { /* older kernels: peak only grows */ }
    }
    process.stdout.write(`  ${figures.join('\n  ')}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    for (let i = 0; i < 50; i++) { try { cg.remove(); break; } catch { await new Promise((r) => setTimeout(r, 100)); } }
  }
})));
Mem.run();
