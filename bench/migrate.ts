/**
 * `bpfmap migrate` benchmark: the upgrade fixture's connection table (hash, u32 key, value
 * {u64 bytes; u32 packets} -> {u64 bytes; u64 packets; u32 flags}) holding N entries (default
 * 1,000,000), migrated to v2 (whole process, `node dist/cli/bpfmap.js migrate`), against `bpfmap
 * apply` loading the same N entries from NDJSON (`dump --ndjson` of the v1 map) into an empty v1 map.
 * Reports both medians and their ratio (the target: migrate at most 3x apply).
 * Needs root, bpffs and a built dist/.
 * Usage: node --import tsx bench/migrate.ts [RUNS] [N]   (default 3 runs, 1000000 entries)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObjectFile } from '../src/object/index.js';
import { createMaps, openMap } from '../src/map/index.js';
import { removePinDir } from '../test/helpers/kernel.js';

const RUNS = Number(process.argv[2] ?? 3);
const N = Number(process.argv[3] ?? 1_000_000);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/bpfmap.js');
const V1 = join(root, 'fixtures/upgrade.bpfel.o'), V2 = join(root, 'fixtures/upgrade-v2.bpfel.o');
const v1 = loadObjectFile(V1);
const conns = v1.schema.maps.find((m) => m.name === 'conns')!;
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-bench-migrate-'));
const pins = `/sys/fs/bpf/bpfmap-bench-migrate-${process.pid}`;

function run(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`bpfmap ${args[0]}: exit ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** N connections: key i, bytes i * 1500, packets i. */
function fill(dir: string): void {
  createMaps(v1, { pinRoot: dir, names: ['conns'] });
  const t = openMap({ map: conns, pinRoot: dir, byteOrder: 'little' });
  try {
    const B = 65536;
    for (let s = 0; s < N; s += B) {
      const n = Math.min(B, N - s);
      const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 16);
      const kv = new DataView(keys.buffer), vv = new DataView(values.buffer);
      for (let i = 0; i < n; i++) {
        kv.setUint32(i * 4, s + i, true);
        vv.setBigUint64(i * 16, BigInt(s + i) * 1500n, true);
        vv.setUint32(i * 16 + 8, s + i, true);
      }
      t.updateBatchRaw(keys, values, n);
    }
  } finally { t.close(); }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const applyMs: number[] = [], migrateMs: number[] = [];
try {
  for (let r = 0; r < RUNS; r++) {
    removePinDir(pins);
    fill(pins);
    const state = join(tmp, 'state.ndjson');
    const d = spawnSync(process.execPath, [cli, 'dump', V1, 'conns', '--pin-root', pins, '--ndjson'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (d.status !== 0) throw new Error(`dump: ${d.stderr}`);
    writeFileSync(state, d.stdout);
    migrateMs.push(run(['migrate', V1, V2, '--pin-root', pins, '--journal', join(tmp, 'journal')]));
    const fresh = `${pins}-apply`;
    removePinDir(fresh);
    createMaps(v1, { pinRoot: fresh, names: ['conns'] });
    applyMs.push(run(['apply', V1, '-f', state, '--pin-root', fresh, '--journal', join(tmp, 'journal')]));
    removePinDir(fresh);
  }
} finally {
  removePinDir(pins);
  removePinDir(`${pins}-apply`);
  rmSync(tmp, { recursive: true, force: true });
}
const a = median(applyMs), m = median(migrateMs);
console.log(`${N} entries (conns: u32 -> {u64 bytes; u32 packets} to {u64 bytes; u64 packets; u32 flags}), ${RUNS} run(s), medians:`);
console.log(`  apply (load the v1 table from NDJSON): ${a.toFixed(0)} ms`);
console.log(`  migrate v1 -> v2 (whole process):      ${m.toFixed(0)} ms   (${(m / a).toFixed(2)}x apply)`);
