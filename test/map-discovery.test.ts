/**
 * The right live map, every time: default discovery (no --pin, --pin-root or --id) finds maps that other
 * loaders pinned elsewhere (the reference daemon's program directory, iproute2's tc/globals) or named
 * differently (cilium/ebpf's bare `.rodata`, libbpf's `<obj>.rodata` for another file name), matches by
 * name + sizes + BTF (never the name alone), and refuses when ambiguous, listing the ids. And `dump
 * --ndjson` without an object writes map names that `apply` resolves to the same map.
 *
 * Pins are made in a private bpffs (nothing else's pins are visible there); maps found by id are global,
 * so those tests use the loader-maps fixture, whose .rodata layout no other test creates.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { bpfmap, BIN, FW, TABLE, STATS, ROOT } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { withPrivateBpffs } from './helpers/private-bpffs.js';
import { loadObjectFile, findMap, parseJson } from '../src/index.js';
import { btfLoad, closeFd, mapCreate, mapUpdateElem, objGetInfoByFd } from '../src/syscall/index.js';

const LM = join(ROOT, 'fixtures', 'loader-maps.bpfel.o');
const COV = join(ROOT, 'fixtures', 'coverage.bpfel.o');
const KEY = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
const RULES = '{rules: [{ruleId: 4, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1}]}';
const DAEMON_DIR = '/sys/fs/bpf/xdp_ingress_node_firewall_process';

function bpftoolKeys(pin: string, run: (args: string[]) => string = (a) => execFileSync('bpftool', a, { encoding: 'utf8' })): number[][] {
  return (JSON.parse(run(['-j', 'map', 'dump', 'pinned', pin])) as { key: string[] }[]).map((e) => e.key.map((h) => parseInt(h, 16)));
}

const Pins = suite('default discovery: pins other loaders make (private bpffs)');

Pins('the reference daemon\'s program directory: found and written with no flags', withPrivateBpffs((ns) => {
  const c = ns.bpfmap('create', FW, '--pin-root', DAEMON_DIR);
  assert.is(c.status, 0, c.stderr);
  const u = ns.bpfmap('update', FW, TABLE, '--key', KEY, '--value', RULES);
  assert.is(u.status, 0, u.stderr);
  const keys = bpftoolKeys(`${DAEMON_DIR}/${TABLE}`, (a) => ns.bpftool(...a));
  assert.equal(keys, [[56, 0, 0, 0, 6, 0, 0, 0, 10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]);
  const l = ns.bpfmap('lookup', FW, TABLE, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.1}', '--json');
  assert.is(l.status, 0, l.stderr);
  assert.is((parseJson(l.stdout) as { value: { rules: Record<string, { ruleId: number }> } }).value.rules['0']!.ruleId, 4);
  // The .rodata pin bpfmap create made (firewall_rodata) is found the same way.
  const g = ns.bpfmap('get', FW, '--json');
  assert.is(g.status, 0, g.stderr);
  assert.equal(parseJson(g.stdout), { '.rodata': { debug_lookup: 0 } });
}, { cli: true }));

Pins('two program directories with the same maps: refused, listing both ids and pins; libbpf\'s own pin path wins', withPrivateBpffs((ns) => {
  for (const d of [DAEMON_DIR, '/sys/fs/bpf/another_loader']) assert.is(ns.bpfmap('create', FW, TABLE, '--pin-root', d).status, 0);
  const ids = [DAEMON_DIR, '/sys/fs/bpf/another_loader'].map((d) => (JSON.parse(ns.bpftool('-j', 'map', 'show', 'pinned', `${d}/${TABLE}`)) as { id: number }).id).sort((a, b) => a - b);
  const r = ns.bpfmap('dump', FW, TABLE);
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, new RegExp(`^bpfmap: map '${TABLE}': 2 live maps match: id ${ids[0]} 'ingress_node_fi' pinned at /sys/fs/bpf/\\S+/${TABLE}; id ${ids[1]} 'ingress_node_fi' pinned at /sys/fs/bpf/\\S+/${TABLE}; pick one with --id N or --pin PATH`));
  assert.match(r.stderr, /another_loader/);
  assert.match(r.stderr, /xdp_ingress_node_firewall_process/);
  // With the map at libbpf's pin path as well, that one is the map (libbpf itself reuses exactly it).
  assert.is(ns.bpfmap('create', FW, TABLE).status, 0);
  assert.is(ns.bpfmap('update', FW, TABLE, '--key', KEY, '--value', RULES).status, 0);
  assert.is(bpftoolKeys(`/sys/fs/bpf/${TABLE}`, (a) => ns.bpftool(...a)).length, 1);
  assert.is(bpftoolKeys(`${DAEMON_DIR}/${TABLE}`, (a) => ns.bpftool(...a)).length, 0);
}, { cli: true }));

Pins('iproute2\'s tc/globals is searched too', withPrivateBpffs((ns) => {
  assert.is(ns.bpfmap('create', FW, STATS, '--pin-root', '/sys/fs/bpf/tc/globals').status, 0);
  const r = ns.bpfmap('lookup', FW, STATS, '--key', '3', '--sum', '--json');
  assert.is(r.status, 0, r.stderr);
  assert.equal(parseJson(r.stdout), { key: 3, value: { allow_stats: { packets: 0, bytes: 0 }, deny_stats: { packets: 0, bytes: 0 } } });
}, { cli: true }));

Pins('a pin with the map\'s name but another layout is not the map', withPrivateBpffs((ns) => {
  // coverage's hash_map (24-byte key) pinned in a program directory under the name of loader-maps'
  // sized_at_load (4-byte key): same name, same type, other shape. No other test makes sized_at_load.
  assert.is(ns.bpfmap('create', COV, 'hash_map', '--pin-root', DAEMON_DIR).status, 0);
  ns.check('mv', [`${DAEMON_DIR}/hash_map`, `${DAEMON_DIR}/sized_at_load`]);
  const r = ns.bpfmap('dump', LM, 'sized_at_load');
  assert.is(r.status, 3, r.stderr);
  assert.match(r.stderr, /^bpfmap: map 'sized_at_load': not found: nothing pinned as 'sized_at_load' in \/sys\/fs\/bpf, \/sys\/fs\/bpf\/tc\/globals or a directory of \/sys\/fs\/bpf, and no loaded hash map named 'sized_at_load' with key size 4, value size 16 and the object's types/);
}, { cli: true }));

Pins('bpffs not mounted: the not-found error says so', kernel(() => {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs none /sys/fs/bpf && exec "$@"', 'sh', process.execPath, BIN, 'dump', LM, 'sized_at_load'], { encoding: 'utf8', cwd: ROOT });
  assert.is(r.status, 3, r.stderr);
  assert.is(r.stderr, "bpfmap: map 'sized_at_load': not found: /sys/fs/bpf is not on a bpf filesystem; is bpffs mounted? (mount -t bpf bpf /sys/fs/bpf); and no loaded hash map named 'sized_at_load' with the object's shape (or give --pin / --pin-root / --id)\n");
}));

Pins.run();

/** A global-data map of `file` made by hand with kernel name `name` (as another loader names it), filled with the section's bytes. */
function globalDataMap(file: string, name: string): { fd: number; id: number; close: () => void } {
  const obj = loadObjectFile(file);
  const m = findMap(obj.schema, '.rodata');
  const btf = btfLoad(obj.btf!.kernelBytes());
  try {
    const fd = mapCreate({ mapType: m.typeId, keySize: 4, valueSize: m.valueSize, maxEntries: 1, mapFlags: m.mapFlags, name, btfFd: btf, btfKeyTypeId: 0, btfValueTypeId: m.btfValueTypeId });
    const sec = obj.elf.section('.rodata')!;
    mapUpdateElem(fd, new Uint8Array(4), obj.elf.data(sec).slice(0, m.valueSize), 0, name);
    return { fd, id: objGetInfoByFd(fd).id, close: () => closeFd(fd) };
  } finally {
    closeFd(btf);
  }
}

