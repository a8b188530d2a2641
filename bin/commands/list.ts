import { listMaps } from '../../src/index.js';
import type { AttachPoint, LoadedMap } from '../../src/index.js';
import { print, table } from '../output.js';
import { TARGET, UsageError, type GlobalArgs } from '../options.js';
import { MAP_TYPE_NAMES } from '../../src/uapi/map-constants.js';
import { defineCommand } from '../spec.js';

interface Args extends GlobalArgs {
  name?: string;
  type?: string;
  'pin-dir'?: string;
  id?: number;
  count?: boolean;
}

export function runList(a: Args): LoadedMap[] {
  // The names list prints (mapTypeName): a type this code does not name is unknown_N.
  if (a.type !== undefined && !MAP_TYPE_NAMES.includes(a.type) && !/^unknown_\d+$/.test(a.type)) {
    throw new UsageError(`--type: expected a map type (${MAP_TYPE_NAMES.join(', ')}), got ${a.type}`);
  }
  return listMaps({ name: a.name, type: a.type, pinDir: a['pin-dir'], id: a.id, count: a.count !== false });
}

function fillText(m: LoadedMap): string {
  return m.fill === null ? '-' : `${(Math.floor(m.fill * 1000) / 10).toFixed(1)}%`; // never 100% before it is full
}

function sideText(size: number, type: string | null | undefined): string {
  return type ? `${size} ${type}` : String(size);
}

function ifText(a: AttachPoint): string {
  return a.ifname ? `${a.ifname}(${a.ifindex})` : `ifindex ${a.ifindex} (not in this netns)`;
}

/** `xdp veth0(3) generic, link 7`, `cgroup_inet_egress /sys/fs/cgroup/x, link 9`, `xdp lo(1) generic, not via a link`. */
export function attachText(a: AttachPoint): string {
  let what: string;
  switch (a.kind) {
    case 'xdp': what = `xdp ${ifText(a)}${a.mode ? ` ${a.mode}` : ''}`; break;
    case 'tcx':
    case 'netkit': what = `${a.attachType} ${ifText(a)}`; break;
    case 'cgroup': what = `${a.attachType} ${a.cgroup ?? `cgroup id ${a.cgroupId}`}`; break;
    case 'tracing': what = `${a.attachType} ${a.target ?? `btf ${a.targetObjId} type ${a.targetBtfId}`}`; break;
    default: what = [a.kind, a.attachType, a.target].filter(Boolean).join(' ');
  }
  return `${what}, ${a.link === null ? 'not via a link' : `link ${a.link}`}`;
}

function programText(p: LoadedMap['programs'][number]): string {
  const at = p.attach.length ? ` [${p.attach.map(attachText).join('; ')}]` : '';
  return `${p.id}:${p.type}:${p.name}${at}`;
}

function row(m: LoadedMap): string[] {
  return [
    String(m.id), m.name || '-', m.type, sideText(m.keySize, m.btf?.key), sideText(m.valueSize, m.btf?.value),
    String(m.maxEntries), m.entries === null ? '-' : String(m.entries), fillText(m),
    m.memlock === null ? '-' : `${m.memlock}B`, m.pins.join(',') || '-',
    m.programs.map(programText).join(', ') || '-',
  ];
}

export const listCommand = defineCommand({
  command: 'list',
  aliases: ['ls', 'show'],
  describe: 'every map loaded on the host: sizes, entries in use and fill, memory, BTF types, pins, programs using it and where they are attached',
  options: {
    name: { type: 'string', describe: 'only maps whose kernel name starts with this (the kernel keeps 15 characters)' },
    type: { type: 'string', describe: 'only maps of this type (hash, lpm_trie, percpu_array, ...)' },
    'pin-dir': { type: 'string', describe: 'only maps pinned under this bpffs directory' },
    id: { ...TARGET.id, describe: 'only the map with this id' },
    count: { type: 'boolean', default: true, describe: 'count the entries in use (--no-count skips it: one batch read or key walk per map)' },
  },
  examples: [
    ['$0 list', 'a table of every loaded map'],
    ['$0 list --type lpm_trie --json', 'the LPM tries, as JSON'],
    ['$0 ls --pin-dir /sys/fs/bpf', 'the maps pinned under /sys/fs/bpf'],
  ],
  handler: (a) => {
    const maps = runList(a);
    if (a.json) { print(maps, true); return; }
    print(table(['ID', 'NAME', 'TYPE', 'KEY', 'VALUE', 'MAX', 'ENTRIES', 'FILL', 'MEMLOCK', 'PINS', 'PROGRAMS'], maps.map(row)), false);
  },
});
