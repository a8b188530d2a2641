// The agent's state source, offline: ${NAME} references (strict syntax, unset variables), a ConfigMap
// directory read only through `..data`, several files in one state, the generation hash.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadObjectFile } from '../src/index.js';
import { expandEnv, parseStateFiles, readStateFiles, stateVersion } from '../src/agent/index.js';

const schema = loadObjectFile('fixtures/firewall.bpfel.o').schema;
const TABLE = 'ingress_node_firewall_table_map';
const ENV = { NODE_NAME: 'node-a', RULE: '7', EMPTY: '' };

const E = suite('expandEnv');

const good: [string, string][] = [
  ['no reference', 'no reference'],
  ['${NODE_NAME}', 'node-a'],
  ['a ${NODE_NAME} b ${RULE}', 'a node-a b 7'],
  ['${NODE_NAME}${RULE}', 'node-a7'],
  ['[${EMPTY}]', '[]'],
  ['$${NODE_NAME}', '${NODE_NAME}'],
  ['cost: $5, $HOME stays', 'cost: $5, $HOME stays'],
  ['${_x1}', 'y'],
];
for (const [text, want] of good) {
  E(`${JSON.stringify(text)} -> ${JSON.stringify(want)}`, () => {
    assert.is(expandEnv(text, { ...ENV, _x1: 'y' }, 's.yaml'), want);
  });
}

const bad: [string, RegExp][] = [
  ['a: ${MISSING}', /^s\.yaml:1:4: \$\{MISSING\}: the environment variable MISSING is not set/],
  ['x\n  y: ${NODE_NAME:-default}', /^s\.yaml:2:6: \$\{NODE_NAME:-default\}: expected \$\{NAME\}.*defaults and other shell forms are not supported/],
  ['${1ABC}', /^s\.yaml:1:1: \$\{1ABC\}: expected \$\{NAME\}/],
  ['${}', /^s\.yaml:1:1: \$\{\}: expected \$\{NAME\}/],
  ['${NODE_NAME', /^s\.yaml:1:1: expected \$\{NAME\} with a closing \}/],
  ['${NODE_NAME\n}', /^s\.yaml:1:1: expected \$\{NAME\} with a closing \}/],
];
for (const [text, want] of bad) {
  E(`${JSON.stringify(text)}: refused`, () => {
    try {
      expandEnv(text, ENV, 's.yaml');
      assert.unreachable('expected an error');
    } catch (e) {
      assert.instance(e, Error);
      assert.match((e as Error).message, want);
      assert.is((e as { code?: string }).code, 'VALUE_INVALID');
    }
  });
}

/** A kubelet-style ConfigMap directory; returns publish(files) which swaps `..data`. */
function configMapDir(): { dir: string; publish: (files: Record<string, string>) => string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'bpfmap-agent-state-'));
  const dir = join(root, 'cm');
  mkdirSync(dir);
  let n = 0;
  return {
    dir,
    publish(files) {
      const v = `..2026_01_01_00_00_0${++n}.000`;
      mkdirSync(join(dir, v));
      for (const [k, t] of Object.entries(files)) writeFileSync(join(dir, v, k), t);
      symlinkSync(v, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      for (const k of Object.keys(files)) { try { symlinkSync(join('..data', k), join(dir, k)); } catch { /* there */ } }
      return v;
    },
    done: () => rmSync(root, { recursive: true, force: true }),
  };
}

const rule = (id: string) => `maps:\n  ${TABLE}:\n    entries:\n      - key: {ingress_ifindex: 3, ip_data: 198.18.0.0/24}\n        value: {rules: {0: {ruleId: ${id}, action: 1}}}\n`;

const S = suite('readStateFiles / parseStateFiles');

S('a ConfigMap directory is read through ..data only; the generation follows the bytes, not the environment', () => {
  const cm = configMapDir();
  try {
    const v1 = cm.publish({ 'state.yaml': rule('${RULE}') });
    // A stray file next to ..data (not part of the ConfigMap version) is not read.
    writeFileSync(join(cm.dir, 'stray.yaml'), 'not: [a state');
    const f1 = readStateFiles(cm.dir);
    assert.equal(f1.files.map((f) => f.shown), [join(cm.dir, 'state.yaml')]);
    assert.match(f1.generation, /^[0-9a-f]{16}$/);
    const s1 = parseStateFiles(f1, schema, ENV);
    assert.is(s1.count, 1);
    const s2 = parseStateFiles(f1, schema, { RULE: '8' });
    assert.is(s2.count, 1, 'another node, another value, the same generation');
    assert.is(readStateFiles(cm.dir).generation, f1.generation, 'the same bytes: the same generation');
    const before = stateVersion(cm.dir);
    cm.publish({ 'state.yaml': rule('9') });
    assert.is.not(stateVersion(cm.dir), before, 'the swap changes the version');
    assert.is.not(readStateFiles(cm.dir).generation, f1.generation);
    assert.ok(v1.startsWith('..'));
  } finally {
    cm.done();
  }
});

