#!/usr/bin/env node
/**
 * `npm run demo`: the firewall example end to end. On Linux as root it creates the firewall fixture's
 * maps under a private pin root, writes a rule from typed input, reads it back, dumps the per-CPU
 * statistics, and removes its pins. Elsewhere (or without privileges) it shows the offline part and
 * says what it skipped and why. Every step runs the real CLI, printed as you would type it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist', 'cli', 'bpfmap.js');
const obj = relative(process.cwd(), join(root, 'fixtures', 'firewall.bpfel.o')) || 'fixtures/firewall.bpfel.o';
const TABLE = 'ingress_node_firewall_table_map';
const STATS = 'ingress_node_firewall_statistics_map';

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

function step(title: string, args: string[], expectFail = false): boolean {
  process.stdout.write(`\n# ${title}\n$ bpfmap ${args.map(quote).join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  if ((r.status === 0) === expectFail) {
    process.stdout.write(`demo: step failed (exit ${r.status})\n`);
    return false;
  }
  return true;
}

function kernelReason(): string | null {
  if (process.platform !== 'linux') return `this is ${process.platform}, not Linux`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root (bpf() needs CAP_BPF; pinning needs CAP_SYS_ADMIN)';
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8');
    if (!/ \/sys\/fs\/bpf bpf /.test(mounts)) return 'bpffs is not mounted at /sys/fs/bpf (mount -t bpf bpf /sys/fs/bpf)';
  } catch {
    return 'cannot read /proc/mounts';
  }
  return null;
}

function main(): number {
  let ok = true;
  ok &&= step('Every map of the firewall object: type, key -> value types, sizes, flags, pin path', ['maps', obj]);
  ok &&= step('An LPM key as named fields: the prefix length comes from the CIDR (32 bits of ifindex + 24)', ['encode', obj, TABLE,
    '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}']);
  const seed = obj.replace('firewall.bpfel.o', 'firewall-seed.bpfel.o');
  ok &&= step("The seed walkthrough's entry, byte for byte as its log shows", ['encode', seed, TABLE,
    '--key', '{prefixLen: 64, ingress_ifindex: 6, ip_data: 10.10.10.2}', '--value', '{ruleId: 1, icmpType: 8, action: 2}']);
  const why = kernelReason();
  if (why) {
    process.stdout.write(`\n# Skipped the live part (create maps, update, lookup, dump): ${why}.\n`);
    return ok ? 0 : 1;
  }
  const pinRoot = `/sys/fs/bpf/bpfmap-demo-${process.pid}`;
  mkdirSync(pinRoot, { recursive: true });
  try {
    ok &&= step('Create the maps (with their BTF) under a private pin root', ['create', obj, '--pin-root', pinRoot]);
    ok &&= step('Allow ICMP echo from 10.10.10.0/24 on interface 6: rule 1 in slot 0', ['update', obj, TABLE, '--pin-root', pinRoot,
      '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}',
      '--value', '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 2}}}']);
    ok &&= step('Deny TCP 8000-8080 from one host, in slot 57', ['update', obj, TABLE, '--pin-root', pinRoot,
      '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.2/32}',
      '--value', '{rules: {57: {ruleId: 2, protocol: 6, dstPortStart: 8000, dstPortEnd: 8080, action: 1}}}']);
    ok &&= step('Which rules apply to 10.10.10.7? (longest-prefix match: the /24)', ['lookup', obj, TABLE, '--pin-root', pinRoot,
      '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.7}']);
    ok &&= step('Every entry, one JSON object per line (valid input for bpfmap apply)', ['dump', obj, TABLE, '--pin-root', pinRoot, '--ndjson']);
    ok &&= step('Per-CPU statistics of rule 1, summed over CPUs', ['lookup', obj, STATS, '--pin-root', pinRoot, '--key', '1', '--sum']);
    ok &&= step("No object needed for a map with BTF: the kernel's copy of its types", ['lookup', '--pin', join(pinRoot, TABLE),
      '--key', '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}', '--exact']);
  } finally {
    rmSync(pinRoot, { recursive: true, force: true });
    process.stdout.write(`\n# Removed the demo's pins (${pinRoot}${existsSync(pinRoot) ? ': NOT removed' : ''}).\n`);
  }
  return ok ? 0 : 1;
}

process.exitCode = main();
