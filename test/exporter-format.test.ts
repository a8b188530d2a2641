// The exposition formats (Prometheus text 0.0.4, OpenMetrics 1.0), the configuration checks and the
// plan an object gives without any configuration: names, types, HELP/TYPE lines, escaping, # EOF.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeLabelValue, escapeHelp, formatValue, labelName, metricName, negotiate, render, CONTENT_TYPE } from '../src/exporter/index.js';
import { loadObjectFile, parseExporterConfig, planExporter, type MetricFamily } from '../src/index.js';
import { ByteSink, sumU64 } from '../src/exporter/fast-samples.js';
import { ROOT, FW, FW_EB, STATS, TABLE } from './helpers/cli.js';

const E = suite('escapeLabelValue');
const E_TABLE: [string, string][] = [
  ['plain', 'plain'],
  ['a"b', 'a\\"b'],
  ['a\\b', 'a\\\\b'],
  ['line\nbreak', 'line\\nbreak'],
  ['\\"\n', '\\\\\\"\\n'],
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['fe80::1', 'fe80::1'],
  ['', ''],
];
for (const [input, want] of E_TABLE) E(JSON.stringify(input), () => { assert.is(escapeLabelValue(input), want); });

const H = suite('escapeHelp');
H('prometheus escapes backslash and line feed, not quotes; openmetrics escapes quotes too', () => {
  assert.is(escapeHelp('a\\b\n"c"', 'prometheus'), 'a\\\\b\\n"c"');
  assert.is(escapeHelp('a\\b\n"c"', 'openmetrics'), 'a\\\\b\\n\\"c\\"');
});

const N = suite('metricName and labelName');
const N_TABLE: [string, string, string][] = [
  ['bpfmap_x.bss', 'bpfmap_x_bss', 'bpfmap_x_bss'],
  ['0abc', '_0abc', '_0abc'],
  ['a:b', 'a:b', 'a_b'],
  ['__reserved', '__reserved', '_reserved'],
  ['', '_', '_'],
];
for (const [input, m, l] of N_TABLE) {
  N(JSON.stringify(input), () => { assert.is(metricName(input), m); assert.is(labelName(input), l); });
}

const V = suite('formatValue');
const V_TABLE: [number | bigint, string][] = [
  [0, '0'], [-1, '-1'], [1.5, '1.5'], [18446744073709551615n, '18446744073709551615'],
  [36893488147419103230n, '36893488147419103230'], [NaN, 'NaN'], [Infinity, '+Inf'], [-Infinity, '-Inf'],
];
for (const [v, want] of V_TABLE) V(`${String(v)} -> ${want}`, () => { assert.is(formatValue(v), want); });

const F = suite('render');
const fams: MetricFamily[] = [
  { name: 'x_packets', type: 'counter', help: 'packets "seen"\nby x', samples: ['x_packets_total{rule="1"} 3', 'x_packets_total{rule="2"} 18446744073709551615'] },
  { name: 'x_level', type: 'gauge', help: '', samples: ['x_level 1.5'] },
  { name: 'x_other', type: 'unknown', help: 'h', samples: ['x_other 1'] },
  { name: 'x_empty', type: 'gauge', help: 'nothing', samples: [] },
];
F('prometheus text: counters named with _total in HELP/TYPE, unknown is untyped, no EOF, empty families left out', () => {
  assert.is(render(fams, 'prometheus'), [
    '# HELP x_packets_total packets "seen"\\nby x',
    '# TYPE x_packets_total counter',
    'x_packets_total{rule="1"} 3',
    'x_packets_total{rule="2"} 18446744073709551615',
    '# TYPE x_level gauge',
    'x_level 1.5',
    '# HELP x_other h',
    '# TYPE x_other untyped',
    'x_other 1',
    '',
  ].join('\n'));
});
F('openmetrics: counter family without _total, samples with it, quotes escaped in HELP, ends with # EOF', () => {
  assert.is(render(fams, 'openmetrics'), [
    '# HELP x_packets packets \\"seen\\"\\nby x',
    '# TYPE x_packets counter',
    'x_packets_total{rule="1"} 3',
    'x_packets_total{rule="2"} 18446744073709551615',
    '# TYPE x_level gauge',
    'x_level 1.5',
    '# HELP x_other h',
    '# TYPE x_other unknown',
    'x_other 1',
    '# EOF',
    '',
  ].join('\n'));
  assert.is(render([], 'openmetrics'), '# EOF\n');
  assert.is(render([], 'prometheus'), '');
});

