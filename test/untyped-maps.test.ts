// Maps without BTF (made by a tool that loaded none), created here with bare MAP_CREATE: their raw
// form takes hex digits as typed (`--key 0100000000000000`, no inner quotes), and --key-type /
// --value-type with --types FILE (an object or a saved schema) type them.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { COV, FW, bpfmap } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { suite } from './helpers/skip.js';

function rawMap(path: string, keySize: number, valueSize: number): void {
  const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize, valueSize, maxEntries: 8, name: 'nobtf' });
  try { objPin(fd, path); } finally { closeFd(fd); }
}

const R = suite('raw form');

R('hex digits as typed, leading zeros and all', kernel(() => withPinDir((dir) => {
  const m = join(dir, 'm');
  rawMap(m, 8, 4);
  let r = bpfmap(['update', '--pin', m, '--key', '0100000000000000', '--value', '05000000']);
  assert.is(r.code, 0, r.stderr);
  r = bpfmap(['update', '--pin', m, '--key', '1000000000000000', '--value', '00000007']);
  assert.is(r.code, 0, r.stderr);
  r = bpfmap(['lookup', '--pin', m, '--key', '0100000000000000', '--json']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { key: '0100000000000000', value: '05000000' });
  r = bpfmap(['lookup', '--pin', m, '--key', '1000000000000000', '--json']);
  assert.equal(JSON.parse(r.stdout).value, '00000007');
  r = bpfmap(['lookup', '--pin', m, '--key', '1']);
  assert.is(r.code, 5);
  assert.is(r.stderr, 'bpfmap: key: expected a hex string of 8 bytes, got 1; write all 16 hex digits (0000000000000000)\n');
})));

const T = suite('--key-type / --value-type');

T('types a map without BTF from an object and from a saved schema', kernel(() => withPinDir((dir) => {
  const m = join(dir, 'flows');
  rawMap(m, 24, 8);
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-untyped-'));
  try {
    const schema = join(tmp, 'cov.json');
    writeFileSync(schema, bpfmap(['schema', COV, '--json']).stdout);
    const key = '{family: 2, proto: 6, v4: 198.18.0.1, sport: 80}';
    let r = bpfmap(['update', '--pin', m, '--types', COV, '--key-type', 'struct flow_key', '--key', key, '--value', '0102030405060708']);
    assert.is(r.code, 0, r.stderr);
    // The bytes, raw: family 2, proto 6, v4 198.18.0.1 (wire order), sport 80 (host order) at 20.
    r = bpfmap(['dump', '--pin', m, '--json']);
    assert.equal(JSON.parse(r.stdout), [{ key: '02060000c612000100000000000000000000000000500000', value: '0102030405060708' }]);
    for (const types of [COV, schema]) {
      r = bpfmap(['dump', '--pin', m, '--types', types, '--key-type', 'flow_key', '--value-type', '__u64', '--json', '--pretty-addresses']);
      assert.is(r.code, 0, r.stderr);
      const [e] = JSON.parse(r.stdout) as { key: Record<string, unknown>; value: unknown }[];
      assert.equal(e!.key, { family: 2, proto: 6, v6: '198.18.0.1', sport: 80, dport: 0 }, types);
      assert.match(r.stdout, /"value": ?578437695752307201\b/, types); // 0x0807060504030201, exact
    }
    r = bpfmap(['dump', '--pin', m, '--types', COV, '--key-type', 'bits']);
    assert.is(r.code, 5);
    assert.match(r.stderr, /--key-type: 'bits' of .* is 8 bytes; the map's keys are 24 bytes/);
    r = bpfmap(['dump', '--pin', m, '--types', COV, '--key-type', 'nope']);
    assert.is(r.code, 3);
    assert.match(r.stderr, /--key-type: no type named 'nope'/);
    r = bpfmap(['dump', '--pin', m, '--key-type', 'flow_key']);
    assert.is(r.code, 2);
    assert.match(r.stderr, /--types FILE/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));

const L = suite('maps, schema, template of a live map');

L('typed from the kernel BTF as the object types it; bytes without BTF', kernel(() => withPinDir((dir) => {
  const STATS = 'ingress_node_firewall_statistics_map';
  let r = bpfmap(['create', FW, STATS, '--pin-root', dir]);
  assert.is(r.code, 0, r.stderr);
  const pin = join(dir, STATS);
  r = bpfmap(['schema', 'pinned', pin, '--json']);
  assert.is(r.code, 0, r.stderr);
  const live = JSON.parse(r.stdout) as { maps: { name: string; key: unknown; value: unknown }[] };
  const obj = JSON.parse(bpfmap(['schema', FW, '--map', STATS, '--json']).stdout) as typeof live;
  assert.is(live.maps.length, 1);
  assert.is(live.maps[0]!.name, STATS);
  assert.equal(live.maps[0]!.key, obj.maps[0]!.key);
  assert.equal(live.maps[0]!.value, obj.maps[0]!.value);
  r = bpfmap(['template', 'pinned', pin]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, bpfmap(['template', FW, STATS]).stdout);
  r = bpfmap(['maps', 'pinned', pin]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /ingress_node_firewall_statistics_map\s+percpu_array\s+__u32 -> struct ruleStatistics_st\s+4\/32\s+1024/);
  const raw = join(dir, 'raw');
  rawMap(raw, 8, 4);
  r = bpfmap(['maps', 'pinned', raw]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /bytes\[8\] -> bytes\[4\]/);
})));

R.run();
T.run();
L.run();
