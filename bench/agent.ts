/**
 * `bpfmap agent` on three simulated nodes (test/helpers/fleet.ts): time from kubelet's `..data` swap
 * to all three agents ready on the new generation (polled on /readyz every 20 ms), for a state of
 * 10,000 firewall rules (100 prefixes x 100 rules, JSON) replacing another one, and for a one-rule
 * change of it. Needs root, iproute2, bpftool, curl. Environment: BENCH_RUNS (default 3).
 * Everything it starts is stopped and the namespaces removed at the end, also on failure.
 */
import { Fleet, generationOf, type SimNode } from '../test/helpers/fleet.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TABLE = 'ingress_node_firewall_table_map';

/** 100 prefixes on fw0, 100 rules each; `flip` changes one rule (prefix 0, slot 0). */
function state(variant: number, flip = false): string {
  const entries: unknown[] = [];
  for (let p = 0; p < 100; p++) {
    const rules: Record<string, unknown> = {};
    for (let r = 0; r < 100; r++) {
      rules[r] = { ruleId: p * 100 + r + 1, protocol: 6, dstPortStart: 1000 + r + variant, action: flip && p === 0 && r === 0 ? 2 : 1 };
    }
    entries.push({ key: { ingress_ifindex: 'fw0', ip_data: `198.19.${200 + (p >> 6)}.${(p & 63) * 4}/30` }, value: { rules } });
  }
  return JSON.stringify({ maps: { [TABLE]: { entries } } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ms from `swapped` until every node's /readyz says generation `want` is applied. */
async function allReady(nodes: SimNode[], want: string, swapped: number): Promise<number> {
  const done = new Set<number>();
  for (;;) {
    for (const n of nodes) {
      if (!done.has(n.index) && n.http('/readyz').body === `ready: generation ${want} applied`) done.add(n.index);
    }
    if (done.size === nodes.length) return performance.now() - swapped;
    if (performance.now() - swapped > 60_000) throw new Error(`not converged in 60 s: ${nodes.map((n) => n.http('/readyz').body).join('; ')}`);
    await sleep(20);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const fleet = await Fleet.create({ nodes: 3 });
try {
  fleet.publish({ 'state.json': state(0) });
  for (const n of fleet.nodes) n.startAgent(fleet.stateDir, {}, ['--resync', '0']);
  const waitGen = async (files: Record<string, string>): Promise<number> => allReady(fleet.nodes, generationOf(files), fleet.publish(files));
  // The first state, applied at start.
  await allReady(fleet.nodes, generationOf({ 'state.json': state(0) }), performance.now());
  const full: number[] = [];
  const one: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    full.push(await waitGen({ 'state.json': state(i + 1) }));
    one.push(await waitGen({ 'state.json': state(i + 1, true) }));
  }
  const fmt = (xs: number[]) => `median ${Math.round(median(xs))} ms (runs: ${xs.map((x) => Math.round(x)).join(', ')})`;
  console.log(`10,000 rules (100 entries of 100 rules, all changed), swap -> 3 nodes ready: ${fmt(full)}`);
  console.log(`one rule changed, swap -> 3 nodes ready: ${fmt(one)}`);
  for (const n of fleet.nodes) {
    const body = n.http('/metrics').body;
    const v = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]).toFixed(3);
    console.log(`node ${n.index}, the last one-rule change: read ${v('bpfmap_agent_last_read_duration_seconds')} s, apply ${v('bpfmap_agent_last_apply_duration_seconds')} s`);
  }
} finally {
  await fleet.destroy();
}
