// A real Prometheus (Debian's `prometheus`) scrapes `bpfmap exporter` every second; the values read
// back through its HTTP query API equal `bpfmap dump --sum`. Prometheus runs on 127.0.0.1 with its
// own temporary storage; both processes are stopped by pid and the directory removed in finally.
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, skip, toolsMissing } from './helpers/skip.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { bpfmap, FW, STATS } from './helpers/cli.js';
import { startExporter } from './helpers/exporter.js';
import { parseJson, possibleCpus } from '../src/index.js';

function ok(args: string[]): string {
  const r = bpfmap(args);
  assert.is(r.code, 0, `bpfmap ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Vector { metric: Record<string, string>; value: [number, string] }

async function query(base: string, q: string): Promise<Vector[]> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const j = await r.json() as { status: string; data?: { result: Vector[] } };
  return j.status === 'success' ? j.data!.result : [];
}

async function stopProc(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

const P = suite('Prometheus scrapes bpfmap exporter');

P('per-rule counters queried from Prometheus equal bpfmap dump --sum', kernel(async () => {
  const missing = toolsMissing(['prometheus']);
  if (missing) return skip('prometheus not installed (apt-get install prometheus)');
  await withPinDir(async (dir) => {
    ok(['create', FW, '--pin-root', dir]);
    const n = possibleCpus();
    for (const [rule, base] of [[5, 3], [9, 1000], [1023, 12345]] as const) {
      const perCpu = Array.from({ length: n }, (_, c) => `{allow_stats: {packets: ${base * (c + 1)}, bytes: ${base * 64 * (c + 1)}}, deny_stats: {packets: ${base + c}, bytes: ${(base + c) * 98}}}`);
      ok(['update', FW, STATS, '--pin-root', dir, '--key', String(rule), '--value', `[${perCpu.join(', ')}]`]);
    }
    const want = parseJson(ok(['dump', FW, STATS, '--pin-root', dir, '--sum', '--json'])) as {
      key: number; value: { allow_stats: { packets: number; bytes: number }; deny_stats: { packets: number; bytes: number } };
    }[];
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-prometheus-'));
    const exporter = await startExporter([FW, '--pin-root', dir, '--config', 'examples/firewall-exporter.yaml']);
    let prom: ChildProcess | undefined;
    let log = '';
    try {
      const target = new URL(exporter.url).host;
      writeFileSync(join(tmp, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: bpfmap\n    static_configs:\n      - targets: ['${target}']\n`);
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      prom = spawn('prometheus', [`--config.file=${join(tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      prom.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
      prom.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
      // Wait until a scrape of the exporter has been stored (up == 1 and the counters are there).
      const deadline = Date.now() + 30000;
      let got: Vector[] = [];
      for (;;) {
        assert.ok(prom.exitCode === null, `prometheus exited: ${log.slice(-2000)}`);
        try {
          const up = await query(base, 'up{job="bpfmap"}');
          if (up.length === 1 && up[0]!.value[1] === '1') {
            got = await query(base, '{__name__=~"ingress_node_firewall_.*_total"}');
            if (got.length === 4 * 1024) break;
          }
        } catch { /* not listening yet */ }
        assert.ok(Date.now() < deadline, `no scrape stored in 30 s; prometheus log: ${log.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const byName = new Map(got.map((v) => [`${v.metric.__name__}/${v.metric.rule_id}`, Number(v.value[1])]));
      let nonZero = 0;
      for (const { key, value: v } of want) {
        const rows: [string, number][] = [
          ['ingress_node_firewall_allow_packets_total', Number(v.allow_stats.packets)], ['ingress_node_firewall_allow_bytes_total', Number(v.allow_stats.bytes)],
          ['ingress_node_firewall_deny_packets_total', Number(v.deny_stats.packets)], ['ingress_node_firewall_deny_bytes_total', Number(v.deny_stats.bytes)],
        ];
        for (const [name, value] of rows) {
          assert.is(byName.get(`${name}/${key}`), value, `${name}{rule_id="${key}"}`);
          if (value !== 0) nonZero++;
        }
      }
      assert.is(nonZero, 12, 'the three filled rules, four counters each');
      const up = await query(base, `bpfmap_map_up{map="${STATS}"}`);
      assert.is(up[0]?.value[1], '1');
    } finally {
      if (prom) await stopProc(prom);
      await exporter.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}));

P.run();
