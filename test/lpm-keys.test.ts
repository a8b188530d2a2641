/**
 * LPM trie keys never silently become /0, nor a host or a network by guess: a key states its prefix
 * (CIDR or an explicit prefix length) or is refused, and a bare address with neither is refused (a
 * lookup query, which asks about one host, takes it at full length); an explicit length that contradicts the CIDR or exceeds the key is refused
 * before the kernel; the template primes no `prefixLen: 0`; on real tries, through the CLI.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadObjectFile, findMap, mapCodecs, toHex, templateYaml } from '../src/index.js';
import { bpfmap, FW, TABLE } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { ipv4LpmMap } from './oracle/schemas.js';

const fwObj = loadObjectFile(FW);
const table = findMap(fwObj.schema, TABLE);
const fw = mapCodecs(table, 'little');
const v4 = mapCodecs(ipv4LpmMap(4), 'little');
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };

const MISSING = 'key.prefixLen: the prefix length is not given: write ip_data as CIDR (ip_data: 10.0.0.0/24 makes prefixLen 56, ' +
  'counting the 32 bits of the fields before ip_data) or set prefixLen (prefixLen: 56); a key with neither would be /0 and match every address';
const CONTRA = "key.prefixLen: 40 contradicts ip_data '10.0.0.0/24', which means prefixLen 56 (32 bits before ip_data + 24); " +
  'give the prefix once: leave prefixLen out, or write ip_data without /len';
const BARE = "key.ip_data: expected ip_data with a /prefix length or prefixLen set, got '10.0.0.9' with neither; " +
  'write 10.0.0.9/32 for this one host (prefixLen 64, counting the 32 bits of the fields before ip_data), a network as address/len, or set prefixLen';
const ABOVE = 'key.prefixLen: expected a prefix length 0..160 (the bits after prefixLen in this 24-byte key), got 161';

const Refuse = suite('LPM key input: a key that does not state its prefix, or states it wrongly, is refused');
const refusals: [string, typeof fw, unknown, string][] = [
  ['address as a byte list, no prefix length', fw, { ingress_ifindex: 1, ip_data: [10, 0, 0, 1] }, `VALUE_INVALID: ${MISSING}`],
  ['no address at all', fw, { ingress_ifindex: 1 }, `VALUE_INVALID: ${MISSING}`],
  ['an empty key', fw, {}, `VALUE_INVALID: ${MISSING}`],
  ['no field before the address: nothing counted', v4, { addr: [10, 0, 0, 0] },
    'VALUE_INVALID: key.prefixlen: the prefix length is not given: write addr as CIDR (addr: 10.0.0.0/24 makes prefixlen 24) ' +
    'or set prefixlen (prefixlen: 24); a key with neither would be /0 and match every address'],
  ['a bare address with no prefix length: host or network is not guessed', fw, { ingress_ifindex: 1, ip_data: '10.0.0.9' }, `VALUE_INVALID: ${BARE}`],
  ['a bare address in a key with no field before it', v4, { addr: '10.0.0.9' },
    "VALUE_INVALID: key.addr: expected addr with a /prefix length or prefixlen set, got '10.0.0.9' with neither; write 10.0.0.9/32 for this one host (prefixlen 32), a network as address/len, or set prefixlen"],
  ['explicit prefix length contradicting the CIDR', fw, { prefixLen: 40, ip_data: '10.0.0.0/24' }, `VALUE_INVALID: ${CONTRA}`],
  ['explicit 0 (a template line) under a CIDR', fw, { prefixLen: 0, ingress_ifindex: 1, ip_data: '10.0.0.0/24' },
    "VALUE_INVALID: key.prefixLen: 0 contradicts ip_data '10.0.0.0/24', which means prefixLen 56 (32 bits before ip_data + 24); give the prefix once: leave prefixLen out, or write ip_data without /len"],
  ['a /0 CIDR with a prefix length reaching into the address', fw, { prefixLen: 40, ip_data: '0.0.0.0/0' },
    "VALUE_INVALID: key.prefixLen: 40 contradicts ip_data '0.0.0.0/0', which means prefixLen 32 or less (32 bits before ip_data + 0); give the prefix once: leave prefixLen out, or write ip_data without /len"],
  ['prefix length above the key', fw, { prefixLen: 161, ingress_ifindex: 1, ip_data: [10] }, `VALUE_RANGE: ${ABOVE}`],
  ['prefix length above the key, as text', v4, { prefixlen: '0x21', addr: [10] },
    "VALUE_RANGE: key.prefixlen: expected a prefix length 0..32 (the bits after prefixlen in this 8-byte key), got '0x21'"],
  ['a wrong field is named before the missing prefix', fw, { ingress_ifindex: 1, proto: 6 },
    "VALUE_INVALID: key.proto: unknown field 'proto'; fields are prefixLen, ingress_ifindex, ip_data"],
  ['not a u32: the integer codec names it', fw, { prefixLen: -1, ip_data: '10.0.0.0/24' }, 'VALUE_RANGE: key.prefixLen: expected u32 0..4294967295, got -1'],
];
for (const [name, c, input, want] of refusals) Refuse(name, () => assert.is(err(() => c.key.encode(input)), want));
Refuse.run();

const Accept = suite('LPM key input: the ways to state a prefix');
const hex24 = '38000000' + '01000000' + '0a000000' + '00'.repeat(12);
const accepted: [string, typeof fw, unknown, string][] = [
  ['CIDR: computed, the 32-bit ifindex counted', fw, { ingress_ifindex: 1, ip_data: '10.0.0.0/24' }, hex24],
  ['explicit prefix length with a byte list', fw, { prefixLen: 56, ingress_ifindex: 1, ip_data: [10, 0, 0, 0] }, hex24],
  ['explicit prefix length agreeing with the CIDR', fw, { prefixLen: 56, ingress_ifindex: 1, ip_data: '10.0.0.0/24' }, hex24],
  ['/32 states a host prefix', fw, { ingress_ifindex: 1, ip_data: '10.0.0.9/32' }, '40000000' + '01000000' + '0a000009' + '00'.repeat(12)],
  ['a bare address next to an explicit length is its bytes', fw, { prefixLen: 40, ingress_ifindex: 1, ip_data: '10.0.0.9' }, '28000000' + '01000000' + '0a000009' + '00'.repeat(12)],
  ['host bits are kept as given', fw, { ingress_ifindex: 1, ip_data: '10.20.1.1/16' }, '30000000' + '01000000' + '0a140101' + '00'.repeat(12)],
  ['an explicit /0 is a /0', fw, { prefixLen: 0, ingress_ifindex: 1 }, '00000000' + '01000000' + '00'.repeat(16)],
  ['the largest prefix length', fw, { prefixLen: 160, ip_data: '2001:db8::1' }, 'a0000000' + '00000000' + '20010db8' + '00'.repeat(11) + '01'],
  ['a prefix that ends in the ifindex, with a /0 address (what decode prints)', fw, { prefixLen: 16, ingress_ifindex: 1, ip_data: '0.0.0.0/0' }, '10000000' + '01000000' + '00'.repeat(16)],
];
for (const [name, c, input, want] of accepted) Accept(name, () => assert.is(toHex(c.key.encode(input)), want));
Accept('every pretty-printed key encodes back to its bytes (the explicit length agrees with the CIDR printed)', () => {
  for (const p of [0, 1, 16, 31, 32, 33, 40, 56, 63, 64, 65, 96, 159, 160]) {
    const b = fw.key.encode({ prefixLen: p, ingress_ifindex: 7, ip_data: p > 64 ? '2001:db8:1:2:3:4:5:6' : '10.20.30.40' });
    assert.is(toHex(fw.key.encode(fw.key.decode(b, 0, { prettyAddresses: true }))), toHex(b), `prefix ${p}`);
  }
});
Accept.run();

const Tpl = suite('template of an LPM map');
Tpl('YAML: the prefix length line is a comment; filled with a CIDR the key gets the computed prefix; unfilled it is refused', () => {
  const y = templateYaml(table);
  assert.not.match(y, /^\s*prefixLen:/m, 'no prefixLen line that would override the CIDR');
  assert.match(y, /^ {2}# prefixLen: 0 {2}# __u32, offset 0, size 4; set it only when no address below is CIDR \(bits after prefixLen that must match, 0\.\.160\)$/m);
  assert.match(y, /^# LPM trie: write the address as CIDR \(10\.0\.0\.0\/8\) and the prefix length is computed, or set the prefix length; a key with neither is refused$/m);
  const doc = parseYaml(y) as { key: Record<string, unknown> };
  assert.is(err(() => fw.key.encode(doc.key)), `VALUE_INVALID: ${MISSING}`);
  const filled = parseYaml(y.replace(/ip_data: \[\]/, 'ip_data: 10.0.0.0/24').replace(/ingress_ifindex: 0/, 'ingress_ifindex: 1')) as { key: unknown };
  assert.is(toHex(fw.key.encode(filled.key)), hex24);
});
Tpl('CLI: YAML and --json templates carry no prefix length; the filled YAML template updates a real trie with /56', kernel(() => withPinDir((dir) => {
  const json = bpfmap(['template', FW, TABLE, '--json']);
  assert.is(json.code, 0, json.stderr);
  assert.equal(Object.keys((JSON.parse(json.stdout) as { key: object }).key), ['ingress_ifindex', 'ip_data']);
  const yaml = bpfmap(['template', FW, TABLE]);
  assert.is(yaml.code, 0, yaml.stderr);
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-lpm-'));
  try {
    const f = join(tmp, 'rule.yaml');
    writeFileSync(f, yaml.stdout);
    assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
    const unfilled = bpfmap(['update', FW, TABLE, '--pin-root', dir, '-f', f]);
    assert.equal([unfilled.code, unfilled.stderr], [5, `bpfmap: ${MISSING}\n`]);
    writeFileSync(f, yaml.stdout.replace(/ip_data: \[\]/, 'ip_data: 10.0.0.0/24').replace(/ingress_ifindex: 0/, 'ingress_ifindex: 1'));
    const r = bpfmap(['update', FW, TABLE, '--pin-root', dir, '-f', f]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(trieKeys(join(dir, TABLE)), [hex24]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Tpl.run();

/** The keys of a pinned trie as hex, read by bpftool (the independent reader), sorted. */
export function trieKeys(pin: string): string[] {
  const raw = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[] }[];
  return raw.map((e) => e.key.map((x) => x.replace(/^0x/, '').padStart(2, '0')).join('')).sort();
}