function bpftoolValue(id: number): number[] {
  const e = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'lookup', 'id', String(id), 'key', '0', '0', '0', '0'], { encoding: 'utf8' })) as { value: string[] };
  return e.value.map((h) => parseInt(h, 16));
}

const Names = suite('default discovery: global data named by other loaders (loaded maps, by BTF)');

Names('cilium/ebpf\'s bare .rodata: get and set find it; a same-named, same-sized .rodata of another layout does not count', kernel(() => {
  const ours = globalDataMap(LM, '.rodata');
  const other = globalDataMap(COV, '.rodata'); // 16 bytes too, other variables
  try {
    assert.is(findMap(loadObjectFile(COV).schema, '.rodata').valueSize, 16);
    const g = bpfmap(['get', LM, '--json']);
    assert.is(g.code, 0, g.stderr);
    assert.equal(parseJson(g.stdout), { '.rodata': { loader_maps_tag: 7, loader_maps_limit: 100 } });
    const s = bpfmap(['set', LM, 'loader_maps_tag=9']);
    assert.is(s.code, 0, s.stderr);
    assert.equal(bpftoolValue(ours.id).slice(0, 4), [9, 0, 0, 0]);
  } finally {
    ours.close();
    other.close();
  }
}));

Names('libbpf\'s <obj>.rodata from another file name is found; with a second candidate, refused listing both ids', kernel(() => {
  const libbpfStyle = globalDataMap(LM, 'lm_copy.rodata');
  try {
    const g = bpfmap(['get', LM, 'loader_maps_limit', '--json']);
    assert.is(g.code, 0, g.stderr);
    assert.equal(parseJson(g.stdout), { '.rodata': { loader_maps_limit: 100 } });
    const cilium = globalDataMap(LM, '.rodata');
    try {
      const [a, b] = [libbpfStyle.id, cilium.id].sort((x, y) => x - y);
      const names: Record<number, string> = { [libbpfStyle.id]: 'lm_copy.rodata', [cilium.id]: '.rodata' };
      for (const args of [['get', LM], ['set', LM, 'loader_maps_tag=1']]) {
        const r = bpfmap(args);
        assert.is(r.code, 2, r.stderr);
        assert.is(r.stderr.trim(), `bpfmap: map '.rodata': 2 live maps match: id ${a} '${names[a!]}'; id ${b} '${names[b!]}'; pick one with --id N or --pin PATH`);
      }
      assert.equal(bpftoolValue(cilium.id).slice(0, 4), [7, 0, 0, 0], 'nothing was written');
      assert.equal(bpftoolValue(libbpfStyle.id).slice(0, 4), [7, 0, 0, 0], 'nothing was written');
    } finally {
      cilium.close();
    }
  } finally {
    libbpfStyle.close();
  }
}));

