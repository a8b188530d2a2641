/**
 * An object of the other byte order (the bpfeb firewall on this little-endian host) is refused by every
 * live command (exit 5, saying why) and the map is left exactly as it was; offline encode and decode
 * keep working with it. bpftool reads the map before and after.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bpfmap, FW, FW_EB, TABLE, STATS } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { skip } from './helpers/skip.js';
import { loadObjectFile, openMap, findMap, createMaps } from '../src/index.js';

const LITTLE_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const KEY = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
const RULES = '{rules: {0: {ruleId: 1, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1}}}';

function ok(args: string[], input?: string): string {
  const r = bpfmap(args, { input });
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function bpftoolDump(pin: string): string {
  return execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' });
}

const REFUSAL = /^bpfmap: map '[^']+': the object is big-endian \(bpfeb\) but this host is little-endian \(bpfel\): its keys and values would reach the kernel byte-swapped; use the object built for this host \(bpfel\)/;

const Live = suite('live commands refuse an object of the other byte order');

Live('update, delete, apply, set, lookup, dump, getnext, get, edit and create: exit 5, map unchanged', kernel(() => withPinDir((dir) => {
  if (!LITTLE_HOST) return skip('big-endian host: the fixture pair assumes a little-endian host (bpfeb is the foreign order)');
  ok(['create', FW, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY, '--value', RULES]);
  const before = { table: bpftoolDump(join(dir, TABLE)), stats: bpftoolDump(join(dir, STATS)), rodata: bpftoolDump(join(dir, 'firewall_rodata')) };
  const state = `{"map":"${TABLE}","key":{"ingress_ifindex":7,"ip_data":"10.0.0.0/8"},"value":{"rules":[{"ruleId":2,"action":2}]}}\n`;
  const cases: [string[], string?][] = [
    [['update', FW_EB, TABLE, '--pin-root', dir, '--key', KEY, '--value', '{rules: [{ruleId: 7, action: 2}]}']],
    [['update', FW_EB, TABLE, '--pin-root', dir, '--key', KEY, '--value', '{rules: [{ruleId: 7, action: 2}]}', '--force']],
    [['delete', FW_EB, TABLE, '--pin-root', dir, '--key', KEY]],
    [['apply', FW_EB, '-f', '-', '--pin-root', dir], state],
    [['apply', FW_EB, '-f', '-', '--pin-root', dir, '--prune', '--complete'], state],
    [['set', FW_EB, '--pin-root', dir, 'debug_lookup=1']],
    [['lookup', FW_EB, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.1}']],
    [['lookup', FW_EB, STATS, '--pin-root', dir, '--key', '0', '--sum']],
    [['dump', FW_EB, STATS, '--pin-root', dir, '--sum']],
    [['dump', FW_EB, TABLE, '--pin-root', dir, '--ndjson']],
    [['getnext', FW_EB, TABLE, '--pin-root', dir]],
    [['get', FW_EB, '--pin-root', dir]],
    [['edit', FW_EB, TABLE, '--pin-root', dir, '--key', KEY]],
  ];
  for (const [args, input] of cases) {
    const r = bpfmap(args, { input, env: { EDITOR: 'true', VISUAL: 'true' } });
    assert.is(r.code, 5, `${args.slice(0, 2).join(' ')}: exit code (stderr: ${r.stderr})`);
    assert.is(r.stdout, '', `${args.slice(0, 2).join(' ')}: nothing printed`);
    assert.match(r.stderr, REFUSAL, `${args.slice(0, 2).join(' ')}: the reason`);
  }
  assert.is(bpftoolDump(join(dir, TABLE)), before.table, 'the rule table is unchanged');
  assert.is(bpftoolDump(join(dir, STATS)), before.stats, 'the statistics are unchanged');
  assert.is(bpftoolDump(join(dir, 'firewall_rodata')), before.rodata, '.rodata is unchanged');
  const fresh = join(dir, 'eb');
  const c = bpfmap(['create', FW_EB, '--pin-root', fresh]);
  assert.is(c.code, 5, c.stderr);
  assert.match(c.stderr, /^bpfmap: firewall.bpfeb.o: the object is big-endian \(bpfeb\) but this host is little-endian/);
  assert.ok(!existsSync(fresh) || readdirSync(fresh).length === 0, 'create pinned nothing');
})));

Live('library: openMap and createMaps throw MAP_INCOMPATIBLE for the other byte order', kernel(() => withPinDir((dir) => {
  if (!LITTLE_HOST) return skip('big-endian host: the fixture pair assumes a little-endian host');
  ok(['create', FW, TABLE, '--pin-root', dir]);
  const eb = loadObjectFile(FW_EB);
  const err = (fn: () => unknown) => { try { fn(); } catch (e) { return e as { code: string; message: string }; } throw new Error('expected an error'); };
  const e1 = err(() => openMap({ map: findMap(eb.schema, TABLE), byteOrder: eb.schema.byteOrder, pinRoot: dir }));
  assert.is(e1.code, 'MAP_INCOMPATIBLE');
  assert.match(e1.message, /big-endian \(bpfeb\)/);
  const e2 = err(() => createMaps(eb, { pinRoot: dir }));
  assert.is(e2.code, 'MAP_INCOMPATIBLE');
  // The same map opens with the object of the host's order.
  const el = loadObjectFile(FW);
  openMap({ map: findMap(el.schema, TABLE), byteOrder: el.schema.byteOrder, pinRoot: dir }).close();
})));

Live.run();

const Offline = suite('offline encode / decode keep working with the other byte order');

Offline('encode writes big-endian bytes, decode reads them back', () => {
  const enc = ok(['encode', FW_EB, STATS, '--key', '1', '--value', '{allow_stats: {packets: 1, bytes: 2}}']);
  assert.match(enc, /key: 00000001\n/);
  assert.match(enc, /value: 00000000000000010000000000000002/);
  const dec = ok(['decode', FW_EB, STATS, '--key', '00000001', '--json']);
  assert.match(dec, /"key": 1/);
});

Offline.run();
