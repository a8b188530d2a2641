/**
 * Safety: nothing runs through a shell, the editor gets an argument list, temporary files are private
 * and removed, no fixed /tmp paths, `create` pins only under its pin root, and bpfmap writes only to
 * the map it was pointed at.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bpfmap, BIN, FW, ROOT, TABLE } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';

function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(name)) out.push({ file: relative(ROOT, p), text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(ROOT, 'src'));
  walk(join(ROOT, 'bin'));
  return out;
}

const ALLOWED_CHILD = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);

/** Every way a source could reach a shell: shell option, exec/execSync, other child_process imports. */
export function shellUses(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\bshell\s*:\s*(?!false\b)[^,}\s]+/g)) found.push(m[0]);
  for (const m of text.matchAll(/(?<![.\w])(exec|execSync)\s*\(/g)) found.push(m[0]);
  for (const m of text.matchAll(/\bchild_process\.(\w+)/g)) if (!ALLOWED_CHILD.has(m[1]!)) found.push(m[0]);
  for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)) {
    for (const n of m[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/)[0]!).filter(Boolean)) {
      if (!ALLOWED_CHILD.has(n)) found.push(`import ${n} from child_process`);
    }
  }
  for (const m of text.matchAll(/import\s+(?:\*\s+as\s+\w+|\w+)\s+from\s*['"](?:node:)?child_process['"]/g)) found.push(m[0]);
  for (const m of text.matchAll(/require\(\s*['"](?:node:)?child_process['"]\s*\)/g)) found.push(m[0]);
  return found;
}

/** A fixed path under /tmp in a string literal. */
export function fixedTmpPaths(text: string): string[] {
  return [...text.matchAll(/['"`]\/tmp(?:\/|['"`])/g)].map((m) => m[0]);
}

const Grep = suite('no shell, no fixed /tmp paths (src/ and bin/)');
const bad: [string, string, (t: string) => string[]][] = [
  ['shell: true', "spawnSync('ls', [], { shell: true })", shellUses],
  ['shell: a variable', 'spawn(cmd, [], { shell: useShell })', shellUses],
  ['exec', "exec('rm -rf ' + dir)", shellUses],
  ['execSync', 'execSync(`ls ${d}`)', shellUses],
  ['child_process.exec', "child_process.exec('x')", shellUses],
  ['import of exec', "import { spawnSync, exec } from 'node:child_process';", shellUses],
  ['default import', "import cp from 'child_process';", shellUses],
  ['require', "const cp = require('child_process');", shellUses],
  ['a /tmp file', "writeFileSync('/tmp/bpfmap.yaml', x)", fixedTmpPaths],
  ['/tmp itself', 'const d = "/tmp";', fixedTmpPaths],
];
for (const [name, text, check] of bad) Grep(`the check catches ${name}`, () => assert.ok(check(text).length > 0, text));
const good: [string, string, (t: string) => string[]][] = [
  ['regex exec', 'const m = HEX.exec(s);', shellUses],
  ['spawnSync with an argument list', "import { spawnSync } from 'node:child_process'; spawnSync(p, [f], { shell: false });", shellUses],
  ['mkdtemp under tmpdir()', "mkdtempSync(join(tmpdir(), 'bpfmap-edit-'))", fixedTmpPaths],
];
for (const [name, text, check] of good) Grep(`the check lets ${name} through`, () => assert.equal(check(text), []));
Grep('src/ and bin/ never reach a shell', () => {
  const files = sources();
  assert.ok(files.length > 50, `found ${files.length} source files`);
  assert.ok(files.some((f) => f.text.includes('child_process')), 'the sources do spawn processes (the check is not vacuous)');
  const hits = files.flatMap((f) => shellUses(f.text).map((h) => `${f.file}: ${h}`));
  assert.equal(hits, []);
});
Grep('src/ and bin/ name no fixed path under /tmp', () => {
  const hits = sources().flatMap((f) => fixedTmpPaths(f.text).map((h) => `${f.file}: ${h}`));
  assert.equal(hits, []);
});
Grep.run();

/** An editor that records its arguments and the temp file's and directory's modes, then edits ruleId 1 -> 2. */
function editorScript(log: string): string {
  return [
    `#!${process.execPath}`,
    "const fs = require('node:fs'); const path = require('node:path');",
    'const args = process.argv.slice(2); const file = args[args.length - 1];',
    'const mode = (p) => (fs.statSync(p).mode & 0o777).toString(8);',
    `fs.writeFileSync(${JSON.stringify(log)}, JSON.stringify({ args, fileMode: mode(file), dirMode: mode(path.dirname(file)), dir: path.dirname(file) }));`,
    "fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/ruleId: 1\\b/, 'ruleId: 2'));",
    '',
  ].join('\n');
}

const Edit = suite('edit: argument list, private temp file, removed afterwards');
Edit('EDITOR with an argument, TMPDIR with spaces and ;: one argument per word, 0600 in a 0700 mkdtemp dir, gone afterwards', kernel(() => withPinDir((pins) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-safety-'));
  try {
    const hostile = join(tmp, 'tmp dir; touch pwned');
    mkdirSync(hostile);
    const log = join(tmp, 'log.json');
    const editor = join(tmp, 'ed.cjs');
    writeFileSync(editor, editorScript(log));
    chmodSync(editor, 0o755);
    const key = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
    assert.is(bpfmap(['create', FW, TABLE, '--pin-root', pins]).code, 0);
    const u = bpfmap(['update', FW, TABLE, '--pin-root', pins, '--key', key, '--value', '{rules: [{ruleId: 1, action: 1}]}']);
    assert.is(u.code, 0, u.stderr);
    // EDITOR is 'PROGRAM ARGUMENT' (split on whitespace, as documented); the temp file's path has a
    // space and a ';' that a shell would run as a second command.
    const r = bpfmap(['edit', FW, TABLE, '--pin-root', pins, '--key', key],
      { env: { EDITOR: `${editor} --wait`, VISUAL: '', TMPDIR: hostile }, cwd: tmp });
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    const seen = JSON.parse(readFileSync(log, 'utf8')) as { args: string[]; fileMode: string; dirMode: string; dir: string };
    assert.is(seen.args.length, 2, `arguments: ${JSON.stringify(seen.args)}`);
    assert.is(seen.args[0], '--wait');
    assert.ok(seen.args[1]!.startsWith(`${hostile}/bpfmap-edit-`), seen.args[1]);
    assert.is(seen.fileMode, '600');
    assert.is(seen.dirMode, '700');
    assert.not.ok(existsSync(seen.dir), 'the temp directory is removed');
    assert.equal(readdirSync(hostile), [], 'nothing left in TMPDIR');
    assert.not.ok(existsSync(join(tmp, 'pwned')), 'no shell ran the path');
    assert.not.ok(existsSync(join(ROOT, 'pwned')));
    const after = JSON.parse(bpfmap(['lookup', FW, TABLE, '--pin-root', pins, '--key', key, '--json']).stdout) as { value: { rules: Record<string, { ruleId: number }> } };
    assert.is(after.value.rules['0']!.ruleId, 2, 'the edit was written');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Edit.run();

const Pins = suite('create pins only under the pin root');
Pins('in a fresh bpffs, create --pin-root ROOT adds pins under ROOT and nowhere else', kernel(() => {
  // A private mount namespace with its own bpffs: other tests' pins cannot disturb the listing.
  const script = 'mount -t bpf bpf /sys/fs/bpf && mkdir /sys/fs/bpf/elsewhere /sys/fs/bpf/root && find /sys/fs/bpf | sort && echo -- && "$@" >/dev/null && find /sys/fs/bpf | sort';
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', process.execPath, BIN, 'create', FW, '--pin-root', '/sys/fs/bpf/root'],
    { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.stderr, '');
  assert.is(r.status, 0);
  const [before, after] = r.stdout.trim().split('\n--\n').map((t) => t.split('\n'));
  assert.ok(before!.includes('/sys/fs/bpf/elsewhere'));
  assert.equal(after!.filter((p) => !before!.includes(p)), [
    '/sys/fs/bpf/root/firewall_rodata',
    '/sys/fs/bpf/root/ingress_node_firewall_events_map',
    '/sys/fs/bpf/root/ingress_node_firewall_statistics_map',
    '/sys/fs/bpf/root/ingress_node_firewall_table_map',
  ]);
}));
Pins.run();

const dump = (p: string) => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' });

const Only = suite('bpfmap writes only to the map it was pointed at');
Only('update, delete and apply on one pin root leave a twin pin root and another map unchanged', kernel(() => withPinDir((dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-safety-'));
  try {
    const [a, b] = [join(dir, 'a'), join(dir, 'b')];
    const key = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
    for (const root of [a, b]) {
      mkdirSync(root);
      assert.is(bpfmap(['create', FW, '--pin-root', root]).code, 0);
      assert.is(bpfmap(['update', FW, TABLE, '--pin-root', root, '--key', key, '--value', '{rules: [{ruleId: 1}]}']).code, 0);
    }
    const h = join(dir, 'h');
    execFileSync('bpftool', ['map', 'create', h, 'type', 'hash', 'key', '4', 'value', '8', 'entries', '4', 'name', 'h']);
    execFileSync('bpftool', ['map', 'update', 'pinned', h, 'key', '1', '0', '0', '0', 'value', '1', '2', '3', '4', '5', '6', '7', '8']);
    const others = [...['ingress_node_firewall_table_map', 'ingress_node_firewall_statistics_map', 'firewall_rodata'].map((n) => join(b, n)), h];
    const before = others.map(dump);
    const tableA = dump(join(a, TABLE));
    const state = join(tmp, 'state.yaml');
    writeFileSync(state, `maps:\n  ${TABLE}:\n    entries:\n      - {key: {ingress_ifindex: 9, ip_data: 10.9.0.0/16}, value: {rules: [{ruleId: 9}]}}\n  ${'ingress_node_firewall_statistics_map'}:\n    entries:\n      - {key: 3, value: {allow_stats: {packets: 5}}}\n`);
    const steps = [
      ['update', FW, TABLE, '--pin-root', a, '--key', '{ingress_ifindex: 7, ip_data: 10.7.0.0/16}', '--value', '{rules: [{ruleId: 7}]}'],
      ['delete', FW, TABLE, '--pin-root', a, '--key', key],
      ['apply', FW, '--pin-root', a, '-f', state],
    ];
    for (const s of steps) {
      const r = bpfmap(s);
      assert.is(r.code, 0, `${s[0]}: ${r.stderr}`);
    }
    assert.is.not(dump(join(a, TABLE)), tableA, 'the map pointed at did change');
    assert.equal(others.map(dump), before, 'every other map is byte-identical');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Only.run();
