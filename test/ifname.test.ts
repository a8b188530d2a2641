// Interface names in ifindex fields: a veth made by the test inside a network namespace it creates is
// resolved by name when bpfmap runs in that namespace (`ip netns exec`, which also gives it a fresh
// /sys; a private bpffs is mounted there for the live map), to the index `ip` reports; the same name
// outside the namespace is refused, naming it; `lo` is 1 everywhere.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { BIN, FW, TABLE, bpfmap } from './helpers/cli.js';
import { kernel } from './helpers/kernel.js';
import { VethPair } from './helpers/netns.js';
import { needs, suite } from './helpers/skip.js';
import { parseJson } from '../src/index.js';

const I = suite('interface names');

function encodeKey(key: string): { code: number; stdout: string; stderr: string } {
  return bpfmap(['encode', FW, TABLE, '--key', key]);
}

I('lo is index 1; an unknown name is refused, naming it; numbers stay numbers', () => {
  const byName = encodeKey('{ingress_ifindex: lo, ip_data: 10.0.0.0/8}');
  const byIndex = encodeKey('{ingress_ifindex: 1, ip_data: 10.0.0.0/8}');
  assert.is(byName.code, 0, byName.stderr);
  assert.is(byName.stdout, byIndex.stdout);
  const bad = encodeKey('{ingress_ifindex: nosuchif0, ip_data: 10.0.0.0/8}');
  assert.is(bad.code, 5, bad.stderr);
  assert.match(bad.stderr, /key\.ingress_ifindex: .*'nosuchif0': no such interface/);
  assert.is(encodeKey("{ingress_ifindex: '0x2', ip_data: 10.0.0.0/8}").stdout, encodeKey('{ingress_ifindex: 2, ip_data: 10.0.0.0/8}').stdout);
});

I('a veth inside a namespace the test creates: resolved there to its index, written to a live map; unknown outside', kernel(needs(['ip'], () => {
  const pair = VethPair.create();
  try {
    const side = pair.a;
    const index = pair.ifindex(side);
    const key = `{ingress_ifindex: ${side.dev}, ip_data: 198.18.0.0/24}`;
    // Offline encode in the namespace == encode of the number anywhere.
    const inNs = spawnSync('ip', ['netns', 'exec', side.ns, process.execPath, BIN, 'encode', FW, TABLE, '--key', key], { encoding: 'utf8' });
    assert.is(inNs.status, 0, inNs.stderr);
    assert.is(inNs.stdout, encodeKey(`{ingress_ifindex: ${index}, ip_data: 198.18.0.0/24}`).stdout);
    // A live map in the namespace's own bpffs: update by name, read back the index.
    const script = 'mount -t bpf bpf /sys/fs/bpf && mkdir /sys/fs/bpf/t && "$0" "$1" create "$2" --pin-root /sys/fs/bpf/t >/dev/null && ' +
      '"$0" "$1" update "$2" "$3" --pin-root /sys/fs/bpf/t --key "$4" --value "{rules: [{ruleId: 1, action: 1}]}" && ' +
      '"$0" "$1" dump "$2" "$3" --pin-root /sys/fs/bpf/t --json';
    const live = spawnSync('ip', ['netns', 'exec', side.ns, 'sh', '-c', script, process.execPath, BIN, FW, TABLE, key], { encoding: 'utf8' });
    assert.is(live.status, 0, live.stderr);
    const entries = parseJson(live.stdout) as { key: { ingress_ifindex: number; ip_data: string } }[];
    assert.equal(entries.map((e) => e.key), [{ prefixLen: 56, ingress_ifindex: index, ip_data: '198.18.0.0/24' }]);
    // Outside the namespace there is no such device.
    const out = encodeKey(key);
    assert.is(out.code, 5);
    assert.ok(out.stderr.includes(`'${side.dev}': no such interface`), out.stderr);
  } finally {
    pair.destroy();
  }
})));

I.run();
