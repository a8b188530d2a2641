/**
 * bpfmap snapshot / restore on real maps: a snapshot of the firewall v1 maps (20 LPM targets x 100
 * rules, 1024 per-CPU counters) restored into v2 maps gives byte for byte what migrate gives, and
 * field by field the v1 values (new fields 0); applied back to the v1 object (apply) it gives
 * byte-identical maps; without an object it takes every map pinned in the root; a cut-off snapshot is
 * refused.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { perCpuStride } from '../src/syscall/cpus.js';
import { BIN, bpfmap, ROOT, TABLE, STATS } from './helpers/cli.js';
import { kernel, withPinDir, removePinDir } from './helpers/kernel.js';
import { lpmKey, rulesValue } from './helpers/firewall-bytes.js';
import { loadObjectFile, createMaps, openMap, toHex, possibleCpus } from '../src/index.js';

const FW = join(ROOT, 'fixtures/firewall.bpfel.o');
const FW2 = join(ROOT, 'fixtures/firewall-v2.bpfel.o');
const v1 = loadObjectFile(FW);
const v2 = loadObjectFile(FW2);
const map1 = (n: string) => v1.schema.maps.find((m) => m.name === n)!;
const map2 = (n: string) => v2.schema.maps.find((m) => m.name === n)!;

function fillV1(dir: string): void {
  createMaps(v1, { pinRoot: dir });
  const t = openMap({ map: map1(TABLE), pinRoot: dir, byteOrder: 'little' });
  try {
    for (let k = 0; k < 20; k++) {
      t.updateRaw(lpmKey(`10.${k}.0.0`, 16, 1 + (k % 3)), rulesValue(Array.from({ length: 100 }, (_, i) => ({
        ruleId: k * 100 + i + 1, protocol: [6, 17, 1][i % 3]!, dstPortStart: 1000 + i, dstPortEnd: 2000 + i, icmpType: i % 7, icmpCode: i % 5, action: 1 + (i & 1),
      }))));
    }
  } finally { t.close(); }
  const s = openMap({ map: map1(STATS), pinRoot: dir, byteOrder: 'little' });
  try {
    const cpus = possibleCpus(), stride = perCpuStride(32);
    for (let id = 0; id < 1024; id += 3) {
      const b = Buffer.alloc(stride * cpus);
      for (let c = 0; c < cpus; c++) for (let f = 0; f < 4; f++) b.writeBigUInt64LE(BigInt(id * 1000 + c * 100 + f) + (f === 1 ? 1n << 60n : 0n), c * stride + f * 8);
      s.updateRaw(Buffer.from(new Uint32Array([id]).buffer), b);
    }
  } finally { s.close(); }
}

/** A map's whole contents as sorted `key=value` hex lines. */
function bytesOf(pin: string): string {
  const m = openMap({ pin, force: true });
  try {
    const ks = m.info.keySize, vs = m.rawValueSize, out: string[] = [];
    for (const b of m.batches()) for (let i = 0; i < b.count; i++) out.push(`${toHex(b.keys.subarray(i * ks, (i + 1) * ks))}=${toHex(b.values.subarray(i * vs, (i + 1) * vs))}`);
    return out.sort().join('\n');
  } finally { m.close(); }
}

function typed(dir: string, schema: ReturnType<typeof map1>): Map<string, unknown> {
  const m = openMap({ map: schema, pinRoot: dir, byteOrder: 'little' });
  try {
    return new Map([...m.entries({ compact: false, prettyAddresses: false } as never)].map((e) => [JSON.stringify(e.key), e.value]));
  } finally { m.close(); }
}

function withDirs(fn: (dir: string, other: string, tmp: string) => void) {
  return kernel(() => withPinDir((dir) => {
    const other = `${dir}-b`, tmp = mkdtempSync(join(tmpdir(), 'bpfmap-snapshot-'));
    try { fn(dir, other, tmp); } finally { removePinDir(other); rmSync(tmp, { recursive: true, force: true }); }
  }));
}

const S = suite('bpfmap snapshot / restore (kernel, CLI)');

