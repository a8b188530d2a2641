// Every command's --help has an example, and every example runs as pasted: offline ones always, the
// ones that need live maps as root in a private mount namespace with its own bpffs (maps created
// there first), a counted skip elsewhere. The examples are read from the tables in bin/commands/*.ts and must
// appear in the command's --help.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, bpfmap } from './helpers/cli.js';
import { kernelAvailable } from './helpers/kernel.js';
import { skip, suite, toolsMissing } from './helpers/skip.js';

interface Example { command: string; text: string; description: string }

const OFFLINE = new Set(['maps', 'schema', 'types', 'template', 'encode', 'decode', 'completion', 'gen']);
/** Examples that are not run, with why. */
const NO_RUN: Record<string, string> = {
  '--watch': 'runs until stopped',
  '/etc/bpfmap/state.yaml': 'runs until stopped (--watch)',
  'EDITOR=nano': 'opens an editor on a terminal',
  '$0 agent ': 'serves until stopped (test/agent-fleet.test.ts runs agents and stops them with SIGTERM)',
  '$0 exporter ': 'serves until stopped (test/exporter-live.test.ts starts the exporter, scrapes it and stops it with SIGTERM)',
};
/** What an example needs in the map before it (entries, files); run in the same folder. */
const BEFORE: [RegExp, string][] = [
  [/^\$0 (lookup|delete) fixtures\/firewall.bpfel.o ingress_node_firewall_table_map/, "bpfmap update fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}' --value '{rules: {0: {ruleId: 1, action: 2}}}'"],
  [/^\$0 pop fixtures\/coverage.bpfel.o stack/, 'bpfmap push fixtures/coverage.bpfel.o stack --pin-root /sys/fs/bpf/demo --value 7'],
  [/^\$0 peek fixtures\/coverage.bpfel.o bloom/, 'bpfmap push fixtures/coverage.bpfel.o bloom --pin-root /sys/fs/bpf/demo --value 42'],
  [/-f rule.yaml --flags noexist/, "printf 'key: {ingress_ifindex: 7, ip_data: 10.10.20.0/24}\\nvalue: {rules: {0: {ruleId: 2, action: 1}}}\\n' > rule.yaml"],
  [/^\$0 get fixtures\/firewall.bpfel.o debug_lookup/, 'rm -r /sys/fs/bpf/fw   # the firewall the create example made there: one loaded firewall, as the example says'],
  // The events fixture loaded with its maps in the demo directory, and 10 ring buffer records sent.
  [/^\$0 events fixtures\/events.bpfel.o rb_events/, 'bpftool prog load fixtures/events.bpfel.o /sys/fs/bpf/demo/ev_prog pinmaps /sys/fs/bpf/demo && head -c 70 /dev/zero > pkt.bin && bpftool prog run pinned /sys/fs/bpf/demo/ev_prog data_in pkt.bin repeat 10'],
  [/^\$0 migrate fixtures\/firewall.bpfel.o fixtures\/firewall-v2.bpfel.o --pin-root \/sys\/fs\/bpf\/fw --dry-run/, 'bpfmap create fixtures/firewall.bpfel.o --pin-root /sys/fs/bpf/fw'],
  [/^\$0 update fixtures\/addresses.bpfel.o dev_redirect/, 'bpfmap create fixtures/addresses.bpfel.o --pin-root /sys/fs/bpf/addr'],
  [/-f rules.yaml --dry-run/, "printf 'maps:\\n  ingress_node_firewall_table_map:\\n    entries: []\\n' > rules.yaml"],
];
/** The maps the live examples name, made in the private bpffs. */
const SETUP = [
  'bpfmap create fixtures/firewall.bpfel.o',
  'bpfmap create fixtures/coverage.bpfel.o --pin-root /sys/fs/bpf/cov',
  'bpfmap create fixtures/coverage.bpfel.o --pin-root /sys/fs/bpf/demo',
  'bpfmap create fixtures/coverage.bpfel.o numa_map --pin-root /sys/fs/bpf/mm && mv /sys/fs/bpf/mm/numa_map /sys/fs/bpf/my_map',
  'bpfmap update --pin /sys/fs/bpf/my_map --key 7 --value 1',
];

