/**
 * `bpfmap migrate` benchmark: the firewall v1 rule table full (1024 LPM targets x 100 rules: 102,400
 * rules, 1.2 MB of values) and its per-CPU statistics, migrated to v2 (whole process,
 * `node dist/cli/bpfmap.js migrate`), against `bpfmap apply` loading the same entries from NDJSON
 * (`dump --ndjson` of the v1 maps) into empty v1 maps. Reports both medians and their ratio.
 * Needs root, bpffs and a built dist/.
 * Usage: node --import tsx bench/migrate.ts [RUNS]   (default 5)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObjectFile } from '../src/object/index.js';
import { createMaps, openMap } from '../src/map/index.js';
import { removePinDir } from '../test/helpers/kernel.js';
import { lpmKey, rulesValue } from '../test/helpers/firewall-bytes.js';

const RUNS = Number(process.argv[2] ?? 5);
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/bpfmap.js');
const V1 = join(root, 'fixtures/firewall.bpfel.o'), V2 = join(root, 'fixtures/firewall-v2.bpfel.o');
const v1 = loadObjectFile(V1);
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-bench-migrate-'));
const pins = `/sys/fs/bpf/bpfmap-bench-migrate-${process.pid}`;

function run(args: string[], input?: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, ...(input !== undefined ? { input } : {}) });
  if (r.status !== 0) throw new Error(`bpfmap ${args[0]}: exit ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function fill(dir: string): void {
  createMaps(v1, { pinRoot: dir });
  const t = openMap({ map: v1.schema.maps[0]!, pinRoot: dir, byteOrder: 'little' });
  try {
    for (let k = 0; k < 1024; k++) {
      const rules = Array.from({ length: 100 }, (_, i) => ({ ruleId: k * 100 + i + 1, protocol: 6, dstPortStart: 80 + i, dstPortEnd: 90 + i, action: 1 + (i & 1) }));
      t.updateRaw(lpmKey(`10.${k >> 8}.${k & 255}.0`, 24, 1), rulesValue(rules));
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
    const d = spawnSync(process.execPath, [cli, 'dump', V1, 'ingress_node_firewall_table_map', '--pin-root', pins, '--ndjson'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    writeFileSync(state, d.stdout);
    migrateMs.push(run(['migrate', V1, V2, '--pin-root', pins]));
    const fresh = `${pins}-apply`;
    removePinDir(fresh);
    createMaps(v1, { pinRoot: fresh });
    applyMs.push(run(['apply', V1, '-f', state, '--pin-root', fresh]));
    removePinDir(fresh);
  }
} finally {
  removePinDir(pins);
  rmSync(tmp, { recursive: true, force: true });
}
const a = median(applyMs), m = median(migrateMs);
console.log(`1024 LPM targets x 100 rules (+1024 per-CPU counters), ${RUNS} runs, medians:`);
console.log(`  apply (load the v1 table from NDJSON):      ${a.toFixed(0)} ms`);
console.log(`  migrate v1 -> v2 (both maps, whole process): ${m.toFixed(0)} ms   (${(m / a).toFixed(2)}x apply)`);
