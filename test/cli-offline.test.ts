import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfmap, FW, FW_EB, SEED, COV, TABLE, STATS } from './helpers/cli.js';
import { parseJson, stringifyJson } from '../src/index.js';

function ok(args: string[], input?: string) {
  const r = bpfmap(args, { input });
  assert.is(r.stderr, '', `stderr of ${args.join(' ')}`);
  assert.is(r.code, 0, `exit code of ${args.join(' ')}`);
  return r.stdout;
}

function fails(args: string[], code: number, message: string | RegExp) {
  const r = bpfmap(args);
  assert.is(r.code, code, `exit code of ${args.join(' ')}: ${r.stderr}`);
  assert.is(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trimEnd().split('\n');
  if (typeof message === 'string') assert.is(lines[0], message);
  else assert.match(lines[0]!, message);
  assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
}

const Maps = suite('bpfmap maps');
Maps('lists every map of the firewall with types, sizes, flags and pin paths', () => {
  const out = ok(['maps', FW]);
  const lines = out.trimEnd().split('\n');
  assert.match(lines[0]!, /^NAME\s+TYPE\s+KEY -> VALUE\s+SIZES\s+MAX\s+FLAGS\s+PIN$/);
  const table = lines.find((l) => l.startsWith(TABLE))!;
  assert.match(table, /lpm_trie\s+struct lpm_ip_key_st -> struct rulesVal_st\s+24\/1200\s+1024\s+no_prealloc\s+\/sys\/fs\/bpf\/ingress_node_firewall_table_map/);
  assert.match(out, /ingress_node_firewall_statistics_map\s+percpu_array\s+__u32 -> struct ruleStatistics_st\s+4\/32/);
  assert.match(out, /\.rodata\s+array/);
});
Maps('--json gives the same maps in ELF order', () => {
  const doc = parseJson(ok(['maps', FW, '--json'])) as { name: string; type: string; kernelName: string }[];
  assert.equal(doc.map((m) => m.name), [TABLE, STATS, 'ingress_node_firewall_events_map', '.rodata']);
  assert.is(doc[0]!.kernelName, 'ingress_node_fi');
});
Maps.run();

const Schema = suite('bpfmap schema');
Schema('is deterministic and describes the packed key exactly', () => {
  const a = ok(['schema', FW, '--json']);
  assert.is(ok(['schema', FW, '--json']), a);
  const doc = parseJson(a) as { byteOrder: string; maps: { name: string; key: { size: number; fields: { name: string; offset: number }[] } }[] };
  assert.is(doc.byteOrder, 'little');
  const key = doc.maps.find((m) => m.name === TABLE)!.key;
  assert.is(key.size, 24);
  assert.equal(key.fields.map((f) => [f.name, f.offset]), [['prefixLen', 0], ['ingress_ifindex', 4], ['ip_data', 8]]);
});
Schema('big-endian objects say so', () => {
  const doc = parseJson(ok(['schema', FW_EB, '--json', '--map', TABLE])) as { byteOrder: string; maps: unknown[] };
  assert.is(doc.byteOrder, 'big');
  assert.is(doc.maps.length, 1);
});
Schema('a saved schema works in place of the object', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-cli-'));
  try {
    const p = join(dir, 'fw.schema.json');
    writeFileSync(p, ok(['schema', FW, '--json']));
    const key = "{ingress_ifindex: 6, ip_data: 10.10.10.0/24}";
    assert.is(ok(['encode', p, TABLE, '--key', key]), ok(['encode', FW, TABLE, '--key', key]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
Schema('--format seed keeps the old tool\'s document shape', () => {
  const doc = parseJson(ok(['schema', SEED, '--format', 'seed'])) as { maps: { name: string; size: number; path: string }[] };
  const t = doc.maps.find((m) => m.name === TABLE)!;
  assert.is(t.path, '/sys/fs/bpf/ingress_node_firewall_table_map');
});
Schema.run();

const Enc = suite('bpfmap encode / decode');
Enc('the seed walkthrough key and value, byte for byte', () => {
  const out = ok(['encode', SEED, TABLE, '--key', '{prefixLen: 64, ingress_ifindex: 6, ip_data: 10.10.10.2}',
    '--value', '{ruleId: 1, protocol: 0, icmpType: 8, action: 2}']);
  assert.is(out, 'key: 40000000060000000a0a0a02000000000000000000000000\nvalue: 010000000000000000080002\n');
});
Enc('CIDR fills the LPM prefix length; --json', () => {
  const out = parseJson(ok(['encode', FW, TABLE, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}', '--json'])) as { key: string };
  assert.is(out.key, '38000000060000000a0a0a00000000000000000000000000');
});
Enc('big-endian object encodes big-endian', () => {
  const out = ok(['encode', FW_EB, TABLE, '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}']);
  assert.is(out, 'key: 00000038000000060a0a0a00000000000000000000000000\n');
});
Enc('slot 57 of the 1200-byte rule array', () => {
  const out = parseJson(ok(['encode', FW, TABLE, '--value', '{rules: {57: {ruleId: 7, protocol: 6, dstPortStart: 80, dstPortEnd: 90, action: 1}}}', '--json'])) as { value: string };
  assert.is(out.value.length, 2400);
  assert.is(out.value.slice(57 * 24, 58 * 24), '070000000650005a00000001');
  assert.match(out.value.slice(0, 57 * 24), /^0+$/);
});
Enc('decode prints what encode accepts', () => {
  const value = '{rules: {3: {ruleId: 9, protocol: 17, dstPortStart: 53, action: 1}}}';
  const hex = (parseJson(ok(['encode', FW, TABLE, '--value', value, '--json'])) as { value: string }).value;
  const decoded = parseJson(ok(['decode', FW, TABLE, '--value', hex, '--json'])) as { value: unknown };
  const again = (parseJson(ok(['encode', FW, TABLE, '--value', stringifyJson(decoded.value), '--json'])) as { value: string }).value;
  assert.is(again, hex);
});
Enc('-f reads a document with key and value', () => {
  const doc = 'key: {ingress_ifindex: 6, ip_data: 10.10.10.0/24}\nvalue:\n  rules:\n    - {ruleId: 1, protocol: 1, icmpType: 8, action: 1}\n';
  const out = ok(['encode', FW, TABLE, '-f', '-'], doc);
  assert.match(out, /^key: 38000000060000000a0a0a00000000000000000000000000\nvalue: 0100000001000000000800010{2376}\n$/);
});
Enc.run();

const Bad = suite('bad input: one line, exit code, nothing on stdout');
Bad('value out of range names the field', () =>
  fails(['encode', FW, TABLE, '--value', '{rules: {3: {dstPortEnd: 70000}}}'], 5, 'bpfmap: value.rules[3].dstPortEnd: expected u16 0..65535, got 70000'));
Bad('unknown field lists the fields', () =>
  fails(['encode', FW, TABLE, '--key', '{proto: 1}'], 5, "bpfmap: key.proto: unknown field 'proto'; fields are prefixLen, ingress_ifindex, ip_data"));
Bad('unknown map lists the maps', () =>
  fails(['encode', FW, 'nope', '--key', '1'], 3, /^bpfmap: map 'nope' is not in firewall\.bpfel\.o; maps are ingress_node_firewall_table_map, /));
Bad('missing object file', () => fails(['maps', 'no-such.o'], 3, 'bpfmap: no-such.o: no such file'));
Bad('not an object', () => fails(['maps', 'package.json'], 5, /^bpfmap: package\.json: /));
Bad('decode: wrong number of bytes', () =>
  fails(['decode', FW, TABLE, '--key', 'abcd'], 5, 'bpfmap: key: expected 24 bytes (48 hex digits), got 2'));
Bad('usage error exits 2', () => {
  const r = bpfmap(['encode', FW]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^bpfmap: /);
});
Bad('apply --watch --dry-run is refused before anything is read (a watcher writes every state)', () => {
  const r = bpfmap(['apply', FW, '-f', 'examples/rules.yaml', '--watch', '--dry-run']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^bpfmap: give either --watch or --dry-run, not both\n/);
});
Bad('unknown command exits 2, names the command on stderr and prints nothing on stdout', () => {
  const r = bpfmap(['frobnicate']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.is(r.stderr, "bpfmap: unknown command 'frobnicate'\nrun 'bpfmap --help' for usage\n");
});
Bad.run();

const Help = suite('help');
Help('every command bpfmap --help lists has examples in its own --help', () => {
  const top = bpfmap(['--help']);
  assert.is(top.code, 0);
  assert.match(top.stdout, /Examples:/, 'the top-level help has examples');
  const commands = [...top.stdout.matchAll(/^ {2}bpfmap ([a-z]+)\b/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 19, `found the command list: ${commands.join(' ')}`);
  for (const c of ['maps', 'schema', 'encode', 'lookup', 'update', 'dump', 'apply', 'create', 'edit', 'get', 'set']) assert.ok(commands.includes(c), c);
  for (const c of commands) {
    const r = bpfmap([c, '--help']);
    assert.is(r.code, 0, c);
    assert.match(r.stdout, /Examples:/, `${c} --help has examples`);
  }
});
Help.run();

const Types = suite('bpfmap types / template');
Types('C-like declaration with offsets', () => {
  const out = ok(['types', FW, 'ruleType_st']);
  assert.match(out, /struct ruleType_st \{ \/\* size 12 \*\//);
  assert.match(out, /__u16 dstPortEnd; \/\* offset 7, size 2 \*\//);
});
Types('template encodes to zeros', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-cli-'));
  try {
    const p = join(dir, 't.yaml');
    writeFileSync(p, ok(['template', COV, 'hash_map']));
    const out = ok(['encode', COV, 'hash_map', '-f', p, '--json']);
    const r = parseJson(out) as { key: string; value: string };
    assert.match(r.key, /^0+$/);
    assert.match(r.value, /^0+$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
Types.run();
