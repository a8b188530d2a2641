/**
 * The kernel commands through the real CLI, on maps `bpfmap create` makes under a private pin root;
 * bpftool is the independent reader.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfmap, FW, TABLE, STATS, BIN } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { parseJson } from '../src/index.js';

function ok(args: string[], env?: Record<string, string>) {
  const r = bpfmap(args, { env });
  assert.is(r.stderr, '', `stderr of ${args.join(' ')}`);
  assert.is(r.code, 0, `exit code of ${args.join(' ')}`);
  return r.stdout;
}

function bpftoolDump(pin: string): { key: number[]; value: number[] | { cpu: number; value: number[] }[] }[] {
  const raw = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: unknown; value?: unknown; values?: unknown; formatted?: unknown }[];
  const bytes = (a: unknown) => (a as string[]).map((x) => parseInt(x, 16));
  return raw.map((e) => ({
    key: bytes(e.key),
    value: e.values ? (e.values as { cpu: number; value: string[] }[]).map((v) => ({ cpu: v.cpu, value: bytes(v.value) })) : bytes(e.value),
  }));
}

const KEY24 = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
const RULES = '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}, 57: {ruleId: 9, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 2}}}';

const C = suite('kernel commands through the CLI');

C('create, update with typed input, and bpftool reads the exact bytes', kernel(() => withPinDir((dir) => {
  const created = parseJson(ok(['create', FW, '--pin-root', dir, '--json'])) as { name: string; status: string }[];
  assert.equal(created.map((c) => c.status), ['created', 'created', 'created', 'created']);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]);
  const d = bpftoolDump(join(dir, TABLE));
  assert.is(d.length, 1);
  assert.equal(d[0]!.key, [56, 0, 0, 0, 6, 0, 0, 0, 10, 10, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const v = d[0]!.value as number[];
  assert.is(v.length, 1200);
  assert.equal(v.slice(0, 12), [1, 0, 0, 0, 1, 0, 0, 0, 0, 8, 0, 1]);
  assert.equal(v.slice(57 * 12, 58 * 12), [9, 0, 0, 0, 6, 80, 0, 90, 0, 0, 0, 2]);
  assert.is(v.filter((b) => b !== 0).length, 4 + 5, 'every other byte is zero');
  // A second create reuses the compatible pins.
  const again = parseJson(ok(['create', FW, '--pin-root', dir, '--json'])) as { status: string }[];
  assert.ok(again.every((c) => c.status === 'reused'));
})));

C('LPM lookup: longest prefix, exact, and not found', kernel(() => withPinDir((dir) => {
  ok(['create', FW, TABLE, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.7/32}', '--value', '{rules: [{ruleId: 3, action: 2}]}']);
  const host = parseJson(ok(['lookup', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.7}', '--json'])) as { match: string; value: { rules: Record<string, { ruleId: number }> } };
  assert.is(host.match, 'exact');
  assert.is(host.value.rules['0']!.ruleId, 3, 'the /32 wins over the /24');
  const other = parseJson(ok(['lookup', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.8}', '--json', '--pretty-addresses'])) as { match: string; matchedKey: { prefixLen: number; ip_data: string } };
  assert.is(other.match, 'prefix');
  assert.equal(other.matchedKey.prefixLen, 56);
  assert.is(other.matchedKey.ip_data, '10.10.10.0/24', 'pretty LPM keys print the stored prefix as CIDR');
  const exact = bpfmap(['lookup', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.8}', '--exact']);
  assert.is(exact.code, 3);
  assert.match(exact.stderr, /^bpfmap: .*no entry with exactly this prefix/);
  const none = bpfmap(['lookup', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 7, ip_data: 10.10.10.8}']);
  assert.is(none.code, 3);
  assert.is(none.stdout, '');
  // delete is exact: the /24 goes, the /32 stays.
  ok(['delete', FW, TABLE, '--pin-root', dir, '--key', KEY24]);
  assert.is(bpftoolDump(join(dir, TABLE)).length, 1);
})));

C('update flags: noexist on an existing key is refused and changes nothing', kernel(() => withPinDir((dir) => {
  ok(['create', FW, TABLE, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]);
  const before = bpftoolDump(join(dir, TABLE));
  const r = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', '{rules: [{ruleId: 5}]}', '--flags', 'noexist']);
  assert.is(r.code, 6);
  assert.match(r.stderr, /^bpfmap: map '.*ingress_node_firewall_table_map': .*EEXIST/);
  const bad = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', '{rules: {3: {dstPortEnd: 70000}}}']);
  assert.is(bad.code, 5);
  assert.is(bad.stderr, 'bpfmap: value.rules[3].dstPortEnd: expected u16 0..65535, got 70000\n');
  assert.equal(bpftoolDump(join(dir, TABLE)), before);
  const ex = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 9, ip_data: 10.0.0.0/8}', '--value', '{}', '--flags', 'exist']);
  assert.is(ex.code, 3);
  assert.is(ex.stdout, '');
  assert.match(ex.stderr, /^bpfmap: map '.*ingress_node_firewall_table_map': no such entry \(ENOENT\): the key is not in the map and flags exist only replaces; use flags any to create it\n$/);
  assert.equal(bpftoolDump(join(dir, TABLE)), before);
})));

C('per-CPU statistics: one value to every CPU, --sum, --cpu, and dump --ndjson', kernel(() => withPinDir((dir) => {
  ok(['create', FW, STATS, '--pin-root', dir]);
  ok(['update', FW, STATS, '--pin-root', dir, '--key', '1', '--value', '{allow_stats: {packets: 5, bytes: 600}, deny_stats: {packets: 1, bytes: 18446744073709551615}}']);
  const per = bpftoolDump(join(dir, STATS)).find((e) => e.key[0] === 1)!;
  const cpus = (per.value as { cpu: number }[]).length;
  assert.ok(cpus >= 1);
  const sum = parseJson(ok(['lookup', FW, STATS, '--pin-root', dir, '--key', '1', '--sum', '--json'])) as { value: { allow_stats: { packets: number; bytes: number }; deny_stats: { bytes: bigint } } };
  assert.is(sum.value.allow_stats.packets, 5 * cpus);
  assert.is(sum.value.allow_stats.bytes, 600 * cpus);
  const one = parseJson(ok(['lookup', FW, STATS, '--pin-root', dir, '--key', '1', '--cpu', '0', '--json'])) as { value: { deny_stats: { bytes: bigint } } };
  assert.is(one.value.deny_stats.bytes, 18446744073709551615n, 'u64 max is exact');
  const lines = ok(['dump', FW, STATS, '--pin-root', dir, '--ndjson', '--sum']).trimEnd().split('\n');
  assert.is(lines.length, 1025, '1024 entries and the trailer');
  assert.is(lines[1024], '{"trailer":true,"entries":1024,"maps":{"ingress_node_firewall_statistics_map":1024}}');
  assert.match(lines[1]!, /^\{"map":"ingress_node_firewall_statistics_map","key":1,"value":\{"allow_stats":\{"packets":\d+,"bytes":\d+\}/);
})));

C('global data: get and set by variable name', kernel(() => withPinDir((dir) => {
  ok(['create', FW, '--pin-root', dir]);
  assert.equal(parseJson(ok(['get', FW, '--pin-root', dir, '--json'])), { '.rodata': { debug_lookup: 0 } });
  ok(['set', FW, '--pin-root', dir, 'debug_lookup=7']);
  assert.equal(parseJson(ok(['get', FW, 'debug_lookup', '--pin-root', dir, '--json'])), { '.rodata': { debug_lookup: 7 } });
  const bad = bpfmap(['set', FW, '--pin-root', dir, 'nope=1']);
  assert.is(bad.code, 3, 'not found, as an unknown map or type');
  assert.match(bad.stderr, /^bpfmap: nope: no such global variable in firewall\.bpfel\.o; variables are debug_lookup/);
})));

C('mismatch: a map with other sizes at the pin is refused, --force overrides', kernel(() => withPinDir((dir) => {
  execFileSync('bpftool', ['map', 'create', join(dir, TABLE), 'type', 'lpm_trie', 'key', '24', 'value', '12', 'entries', '16', 'name', 'other', 'flags', '1']);
  const r = bpfmap(['lookup', FW, TABLE, '--pin-root', dir, '--key', KEY24]);
  assert.is(r.code, 5);
  assert.match(r.stderr, /^bpfmap: .*value size.*1200.*12/);
  assert.is(r.stderr.trimEnd().split('\n').length, 1);
  const c = bpfmap(['create', FW, TABLE, '--pin-root', dir]);
  assert.is(c.code, 5, 'create refuses an incompatible pin');
  assert.is(c.stdout, '');
  assert.match(c.stderr, /^bpfmap: map '.*ingress_node_firewall_table_map': does not match 'ingress_node_firewall_table_map' of the object: value size: expected 1200, got 12; max entries: expected 1024, got 16 \(use --force to go ahead anyway\); nothing was pinned\n$/);
})));

C('missing pin: exit 3 with the bpffs hint', kernel(() => withPinDir((dir) => {
  const r = bpfmap(['dump', FW, TABLE, '--pin-root', dir]);
  assert.is(r.code, 3);
  assert.match(r.stderr, /^bpfmap: .*no pinned object at .*is bpffs mounted/);
})));

C('without the object: dump --pin uses the map\'s own BTF', kernel(() => withPinDir((dir) => {
  ok(['create', FW, TABLE, '--pin-root', dir]);
  ok(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]);
  const d = parseJson(ok(['dump', '--pin', join(dir, TABLE), '--json'])) as { key: { prefixLen: number; ingress_ifindex: number } }[];
  assert.equal(d.map((e) => [e.key.prefixLen, e.key.ingress_ifindex]), [[56, 6]]);
})));

C('edit: invalid input re-opens the editor with the error, then the valid edit is written', kernel(() => withPinDir((dir) => {
  ok(['create', FW, TABLE, '--pin-root', dir]);
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-editor-'));
  try {
    const ed = join(tmp, 'ed.mjs');
    const log = join(tmp, 'log');
    // First round: an out-of-range port. Second round: sees the error on top, writes a valid rule.
    writeFileSync(ed, `import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
const f = process.argv[2];
const t = readFileSync(f, 'utf8');
appendFileSync(${JSON.stringify(log)}, t.split('\\n')[0] + '\\n');
const round = t.startsWith('# ERROR') ? 2 : 1;
writeFileSync(f, t.replace(/value:[\\s\\S]*$/, round === 1 ? 'value: {rules: {2: {dstPortEnd: 70000}}}\\n' : 'value: {rules: {2: {ruleId: 4, protocol: 17, dstPortStart: 53, action: 1}}}\\n'));
`);
    chmodSync(ed, 0o600);
    const r = spawnSync(process.execPath, [BIN, 'edit', FW, TABLE, '--pin-root', dir, '--key', KEY24],
      { encoding: 'utf8', env: { ...process.env, VISUAL: '', EDITOR: `${process.execPath} ${ed}` } });
    assert.is(r.status, 0, r.stderr);
    const seen = execFileSync('cat', [log], { encoding: 'utf8' }).trimEnd().split('\n');
    assert.is(seen.length, 2);
    assert.match(seen[1]!, /^# ERROR: value\.rules\[2\]\.dstPortEnd: expected u16 0\.\.65535, got 70000/);
    const v = bpftoolDump(join(dir, TABLE))[0]!.value as number[];
    assert.equal(v.slice(24, 36), [4, 0, 0, 0, 17, 53, 0, 0, 0, 0, 0, 1]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));

C.run();
