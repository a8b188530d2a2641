/**
 * The declared option tables (bin/spec.ts) are what both parsers accept: the fast path (bin/fast.ts,
 * util.parseArgs) and yargs (through toYargs). Every declared option of every command is accepted by
 * both with the same value, an undeclared one is refused by both; number options, declared conflicts,
 * implications and choices are usage errors (exit 2) naming the options, on both paths. The fast
 * path's own splitter (splitArgs) is held to node's util.parseArgs on generated command lines.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs } from 'node:util';
import yargs from 'yargs';
import { commands } from '../bin/commands/index.js';
import { fastParse, splitArgs } from '../bin/fast.js';
import { GLOBAL_OPTIONS, YARGS_STRINGS, toYargs, type Command, type OptionDecl } from '../bin/spec.js';
import { join } from 'node:path';
import { bpfmap, FW, ROOT, TABLE, STATS } from './helpers/cli.js';

/** yargs as main.ts sets it up, with the one command, its handler replaced by one that keeps the arguments. */
function yargsParse(cmd: Command, argv: string[]): Record<string, unknown> {
  let got: Record<string, unknown> | undefined;
  const mod = { ...toYargs(cmd), handler: (a: Record<string, unknown>) => { got = a; } };
  yargs(argv)
    .option('json', GLOBAL_OPTIONS.json)
    .option('verbose', GLOBAL_OPTIONS.verbose)
    .updateStrings(YARGS_STRINGS)
    .command(mod)
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false)
    .fail((msg, err) => { throw err ?? new Error(msg); })
    .parse();
  if (got === undefined) throw new Error(`${argv.join(' ')}: the handler did not run`);
  return got;
}

/** A value each parser takes for the option. */
function sample(d: OptionDecl): string[] {
  if (d.type === 'boolean') return [];
  if (d.choices) return [d.choices.at(-1)!];
  if (d.type === 'number') return [String(d.min !== undefined && d.min > 0 ? d.min : 1)];
  return ['x'];
}

/** The required positionals and options (and what the option needs, when it implies another). */
function required(cmd: Command, option: string): string[] {
  const out = cmd.positionals.filter((p) => p.required).map((p) => p.choices?.[0] ?? 'p');
  for (const [name, d] of Object.entries(cmd.options)) if (d.demandOption !== undefined && name !== option) out.push(`--${name}`, ...sample(d));
  for (const [a, b] of cmd.implies) if (a === option) out.push(`--${b}`, ...sample(cmd.options[b]!));
  return out;
}

const visible = commands.filter((c) => !c.passThrough);

const T = suite('declared tables: fast path and yargs agree');

T('every command is declared by a table (and there are all of them)', () => {
  assert.ok(visible.length >= 28, visible.map((c) => c.name).join(' '));
  for (const c of visible) assert.ok(c.examples.length >= 1, `${c.name}: no example`);
});

for (const cmd of visible) {
  T(`${cmd.name}: each declared option is accepted with its value by both parsers; an undeclared one by neither`, () => {
    for (const [name, d] of Object.entries(cmd.options)) {
      const argv = [cmd.name, ...required(cmd, name), `--${name}`, ...sample(d)];
      const fast = fastParse(argv, commands);
      assert.ok(fast, `fast path refused ${argv.join(' ')}`);
      const y = yargsParse(cmd, argv);
      const want = d.type === 'boolean' ? true : d.type === 'number' ? Number(sample(d)[0]) : sample(d)[0];
      assert.equal(fast!.args[name], d.array ? [want] : want, `fast: ${argv.join(' ')}`);
      assert.equal(y[name], d.array ? [want] : want, `yargs: ${argv.join(' ')}`);
    }
    const bad = [cmd.name, ...required(cmd, ''), '--no-such-option', 'x'];
    assert.is(fastParse(bad, commands), null, 'fast path hands an undeclared option to yargs');
    assert.throws(() => yargsParse(cmd, bad), /Unknown argument/);
  });
}

