// Addresses in the real kernel: maps of fixtures/addresses.bpfel.o created by `bpfmap create`, entries
// written by `bpfmap update` from address strings hold the bytes a C program gets from inet_pton /
// ether_aton (read back with bpftool); `dump --ndjson` (readable by default) prints one address per
// field, and applying that dump to fresh maps gives byte-identical entries.
import { suite, skip as skipTest } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { kernel, withPinDir } from './helpers/kernel.js';
import { ROOT, bpfmap } from './helpers/cli.js';
import { addressOracle } from './helpers/address-oracle.js';

const OBJ = join(ROOT, 'fixtures/addresses.bpfel.o');
const oracle = addressOracle();
const hasBpftool = spawnSync('sh', ['-c', 'command -v bpftool'], { stdio: 'ignore' }).status === 0;
const skip = oracle.skip || (hasBpftool ? '' : 'bpftool is not installed');

/** map, --key, --value, gcc case of the key. */
const ENTRIES: [string, string, string, string][] = [
  ['addr_hash', JSON.stringify({ wide: '2001:db8::42', in6: 'fe80::1', be32x4: '2001:db8:0:1::7', u8x16: '::ffff:192.0.2.33', host_v4: '192.0.2.1',
    net_v4: '198.51.100.7', mac: '02:00:5e:10:00:01', mac_bytes: 'aa:bb:cc:dd:ee:ff' }), '{vip: 10.200.1.1, port: 80, proto: 6}', 'addr_key_v6'],
  ['addr_hash', JSON.stringify({ wide: '10.0.0.1', in6: '192.0.2.9', be32x4: '10.1.2.3', u8x16: '203.0.113.5', host_v4: '255.255.255.255', net_v4: '0.0.0.1' }),
    '{vipv6: 2001:db8::1, port: 443, proto: 17}', 'addr_key_v4'],
  ['vip_map', '{vip: 10.200.1.1, port: 80, proto: 6}', '1', 'vip_v4'],
  ['vip_map', '{vipv6: 2001:db8::1, port: 443, proto: 17}', '2', 'vip_v6'],
  ['lpm_katran', '{addr: 2001:db8::/32}', '3', 'lpm_katran_v6_32'],
  ['lpm_katran', '{addr: 198.18.7.0/24}', '4', 'lpm_katran_v4_24'],
  ['lpm_in6', '{addr: 2001:db8:1:2::/64}', '5', 'lpm_in6_64'],
  ['lpm_in6', '{addr: fe80::/10}', '6', 'lpm_in6_10'],
  ['mac_table', '02:00:5e:10:00:01', 'fe80::1', 'mac_addr'],
];
const MAPS = [...new Set(ENTRIES.map((e) => e[0]))];

/** Every entry of a pinned map as `keyhex=valuehex`, sorted (bpftool, independent of bpfmap). */
function raw(pin: string): string[] {
  const d = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
  const hex = (a: string[]) => a.map((b) => b.slice(2)).join('');
  return d.map((e) => `${hex(e.key)}=${hex(e.value)}`).sort();
}

const L = suite('addresses in the kernel');
L('update from address strings -> gcc bytes; pretty dump -> apply -> the same bytes', kernel(async () => {
  if (skip) return skipTest(skip);
  await withPinDir(async (dir) => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    for (const d of [a, b]) {
      const c = bpfmap(['create', OBJ, '--pin-root', d]);
      assert.is(c.code, 0, c.stderr);
    }
    for (const [map, key, value] of ENTRIES) {
      const r = bpfmap(['update', OBJ, map, '--pin-root', a, '--key', key, '--value', value]);
      assert.is(r.code, 0, `${map} ${key}: ${r.stderr}`);
    }
    for (const map of MAPS) {
      const keys = raw(join(a, map)).map((e) => e.split('=')[0]);
      const want = ENTRIES.filter((e) => e[0] === map).map((e) => oracle.bytes.get(e[3])!).sort();
      assert.equal(keys, want, `${map}: kernel keys == gcc bytes`);
    }
    let dump = '';
    for (const map of MAPS) {
      const d = bpfmap(['dump', OBJ, map, '--pin-root', a, '--ndjson']);
      assert.is(d.code, 0, d.stderr);
      dump += d.stdout;
    }
    for (const text of ['"vipv6":"10.200.1.1"', '"addr":"2001:db8::/32"', '"addr":"198.18.7.0/24"', '"addr":"fe80::/10"',
      '"in6":"fe80::1"', '"be32x4":"2001:db8:0:1::7"', '"u8x16":"::ffff:192.0.2.33"', '"key":"02:00:5e:10:00:01","value":"fe80::1"']) {
      assert.ok(dump.includes(text), `dump prints ${text}:\n${dump}`);
    }
    // One trailer per map dump: apply takes one document, so keep the entry lines only.
    const lines = dump.split('\n').filter((l) => l.startsWith('{"map"')).join('\n') + '\n';
    const ap = bpfmap(['apply', OBJ, '-f', '-', '--pin-root', b], { input: lines });
    assert.is(ap.code, 0, ap.stderr);
    for (const map of MAPS) assert.equal(raw(join(b, map)), raw(join(a, map)), `${map}: applied == original`);
  });
}));
L.run();