S('a v1 snapshot restored into v2 maps: the bytes migrate gives, every v1 field kept, new fields 0', withDirs((dir, other, tmp) => {
  fillV1(dir);
  const snap = bpfmap(['snapshot', FW, '--pin-root', dir]);
  assert.is(snap.code, 0, snap.stderr);
  const file = join(tmp, 'snap.ndjson');
  writeFileSync(file, snap.stdout);
  const lines = snap.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\{"snapshot":1,"schema":\{"object":"firewall\.bpfel\.o","byteOrder":"little","maps":\[\{"name":"ingress_node_firewall_table_map",/);
  assert.is(lines.at(-1), `{"trailer":true,"entries":${20 + 1024},"maps":{"${TABLE}":20,"${STATS}":1024}}`);
  const r = bpfmap(['restore', file, '--into', FW2, '--pin-root', other, '--journal', join(tmp, 'j')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`${TABLE} +20 +20 +0 +0\\n`));
  assert.match(r.stdout, /ingress_node_firewall_table_map: added +value\.rules\[\]\.priority/);
  // field by field
  const oldRules = typed(dir, map1(TABLE)), newRules = typed(other, map2(TABLE));
  assert.is(newRules.size, 20);
  const empty = { ruleId: 0, action: 0, protocol: 0, dstPortStart: 0, dstPortEnd: 0, icmpType: 0, icmpCode: 0, priority: 0 };
  for (const [k, v] of oldRules) {
    const o = (v as { rules: Record<string, unknown>[] }).rules, n = (newRules.get(k) as { rules: Record<string, unknown>[] }).rules;
    assert.is(n.length, 128);
    for (let i = 0; i < 128; i++) assert.equal(n[i], i < 100 ? { ...empty, ...o[i]!, priority: 0 } : empty, `${k} rules[${i}]`);
  }
  const oldStats = typed(dir, map1(STATS)), newStats = typed(other, map2(STATS));
  for (const [k, v] of oldStats) assert.equal(newStats.get(k), (v as Record<string, unknown>[]).map((c) => ({ ...c, events: 0n })), `stats ${k}`);
  // the same bytes as migrate
  const m = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--journal', join(tmp, 'j')]);
  assert.is(m.code, 0, m.stderr);
  assert.is(bytesOf(join(other, TABLE)), bytesOf(join(dir, TABLE)));
  assert.is(bytesOf(join(other, STATS)), bytesOf(join(dir, STATS)));
}));

S('a snapshot applied back to the same object gives byte-identical maps; restore into v1 too', withDirs((dir, other, tmp) => {
  fillV1(dir);
  const file = join(tmp, 'snap.ndjson');
  writeFileSync(file, bpfmap(['snapshot', FW, '--pin-root', dir]).stdout);
  createMaps(v1, { pinRoot: other });
  const a = bpfmap(['apply', FW, '-f', file, '--pin-root', other, '--journal', join(tmp, 'j')]);
  assert.is(a.code, 0, a.stderr);
  assert.match(a.stdout, new RegExp(`${TABLE}: 20 added, 0 changed, 0 deleted`));
  for (const n of [TABLE, STATS]) assert.is(bytesOf(join(other, n)), bytesOf(join(dir, n)), n);
  removePinDir(other);
  const r = bpfmap(['restore', file, '--into', FW, '--pin-root', other, '--journal', join(tmp, 'j')]);
  assert.is(r.code, 0, r.stderr);
  for (const n of [TABLE, STATS]) assert.is(bytesOf(join(other, n)), bytesOf(join(dir, n)), n);
}));

S('without an object: every map pinned in the root (global data left out); a cut-off snapshot is refused', withDirs((dir, other, tmp) => {
  fillV1(dir);
  const all = bpfmap(['snapshot', '--pin-root', dir]);
  assert.is(all.code, 0, all.stderr);
  const file = join(tmp, 'all.ndjson');
  writeFileSync(file, all.stdout);
  assert.is(all.stdout.trimEnd().split('\n').at(-1), `{"trailer":true,"entries":${20 + 1024},"maps":{"${STATS}":1024,"${TABLE}":20}}`);
  const r = bpfmap(['restore', file, '--into', FW2, '--pin-root', other, '--journal', join(tmp, 'j')]);
  assert.is(r.code, 0, r.stderr);
  const m = bpfmap(['migrate', FW, FW2, '--pin-root', dir, '--journal', join(tmp, 'j')]);
  assert.is(m.code, 0, m.stderr);
  assert.is(bytesOf(join(other, TABLE)), bytesOf(join(dir, TABLE)));
  const cut = join(tmp, 'cut.ndjson');
  writeFileSync(cut, readFileSync(file, 'utf8').split('\n').slice(0, -2).join('\n') + '\n');
  removePinDir(other);
  const bad = bpfmap(['restore', cut, '--into', FW2, '--pin-root', other, '--journal', join(tmp, 'j')]);
  assert.is(bad.code, 5, bad.stderr);
  assert.match(bad.stderr, /^bpfmap: .*cut\.ndjson: the snapshot does not end with its trailer line: it was cut off; nothing was restored\n$/);
  assert.not.ok(existsSync(other));
}));

S('a restore that fails after making the maps it needs (its journal cannot be written) removes them again: the pins as they were', withDirs((dir, other, tmp) => {
  fillV1(dir);
  const snap = bpfmap(['snapshot', FW, '--pin-root', dir]);
  const file = join(tmp, 'snap.ndjson');
  writeFileSync(file, snap.stdout);
  mkdirSync(other);
  const r = spawnSync(process.execPath, [BIN, 'restore', file, '--into', FW2, '--pin-root', other, '--journal', '/proc/bpfmap-journal/x'], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  assert.is(r.status, 3, r.stderr);
  assert.match(r.stderr, /cannot make its directory/);
  assert.equal(readdirSync(other), [], 'the maps made for the restore are gone');
}));

S('SIGTERM during the writes of a restore: the restore ends first (exit 143), every map holds the snapshot, no journal left', withDirs((dir, other, tmp) => {
  if (spawnSync('strace', ['-V']).status !== 0) return;
  fillV1(dir);
  const file = join(tmp, 'snap.ndjson');
  writeFileSync(file, bpfmap(['snapshot', FW, '--pin-root', dir]).stdout);
  const want = `${dir}-want`;
  try {
    const ok = bpfmap(['restore', file, '--into', FW2, '--pin-root', want, '--journal', join(tmp, 'j')]);
    assert.is(ok.code, 0, ok.stderr);
    const restore = [process.execPath, BIN, 'restore', file, '--into', FW2, '--pin-root', other, '--journal', join(tmp, 'j')];
    // Traced once to find the first write; then SIGTERM there, while the second map is still to be written.
    const t = spawnSync('strace', ['-qq', '-o', join(tmp, 'trace'), '-e', 'trace=bpf', ...restore], { cwd: ROOT, encoding: 'utf8' });
    assert.is(t.status, 0, t.stderr);
    const calls = readFileSync(join(tmp, 'trace'), 'utf8').split('\n').filter((l) => l.startsWith('bpf('));
    const at = calls.findIndex((l) => l.startsWith('bpf(BPF_MAP_UPDATE_BATCH')) + 1;
    assert.ok(at > 0 && calls.filter((l) => l.startsWith('bpf(BPF_MAP_UPDATE_BATCH')).length >= 2, 'two maps written');
    removePinDir(other);
    const s = spawnSync('strace', ['-qq', '-o', '/dev/null', '-e', 'trace=bpf', '-e', `inject=bpf:signal=SIGTERM:when=${at}`, ...restore], { cwd: ROOT, encoding: 'utf8' });
    assert.is(s.status, 143, s.stderr);
    assert.match(s.stderr, /^bpfmap: SIGTERM: received while restoring; the restore ran to its end first/);
    for (const n of [TABLE, STATS]) assert.is(bytesOf(join(other, n)), bytesOf(join(want, n)), n);
    assert.equal(readdirSync(join(tmp, 'j')).filter((n) => n.endsWith('.journal')), []);
  } finally { removePinDir(want); }
}));

S.run();