const A = suite('negotiate');
A('openmetrics only when the Accept header names it', () => {
  assert.is(negotiate(undefined), 'prometheus');
  assert.is(negotiate('text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), 'prometheus');
  assert.is(negotiate('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), 'openmetrics');
  assert.match(CONTENT_TYPE.openmetrics, /^application\/openmetrics-text; version=1\.0\.0/);
  assert.match(CONTENT_TYPE.prometheus, /^text\/plain; version=0\.0\.4/);
});

const C = suite('parseExporterConfig');
const C_BAD: [string, RegExp][] = [
  ['maps: {m: {metrics: [{field: a, type: histogram}]}}', /^config\.maps\.m\.metrics\[0\]\.type: expected counter or gauge, got "histogram"/],
  ['maps: {m: {maxSeries: -1}}', /^config\.maps\.m\.maxSeries: expected an integer >= 0/],
  ['maps: {m: {perCpu: all}}', /^config\.maps\.m\.perCpu: expected sum or cpu/],
  ['maps: {m: {colour: red}}', /^config\.maps\.m\.colour: unknown setting/],
  ['maps: {m: {labels: 3}}', /^config\.maps\.m\.labels: expected a list/],
  ['- 1', /^config: expected a mapping/],
  ['maps: [', /^config: not valid YAML/],
  // YAML 1.1 would read 1:20 as 80 (base 60): refused, not guessed.
  ['%YAML 1.1\n---\nmaps: {m: {maxSeries: 1:20}}', /^config: not valid YAML: the %YAML 1.1 directive is not supported: values are read as YAML 1.2/],
];
for (const [text, re] of C_BAD) {
  C(`refuses ${text}`, () => {
    try { parseExporterConfig(text); assert.unreachable('accepted'); } catch (e) {
      assert.is((e as { code?: string }).code, 'VALUE_INVALID');
      assert.match((e as Error).message, re);
    }
  });
}
C('the firewall example parses', () => {
  const c = parseExporterConfig(readFileSync(join(ROOT, 'examples', 'firewall-exporter.yaml'), 'utf8'));
  assert.equal(Object.keys(c.maps ?? {}), [STATS]);
  assert.is(c.maps![STATS]!.metrics!.length, 4);
});

const P = suite('planExporter');
P('zero configuration: every readable map, every integer field, perf event array left out', () => {
  for (const obj of [FW, FW_EB]) {
    const plan = planExporter(loadObjectFile(obj).schema);
    assert.equal(plan.maps.map((m) => m.map.name), [TABLE, STATS, '.rodata']);
    const stats = plan.maps[1]!;
    assert.equal(stats.metrics.map((m) => m.family), [
      'bpfmap_ingress_node_firewall_statistics_map_allow_stats_packets',
      'bpfmap_ingress_node_firewall_statistics_map_allow_stats_bytes',
      'bpfmap_ingress_node_firewall_statistics_map_deny_stats_packets',
      'bpfmap_ingress_node_firewall_statistics_map_deny_stats_bytes',
    ]);
    assert.equal(stats.metrics.map((m) => m.leaves[0]!.offset), [0, 8, 16, 24]);
    const table = plan.maps[0]!;
    // rules[100] of { ruleId, protocol, dstPortStart, dstPortEnd, icmpType, icmpCode, action }.
    assert.is(table.metrics.length, 7);
    assert.is(table.metrics[0]!.family, 'bpfmap_ingress_node_firewall_table_map_rules_ruleId');
    assert.is(table.metrics[0]!.leaves.length, 100);
    assert.is(table.metrics[0]!.leaves[57]!.labels, 'rules_index="57"');
    assert.is(table.metrics[0]!.leaves[57]!.offset, 57 * 12);
    assert.is(plan.maps[2]!.metrics[0]!.family, 'bpfmap_rodata_debug_lookup');
  }
});
P('the firewall example: counters renamed, help text, rule id label, unknown fields refused', () => {
  const schema = loadObjectFile(FW).schema;
  const plan = planExporter(schema, parseExporterConfig(readFileSync(join(ROOT, 'examples', 'firewall-exporter.yaml'), 'utf8')));
  assert.is(plan.maps.length, 1);
  const m = plan.maps[0]!;
  assert.equal(m.metrics.map((x) => [x.family, x.type]), [
    ['ingress_node_firewall_allow_packets', 'counter'], ['ingress_node_firewall_allow_bytes', 'counter'],
    ['ingress_node_firewall_deny_packets', 'counter'], ['ingress_node_firewall_deny_bytes', 'counter'],
  ]);
  assert.equal([...m.keyLabels!], [['key', 'rule_id']]);
  assert.throws(() => planExporter(schema, parseExporterConfig(`maps: {${STATS}: {metrics: [allow_stats.nope]}}`)),
    (e: Error) => /metrics\[0\]\.field: no integer or float field 'allow_stats\.nope' in the value; expected one of allow_stats\.packets/.test(e.message));
  assert.throws(() => planExporter(schema, parseExporterConfig('maps: {ingress_node_firewall_events_map: {}}')),
    (e: Error) => /a perf_event_array map has no values to export/.test(e.message));
  assert.throws(() => planExporter(schema, parseExporterConfig('maps: {nope: {}}')), (e: Error) => /maps\.nope: no such map/.test(e.message));
});

P('one name for two metrics, or a bpfmap metric\'s name, or a key label named cpu on a per-CPU map with perCpu: cpu: refused naming both (Prometheus would refuse every scrape)', () => {
  const schema = loadObjectFile(FW).schema;
  const plan = (yaml: string) => planExporter(schema, parseExporterConfig(yaml));
  const refused = (yaml: string, re: RegExp) => assert.throws(() => plan(yaml), (e: Error & { code?: string }) => e.code === 'VALUE_INVALID' && re.test(e.message), yaml);
  refused(`maps: {${STATS}: {metrics: [{field: allow_stats.packets, name: pk}, {field: deny_stats.packets, name: pk}]}}`,
    new RegExp(`^maps\\.${STATS}\\.metrics\\[1\\]: the metric name pk is already taken by maps\\.${STATS}\\.metrics\\[0\\] \\(allow_stats\\.packets\\)`));
  // A counter pk is written as pk_total: a gauge of that name is the same series name.
  refused(`maps: {${STATS}: {metrics: [{field: allow_stats.packets, name: pk, type: counter}, {field: deny_stats.packets, name: pk_total}]}}`, /the metric name pk_total is already taken/);
  refused(`maps: {${STATS}: {metrics: [{field: allow_stats.packets, name: bpfmap_map_up}]}}`, /the metric name bpfmap_map_up is already taken by bpfmap's own metrics/);
  refused(`maps: {${STATS}: {perCpu: cpu, labels: {key: cpu}}}`, new RegExp(`^maps\\.${STATS}\\.labels\\.key: the label name cpu is the per-CPU label of this map`));
  assert.is(plan(`maps: {${STATS}: {perCpu: sum, labels: {key: cpu}}}`).maps.length, 1, 'summed: no cpu label of its own');
});
P('an array of arrays: one index label per dimension, each with its own name (a name given twice makes the scrape invalid)', () => {
  const cov = loadObjectFile(join(ROOT, 'fixtures/coverage.bpfel.o')).schema;
  const m = planExporter(cov, parseExporterConfig('maps: {hash_map: {metrics: [m]}}')).maps[0]!.metrics[0]!;
  // __u16 m[2][3]
  assert.equal(m.leaves.map((l) => l.labels), [0, 1].flatMap((i) => [0, 1, 2].map((j) => `m_index="${i}",m_index_2="${j}"`)));
  assert.equal(m.leaves.map((l) => l.offset - m.leaves[0]!.offset), [0, 2, 4, 6, 8, 10]);
});

const B = suite('ByteSink and sumU64');
B('values and text across many 256 KiB chunks equal the string rendering', () => {
  const sink = new ByteSink();
  let want = '';
  const name = Buffer.from('x_total{');
  for (let i = 0; i < 60000; i++) {
    const v: number | bigint = i % 3 === 0 ? BigInt(i) * 1000000000000n : i % 3 === 1 ? i / 7 : i;
    const label = i % 5 === 0 ? `ü"\n${i}` : `${i}`;
    sink.reserve(name.length + 8);
    sink.bytes(name);
    sink.text(`k="${escapeLabelValue(label)}"`);
    sink.reserve(2);
    sink.byte(125); sink.byte(32);
    sink.value(v);
    sink.reserve(1);
    sink.byte(10);
    want += `x_total{k="${escapeLabelValue(label)}"} ${formatValue(v)}\n`;
  }
  const chunks = sink.chunks();
  assert.ok(chunks.length > 4, `several chunks (${chunks.length})`);
  assert.is(Buffer.concat(chunks).toString('utf8'), want);
});
B('sumU64 is exact below 2^52 and answers null (bigint path) at and above it', () => {
  const dv = new DataView(new ArrayBuffer(32));
  const put = (a: bigint, b: bigint, little: boolean) => { dv.setBigUint64(0, a, little); dv.setBigUint64(16, b, little); };
  const TABLE: [bigint, bigint, number | null][] = [
    [0n, 0n, 0], [1n, 2n, 3], [4294967295n, 1n, 4294967296], [(1n << 52n) - 1n, (1n << 52n) - 1n, Number((1n << 53n) - 2n)],
    [1n << 52n, 0n, null], [0n, 1n << 52n, null], [18446744073709551615n, 1n, null],
  ];
  for (const little of [true, false]) {
    for (const [a, b, want] of TABLE) { put(a, b, little); assert.is(sumU64(dv, 0, 16, 2, little), want, `${a} + ${b} (${little ? 'le' : 'be'})`); }
  }
});

E.run(); H.run(); B.run(); N.run(); V.run(); F.run(); A.run(); C.run(); P.run();
