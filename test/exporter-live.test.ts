// `bpfmap exporter` against real maps: the firewall's maps created under a private pin directory,
// the statistics filled with known per-CPU values (one above 2^64 when summed), scraped over HTTP in
// both formats and compared with `bpfmap dump --sum`; the series cap, the cpu label, concurrent
// scrapes, a map that disappears, and SIGTERM.
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from './helpers/skip.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { bpfmap, FW, STATS, TABLE } from './helpers/cli.js';
import { startExporter, samples, type RunningExporter } from './helpers/exporter.js';
import { parseJson, possibleCpus } from '../src/index.js';

interface Stat { allow_stats: { packets: number | bigint; bytes: number | bigint }; deny_stats: { packets: number | bigint; bytes: number | bigint } }

function ok(args: string[]): string {
  const r = bpfmap(args);
  assert.is(r.code, 0, `bpfmap ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Fills rules 1..3 of the statistics with different values on every CPU (CPU c: base * (c + 1)). */
function fill(dir: string): void {
  ok(['create', FW, '--pin-root', dir]);
  const n = possibleCpus();
  for (const [rule, base] of [[1, 10], [2, 1000], [3, 7]] as const) {
    const perCpu = Array.from({ length: n }, (_, c) => `{allow_stats: {packets: ${base * (c + 1)}, bytes: ${base * 100 * (c + 1)}}, deny_stats: {packets: ${rule === 3 ? '18446744073709551615' : c}, bytes: ${base + c}}}`);
    ok(['update', FW, STATS, '--pin-root', dir, '--key', String(rule), '--value', `[${perCpu.join(', ')}]`]);
  }
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 7, ip_data: 10.1.0.0/16}', '--value', '{rules: {0: {ruleId: 3, protocol: 1, action: 1}}}']);
}

function dumpSum(dir: string): Map<number, Stat> {
  const rows = parseJson(ok(['dump', FW, STATS, '--pin-root', dir, '--sum', '--json'])) as { key: number; value: Stat }[];
  return new Map(rows.map((r) => [r.key, r.value]));
}

async function get(url: string, accept?: string): Promise<{ type: string; body: string }> {
  const r = await fetch(url, { headers: accept ? { accept } : {} });
  assert.is(r.status, 200);
  return { type: r.headers.get('content-type') ?? '', body: await r.text() };
}

async function withExporter(args: string[], fn: (e: RunningExporter) => Promise<void>): Promise<void> {
  const e = await startExporter(args);
  try { await fn(e); } finally { await e.stop(); }
}

const X = suite('bpfmap exporter (kernel)');

X('zero configuration: every stats field, summed exactly as dump --sum, key and address labels, map gauges, both formats', kernel(() => withPinDir(async (dir) => {
  fill(dir);
  const want = dumpSum(dir);
  await withExporter([FW, '--pin-root', dir], async (e) => {
    const prom = await get(`${e.url}`);
    assert.match(prom.type, /^text\/plain; version=0\.0\.4/);
    const s = samples(prom.body);
    const p = 'bpfmap_ingress_node_firewall_statistics_map';
    let checked = 0;
    for (const [rule, v] of want) {
      assert.is(s.get(`${p}_allow_stats_packets{key="${rule}"}`), String(v.allow_stats.packets), `rule ${rule} allow packets`);
      assert.is(s.get(`${p}_allow_stats_bytes{key="${rule}"}`), String(v.allow_stats.bytes));
      assert.is(s.get(`${p}_deny_stats_packets{key="${rule}"}`), String(v.deny_stats.packets));
      assert.is(s.get(`${p}_deny_stats_bytes{key="${rule}"}`), String(v.deny_stats.bytes));
      checked++;
    }
    assert.is(checked, 1024);
    // Rule 3's deny packets: 2^64 - 1 on every CPU, summed without wrapping.
    assert.is(s.get(`${p}_deny_stats_packets{key="3"}`), String(18446744073709551615n * BigInt(possibleCpus())));
    assert.is(s.get('bpfmap_ingress_node_firewall_table_map_rules_ruleId{prefixLen="48",ingress_ifindex="7",ip_data="10.1.0.0/16",rules_index="0"}'), '3');
    assert.is(s.get('bpfmap_ingress_node_firewall_table_map_rules_action{prefixLen="48",ingress_ifindex="7",ip_data="10.1.0.0/16",rules_index="0"}'), '1');
    assert.is(s.get(`bpfmap_map_entries{map="${STATS}"}`), '1024');
    assert.is(s.get(`bpfmap_map_max_entries{map="${STATS}"}`), '1024');
    assert.is(s.get(`bpfmap_map_fill_ratio{map="${TABLE}"}`), String(1 / 1024));
    assert.is(s.get(`bpfmap_map_up{map="${TABLE}"}`), '1');
    assert.is(s.get(`bpfmap_series_dropped_total{map="${STATS}"}`), '0');
    assert.not.ok([...s.keys()].some((k) => k.includes('events_map')), 'the perf event array is not exported');
    assert.match(prom.body, new RegExp(`^# TYPE ${p}_allow_stats_packets gauge$`, 'm'));
    const om = await get(e.url, 'application/openmetrics-text; version=1.0.0');
    assert.match(om.type, /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(om.body.endsWith('# EOF\n'), 'OpenMetrics ends with # EOF');
    assert.equal(samples(om.body), s, 'the same samples in both formats');
  });
})));