const Cli = suite('LPM key refusals through the CLI on a real trie (kernel)');
Cli('update/delete/lookup of a key without a prefix, with a contradicting one or one above the key: exit 5, exact message, trie unchanged', kernel(() => withPinDir((dir) => {
  assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
  const pin = join(dir, TABLE);
  const ok = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.0/24}', '--value', '{rules: [{ruleId: 1, action: 2}]}']);
  assert.is(ok.code, 0, ok.stderr);
  const before = trieKeys(pin);
  assert.equal(before, [hex24]);
  const cases: [string[], string][] = [
    [['update', '--key', '{ingress_ifindex: 1, ip_data: [10,0,0,1]}', '--value', '{rules: [{ruleId: 1, action: 1}]}'], MISSING],
    [['update', '--key', '{ingress_ifindex: 1}', '--value', '{}'], MISSING],
    [['update', '--key', '{prefixLen: 40, ip_data: 10.0.0.0/24}', '--value', '{}'], CONTRA],
    [['update', '--key', '{prefixLen: 161, ingress_ifindex: 1}', '--value', '{}'], ABOVE],
    [['delete', '--key', '{ingress_ifindex: 1, ip_data: [10,0,0,0]}'], MISSING],
    [['lookup', '--key', '{ingress_ifindex: 1}'], MISSING],
    [['update', '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.9}', '--value', '{rules: [{ruleId: 1, action: 1}]}'], BARE],
    [['delete', '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.9}'], BARE],
  ];
  for (const [[verb, ...rest], msg] of cases) {
    const r = bpfmap([verb!, FW, TABLE, '--pin-root', dir, ...rest]);
    assert.equal([r.code, r.stderr, r.stdout], [5, `bpfmap: ${msg}\n`, ''], `${verb} ${rest.join(' ')}`);
  }
  assert.equal(trieKeys(pin), before, 'nothing reached the trie');
  // A lookup asks about one host: a bare address is that host, matched by the covering /24.
  const q = bpfmap(['lookup', FW, TABLE, '--pin-root', dir, '--json', '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.9}']);
  assert.is(q.code, 0, q.stderr);
  const got = JSON.parse(q.stdout) as { key: { prefixLen: number }; match: string; matchedKey: { prefixLen: number } };
  assert.equal([got.key.prefixLen, got.match, got.matchedKey.prefixLen], [64, 'prefix', 56]);
  // Both ways of writing the prefix name the same entry: an explicit one replaces it.
  const same = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{prefixLen: 56, ingress_ifindex: 1, ip_data: [10,0,0,0]}', '--value', '{rules: [{ruleId: 2, action: 1}]}']);
  assert.is(same.code, 0, same.stderr);
  assert.equal(trieKeys(pin), before);
})));
Cli.run();

