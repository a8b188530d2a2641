// Fields declared interface indexes: `--ifindex-field key.dev` (and a state file's `ifindexFields`)
// make an integer field that is not named *ifindex take interface names, as fields named *ifindex do.
// The fixture is dev_redirect of fixtures/addresses.bpfel.o ({__u32 dev; __u32 queue} ->
// {__u32 out_dev; __u32 weight}); `lo` is index 1 in every network namespace. Unknown field paths,
// fields that are not integers and unknown interfaces are refused, naming them.
import * as assert from 'uvu/assert';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, bpfmap } from './helpers/cli.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { suite } from './helpers/skip.js';
import { loadSource, findMap, markIfindexFields, mapCodecs, parseJson } from '../src/index.js';

const OBJ = join(ROOT, 'fixtures/addresses.bpfel.o');
const OBJ_EB = join(ROOT, 'fixtures/addresses.bpfeb.o');
const MAP = 'dev_redirect';
const DEV = ['--ifindex-field', 'key.dev'];
const OUT = ['--ifindex-field', 'value.out_dev'];

const L = suite('markIfindexFields');

L('a declared field takes interface names in both byte orders; the original schema is unchanged', () => {
  for (const obj of [OBJ, OBJ_EB]) {
    const src = loadSource(obj);
    const map = findMap(src.schema, MAP);
    const marked = markIfindexFields(map, ['key.dev', 'value.out_dev']);
    const c = mapCodecs(marked, src.schema.byteOrder);
    assert.equal(c.key.encode({ dev: 'lo', queue: 3 }), c.key.encode({ dev: 1, queue: 3 }), obj);
    assert.equal(c.value.encode({ out_dev: 'lo', weight: 2 }), c.value.encode({ out_dev: 1, weight: 2 }), obj);
    assert.equal(c.key.decode(c.key.encode({ dev: 'lo', queue: 3 })), { dev: 1, queue: 3 });
    assert.throws(() => mapCodecs(map, src.schema.byteOrder).key.encode({ dev: 'lo', queue: 0 }), /key\.dev: expected u32/);
    assert.throws(() => c.key.encode({ dev: 'nosuchif0', queue: 0 }), /key\.dev: .*'nosuchif0': no such interface/);
  }
});

L('a path through an array applies to every element (rules.ruleId and rules[].ruleId alike)', () => {
  const src = loadSource(join(ROOT, 'fixtures/firewall.bpfel.o'));
  const map = findMap(src.schema, 'ingress_node_firewall_table_map');
  for (const path of ['value.rules.ruleId', 'value.rules[].ruleId']) {
    const c = mapCodecs(markIfindexFields(map, [path]), src.schema.byteOrder).value;
    assert.equal(c.encode({ rules: { 0: { ruleId: 'lo' }, 99: { ruleId: 'lo', action: 1 } } }),
      c.encode({ rules: { 0: { ruleId: 1 }, 99: { ruleId: 1, action: 1 } } }), path);
  }
});

L('unknown paths and fields that are not integers are refused, naming them', () => {
  const map = findMap(loadSource(OBJ).schema, MAP);
  const cases: [string, RegExp][] = [
    ['key.devx', /ifindex field 'key\.devx': no field 'devx' in key \(struct dev_key\); fields are dev, queue/],
    ['key', /ifindex field 'key': name a field of the key/],
    ['val.out_dev', /ifindex field 'val\.out_dev': expected a path starting with key\. or value\./],
    ['key.dev.x', /ifindex field 'key\.dev\.x': key\.dev is __u32, not a struct with a field 'x'/],
  ];
  for (const [path, re] of cases) assert.throws(() => markIfindexFields(map, [path]), re, path);
  const addr = findMap(loadSource(OBJ).schema, 'addr_hash');
  assert.throws(() => markIfindexFields(addr, ['key.in6']), /ifindex field 'key\.in6': expected an integer field, got struct in6_addr/);
});

const C = suite('--ifindex-field');

