/**
 * bpftool's handles as positionals (`pinned PATH`, `id N`, `name NAME`) are the same map as --pin,
 * --id and --name; a name several loaded maps share is refused with the candidates.
 */
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createMaps, loadObjectFile } from '../src/index.js';
import { BPF_MAP_TYPE, closeFd, mapCreate, mapUpdateElem, objGet, objGetInfoByFd, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { bpfmap, FW, TABLE } from './helpers/cli.js';

const KEY = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
const VALUE = '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 2}}}';

function ok(args: string[]): string {
  const r = bpfmap(args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function mapId(path: string): number {
  const fd = objGet(path);
  try { return objGetInfoByFd(fd).id; } finally { closeFd(fd); }
}

/** A BTF-less hash with one entry, named `name`, pinned at dir/file. */
function rawMap(dir: string, file: string, name: string): string {
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 8, maxEntries: 4, name });
  try {
    mapUpdateElem(fd, Uint8Array.of(1, 0, 0, 0), Uint8Array.of(7, 0, 0, 0, 0, 0, 0, 0));
    objPin(fd, join(dir, file));
  } finally { closeFd(fd); }
  return join(dir, file);
}

const H = suite('handles');

H('pinned PATH and id N equal --pin and --id for dump, lookup, update, getnext', kernel(() => withPinDir((dir) => {
  createMaps(loadObjectFile(FW), { pinRoot: dir, names: [TABLE] });
  const pin = join(dir, TABLE);
  const id = String(mapId(pin));
  ok(['update', 'id', id, '--key', KEY, '--value', VALUE]);
  const dump = ok(['dump', '--pin', pin, '--json']);
  assert.match(dump, /"ruleId": 1/);
  assert.is(ok(['dump', 'pinned', pin, '--json']), dump);
  assert.is(ok(['dump', 'id', id, '--json']), dump);
  assert.is(ok(['dump', '--id', id, '--json']), dump);
  const look = ok(['lookup', '--pin', pin, '--key', KEY, '--json']);
  assert.is(ok(['lookup', 'pinned', pin, '--key', KEY, '--json']), look);
  assert.is(ok(['lookup', 'id', id, '--key', KEY, '--json']), look);
  assert.is(ok(['getnext', 'id', id, '--json']), ok(['getnext', '--pin', pin, '--json']));
  // the object still types a map named by --id (checked against it)
  assert.is(ok(['dump', FW, TABLE, '--id', id, '--json']), ok(['dump', FW, TABLE, '--pin', pin, '--json']));
})));

H('name NAME equals --name; a shared name is refused listing every candidate; an unknown one is exit 3', kernel(() => withPinDir((dir) => {
  const name = `h${randomBytes(5).toString('hex')}`;
  const pin = rawMap(dir, 'one', name);
  const dump = ok(['dump', '--pin', pin, '--json']);
  assert.equal(JSON.parse(dump), [{ key: '01000000', value: '0700000000000000' }]);
  assert.is(ok(['dump', 'name', name, '--json']), dump);
  assert.is(ok(['dump', '--name', name, '--json']), dump);
  assert.is(ok(['lookup', 'name', name, '--key', '"01000000"', '--json']), ok(['lookup', '--pin', pin, '--key', '"01000000"', '--json']));
  // a longer name matches the kernel's first 15 characters
  const long = `${name}_and_more_text`;
  const pinLong = rawMap(dir, 'long', long);
  assert.is(ok(['dump', 'name', long, '--json']), ok(['dump', '--pin', pinLong, '--json']));
  const pin2 = rawMap(dir, 'two', name);
  const r = bpfmap(['dump', 'name', name]);
  assert.is(r.code, 2);
  const ids = [mapId(pin), mapId(pin2)].sort((a, b) => a - b);
  assert.match(r.stderr, `bpfmap: map name '${name}': 2 loaded maps have this name: id ${ids[0]} (hash, key 4 value 8, pinned `);
  assert.match(r.stderr, `id ${ids[1]} (hash, key 4 value 8, pinned `);
  assert.match(r.stderr, pin2);
  assert.match(r.stderr, /pick one by id or pin/);
  const none = bpfmap(['dump', 'name', `${name}zz`]);
  assert.is(none.code, 3);
  assert.is(none.stderr, `bpfmap: map name '${name}zz': no loaded map has this name (see bpfmap list)\n`);
})));

H('handle usage errors are exit 2 with a message', kernel(() => {
  const cases: [string[], string][] = [
    [['dump', 'id', 'abc'], "bpfmap: id abc: expected a map id (an integer 0..4294967295), got abc\n"],
    [['dump', '--id', 'abc'], "bpfmap: --id: expected a map id (an integer 0..4294967295), got abc\n"],
    [['lookup', '--id', '-1', '--key', '1'], "bpfmap: --id: expected a map id (an integer 0..4294967295), got -1\n"],
    [['dump', 'id', '4294967296'], "bpfmap: id 4294967296: expected a map id (an integer 0..4294967295), got 4294967296\n"],
    [['dump', 'pinned'], 'bpfmap: pinned: name the map after it (pinned PATH)\n'],
    [['dump', 'pinned', '/sys/fs/bpf/x', '--pin', '/sys/fs/bpf/y'], "bpfmap: give the map once: 'pinned /sys/fs/bpf/x' or --pin, not both\n"],
    [['dump', '--id', '1', '--name', 'x'], 'bpfmap: give either --id or --name, not both\n'],
  ];
  for (const [args, err] of cases) {
    const r = bpfmap(args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.stderr, `${err}run 'bpfmap --help' for usage\n`, args.join(' '));
  }
}));
H.run();