T('declared conflicts, implications and number options throw the same usage error on both paths', () => {
  const lookup = visible.find((c) => c.name === 'lookup')!;
  const apply = visible.find((c) => c.name === 'apply')!;
  const events = visible.find((c) => c.name === 'events')!;
  const cases: [Command, string[], RegExp][] = [
    [lookup, ['lookup', FW, STATS, '--key', '1', '--cpu', '0', '--sum'], /^give either --cpu or --sum, not both$/],
    [lookup, ['lookup', '--id', 'abc', '--key', '1'], /^--id: expected a map id \(an integer 0\.\.4294967295\), got abc$/],
    [lookup, ['lookup', '--pin', '/x', '--id', '3'], /^give either --pin or --id, not both$/],
    [apply, ['apply', FW, '-f', 'x', '--resync', '5'], /^--resync needs --watch$/],
    [apply, ['apply', FW, '-f', 'x', '--watch', '--dry-run'], /^give either --watch or --dry-run, not both$/],
    [events, ['events', '--count', 'x'], /^--count: expected a whole number >= 1, got x$/],
    [events, ['events', '--count', '1.5'], /^--count: expected a whole number >= 1, got 1\.5$/],
    [events, ['events', '--timeout=-1'], /^--timeout: expected seconds >= 0, got -1$/],
  ];
  for (const [cmd, argv, message] of cases) {
    assert.throws(() => fastParse(argv, commands), (e: Error) => e.name === 'UsageError' && message.test(e.message), `fast: ${argv.join(' ')}`);
    assert.throws(() => yargsParse(cmd, argv), (e: Error) => message.test(e.message), `yargs: ${argv.join(' ')}`);
  }
});

