// Readable by default: dump/lookup print LPM keys as CIDR, addresses as text and per-CPU values
// labelled by CPU without any flag; what they print goes back through apply and update byte-exact
// (compared with bpftool's raw bytes); --numeric prints plain numbers; the edit buffer is readable too.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernel, withPinDir } from './helpers/kernel.js';
import { skip } from './helpers/skip.js';
import { FW, STATS, TABLE, bpfmap } from './helpers/cli.js';
import { parseJson, possibleCpus, stringifyJson } from '../src/index.js';

const hasBpftool = spawnSync('sh', ['-c', 'command -v bpftool'], { stdio: 'ignore' }).status === 0;

/** Every entry of a pinned map as `keyhex=valuehex`, sorted (bpftool, independent of bpfmap). */
function raw(pin: string): string[] {
  const d = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as
    { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] }[];
  const hex = (a: string[]) => a.map((b) => b.slice(2)).join('');
  return d.map((e) => `${hex(e.key)}=${e.value ? hex(e.value) : e.values!.map((v) => hex(v.value)).join('|')}`).sort();
}

function ok(args: string[], input?: string): string {
  const r = bpfmap(args, { input });
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const RULES: [string, string][] = [
  ['{ingress_ifindex: 2, ip_data: 10.0.0.0/8}', '{rules: [{ruleId: 1, protocol: 6, dstPortStart: 80, dstPortEnd: 80, action: 1}]}'],
  ['{ingress_ifindex: 3, ip_data: 198.18.7.0/24}', '{rules: {3: {ruleId: 4, protocol: 17, dstPortStart: 53, dstPortEnd: 53, action: 2}}}'],
  ['{ingress_ifindex: 3, ip_data: 2001:db8:1::/48}', '{rules: [{ruleId: 9, protocol: 58, icmpType: 128, action: 1}]}'],
  ['{ingress_ifindex: 4, ip_data: 192.0.2.1/32}', '{rules: [{ruleId: 2, action: 2}]}'],
];

function skipReason(): string {
  return hasBpftool ? '' : 'bpftool is not installed';
}

const R = suite('readable by default');

R('dump prints CIDR keys and CPU labels; ndjson, JSON and YAML dumps apply to fresh maps byte-exact; --numeric prints numbers', kernel(async () => {
  const why = skipReason();
  if (why) { skip(why); return; }
  await withPinDir(async (dir) => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => join(dir, x));
    for (const p of [a, b, c, d]) ok(['create', FW, '--pin-root', p]);
    for (const [k, v] of RULES) ok(['update', FW, TABLE, '--pin-root', a, '--key', k, '--value', v]);
    ok(['update', FW, STATS, '--pin-root', a, '--key', '1', '--value', '[{allow_stats: {packets: 5, bytes: 300}}, {deny_stats: {packets: 18446744073709551615}}]']);
    const n = possibleCpus();
    const labelled = Array.from({ length: n }, (_, i) => `cpu${i}: {deny_stats: {bytes: ${i + 1}}}`).join(', ');
    ok(['update', FW, STATS, '--pin-root', a, '--key', '7', '--value', `{${labelled}}`]);

    const yamlDump = ok(['dump', FW, TABLE, '--pin-root', a]);
    for (const t of ['ip_data: 10.0.0.0/8', 'ip_data: 198.18.7.0/24', 'ip_data: 2001:db8:1::/48', 'ip_data: 192.0.2.1\n']) {
      assert.ok(yamlDump.includes(t), `YAML dump shows ${t}:\n${yamlDump}`);
    }
    const statsJson = parseJson(ok(['lookup', FW, STATS, '--pin-root', a, '--key', '1', '--json'])) as { value: Record<string, unknown> };
    assert.equal(Object.keys(statsJson.value), Array.from({ length: n }, (_, i) => `cpu${i}`));
    assert.equal(statsJson.value.cpu0, { allow_stats: { packets: 5, bytes: 300 }, deny_stats: { packets: 0, bytes: 0 } });

    // --numeric: bytes and plain lists, as before.
    const numeric = ok(['dump', FW, TABLE, '--pin-root', a, '--numeric', '--json']).replace(/\s/g, '');
    assert.not.ok(numeric.includes('/8'), numeric);
    assert.ok(numeric.includes('"ip_data":[10,0,0,0,'), numeric);
    const numStats = parseJson(ok(['lookup', FW, STATS, '--pin-root', a, '--key', '1', '--json', '--numeric'])) as { value: unknown };
    assert.ok(Array.isArray(numStats.value), 'per-CPU values are a list with --numeric');

    // NDJSON dump -> apply on fresh maps (b).
    let nd = '';
    for (const m of [TABLE, STATS]) nd += ok(['dump', FW, m, '--pin-root', a, '--ndjson']).split('\n').filter((l) => l.startsWith('{"map"')).join('\n') + '\n';
    assert.ok(nd.includes('"ip_data":"2001:db8:1::/48"') && nd.includes('"cpu1":'), nd);
    ok(['apply', FW, '-f', '-', '--pin-root', b], nd);
    // JSON dump -> state file (c); YAML dump -> state file (d).
    const state = { maps: {} as Record<string, unknown> };
    let yamlState = 'maps:\n';
    for (const m of [TABLE, STATS]) {
      state.maps[m] = { entries: parseJson(ok(['dump', FW, m, '--pin-root', a, '--json'])) };
      yamlState += `  ${m}:\n    entries:\n${ok(['dump', FW, m, '--pin-root', a]).replace(/^/gm, '      ')}\n`;
    }
    ok(['apply', FW, '-f', '-', '--pin-root', c], stringifyJson(state));
    ok(['apply', FW, '-f', '-', '--pin-root', d], yamlState);
    for (const m of [TABLE, STATS]) {
      const want = raw(join(a, m));
      for (const p of [b, c, d]) assert.equal(raw(join(p, m)), want, `${m}: ${p} == original`);
    }

    // What lookup prints, update takes: write each printed entry into d under its printed key, byte-exact.
    const e = parseJson(ok(['lookup', FW, TABLE, '--pin-root', a, '--key', '{ingress_ifindex: 3, ip_data: 2001:db8:1::/48}', '--exact', '--json'])) as { key: unknown; value: unknown };
    ok(['delete', FW, TABLE, '--pin-root', d, '--key', stringifyJson(e.key)]);
    ok(['update', FW, TABLE, '--pin-root', d, '--key', stringifyJson(e.key), '--value', stringifyJson(e.value)]);
    const s = parseJson(ok(['lookup', FW, STATS, '--pin-root', a, '--key', '7', '--json'])) as { value: unknown };
    ok(['update', FW, STATS, '--pin-root', d, '--key', '7', '--value', stringifyJson(s.value)]);
    for (const m of [TABLE, STATS]) assert.equal(raw(join(d, m)), raw(join(a, m)), `${m}: updated from lookup == original`);

    // A labelled per-CPU value must name every CPU.
    if (n > 1) {
      const bad = bpfmap(['update', FW, STATS, '--pin-root', d, '--key', '7', '--value', '{cpu0: {deny_stats: {bytes: 1}}}']);
      assert.is.not(bad.code, 0);
      assert.match(bad.stderr, /cpu1 is missing/);
    }
  });
}));

