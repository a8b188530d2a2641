/**
 * listMaps and `bpfmap list`: maps the test creates and fills with a known number of entries, pinned
 * in its own bpffs directory, used by a tiny program it loads; compared with bpftool where they overlap.
 */
import { suite, skip, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { listMaps, loadObjectFile, findMap, createMaps } from '../src/index.js';
import type { LoadedMap } from '../src/index.js';
import { typeName } from '../src/codec/type-name.js';
import {
  BPF_F, BPF_MAP_TYPE, BPF_PROG_TYPE, closeFd, mapCreate, mapUpdateElem, objGet, objGetInfoByFd, objPin,
  perCpuValueSize, progGetInfoByFd, progLoad,
} from '../src/syscall/index.js';
import { os } from '../src/syscall/native-endian.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { bpfmap, FW, TABLE } from './helpers/cli.js';

const le = os.little;
const u32 = (n: number): Uint8Array => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n, le); return b; };

/** r1 = map (BPF_PSEUDO_MAP_FD); r0 = XDP_PASS; exit. The verifier records the map as used. */
function usesMap(mapFd: number): Uint8Array {
  const b = new Uint8Array(32);
  const v = new DataView(b.buffer);
  b[0] = 0x18; b[1] = 0x11; v.setInt32(4, mapFd, le); // ld_imm64 r1, src_reg 1 (pseudo map fd)
  b[16] = 0xb7; v.setInt32(20, 2, le); // mov r0, 2
  b[24] = 0x95; // exit
  return b;
}

function hashWith(dir: string, name: string, n: number, max: number): { path: string; fd: number } {
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: max, name });
  for (let i = 0; i < n; i++) mapUpdateElem(fd, u32(i * 7 + 1), new Uint8Array(8).fill(i & 0xff));
  const path = join(dir, name);
  objPin(fd, path);
  return { path, fd };
}

const bpftoolMissing = toolsMissing(['bpftool']);
function bpftool(...args: string[]): unknown {
  return JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
}

const L = suite('listMaps');

