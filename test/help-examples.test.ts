// The --help examples that need live maps run as pasted, as root in a private mount namespace with
// its own bpffs (maps created there first), a counted skip elsewhere. The offline ones and the
// check that every command has an example: test/help-examples-offline.test.ts.
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { kernelAvailable } from './helpers/kernel.js';
import { skip, suite, toolsMissing } from './helpers/skip.js';
import { command, EX, expectedExit, NO_RUN, noRun, offline, sh, workDir } from './helpers/help-examples.js';

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

const H = suite('--help examples');

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