C('encode: a name with the option, the same bytes as the index; refused without it; bad paths exit 2', () => {
  const byName = bpfmap(['encode', OBJ, MAP, '--key', '{dev: lo, queue: 0}', ...DEV]);
  assert.is(byName.code, 0, byName.stderr);
  assert.is(byName.stdout, bpfmap(['encode', OBJ, MAP, '--key', '{dev: 1, queue: 0}']).stdout);
  const without = bpfmap(['encode', OBJ, MAP, '--key', '{dev: lo, queue: 0}']);
  assert.is(without.code, 5);
  assert.match(without.stderr, /key\.dev: expected u32/);
  const unknownIf = bpfmap(['encode', OBJ, MAP, '--key', '{dev: nosuchif0, queue: 0}', ...DEV]);
  assert.is(unknownIf.code, 5);
  assert.match(unknownIf.stderr, /key\.dev: .*'nosuchif0': no such interface/);
  const badPath = bpfmap(['encode', OBJ, MAP, '--key', '{dev: 1}', '--ifindex-field', 'key.devx']);
  assert.is(badPath.code, 2);
  assert.match(badPath.stderr, /ifindex field 'key\.devx': no field 'devx'/);
  const notInt = bpfmap(['encode', OBJ, 'addr_hash', '--key', '{}', '--ifindex-field', 'key.in6']);
  assert.is(notInt.code, 2);
  assert.match(notInt.stderr, /ifindex field 'key\.in6': expected an integer field, got struct in6_addr/);
});