T('a value option given twice where one is declared: a usage error naming it, never an array in the handler', () => {
  let checked = 0;
  for (const cmd of visible) {
    for (const [name, d] of Object.entries(cmd.options)) {
      if (d.type === 'boolean' || d.array || d.choices) continue;
      const argv = [cmd.name, ...required(cmd, name), `--${name}`, ...sample(d), `--${name}`, ...sample(d)];
      assert.is(fastParse(argv, commands), null, `fast path hands ${argv.join(' ')} to yargs`);
      assert.throws(() => yargsParse(cmd, argv), (e: Error) => e.message === `--${name}: expected once, given 2 times`, `yargs: ${argv.join(' ')}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} options checked`);
});

T('a value not among the choices: the fast path hands it to yargs, which names the option and the choices', () => {
  const update = visible.find((c) => c.name === 'update')!;
  const argv = ['update', FW, TABLE, '--key', '1', '--flags', 'bogus'];
  assert.is(fastParse(argv, commands), null);
  assert.throws(() => yargsParse(update, argv), /flags: got "bogus", expected one of "any", "noexist", "exist"/);
});
T('splitArgs splits as util.parseArgs (strict) does, on 3,000 generated command lines (fixed seed)', () => {
  const options = {
    key: { type: 'string' as const },
    value: { type: 'string' as const, short: 'v' },
    json: { type: 'boolean' as const },
    force: { type: 'boolean' as const, short: 'f' },
    cpu: { type: 'string' as const, multiple: true },
    'pin-root': { type: 'string' as const },
  };
  const tokens = ['--key', '--value', '-v', '--json', '-f', '--force', '--cpu', '--pin-root', '--key=1', '--key=', '--key=-1',
    '--json=true', '--nope', '-x', '-fv', '-vx', '-', '-1', '--', '{a: 1}', 'OBJ', 'map', '198.18.0.0/24', '--cpu=2', '-f1'];
  let seed = 7;
  const next = (n: number): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  let taken = 0;
  for (let round = 0; round < 3000; round++) {
    const args = Array.from({ length: next(7) }, () => tokens[next(tokens.length)]!);
    const ours = splitArgs(args, options);
    let theirs: { values: Record<string, unknown>; positionals: string[] } | null;
    try {
      theirs = parseArgs({ args, options, allowPositionals: true, strict: true });
    } catch {
      theirs = null;
    }
    if (ours === null) continue; // handed to yargs: never a different answer, at most a slower one
    taken++;
    assert.ok(theirs, `splitArgs took what parseArgs refuses: ${JSON.stringify(args)}`);
    assert.equal({ values: { ...ours.values }, positionals: ours.positionals }, { values: { ...theirs!.values }, positionals: theirs!.positionals }, JSON.stringify(args));
  }
  assert.ok(taken > 500, `only ${taken} of 3000 lines were split by the fast path`);
  assert.equal(splitArgs(['OBJ', 'MAP', '--key', '{a: 1}', '--json', '--cpu', '0', '--cpu=1'], options),
    { values: Object.assign(Object.create(null), { key: '{a: 1}', json: true, cpu: ['0', '1'] }), positionals: ['OBJ', 'MAP'] });
});
T.run();

const C = suite('usage errors from the declarations, through the CLI (exit 2, one JSON object under --json)');

// A trailing `--` makes the fast path hand the command line to yargs: both paths are run.
function bothPaths(args: string[], message: string): void {
  for (const tail of [[], ['--']]) {
    const r = bpfmap([...args, ...tail]);
    assert.is(r.code, 2, `${args.join(' ')} ${tail.join(' ')}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.is(r.stderr, `bpfmap: ${message}\nrun 'bpfmap --help' for usage\n`, `${args.join(' ')} ${tail.join(' ')}`);
    const j = bpfmap([...args, '--json', ...tail]);
    assert.is(j.code, 2);
    assert.equal(JSON.parse(j.stderr), { code: 'USAGE', message });
  }
}

C('--id abc, --count x, --lock-timeout -1', () => {
  bothPaths(['lookup', '--id', 'abc', '--key', '1'], '--id: expected a map id (an integer 0..4294967295), got abc');
  bothPaths(['events', FW, 'ingress_node_firewall_events_map', '--count', 'x'], '--count: expected a whole number >= 1, got x');
  bothPaths(['update', FW, TABLE, '--key', '1', '--value', '{}', '--lock-timeout', '-1'], '--lock-timeout: expected seconds >= 0, got -1');
});

C('--sum with --cpu, --set with --value, --commit with --rollback, --resync without --watch', () => {
  bothPaths(['dump', FW, STATS, '--cpu', '0', '--sum'], 'give either --cpu or --sum, not both');
  bothPaths(['update', FW, TABLE, '--key', '1', '--set', 'a=1', '--value', '{}'], 'give either --set or --value, not both');
  bothPaths(['migrate', FW, FW, '--commit', '--rollback'], 'give either --commit or --rollback, not both');
  bothPaths(['apply', FW, '-f', 'examples/rules.yaml', '--resync', '5'], '--resync needs --watch');
});

C('an option given twice: exit 2, named (it reached the handler as an array: an internal error)', () => {
  bothPaths(['encode', FW, STATS, '--key', '1', '--key', '2'], '--key: expected once, given 2 times');
  bothPaths(['lookup', FW, STATS, '--key', '1', '--pin-root', '/x', '--pin-root=/y'], '--pin-root: expected once, given 2 times');
});

C('a malformed --filter, an unknown list --type: usage errors naming the option; a missing --config file: not found (3)', () => {
  bothPaths(['events', FW, 'ingress_node_firewall_events_map', '--filter', 'nope'], '--filter nope: expected field=value (e.g. hdr.ruleId=7)');
  for (const tail of [[], ['--']]) {
    const r = bpfmap(['list', '--type', 'bogus', ...tail]);
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, /^bpfmap: --type: expected a map type \(hash, array, .*, lpm_trie, .*\), got bogus\n/);
  }
  const c = bpfmap(['exporter', FW, '--config', '/nonexistent/exporter.yaml', '--listen', '127.0.0.1:0']);
  assert.equal([c.code, c.stderr], [3, 'bpfmap: --config /nonexistent/exporter.yaml: no such file\n']);
  const g = bpfmap(['get', FW, 'nosuchvar', '--json']);
  assert.equal([g.code, JSON.parse(g.stderr).code], [3, 'NOT_FOUND']);
});

C('--json where there is no JSON form (gen ts, completion): a usage error, not text on stdout', () => {
  for (const [args, message] of [[['gen', 'ts', FW, '--json'], "--json: gen writes TypeScript source, which has no JSON form (bpfmap schema OBJ --json gives the maps' types as JSON)"],
    [['completion', 'bash', '--json'], '--json: completion writes a shell script, which has no JSON form']] as const) {
    const r = bpfmap([...args]);
    assert.equal([r.code, r.stdout, JSON.parse(r.stderr)], [2, '', { code: 'USAGE', message }], args.join(' '));
  }
});

C('snapshot and migrate with a --pin-root that does not exist: not found (3), never an empty snapshot or an all-unpinned plan with exit 0', () => {
  for (const args of [['snapshot', FW, '--pin-root', '/sys/fs/bpf/bpfmap-no-such-dir'],
    ['migrate', FW, join(ROOT, 'fixtures', 'firewall-v2.bpfel.o'), '--pin-root', '/sys/fs/bpf/bpfmap-no-such-dir', '--dry-run']]) {
    const r = bpfmap(args);
    assert.equal([r.code, r.stdout, r.stderr], [3, '', 'bpfmap: --pin-root /sys/fs/bpf/bpfmap-no-such-dir: no such directory\n'], args.join(' '));
  }
});

C('a refused choice names the option and the choices', () => {
  for (const tail of [[], ['--']]) {
    const r = bpfmap(['update', FW, TABLE, '--key', '1', '--flags', 'bogus', ...tail]);
    assert.is(r.code, 2);
    assert.match(r.stderr, /^bpfmap: invalid value; flags: got "bogus", expected one of "any", "noexist", "exist"\n/);
  }
});
C('fast path and yargs print the same for the same command line: exit code, stdout, stderr', () => {
  // encode and decode need no kernel; lookup, update and delete name a pin root that does not exist,
  // so they end in an error on both paths and change nothing.
  const key = '{ingress_ifindex: 2, ip_data: 198.18.0.0/24}';
  const hex = `18000000${'00'.repeat(4)}c6120000${'00'.repeat(12)}`;
  const none = ['--pin-root', '/sys/fs/bpf/bpfmap-no-such-dir'];
  const lines: [string[], string][] = [
    [['encode', FW, TABLE, '--key', key], ''],
    [['encode', FW, TABLE, '--key', key, '--json'], ''],
    [['encode', FW, TABLE, `--key=${key}`, '--value', '{rules: [{ruleId: 1, action: 2}]}'], ''],
    [['encode', FW, TABLE, '--key', '{ingress_ifindex: lo, ip_data: 198.18.0.0/24}', '--ifindex-field', 'ingress_ifindex'], ''],
    [['encode', FW, TABLE, '-f', '-', '--json'], `{key: ${key}}\n`],
    [['encode', FW, TABLE, '--key', '{ingress_ifindex: 2, ip_data: 198.18.0.0}'], ''],
    [['encode', FW, STATS, '--key', '7', '--json'], ''],
    [['decode', FW, TABLE, '--key', hex], ''],
    [['decode', FW, TABLE, '--key', hex, '--json'], ''],
    [['decode', FW, TABLE, '--key', '00'], ''],
    [['lookup', FW, TABLE, '--key', key, ...none], ''],
    [['lookup', FW, TABLE, '--key', key, '--exact', '--json', ...none], ''],
    [['update', FW, TABLE, '--key', key, '--value', '{rules: [{ruleId: 1}]}', ...none], ''],
    [['delete', FW, TABLE, '--key', key, '--json', ...none], ''],
    [['lookup', FW, TABLE, '--key', key, '--cpu', '0', '--sum', ...none], ''],
    [['encode', FW, TABLE, '--key', key, '--json=true'], ''],
    [['encode', FW, TABLE, '--key', key, '-fj'], ''],
    [['encode', FW, TABLE, '--key', key, 'extra'], ''],
    [['maps', FW, '--json', 'true'], ''],
    [['schema', FW, '--json', 'false'], ''],
    [['maps', '/nonexistent.o', '--json=true'], ''],
    [['maps', '/nonexistent.o', '--json', '--no-json'], ''],
  ];
  let taken = 0;
  let printed = 0;
  for (const [args, input] of lines) {
    try {
      if (fastParse(args, commands)) taken++;
    } catch {
      taken++; // a usage error the fast path itself reports
    }
    const fast = bpfmap(args, { input });
    assert.equal(fast, bpfmap([...args, '--'], { input }), JSON.stringify(args));
    if (fast.code === 0) printed++;
  }
  assert.ok(taken >= 14 && printed >= 8, `${taken} of ${lines.length} lines took the fast path, ${printed} printed a result`);
  // An error's form follows --json as yargs reads it, whichever way it is written.
  assert.equal(JSON.parse(bpfmap(['maps', '/nonexistent.o', '--json=true']).stderr).code, 'NOT_FOUND');
  assert.match(bpfmap(['maps', '/nonexistent.o', '--json', '--no-json']).stderr, /^bpfmap: /);
  assert.equal(JSON.parse(bpfmap(['maps', '/nonexistent.o', '--json', 'true']).stderr).code, 'NOT_FOUND');
});

C('--help labels each option by its declared type: [number] for number options, also those yargs reads as text', () => {
  for (const cmd of visible.filter((c) => Object.values(c.options).some((d) => d.type === 'number'))) {
    const r = bpfmap([cmd.name, '--help']);
    assert.is(r.code, 0, r.stderr);
    const entries = r.stdout.split(/\n(?= {2}(?:-\w, | {4})--)/);
    for (const [name, d] of Object.entries(cmd.options)) {
      if (d.hidden) continue;
      const entry = entries.find((e) => new RegExp(`^ {2}(?:-\\w, | {4})--${name}\\s`).test(e));
      assert.ok(entry, `${cmd.name} --help: no entry for --${name}`);
      const label = d.array ? '[array]' : `[${d.type}]`;
      assert.ok(entry!.split('\n').some((l) => l.trimEnd().endsWith(label) || l.includes(`${label} [`)), `${cmd.name} --${name}: want ${label} in\n${entry}`);
    }
  }
});
C.run();
