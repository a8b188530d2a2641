/** Finding a map of the object by name: exact name first, the kernel's 15-character name only when unique. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findMap, loadObjectFile } from '../src/index.js';
import { bpfmap, FW, COV, TABLE } from './helpers/cli.js';

const fw = loadObjectFile(FW).schema;
const cov = loadObjectFile(COV).schema;

function fails(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
}

const Find = suite('findMap');

Find('the exact name in the object wins', () => {
  assert.is(findMap(fw, TABLE).name, TABLE);
  assert.is(findMap(fw, '.rodata').name, '.rodata');
});

Find('a kernel name shared by several maps is refused, listing every candidate', () => {
  const e = fails(() => findMap(fw, 'ingress_node_fi'));
  assert.is(e.code, 'AMBIGUOUS');
  assert.is(e.message, "map 'ingress_node_fi': is the kernel's 15-character name of 3 maps in firewall.bpfel.o: " +
    'ingress_node_firewall_table_map, ingress_node_firewall_statistics_map, ingress_node_firewall_events_map; name one of them in full');
});

Find('a kernel name that identifies exactly one map finds it', () => {
  assert.is(findMap(cov, 'coverage.rodata').name, '.rodata');
  assert.is(findMap(cov, 'percpu_hash_map').name, 'percpu_hash_map');
});

Find('an unknown name lists the maps', () => {
  const e = fails(() => findMap(fw, 'nope'));
  assert.is(e.code, 'MAP_NOT_FOUND');
  assert.match(e.message, /^map 'nope' is not in firewall.bpfel.o; maps are ingress_node_firewall_table_map, /);
});

Find.run();

const Cli = suite('CLI: a truncated name never picks a map silently');

Cli('encode with the shared kernel name exits 2 and names the candidates', () => {
  const r = bpfmap(['encode', FW, 'ingress_node_fi', '--key', '1', '--value', '1']);
  assert.is(r.code, 2, r.stderr);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^bpfmap: map 'ingress_node_fi': is the kernel's 15-character name of 3 maps in firewall.bpfel.o: ingress_node_firewall_table_map, ingress_node_firewall_statistics_map, ingress_node_firewall_events_map/);
});

Cli('apply of a state naming the shared kernel name refuses before touching any map', () => {
  const r = bpfmap(['apply', FW, '-f', '-', '--dry-run'], { input: '{"map":"ingress_node_fi","key":1,"value":1}\n' });
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /ingress_node_fi.*ingress_node_firewall_table_map, ingress_node_firewall_statistics_map, ingress_node_firewall_events_map/);
});

Cli.run();

const Kernel = suite('kernelNameMatches: the names loaders give a map in the kernel');

Kernel('15-character prefixes, libbpf\'s <obj>.rodata for any object name, and the bare section name', async () => {
  const { kernelNameMatches } = await import('../src/map/discover.js');
  const table = findMap(fw, TABLE), rodata = findMap(fw, '.rodata'), custom = findMap(cov, '.data.config');
  const cases: [typeof table, string, boolean][] = [
    [table, 'ingress_node_fi', true],
    [table, 'ingress_node_fx', false],
    [table, TABLE, false], // the kernel never holds more than 15 characters
    [rodata, 'firewall.rodata', true], // libbpf, this file name
    [rodata, 'bpf_bpfe.rodata', true], // libbpf, the reference daemon's bpf_bpfel.o
    [rodata, '.rodata', true], // cilium/ebpf, aya
    [rodata, 'firewall.data', false],
    [rodata, 'firewall1.rodata', false], // libbpf keeps at most 8 characters of the object name
    [rodata, 'fire-wal.rodata', false],
    [custom, '.data.config', true], // custom sections have no object prefix
    [custom, 'cov.data.config', false],
  ];
  for (const [m, name, want] of cases) assert.is(kernelNameMatches(m, name), want, `${m.name} as '${name}'`);
});

Kernel.run();

const Named = suite('objectMapName: a live map\'s full name from its BTF');

Named('the .maps variable whose key and value types are the map\'s; the DATASEC for global data; null when unsure', async () => {
  const { objectMapName } = await import('../src/map/kernel-btf.js');
  const obj = loadObjectFile(FW);
  const info = (name: string, key: number, value: number) => ({ name, btfKeyTypeId: key, btfValueTypeId: value }) as Parameters<typeof objectMapName>[1];
  for (const m of obj.schema.maps) {
    assert.is(objectMapName(obj.btf!, info(m.kernelName, m.btfKeyTypeId, m.btfValueTypeId)), m.name, m.name);
  }
  const t = findMap(obj.schema, TABLE);
  assert.is(objectMapName(obj.btf!, info('ingress_node_fi', t.btfValueTypeId, t.btfKeyTypeId)), null, 'types swapped: no map');
  assert.is(objectMapName(obj.btf!, info('other_name', t.btfKeyTypeId, t.btfValueTypeId)), null, 'another name: no map');
});

Named.run();
