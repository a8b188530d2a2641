// The one-line flow YAML reader (src/text/fast-flow-yaml.ts): wherever it answers, its value is the
// yaml package's (read as parseValueText reads YAML); what it does not answer goes to the yaml
// package, which words the errors; and the CLI's usual key is read without loading yaml at all.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments, stringify } from 'yaml';
import { plainYamlString, readFlowYaml } from '../src/text/fast-flow-yaml.js';
import { Rng } from './fuzz/prng.js';
import { parseValueText } from '../src/index.js';

/** The yaml package's reading, with parseValueText's options and its bigint-to-number rule. */
function yamlReading(text: string): { ok: true; value: unknown } | { ok: false } {
  const docs = parseAllDocuments(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false, resolveKnownTags: false, logLevel: 'silent' });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]!.errors.length > 0 || docs[0]!.warnings.length > 0) return { ok: false };
  const small = (v: unknown): unknown => {
    if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    if (Array.isArray(v)) return v.map(small);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, small(x)]));
    return v;
  };
  return { ok: true, value: small(docs[0]!.toJS()) };
}

/** Values compared as text (a member named `constructor` defeats a deep comparison by prototype). */
const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : Object.is(x, -0) ? '-0 (negative zero)' : x));

const TOKENS = [
  '6', '0', '-0', '-5', '123456789012345', '1234567890123456', '+1', '0123', '00', '1.5', '1.', '.5', '1e3', '1E-3', '0x1F', '0o17', '0b101', '1_000',
  '.inf', '-.Inf', '.NaN', 'inf', 'nan', 'true', 'True', 'TRUE', 'tRue', 'false', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', 'yes', 'no', 'on', 'off', 'y', 'n',
  '10.10.10.7', '10.10.10.0/24', '198.18.0.1/32', '1.2.3', '1.2', 'fe80::1', '::1', '2001:db8::/32', '00:11:22:33:44:55', '1:2', '1:20:30', 'a:b', 'a:', 'a::', ':a',
  'deny', 'allow', 'lo', 'eth0', 'veth-a', '_x', 'x_y', 'a/b', 'a.b.c', '-a', 'a-', '-', '--', '.', '..', '/', 'a#b', 'a #b', '#c', '&a', '*a', '!t', '!!str x', '%x', '@x', '`x`', '?', '? a',
  '"q"', "'q'", 'a b', '', ' ', 'é', 'a\tb', '|', '>', '0x', '0o', 'e3', '1e', 'x1e3', '12abc', '1-2', '1/2',
  'http://x', 'a:/b', '1:/', 'a:-1', '-1:2', 'a.', '_', '__proto__', '0:0', 'x:y:z',
];
const GOOD_TOKENS = ['6', '0', '-5', '123456789012345', 'true', 'FALSE', 'null', '10.10.10.7', '10.10.10.0/24', 'fe80::1', '00:11:22:33:44:55', 'deny', 'eth0', 'veth-a', '1.2.3', 'a:b', '12abc', 'yes'];
const GOOD_KEYS = ['a', 'ip_data', 'ingress_ifindex', 'prefixLen', '_k', 'K1', '0', '15', 'constructor', 'yes'];
const KEYS = ['a', 'ip_data', 'ingress_ifindex', 'prefixLen', '_k', 'K1', '0', '1', '15', '01', '1.5', 'true', 'null', 'yes', '__proto__', 'constructor', 'a-b', 'a.b', '"a"', 'a b', '', '-1', 'x:y'];

/** Numbers in [0, 1) from the fuzz suite's seeded generator. */
function rng(seed: number): () => number {
  const g = new Rng(seed);
  return () => g.u32() / 0x100000000;
}

function gen(r: () => number, depth: number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const sp = (): string => pick(['', '', ' ', '  ']);
  const token = (): string => (r() < 0.85 ? pick(GOOD_TOKENS) : pick(TOKENS));
  const name = (): string => (r() < 0.85 ? pick(GOOD_KEYS) : pick(KEYS));
  const roll = r();
  if (depth > 3 || roll < 0.45) return token();
  const n = 1 + Math.floor(r() * 4);
  const items: string[] = [];
  if (roll < 0.75) {
    for (let i = 0; i < n; i++) items.push(`${name()}${r() < 0.95 ? ':' : pick(['', ' :'])}${r() < 0.95 ? pick([' ', '  ']) : ''}${gen(r, depth + 1)}`);
    return `{${sp()}${items.join(`${sp()},${pick([' ', ' ', ''])}`)}${r() < 0.97 ? '' : ','}${sp()}}`;
  }
  for (let i = 0; i < n; i++) items.push(gen(r, depth + 1));
  return `[${sp()}${items.join(`${sp()},${pick([' ', ' ', ''])}`)}${r() < 0.97 ? '' : ','}${sp()}]`;
}

const F = suite('readFlowYaml');