/**
 * An editor (a node script) that replaces the key of the entry with `newKey` in its first round,
 * logs the first line it sees each round, and in a later round puts back the text it first saw
 * (which cancels the edit).
 */
function editor(tmp: string, newKey: string): { env: Record<string, string>; log: string } {
  const ed = join(tmp, 'ed.mjs');
  const log = join(tmp, 'log');
  const first = join(tmp, 'first.yaml');
  writeFileSync(ed, `import { readFileSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
const f = process.argv[2];
const t = readFileSync(f, 'utf8');
appendFileSync(${JSON.stringify(log)}, t.split('\\n')[0] + '\\n');
if (!existsSync(${JSON.stringify(first)})) {
  writeFileSync(${JSON.stringify(first)}, t);
  writeFileSync(f, t.replace(/^key:[\\s\\S]*?(?=^value:)/m, ${JSON.stringify(`key: ${newKey}\n`)}));
} else writeFileSync(f, readFileSync(${JSON.stringify(first)}, 'utf8'));
`);
  return { env: { VISUAL: '', EDITOR: `${process.execPath} ${ed}` }, log };
}

const Edit = suite('edit of an LPM entry whose key changed (kernel)');
const A = '38000000' + '06000000' + '0a0a0a00' + '00'.repeat(12); // 10.10.10.0/24 on ifindex 6
const B = '38000000' + '06000000' + '0a0a0b00' + '00'.repeat(12); // 10.10.11.0/24
const KEY_A = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
function withTrie(fn: (dir: string, tmp: string) => void) {
  return kernel(() => withPinDir((dir) => {
    assert.is(bpfmap(['create', FW, TABLE, '--pin-root', dir]).code, 0);
    assert.is(bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY_A, '--value', '{rules: [{ruleId: 1, action: 2}]}']).code, 0);
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-lpm-edit-'));
    try { fn(dir, tmp); } finally { rmSync(tmp, { recursive: true, force: true }); }
  }));
}
/** Rule 0's ruleId per stored key (hex), read by bpftool. */
function ruleIds(pin: string): Record<string, number> {
  const raw = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[]; value: string[] }[];
  const hex = (a: string[]) => a.map((x) => x.replace(/^0x/, '').padStart(2, '0')).join('');
  return Object.fromEntries(raw.map((e) => [hex(e.key), parseInt(e.value[0]!, 16)]));
}
Edit('another prefix: the entry moves (new written, old deleted) and a line says so', withTrie((dir, tmp) => {
  const { env } = editor(tmp, '{ingress_ifindex: 6, ip_data: 10.10.11.0/24}');
  const r = bpfmap(['edit', FW, TABLE, '--pin-root', dir, '--key', KEY_A], { env });
  assert.equal([r.code, r.stdout], [0, '']);
  assert.is(r.stderr, 'bpfmap: the key changed: moved the entry from {"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.10.0/24"} ' +
    'to {"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.11.0/24"} (the old entry is deleted)\n');
  assert.equal(ruleIds(join(dir, TABLE)), { [B]: 1 });
}));
Edit('--json reports the move', withTrie((dir, tmp) => {
  const { env } = editor(tmp, '{ingress_ifindex: 6, ip_data: 10.10.11.0/24}');
  const r = bpfmap(['edit', FW, TABLE, '--pin-root', dir, '--key', KEY_A, '--json'], { env });
  assert.equal([r.code, r.stderr], [0, '']);
  const out = JSON.parse(r.stdout) as { written: number; deleted: number; moved: { from: string; to: string } };
  assert.equal([out.written, out.deleted, out.moved.to], [1, 1, '{"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.11.0/24"}']);
}));
Edit('only host bits changed: the same entry, rewritten in place, no move', withTrie((dir, tmp) => {
  const { env } = editor(tmp, '{ingress_ifindex: 6, ip_data: 10.10.10.7/24}');
  const r = bpfmap(['edit', FW, TABLE, '--pin-root', dir, '--key', KEY_A], { env });
  assert.equal([r.code, r.stderr], [0, '']);
  assert.equal(ruleIds(join(dir, TABLE)), { ['38000000' + '06000000' + '0a0a0a07' + '00'.repeat(12)]: 1 });
}));
Edit('onto a prefix that has an entry: refused in the editor, nothing changed', withTrie((dir, tmp) => {
  assert.is(bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 6, ip_data: 10.10.11.0/24}', '--value', '{rules: [{ruleId: 7, action: 1}]}']).code, 0);
  const { env, log } = editor(tmp, '{ingress_ifindex: 6, ip_data: 10.10.11.0/24}');
  const r = bpfmap(['edit', FW, TABLE, '--pin-root', dir, '--key', KEY_A], { env });
  assert.equal([r.code, r.stderr], [0, 'bpfmap: unchanged; nothing written\n']);
  const seen = readFileSync(log, 'utf8').trimEnd().split('\n');
  assert.is(seen.length, 2);
  assert.is(seen[1], '# ERROR: entry.yaml: key: {"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.11.0/24"} already has an entry; moving ' +
    '{"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.10.0/24"} onto it would replace that entry: edit that entry instead, or delete it first');
  assert.equal(ruleIds(join(dir, TABLE)), { [A]: 1, [B]: 7 });
}));
Edit.run();