Names.run();

const Round = suite('dump --ndjson without an object writes map names apply resolves');

Round('table, statistics and .rodata by pin, and the table by id: the object\'s full names; apply finds them unchanged', kernel(() => withPinDir((dir) => {
  assert.is(bpfmap(['create', FW, '--pin-root', dir]).code, 0);
  assert.is(bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--value', RULES]).code, 0);
  const table = bpfmap(['dump', '--pin', join(dir, TABLE), '--ndjson']);
  assert.is(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^\\{"map":"${TABLE}","key":`));
  const id = (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'pinned', join(dir, TABLE)], { encoding: 'utf8' })) as { id: number }).id;
  const byId = bpfmap(['dump', '--id', String(id), '--ndjson']);
  assert.is(byId.stdout, table.stdout);
  const stats = bpfmap(['dump', '--pin', join(dir, STATS), '--ndjson']);
  assert.match(stats.stdout, new RegExp(`^\\{"map":"${STATS}","key":0,`));
  const rodata = bpfmap(['dump', '--pin', join(dir, 'firewall_rodata'), '--ndjson']);
  assert.is(rodata.stdout, '{"map":".rodata","key":0,"value":{"debug_lookup":0}}\n{"trailer":true,"entries":1,"maps":{".rodata":1}}\n');
  for (const lines of [table.stdout, rodata.stdout]) {
    const r = bpfmap(['apply', FW, '-f', '-', '--pin-root', dir, '--json'], { input: lines });
    assert.is(r.code, 0, r.stderr);
    const out = parseJson(r.stdout) as { maps: { map: string; added: number; changed: number; deleted: number; unchanged: number }[] };
    assert.is(out.maps.length, 1);
    assert.is(out.maps[0]!.added + out.maps[0]!.changed + out.maps[0]!.deleted, 0, JSON.stringify(out));
    assert.is(out.maps[0]!.unchanged, 1);
  }
})));

Round.run();