L('a hash filled with 37 of 100 entries: count, fill, pin, the program using it, and bpftool agrees', kernel(() => withPinDir((dir) => {
  const { path, fd } = hashWith(dir, 'inv_hash', 37, 100);
  const prog = progLoad({ progType: BPF_PROG_TYPE.XDP, insns: usesMap(fd), name: 'inv_user' });
  try {
    objPin(prog, join(dir, 'inv_user'));
    const progId = progGetInfoByFd(prog).id;
    const id = objGetInfoByFd(fd).id;
    const maps = listMaps({ pinDir: dir });
    assert.equal(maps.map((m) => m.id), [id]);
    const m = maps[0]!;
    assert.equal([m.name, m.type, m.keySize, m.valueSize, m.maxEntries], ['inv_hash', 'hash', 4, 8, 100]);
    assert.equal([m.entries, m.fill, m.countedBy], [37, 0.37, 'batch']);
    assert.equal(m.pins, [path]);
    assert.equal(m.programs, [{ id: progId, name: 'inv_user', type: 'xdp', attach: [] }]);
    assert.ok(m.memlock !== null && m.memlock > 0);
    assert.is(m.btf, null);
    if (bpftoolMissing) {
      skip(`${bpftoolMissing} not installed: the comparison with bpftool map show`);
    } else {
      const b = bpftool('map', 'show', 'id', String(id)) as Record<string, unknown>;
      assert.equal([m.id, m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.memlock],
        [b.id, b.name, b.type, b.bytes_key, b.bytes_value, b.max_entries, b.bytes_memlock]);
      const p = bpftool('prog', 'show', 'id', String(progId)) as { map_ids: number[] };
      assert.equal(p.map_ids, [id]);
    }
    // a second pin of the same map is listed too; a filter by another directory leaves it out
    objPin(fd, join(dir, 'inv_hash_again'));
    assert.equal(listMaps({ id })[0]!.pins, [path, join(dir, 'inv_hash_again')].sort());
    mkdirSync(join(dir, 'nothing-here'));
    assert.equal(listMaps({ pinDir: join(dir, 'nothing-here') }), []);
    // A directory that is not there is an error (a mistyped one would list nothing, as if nothing were pinned).
    assert.throws(() => listMaps({ pinDir: join(dir, 'not-there') }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' && /pin dir '.*not-there': no such directory \(ENOENT\)/.test(e.message));
    const cli = bpfmap(['list', '--pin-dir', join(dir, 'not-there')]);
    assert.equal([cli.code, cli.stdout], [3, '']);
    assert.throws(() => listMaps({ pinDir: path }), /not a directory/);
  } finally {
    closeFd(prog);
    closeFd(fd);
  }
})));

L('filters: name prefix (a longer name matches the kernel\'s 15 characters), type, id; --no-count', kernel(() => withPinDir((dir) => {
  const a = hashWith(dir, 'inv_filter_long', 3, 10);
  const b = mapCreate({ mapType: BPF_MAP_TYPE.ARRAY, keySize: 4, valueSize: 4, maxEntries: 5, name: 'inv_filter_arr' });
  try {
    objPin(b, join(dir, 'inv_filter_arr'));
    const names = (o: Parameters<typeof listMaps>[0]) => listMaps({ pinDir: dir, ...o }).map((m) => m.name).sort();
    assert.equal(names({ name: 'inv_filter' }), ['inv_filter_arr', 'inv_filter_long']);
    assert.equal(names({ name: 'inv_filter_long_and_more' }), ['inv_filter_long']);
    assert.equal(names({ type: 'array' }), ['inv_filter_arr']);
    assert.equal(names({ id: objGetInfoByFd(b).id }), ['inv_filter_arr']);
    const arr = listMaps({ pinDir: dir, type: 'array' })[0]!;
    assert.equal([arr.entries, arr.fill, arr.countedBy], [5, 1, 'max_entries']);
    const nc = listMaps({ pinDir: dir, name: 'inv_filter_long', count: false })[0]!;
    assert.equal([nc.entries, nc.fill, nc.countedBy], [null, null, null]);
  } finally {
    closeFd(a.fd);
    closeFd(b);
  }
})));

L('counted by walking keys where there is no batch lookup (prog_array: filled slots only); per-CPU by batch', kernel(() => withPinDir((dir) => {
  const pa = mapCreate({ mapType: BPF_MAP_TYPE.PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 4, name: 'inv_progs' });
  const pass = new Uint8Array(16); pass[0] = 0xb7; new DataView(pass.buffer).setInt32(4, 2, le); pass[8] = 0x95;
  const prog = progLoad({ progType: BPF_PROG_TYPE.XDP, insns: pass, name: 'inv_tail' });
  const pc = mapCreate({ mapType: BPF_MAP_TYPE.PERCPU_HASH, keySize: 4, valueSize: 12, maxEntries: 50, name: 'inv_pcpu' });
  try {
    mapUpdateElem(pa, u32(1), u32(prog));
    mapUpdateElem(pa, u32(3), u32(prog));
    objPin(pa, join(dir, 'inv_progs'));
    for (let i = 0; i < 9; i++) mapUpdateElem(pc, u32(i), new Uint8Array(perCpuValueSize(12)));
    objPin(pc, join(dir, 'inv_pcpu'));
    const byName = new Map(listMaps({ pinDir: dir }).map((m) => [m.name, m]));
    const p = byName.get('inv_progs')!;
    assert.equal([p.entries, p.fill, p.countedBy], [2, 0.5, 'walk']);
    const c = byName.get('inv_pcpu')!;
    assert.equal([c.entries, c.countedBy], [9, 'batch']);
  } finally {
    closeFd(prog);
    closeFd(pa);
    closeFd(pc);
  }
})));

L('a map with BTF: key and value type names as in the object', kernel(() => withPinDir((dir) => {
  const obj = loadObjectFile(FW);
  createMaps(obj, { pinRoot: dir, names: [TABLE] });
  const path = join(dir, TABLE);
  const fd = objGet(path);
  try {
    const key = new Uint8Array(24);
    new DataView(key.buffer).setUint32(0, 32 + 24, le);
    new DataView(key.buffer).setUint32(4, 6, le);
    for (let i = 0; i < 4; i++) {
      key.set([10, 10, i, 0], 8);
      mapUpdateElem(fd, key, new Uint8Array(1200));
    }
    const [m] = listMaps({ pinDir: dir }) as [LoadedMap];
    const schema = findMap(obj.schema, TABLE);
    assert.equal([m.type, m.entries, m.pins], ['lpm_trie', 4, [path]]);
    assert.equal(m.fill, 4 / schema.maxEntries);
    assert.equal({ key: m.btf?.key, value: m.btf?.value }, { key: typeName(schema.key!), value: typeName(schema.value!) });
    assert.ok(m.btf!.id > 0);
  } finally {
    closeFd(fd);
  }
})));
L.run();

const C = suite('bpfmap list');

C('table, --json, aliases ls and show, filters, and --id abc is a usage error', kernel(() => withPinDir((dir) => {
  const { path, fd } = hashWith(dir, 'inv_cli', 12, 48);
  try {
    const id = objGetInfoByFd(fd).id;
    const j = bpfmap(['list', '--pin-dir', dir, '--json']);
    assert.is(j.code, 0, j.stderr);
    const maps = JSON.parse(j.stdout) as LoadedMap[];
    assert.equal(maps.map((m) => [m.id, m.name, m.entries, m.fill, m.pins]), [[id, 'inv_cli', 12, 0.25, [path]]]);
    for (const alias of ['ls', 'show']) assert.equal(bpfmap([alias, '--pin-dir', dir, '--json']).stdout, j.stdout, alias);
    const t = bpfmap(['list', '--pin-dir', dir]);
    assert.is(t.code, 0, t.stderr);
    const lines = t.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+NAME\s+TYPE\s+KEY\s+VALUE\s+MAX\s+ENTRIES\s+FILL\s+MEMLOCK\s+PINS\s+PROGRAMS$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`^${id}\\s+inv_cli\\s+hash\\s+4\\s+8\\s+48\\s+12\\s+25\\.0%\\s+\\d+B\\s+${path}\\s+-$`));
    assert.equal(JSON.parse(bpfmap(['list', '--pin-dir', dir, '--type', 'array', '--json']).stdout), []);
    assert.equal(JSON.parse(bpfmap(['list', '--id', String(id), '--json']).stdout).length, 1);
    const bad = bpfmap(['list', '--id', 'abc']);
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /^bpfmap: --id: expected a map id \(an integer 0\.\.4294967295\), got abc/);
  } finally {
    closeFd(fd);
  }
})));
C.run();