S('several files make one state; an error names the file; an unset variable is an error of the state', () => {
  const cm = configMapDir();
  try {
    cm.publish({
      'a.yaml': rule('1'),
      'b.json': JSON.stringify({ maps: { ingress_node_firewall_statistics_map: { entries: [{ key: 5, value: { allow_stats: { packets: 1 } } }] } } }),
      'README': 'ignored: not *.yaml, *.yml or *.json',
    });
    const f = readStateFiles(cm.dir);
    assert.equal(f.files.map((x) => x.shown.slice(cm.dir.length + 1)), ['a.yaml', 'b.json']);
    const s = parseStateFiles(f, schema, ENV, { prune: true });
    assert.equal([...s.maps.keys()], [TABLE, 'ingress_node_firewall_statistics_map']);
    assert.ok([...s.maps.values()].every((m) => m.prune), 'prune: true on every map');

    cm.publish({ 'a.yaml': rule('${NOT_SET}') });
    assert.throws(() => parseStateFiles(readStateFiles(cm.dir), schema, ENV),
      (e: Error) => e.message.startsWith(`${join(cm.dir, 'a.yaml')}:5:`) && /NOT_SET is not set/.test(e.message));

    cm.publish({ 'a.yaml': rule('1').replace('ingress_ifindex: 3', 'ingress_ifindex: no-such-if0') });
    assert.throws(() => parseStateFiles(readStateFiles(cm.dir), schema, ENV),
      (e: Error) => e.message.startsWith(`${join(cm.dir, 'a.yaml')}: maps.${TABLE}.entries[0]: key.ingress_ifindex:`) && /no such interface/.test(e.message));
  } finally {
    cm.done();
  }
});

S('a key given twice is refused when the state is read, naming the file (not left to fail at every apply)', () => {
  const cm = configMapDir();
  try {
    const twice = `${rule('1')}      - key: {ingress_ifindex: 3, ip_data: 198.18.0.0/24}\n        value: {rules: {0: {ruleId: 5, action: 1}}}\n`;
    cm.publish({ 'a.yaml': twice });
    assert.throws(() => parseStateFiles(readStateFiles(cm.dir), schema, ENV),
      (e: Error & { code?: string }) => e.code === 'VALUE_INVALID' && e.message.startsWith(`${join(cm.dir, 'a.yaml')}: maps.${TABLE}.entries[1]: key:`) && /names the same prefix as .* of maps\.ingress_node_firewall_table_map\.entries\[0\]/.test(e.message));
    cm.publish({ 'a.yaml': twice.replace('ip_data: 198.18.0.0/24}\n        value: {rules: {0: {ruleId: 5', 'ip_data: 198.18.0.255/24}\n        value: {rules: {0: {ruleId: 5') });
    assert.throws(() => parseStateFiles(readStateFiles(cm.dir), schema, ENV), /a\.yaml: maps\.ingress_node_firewall_table_map\.entries\[1\]: key: .* names the same prefix/, 'host bits past the prefix do not make another key');
    const stats = (k: string) => JSON.stringify({ maps: { ingress_node_firewall_statistics_map: { entries: [{ key: 5, value: {} }, { key: k, value: {} }] } } });
    cm.publish({ 'a.yaml': rule('1'), 'b.json': stats('0x5') });
    assert.throws(() => parseStateFiles(readStateFiles(cm.dir), schema, ENV),
      (e: Error) => e.message.startsWith(`${join(cm.dir, 'b.json')}: maps.ingress_node_firewall_statistics_map.entries[1]: key: duplicates the key of maps.ingress_node_firewall_statistics_map.entries[0]`));
    cm.publish({ 'a.yaml': rule('1'), 'b.json': stats('6') });
    assert.is(parseStateFiles(readStateFiles(cm.dir), schema, ENV).count, 3);
  } finally {
    cm.done();
  }
});

S('a plain file and a directory without ..data', () => {
  const cm = configMapDir();
  try {
    writeFileSync(join(cm.dir, 'one.yaml'), rule('4'));
    const f = readStateFiles(cm.dir);
    assert.is(parseStateFiles(f, schema, ENV).count, 1);
    const v = stateVersion(cm.dir);
    writeFileSync(join(cm.dir, 'one.yaml'), rule('44'));
    assert.is.not(stateVersion(cm.dir), v, 'a file rewritten in place changes the version');
    const file = readStateFiles(join(cm.dir, 'one.yaml'));
    assert.is(file.dir, false);
    assert.is(parseStateFiles(file, schema, ENV).count, 1);
    assert.is(stateVersion(join(cm.dir, 'nothing')), 'missing');
    rmSync(join(cm.dir, 'one.yaml'));
    assert.throws(() => readStateFiles(cm.dir), /no state file in the directory/);
  } finally {
    cm.done();
  }
});

S('a state file that is a link to nothing is an error, not left out (with --prune its entries would be deleted)', () => {
  const cm = configMapDir();
  try {
    writeFileSync(join(cm.dir, 'one.yaml'), rule('4'));
    writeFileSync(join(cm.dir, 'two.yaml'), 'maps: {ingress_node_firewall_statistics_map: {entries: [{key: 5, value: {}}]}}\n');
    assert.is(parseStateFiles(readStateFiles(cm.dir), schema, ENV).count, 2);
    const before = stateVersion(cm.dir);
    rmSync(join(cm.dir, 'two.yaml'));
    symlinkSync(join(cm.dir, 'gone.yaml'), join(cm.dir, 'two.yaml'));
    assert.throws(() => readStateFiles(cm.dir), (e: Error & { code?: string }) => e.code === 'NOT_FOUND' &&
      e.message === `${join(cm.dir, 'two.yaml')}: a symbolic link to a file that does not exist (${join(cm.dir, 'gone.yaml')}); its entries are not guessed away`);
    // The state is there and has changed: the watch reads it and reports the link, not a missing state.
    const after = stateVersion(cm.dir);
    assert.ok(after !== 'missing' && after !== before, after);
  } finally {
    cm.done();
  }
});

E.run();
S.run();
