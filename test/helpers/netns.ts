/**
 * Two network namespaces the test creates itself, joined by a veth pair, with addresses from
 * 198.18.0.0/15 (the benchmarking range). destroy() deletes both namespaces (which removes the veth
 * pair and detaches any XDP program) and is safe to call after a partial setup.
 *
 * Commands run in a namespace through `nsenter --net=/run/netns/NAME`, not `ip netns exec` (which
 * remounts /sys and so hides the pins under /sys/fs/bpf).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

export interface Side {
  /** Network namespace name (/run/netns/<name>). */
  readonly ns: string;
  readonly dev: string;
  /** IPv4 address without the prefix length. */
  readonly addr: string;
}

export interface PingResult {
  transmitted: number;
  received: number;
  output: string;
}

function run(cmd: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[]): string {
  const r = run(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export class VethPair {
  private constructor(readonly a: Side, readonly b: Side) {}

  /**
   * Creates namespaces `bpfmap-<pid>-<hex>-a/-b` and veth devices `bfw<hex>a/b` (15 characters at
   * most), sender a = 198.18.0.1/24, receiver b = 198.18.0.2/24, everything up. On a failure it
   * removes what it made before throwing.
   */
  static create(): VethPair {
    const tag = randomBytes(4).toString('hex');
    const base = `bpfmap-${process.pid}-${tag}`;
    const pair = new VethPair(
      { ns: `${base}-a`, dev: `bfw${tag}a`, addr: '198.18.0.1' },
      { ns: `${base}-b`, dev: `bfw${tag}b`, addr: '198.18.0.2' },
    );
    try {
      for (const s of [pair.a, pair.b]) must('ip', ['netns', 'add', s.ns]);
      must('ip', ['link', 'add', pair.a.dev, 'netns', pair.a.ns, 'type', 'veth', 'peer', 'name', pair.b.dev, 'netns', pair.b.ns]);
      for (const s of [pair.a, pair.b]) {
        must('ip', ['-n', s.ns, 'addr', 'add', `${s.addr}/24`, 'dev', s.dev]);
        must('ip', ['-n', s.ns, 'link', 'set', 'lo', 'up']);
        must('ip', ['-n', s.ns, 'link', 'set', s.dev, 'up']);
      }
    } catch (e) {
      pair.destroy();
      throw e;
    }
    return pair;
  }

  /** The nsenter option that enters a side's network namespace. */
  static netArg(side: Side): string {
    return `--net=/run/netns/${side.ns}`;
  }

  /** The device's ifindex inside its own namespace (what XDP sees as ingress_ifindex). */
  ifindex(side: Side): number {
    const links = JSON.parse(must('ip', ['-n', side.ns, '-j', 'link', 'show', 'dev', side.dev])) as { ifindex: number }[];
    return links[0]!.ifindex;
  }

  /** The XDP program id attached to a side's device, if any. */
  xdpProgId(side: Side): number | undefined {
    const links = JSON.parse(must('ip', ['-n', side.ns, '-j', 'link', 'show', 'dev', side.dev])) as { xdp?: { prog?: { id: number } } }[];
    return links[0]?.xdp?.prog?.id;
  }

  /** ping from a side to an address: count echo requests 0.2 s apart, 1 s to wait for the last reply. */
  ping(from: Side, to: string, count = 3): PingResult {
    const r = run('nsenter', [VethPair.netArg(from), 'ping', '-n', '-c', String(count), '-i', '0.2', '-W', '1', to]);
    const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
    if (!m) throw new Error(`ping ${to}: no summary line (exit ${r.status}): ${(r.stderr || r.stdout).trim()}`);
    return { transmitted: Number(m[1]), received: Number(m[2]), output: r.stdout };
  }

  /** Deletes both namespaces (and with them the veth pair and its XDP attachment). Never throws. */
  destroy(): void {
    for (const s of [this.a, this.b]) {
      if (existsSync(`/run/netns/${s.ns}`)) run('ip', ['netns', 'del', s.ns]);
    }
  }

  /** Whether anything of the pair is left (for tests of the cleanup). */
  leftovers(): string[] {
    const out: string[] = [];
    for (const s of [this.a, this.b]) if (existsSync(`/run/netns/${s.ns}`)) out.push(`netns ${s.ns}`);
    const links = run('ip', ['-o', 'link', 'show']).stdout;
    for (const s of [this.a, this.b]) if (links.includes(`${s.dev}@`) || links.includes(`${s.dev}:`)) out.push(`link ${s.dev}`);
    return out;
  }
}