F('where it answers, the yaml package reads the same value (20,000 generated texts, fixed seed)', () => {
  // BPFMAP_FUZZ_SEED / BPFMAP_FUZZ_COUNT run other slices (outside CI).
  const r = rng(Number(process.env.BPFMAP_FUZZ_SEED ?? 20261207));
  const count = Number(process.env.BPFMAP_FUZZ_COUNT ?? 20_000);
  let answered = 0;
  for (let i = 0; i < count; i++) {
    const text = gen(r, 0).trim();
    const fast = readFlowYaml(text);
    if (fast === undefined) continue;
    answered++;
    const ref = yamlReading(text);
    assert.ok(ref.ok, `the fast reader answered ${JSON.stringify(fast)} for ${JSON.stringify(text)}, which the yaml package refuses`);
    if (ref.ok) assert.is(show(fast), show(ref.value), `for ${JSON.stringify(text)}`);
  }
  // The generator must reach the fast reader often enough for the comparison to mean something.
  assert.ok(answered > count / 10, `the fast reader answered only ${answered} of ${count}`);
});

F('every token alone in a mapping: the fast answer or none, never another', () => {
  for (const t of TOKENS) {
    for (const text of [`{a: ${t}}`, `[${t}]`, `{a: [${t}, ${t}]}`]) {
      const fast = readFlowYaml(text);
      if (fast === undefined) continue;
      const ref = yamlReading(text);
      assert.ok(ref.ok, `${text}: answered, but the yaml package refuses it`);
      if (ref.ok) assert.is(show(fast), show(ref.value), text);
    }
  }
});

F('the usual keys and values are answered here', () => {
  const usual: [string, unknown][] = [
    ['{ingress_ifindex: 6, ip_data: 10.10.10.7}', { ingress_ifindex: 6, ip_data: '10.10.10.7' }],
    ['{prefixLen: 64, ingress_ifindex: 6, ip_data: 10.10.10.0/24}', { prefixLen: 64, ingress_ifindex: 6, ip_data: '10.10.10.0/24' }],
    ['{rules: [{ruleId: 1, protocol: 1, icmpType: 8, action: 2}]}', { rules: [{ ruleId: 1, protocol: 1, icmpType: 8, action: 2 }] }],
    ['{rules: {0: {ruleId: 1, action: deny}}}', { rules: { 0: { ruleId: 1, action: 'deny' } } }],
    ['{dev: lo, queue: 0, on: true, addr: fe80::1, mac: 00:11:22:33:44:55}', { dev: 'lo', queue: 0, on: true, addr: 'fe80::1', mac: '00:11:22:33:44:55' }],
    ['[10.0.0.1, -3, null, false]', ['10.0.0.1', -3, null, false]],
  ];
  for (const [text, want] of usual) assert.equal(readFlowYaml(text), want, text);
});

F('what has another reading, or an error to word, is left to the yaml package', () => {
  for (const text of ['{a:1}', '{a: 1,}', '{a: 1, a: 2}', '{a: }', '{}', '[]', '{a: 1.5}', '{a: 0x10}', '{a: 0123}', '{a: "x"}', '{a: b c}', '{a: 1 # c}',
    '{a: &x 1}', '{a: !t 1}', '{? a: 1}', '{__proto__: 1}', '{true: 1}', '{a: 1', '{a: 1}}', 'a: 1', '10.0.0.1', '{a: 12345678901234567}', '{a:\n 1}', '{a:\t1}', '[a: 1]', '{a: b:}']) {
    assert.is(readFlowYaml(text), undefined, text);
  }
});

F('parseValueText with the fast reader in place: the same value and errors as before (that it takes the fast answer: the test after this)', () => {
  assert.equal(parseValueText(' {ingress_ifindex: 6, ip_data: 10.10.10.7} ', 'key'), { ingress_ifindex: 6, ip_data: '10.10.10.7' });
  assert.throws(() => parseValueText('{a: 0123}', 'key'), /key: invalid YAML\/JSON: 0123 has a leading zero/);
  assert.throws(() => parseValueText('{a: 1, a: 2}', 'key'), /key: invalid YAML\/JSON: .*a/);
});

F('a key read by parseValueText in a new process does not load the yaml package', () => {
  const script = `import { parseValueText } from './src/index.ts';
    import { createRequire } from 'node:module';
    const v = parseValueText('{ingress_ifindex: 6, ip_data: 10.10.10.7}', 'key');
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /[\\\\/]yaml[\\\\/]|yaml\\.cjs$/.test(f));
    console.log(JSON.stringify({ v, loaded }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { v: unknown; loaded: string[] };
  assert.equal(out.v, { ingress_ifindex: 6, ip_data: '10.10.10.7' });
  assert.equal(out.loaded, [], 'no yaml module was loaded');
});

F('plainYamlString: bare strings the yaml package itself writes bare and reads back', () => {
  for (const t of TOKENS) {
    if (!plainYamlString(t)) continue;
    const ref = yamlReading(t);
    assert.ok(ref.ok && ref.value === t, `${JSON.stringify(t)} is read back as ${ref.ok ? JSON.stringify(ref.value) : 'an error'}`);
    assert.is(stringify(t, { lineWidth: 0 }), `${t}\n`, `the yaml package writes ${JSON.stringify(t)} bare`);
  }
});

F.run();