C('update, lookup, dump, edit, delete on a live map; also through a pinned handle', kernel(() => withPinDir((dir) => {
  const create = bpfmap(['create', OBJ, '--pin-root', dir]);
  assert.is(create.code, 0, create.stderr);
  const at = ['--pin-root', dir];
  const up = bpfmap(['update', OBJ, MAP, ...at, '--key', '{dev: lo, queue: 2}', '--value', '{out_dev: lo, weight: 7}', ...DEV, ...OUT]);
  assert.is(up.code, 0, up.stderr);
  const look = bpfmap(['lookup', OBJ, MAP, ...at, '--key', '{dev: lo, queue: 2}', ...DEV, '--json']);
  assert.is(look.code, 0, look.stderr);
  assert.equal((parseJson(look.stdout) as { value: unknown }).value, { out_dev: 1, weight: 7 });
  const dump = bpfmap(['dump', OBJ, MAP, ...at, ...DEV, '--json']);
  assert.is(dump.code, 0, dump.stderr);
  assert.equal(parseJson(dump.stdout), [{ key: { dev: 1, queue: 2 }, value: { out_dev: 1, weight: 7 } }]);
  // The kernel's own BTF, through bpftool's handle: the option marks the live schema too.
  const pinned = bpfmap(['lookup', 'pinned', join(dir, MAP), '--key', '{dev: lo, queue: 2}', ...DEV, '--json']);
  assert.is(pinned.code, 0, pinned.stderr);
  assert.equal((parseJson(pinned.stdout) as { value: unknown }).value, { out_dev: 1, weight: 7 });
  const unknownIf = bpfmap(['update', OBJ, MAP, ...at, '--key', '{dev: nosuchif0, queue: 2}', '--value', '{out_dev: 1}', ...DEV]);
  assert.is(unknownIf.code, 5);
  assert.match(unknownIf.stderr, /key\.dev: .*'nosuchif0': no such interface/);
  // edit: the buffer (numbers) changed to a name by the editor, written back.
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-ifx-'));
  try {
    const editor = join(tmp, 'editor.sh');
    writeFileSync(editor, "#!/bin/sh\nsed -i 's/out_dev: 1/out_dev: lo/; s/weight: 7/weight: 8/' \"$1\"\n", { mode: 0o755 });
    const ed = bpfmap(['edit', OBJ, MAP, ...at, '--key', '{dev: lo, queue: 2}', ...DEV, ...OUT], { env: { EDITOR: editor } });
    assert.is(ed.code, 0, ed.stderr);
    assert.equal(parseJson(bpfmap(['dump', OBJ, MAP, ...at, '--json']).stdout), [{ key: { dev: 1, queue: 2 }, value: { out_dev: 1, weight: 8 } }]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const del = bpfmap(['delete', OBJ, MAP, ...at, '--key', '{dev: lo, queue: 2}', ...DEV]);
  assert.is(del.code, 0, del.stderr);
  assert.equal(parseJson(bpfmap(['dump', OBJ, MAP, ...at, '--json']).stdout), []);
})));

C('apply: a state file\'s ifindexFields and apply --ifindex-field MAP:PATH', kernel(() => withPinDir((dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-ifx-'));
  try {
    assert.is(bpfmap(['create', OBJ, '--pin-root', dir]).code, 0);
    const state = join(tmp, 'state.yaml');
    writeFileSync(state, [
      'ifindexFields:',
      '  dev_redirect: [key.dev, value.out_dev]',
      'maps:',
      '  dev_redirect:',
      '    entries:',
      '      - key: {dev: lo, queue: 5}',
      '        value: {out_dev: lo, weight: 9}',
      '',
    ].join('\n'));
    const r = bpfmap(['apply', OBJ, '-f', state, '--pin-root', dir, '--journal', 'off']);
    assert.is(r.code, 0, r.stderr);
    assert.equal(parseJson(bpfmap(['dump', OBJ, MAP, '--pin-root', dir, '--json']).stdout),
      [{ key: { dev: 1, queue: 5 }, value: { out_dev: 1, weight: 9 } }]);
    // The same entries without the declaration: refused; with the CLI's MAP:PATH: applied.
    const plain = join(tmp, 'plain.yaml');
    writeFileSync(plain, 'maps:\n  dev_redirect:\n    entries:\n      - {key: {dev: lo, queue: 6}, value: {out_dev: 1, weight: 1}}\n');
    const refused = bpfmap(['apply', OBJ, '-f', plain, '--pin-root', dir, '--journal', 'off']);
    assert.is(refused.code, 5);
    assert.match(refused.stderr, /dev_redirect\.entries\[0\]: key\.dev: expected u32/);
    const cli = bpfmap(['apply', OBJ, '-f', plain, '--pin-root', dir, '--journal', 'off', '--ifindex-field', 'dev_redirect:key.dev']);
    assert.is(cli.code, 0, cli.stderr);
    const noMap = bpfmap(['apply', OBJ, '-f', plain, '--pin-root', dir, '--journal', 'off', '--ifindex-field', 'key.dev']);
    assert.is(noMap.code, 2);
    assert.match(noMap.stderr, /--ifindex-field key\.dev: expected MAP:PATH/);
    // A declaration naming a field the map does not have is refused, naming it; nothing is written.
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'ifindexFields: {dev_redirect: [key.device]}\nmaps:\n  dev_redirect:\n    entries:\n      - {key: {dev: 1, queue: 7}, value: {out_dev: 1, weight: 1}}\n');
    const badR = bpfmap(['apply', OBJ, '-f', bad, '--pin-root', dir, '--journal', 'off']);
    assert.is(badR.code, 5);
    assert.match(badR.stderr, /ifindexFields\.dev_redirect: ifindex field 'key\.device': no field 'device'/);
    assert.is((parseJson(bpfmap(['dump', OBJ, MAP, '--pin-root', dir, '--json']).stdout) as unknown[]).length, 2);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));

C('set: a global variable (or a field of one) declared an interface index takes a name', kernel(() => withPinDir((dir) => {
  const COV = join(ROOT, 'fixtures/coverage.bpfel.o');
  const at = ['--pin-root', dir];
  assert.is(bpfmap(['create', COV, ...at]).code, 0);
  const without = bpfmap(['set', COV, ...at, 'data_counter=lo']);
  assert.is(without.code, 5);
  assert.match(without.stderr, /data_counter: expected u32/);
  const r = bpfmap(['set', COV, ...at, 'data_counter=lo', 'config_mode=4', '--ifindex-field', 'data_counter']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(parseJson(bpfmap(['get', COV, ...at, 'data_counter', 'config_mode', '--json']).stdout),
    { '.data': { data_counter: 1 }, '.data.config': { config_mode: 4 } });
  const unknownIf = bpfmap(['set', COV, ...at, 'data_counter=nosuchif0', '--ifindex-field', 'data_counter']);
  assert.is(unknownIf.code, 5);
  assert.match(unknownIf.stderr, /data_counter: .*'nosuchif0': no such interface/);
  const notSet = bpfmap(['set', COV, ...at, 'data_counter=1', '--ifindex-field', 'config_mode']);
  assert.is(notSet.code, 2);
  assert.match(notSet.stderr, /--ifindex-field config_mode: 'config_mode' is not a variable being set/);
  const badField = bpfmap(['set', COV, ...at, 'data_flow={family: 2}', '--ifindex-field', 'data_flow.nope']);
  assert.is(badField.code, 2);
  assert.match(badField.stderr, /ifindex field 'value\.data_flow\.nope': no field 'nope'/);
})));

L.run();
C.run();