/** The examples of every command, from the sources' tables (bin/spec.ts), in file order (the live ones build on each other). */
function examples(): Example[] {
  const out: Example[] = [];
  const dir = join(ROOT, 'bin/commands');
  for (const f of readdirSync(dir).sort()) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/command: '([a-z]+)'|^ {4}\[(['"])(.*?)\2,\s*(['"])(.*?)\4\],$/gm)) {
      if (m[1]) { out.push({ command: m[1], text: '', description: '' }); continue; }
      const last = [...out].reverse().find((e) => e.text === '') ?? out.at(-1);
      out.push({ command: last!.command, text: m[3]!.replace(/\\'/g, "'"), description: m[5]! });
    }
  }
  return out;
}

const ALL = examples();
const EX = ALL.filter((e) => e.text !== '');
const COMMANDS = ALL.filter((e) => e.text === '').map((e) => e.command);

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-help-'));
  for (const d of ['fixtures', 'src', 'dist', 'package.json']) symlinkSync(join(ROOT, d), join(dir, d));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  return dir;
}

interface Result { code: number; out: string }

/** Examples whose success is another exit code than 0: `diff` says "migratable" with 10. */
const EXIT: readonly [RegExp, number][] = [[/^\$0 diff /, 10]];
const command = (e: Example): string => asShell(e);
const expectedExit = (e: { text: string }): number => EXIT.find(([re]) => re.test(e.text))?.[1] ?? 0;

function sh(script: string, dir: string, wrap: string[] = []): Promise<Result> {
  const full = `bpfmap() { node ${JSON.stringify(BIN)} "$@"; }\nexport -f bpfmap\n${script}`;
  return new Promise((resolve, reject) => {
    const argv = [...wrap, 'bash', '-c', full];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

/** Offline: the commands that read only files, unless the example names a live map. */
const offline = (e: Example) => OFFLINE.has(e.command) && !/ pinned /.test(e.text);
const noRun = (e: Example) => Object.keys(NO_RUN).find((k) => e.text.includes(k));
const asShell = (e: Example) => e.text.replace(/\$0/g, 'bpfmap');

const H = suite('--help examples');

H('every command has an example, shown by its --help', () => {
  assert.ok(COMMANDS.length >= 20, COMMANDS.join(' '));
  for (const c of COMMANDS) {
    const mine = EX.filter((e) => e.command === c);
    assert.ok(mine.length >= 1, `${c}: no example`);
    const r = bpfmap([c, '--help']);
    assert.is(r.code, 0, `${c} --help`);
    assert.match(r.stdout, /Examples:/, c);
    // Columns wrap: each example's start, and its description's first word, are in the help.
    const help = r.stdout.slice(r.stdout.indexOf('Examples:'));
    for (const e of mine) {
      assert.ok(help.includes(asShell(e).slice(0, 14)), `${c} --help shows '${e.text}'`);
      assert.ok(help.includes(e.description.split(' ')[0]!), `${c} --help shows '${e.description}'`);
    }
  }
});

H('offline examples run as pasted', async () => {
  const dir = workDir();
  try {
    const list = EX.filter((e) => offline(e) && !noRun(e));
    assert.ok(list.length >= 10);
    for (const e of list) {
      const r = await sh(asShell(e), dir);
      assert.is(r.code, expectedExit(e), `${e.text}\n${r.out}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

H('live examples run as pasted in a private bpffs', async () => {
  const k = kernelAvailable();
  if (!k.ok) return skip(`live examples: ${k.reason}`);
  const missing = toolsMissing(['unshare', 'nsenter']);
  if (missing) return skip(`live examples: ${missing} not installed`);
  const dir = workDir();
  const ns = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t bpf bpf /sys/fs/bpf && echo ready && exec sleep 600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => { ns.stdout!.once('data', () => resolve()); ns.once('exit', (c) => reject(new Error(`unshare exited ${c}`))); });
    const wrap = ['nsenter', '-t', String(ns.pid), '-m', `--wd=${dir}`];
    const setup = await sh(`set -e\n${SETUP.join('\n')}`, dir, wrap);
    assert.is(setup.code, 0, setup.out);
    const live = EX.filter((e) => !offline(e) && !noRun(e));
    assert.ok(live.length >= 20, `${live.length} live examples`);
    for (const e of live) {
      const before = BEFORE.filter(([re]) => re.test(e.text)).map(([, cmd]) => cmd);
      const r = await sh(`set -e\n${before.join('\n')}\n${command(e)}`, dir, wrap);
      assert.is(r.code, expectedExit(e), `${e.text}\n${r.out}`);
    }
    const skipped = EX.filter(noRun).map((e) => `${e.command}: ${NO_RUN[noRun(e)!]}`);
    // Six: the long-running commands (apply --watch, exporter, agent) and the editor.
    assert.ok(skipped.length <= 6, skipped.join('; '));
  } finally {
    if (ns.pid !== undefined) { try { process.kill(ns.pid, 'SIGKILL'); } catch { /* gone */ } }
    rmSync(dir, { recursive: true, force: true });
  }
});

H.run();