R('the edit buffer shows the readable form', kernel(async () => {
  await withPinDir(async (dir) => {
    ok(['create', FW, '--pin-root', dir]);
    ok(['update', FW, TABLE, '--pin-root', dir, '--key', RULES[1]![0], '--value', RULES[1]![1]]);
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-readable-'));
    try {
      const ed = join(tmp, 'ed.cjs');
      const seen = join(tmp, 'seen.yaml');
      writeFileSync(ed, `require('fs').copyFileSync(process.argv[2], ${JSON.stringify(seen)});\n`);
      const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/bpfmap.js'), 'edit', FW, TABLE, '--pin-root', dir, '--key', RULES[1]![0]],
        { encoding: 'utf8', env: { ...process.env, VISUAL: '', EDITOR: `${process.execPath} ${ed}` } });
      assert.is(r.status, 0, r.stderr);
      const text = readFileSync(seen, 'utf8');
      assert.ok(text.includes('ip_data: 198.18.7.0/24'), text);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}));

R('apply --dry-run names the fields that change, old -> new, readable; --numeric gives numbers', kernel(async () => {
  const why = skipReason();
  if (why) { skip(why); return; }
  await withPinDir(async (dir) => {
    ok(['create', FW, '--pin-root', dir]);
    ok(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.0/8}', '--value', '{rules: {0: {ruleId: 1, action: 1}, 3: {ruleId: 4, action: 1}}}']);
    const state = '{"map":"ingress_node_firewall_table_map","key":{"ingress_ifindex":1,"ip_data":"10.0.0.0/8"},"value":{"rules":{"0":{"ruleId":1,"action":1},"3":{"ruleId":4,"action":2},"5":{"ruleId":6}}}}\n' +
      '{"map":"ingress_node_firewall_statistics_map","key":1,"value":{"cpu0":{"allow_stats":{"packets":3}},"cpu1":{}}}\n';
    const before = raw(join(dir, TABLE));
    const dry = ok(['apply', FW, '-f', '-', '--pin-root', dir, '--dry-run'], state).split('\n');
    assert.equal(dry.slice(0, 2), [
      '~ ingress_node_firewall_table_map {"prefixLen":40,"ingress_ifindex":1,"ip_data":"10.0.0.0/8"}: rules[3].action: 1 -> 2; rules[5].ruleId: 0 -> 6',
      '~ ingress_node_firewall_statistics_map 1: cpu0.allow_stats.packets: 0 -> 3',
    ]);
    const numeric = ok(['apply', FW, '-f', '-', '--pin-root', dir, '--dry-run', '--numeric'], state).split('\n');
    assert.match(numeric[0]!, /^~ ingress_node_firewall_table_map \{"prefixLen":40,"ingress_ifindex":1,"ip_data":\[10,0,0,0,.*\]\}: rules\[3\]\.action: 1 -> 2; rules\[5\]\.ruleId: 0 -> 6$/);
    assert.is(numeric[1], '~ ingress_node_firewall_statistics_map 1: [0].allow_stats.packets: 0 -> 3');
    assert.equal(raw(join(dir, TABLE)), before, 'a dry run writes nothing');
  });
}));

R.run();