X('the firewall example config: counters per rule id, equal to dump --sum; the series cap drops and counts', kernel(() => withPinDir(async (dir) => {
  fill(dir);
  const want = dumpSum(dir);
  await withExporter([FW, '--pin-root', dir, '--config', 'examples/firewall-exporter.yaml'], async (e) => {
    const { body } = await get(e.url);
    const s = samples(body);
    assert.match(body, /^# HELP ingress_node_firewall_deny_packets_total packets denied by the rule$/m);
    assert.match(body, /^# TYPE ingress_node_firewall_deny_packets_total counter$/m);
    for (const [rule, v] of want) {
      assert.is(s.get(`ingress_node_firewall_allow_packets_total{rule_id="${rule}"}`), String(v.allow_stats.packets));
      assert.is(s.get(`ingress_node_firewall_allow_bytes_total{rule_id="${rule}"}`), String(v.allow_stats.bytes));
      assert.is(s.get(`ingress_node_firewall_deny_packets_total{rule_id="${rule}"}`), String(v.deny_stats.packets));
      assert.is(s.get(`ingress_node_firewall_deny_bytes_total{rule_id="${rule}"}`), String(v.deny_stats.bytes));
    }
    assert.not.ok([...s.keys()].some((k) => k.includes('table_map_rules')), 'only the configured map');
    const om = await get(e.url, 'application/openmetrics-text');
    assert.match(om.body, /^# TYPE ingress_node_firewall_deny_packets counter$/m);
  });
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-exporter-'));
  try {
    const cfg = join(tmp, 'cap.yaml');
    writeFileSync(cfg, `maps:\n  ${STATS}:\n    maxSeries: 10\n    perCpu: cpu\n    labels: [key]\n    metrics: [deny_stats.bytes]\n`);
    await withExporter([FW, '--pin-root', dir, '--config', cfg], async (e) => {
      const s = samples((await get(e.url)).body);
      const series = [...s.keys()].filter((k) => k.startsWith(`bpfmap_${STATS}_deny_stats_bytes{`));
      const n = possibleCpus();
      assert.is(series.length, 10);
      assert.is(s.get(`bpfmap_series_dropped_total{map="${STATS}"}`), String(1024 * n - 10));
      // One series per CPU: rule 1 is key 1, its deny bytes on CPU c are 10 + c.
      for (let c = 0; c < n && 1 * n + c < 10; c++) assert.is(s.get(`bpfmap_${STATS}_deny_stats_bytes{key="1",cpu="${c}"}`), String(10 + c));
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));

X('concurrent scrapes each get the whole map; a map that disappears is up 0, not a crash; SIGTERM exits 0', kernel(() => withPinDir(async (dir) => {
  fill(dir);
  const e = await startExporter([FW, '--pin-root', dir]);
  try {
    const texts = await Promise.all([get(e.url), get(e.url), get(e.url, 'application/openmetrics-text'), get(e.url)]);
    const first = samples(texts[0]!.body);
    for (const t of texts) assert.equal(samples(t.body), first);
    unlinkSync(join(dir, STATS));
    const s = samples((await get(e.url)).body);
    assert.is(s.get(`bpfmap_map_up{map="${STATS}"}`), '0');
    assert.is(s.get(`bpfmap_map_up{map="${TABLE}"}`), '1');
    assert.not.ok([...s.keys()].some((k) => k.startsWith(`bpfmap_${STATS}_`)), 'no stale series of the vanished map');
    assert.match(e.stderr(), new RegExp(`map '${STATS}': `));
    assert.is((await fetch(`${e.url.replace(/\/metrics$/, '')}/nope`)).status, 404);
  } finally {
    const code = await e.stop();
    assert.is(code, 0, `exit code after SIGTERM; stderr: ${e.stderr()}`);
  }
})));

X.run();
