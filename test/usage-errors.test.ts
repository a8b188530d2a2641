/**
 * Usage errors are exit 2 with a message naming the flag; under --json every error is one JSON object
 * on stderr ({code, message, path where there is one}) with the same exit code as without it.
 */
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { createMaps, loadObjectFile, possibleCpus } from '../src/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { assertUsage as usage, bpfmap, FW, TABLE, STATS } from './helpers/cli.js';

const U = suite('usage errors (live maps)');

U('missing --key, --id abc, --cpu with --sum, --cpu on a map that is not per-CPU, --cpu out of range', kernel(() => withPinDir((dir) => {
  createMaps(loadObjectFile(FW), { pinRoot: dir, names: [TABLE, STATS] });
  const t = ['--pin-root', dir];
  const n = possibleCpus();
  usage(['lookup', FW, TABLE, ...t], 'give the key with --key');
  usage(['update', FW, TABLE, ...t, '--value', '{}'], 'give the key with --key or in -f FILE');
  usage(['lookup', '--id', 'abc', '--key', '1'], '--id: expected a map id (an integer 0..4294967295), got abc');
  usage(['dump', FW, STATS, ...t, '--cpu', '0', '--sum'], 'give either --cpu or --sum, not both');
  usage(['lookup', FW, STATS, ...t, '--key', '1', '--cpu', '0', '--sum'], 'give either --cpu or --sum, not both');
  usage(['dump', FW, TABLE, ...t, '--cpu', '0'],
    `--cpu: map '${join(dir, TABLE)}' is not a per-CPU map (it is lpm_trie); --cpu and --sum are for per-CPU maps`);
  usage(['dump', FW, STATS, ...t, '--cpu', String(n)], `--cpu: expected a possible CPU 0..${n - 1}, got ${n}`);
  usage(['lookup', FW, STATS, ...t, '--key', '1', '--cpu', 'abc'], '--cpu: expected a CPU (an integer >= 0), got abc');
  // the accepted forms still work
  assert.is(bpfmap(['lookup', FW, STATS, ...t, '--key', '1', '--cpu', String(n - 1)]).code, 0);
  assert.is(bpfmap(['dump', FW, STATS, ...t, '--cpu', '0', '--json']).code, 0);
  // a pin path that is not there: exit 3, and its path in the JSON error
  const gone = join(dir, 'gone');
  const r = bpfmap(['dump', '--pin', gone, '--json']);
  assert.is(r.code, 3);
  const e = JSON.parse(r.stderr) as { code: string; message: string; path: string };
  assert.equal([e.code, e.path], ['NOT_FOUND', gone]);
  assert.is(bpfmap(['dump', '--pin', gone]).stderr, `bpfmap: ${e.message}\n`);
})));
U.run();

const J = suite('--json errors (offline)');

J('a value error carries its field path; unknown command and missing argument are USAGE; same exit codes', () => {
  const args = ['encode', FW, TABLE, '--key', '{nope: 1}'];
  const plain = bpfmap(args);
  const j = bpfmap([...args, '--json']);
  assert.is(plain.code, 5);
  assert.is(j.code, 5);
  const e = JSON.parse(j.stderr) as { code: string; message: string; path: string };
  assert.is(e.code, 'VALUE_INVALID');
  assert.is(e.path, 'key.nope');
  assert.is(plain.stderr, `bpfmap: ${e.message}\n`);
  const unknown = bpfmap(['bogus', '--json']);
  assert.is(unknown.code, 2);
  assert.equal(JSON.parse(unknown.stderr), { code: 'USAGE', message: "unknown command 'bogus'" });
  const extra = bpfmap(['maps', FW, 'ingress_node_firewall_table_map', 'extra', '--json']);
  assert.is(extra.code, 2);
  assert.equal(JSON.parse(extra.stderr), { code: 'USAGE', message: "unexpected argument 'extra'" });
  // yargs' own words become the CLI's: the option with its dashes, the missing positional by name.
  const option = bpfmap(['maps', FW, '--bogus', '--json']);
  assert.equal([option.code, JSON.parse(option.stderr)], [2, { code: 'USAGE', message: 'unknown option --bogus' }]);
  for (const [args, message] of [
    [['maps', FW, '--no-bogus'], 'unknown option --no-bogus'],
    [['maps', FW, '--foo-bar', '2'], 'unknown option --foo-bar'],
    [['maps', FW, '-xy'], 'unknown options -x, -y'],
    [['lookup', FW, STATS, '--key', '-0x10'], "unknown options -0, -x; a value that starts with '-' is written --option=VALUE"],
    [['--json', 'bogus'], "unknown command 'bogus'"],
  ] as const) {
    const r = bpfmap([...args, '--json']);
    assert.equal([r.code, JSON.parse(r.stderr)], [2, { code: 'USAGE', message }], args.join(' '));
  }
  // --verbose under --json: the stack is a member of the one JSON object, not a line after it.
  const v = bpfmap(['maps', '/nonexistent.o', '--json', '--verbose']);
  const lines = v.stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, v.stderr);
  const o = JSON.parse(lines[0]!) as { code: string; stack: string };
  assert.equal([v.code, o.code, /^BpfmapError: /.test(o.stack)], [3, 'NOT_FOUND', true]);
  const near = bpfmap(['mapz', FW, '--json']);
  assert.equal([near.code, JSON.parse(near.stderr)], [2, { code: 'USAGE', message: "unknown command 'mapz'; did you mean maps?" }]);
  const missing = bpfmap(['set', FW, '--json']);
  assert.equal([missing.code, JSON.parse(missing.stderr)], [2, { code: 'USAGE',
    message: 'missing <assignments> (VAR=VALUE, VALUE as YAML/JSON (e.g. enabled=1 limits={max: 10})): bpfmap set <object> <assignments...>' }]);
});
J.run();
