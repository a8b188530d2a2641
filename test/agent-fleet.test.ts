// `bpfmap agent` on a fleet of three simulated nodes (test/helpers/fleet.ts): each node a network
// namespace with its own sysfs and bpffs, the firewall attached to its `fw0` (a different interface
// index on each node), a client namespace pinging it, and an agent reading one shared state
// directory that the test updates as kubelet updates a ConfigMap volume. A real Prometheus in a
// monitor namespace scrapes the three agents. Everything the test starts is stopped by pid, and the
// namespaces and files are removed in finally, also when an assertion fails.
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, skip, toolsMissing } from './helpers/skip.js';
import { kernel } from './helpers/kernel.js';
import { Fleet, httpIn, generationOf, AGENT_PORT, type SimNode } from './helpers/fleet.js';

/** Every node converges to a new state within this long after the swap (typically about 1 s; the margin is for a loaded machine). */
const CONVERGE_MS = 10_000;
const RESYNC_S = 2;
const TABLE = 'ingress_node_firewall_table_map';
const STATE = 'state.yaml';

/** The rule for the client's pings on fw0 (interface name, resolved on each node); its id is per node (${NODE_RULE}). */
function rules(action: 1 | 2, extra: string[] = []): string {
  return [
    'maps:',
    `  ${TABLE}:`,
    '    entries:',
    '      - key: {ingress_ifindex: fw0, ip_data: 198.18.0.2/32}',
    `        value: {rules: {0: {ruleId: \${NODE_RULE}, protocol: 1, icmpType: 8, action: ${action}}}}`,
    ...extra,
    '',
  ].join('\n');
}

/**
 * The same rule plus `n` more /32 entries on fw0, as JSON (big states parse much faster as JSON than
 * as YAML): a state big enough to be killed in the middle of its apply.
 */
function bigState(action: 1 | 2, n: number, shift = 0): string {
  const entries: unknown[] = [{ key: { ingress_ifindex: 'fw0', ip_data: '198.18.0.2/32' }, value: { rules: { 0: { ruleId: '@RULE@', protocol: 1, icmpType: 8, action } } } }];
  for (let i = 0; i < n; i++) {
    entries.push({ key: { ingress_ifindex: 'fw0', ip_data: `198.19.${100 + (i >> 8)}.${i & 255}/32` },
      value: { rules: { 0: { ruleId: 900, protocol: 6, dstPortStart: 1000 + i + shift, action }, 99: { ruleId: 901, protocol: 17, action } } } });
  }
  return JSON.stringify({ maps: { [TABLE]: { entries } } }).replace('"@RULE@"', '${NODE_RULE}');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn() is true; returns the ms it took; throws with what() after `ms`. */
async function until(ms: number, fn: () => boolean | Promise<boolean>, what: () => string): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (await fn()) return performance.now() - t0;
    if (performance.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what()}`);
    await sleep(50);
  }
}

const readyText = (n: SimNode) => { const r = n.http('/readyz'); return `node ${n.index}: ${r.status} ${r.body}`; };
const isOn = (n: SimNode, gen: string) => { const r = n.http('/readyz'); return r.status === 200 && r.body === `ready: generation ${gen} applied`; };

/** Waits until every node in `nodes` reports `gen` ready; returns the ms from `since` (performance.now()). */
async function converged(nodes: SimNode[], gen: string, since: number, ms = CONVERGE_MS): Promise<number> {
  await until(ms, () => nodes.every((n) => isOn(n, gen)), () => nodes.map(readyText).join('; '));
  return performance.now() - since;
}

async function pings(nodes: SimNode[]): Promise<boolean[]> {
  return Promise.all(nodes.map((n) => n.ping()));
}

function metric(n: SimNode, line: RegExp): string | null {
  const m = line.exec(n.http('/metrics').body);
  return m ? m[1]! : null;
}

interface Vector { metric: Record<string, string>; value: [number, string] }

function promQuery(f: Fleet, q: string): Vector[] {
  const r = httpIn(f.monitor, `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(q)}`);
  if (r.status !== 200) return [];
  const j = JSON.parse(r.body) as { status: string; data?: { result: Vector[] } };
  return j.status === 'success' ? j.data!.result : [];
}

const F = suite('bpfmap agent on three simulated nodes');

F('converge, drift repair, SIGKILL mid-apply, a state invalid on one node, Prometheus, SIGTERM', kernel(async () => {
  const missing = toolsMissing(['ip', 'ping', 'bpftool', 'unshare', 'nsenter', 'curl', 'prometheus']);
  if (missing) return skip(`${missing} not installed`);
  let fleet: Fleet | undefined;
  let left: string[] = [];
  try {
    fleet = await Fleet.create({ nodes: 3, withFw1: [1, 2] });
    const f = fleet;
    const nodes = f.nodes;
    const idx = nodes.map((n) => n.ifindex());
    assert.is(new Set(idx).size, 3, `fw0 has a different index on each node: ${idx.join(', ')}`);

    // Version 1: pings denied. The agents start after it is published and wait for nothing.
    let files: Record<string, string> = { [STATE]: rules(1) };
    let t = f.publish(files);
    // Node 3's agent also logs the firewall's deny events (a perf event array), decoded.
    const eventArgs = ['--events', 'ingress_node_firewall_events_map', '--event-type', 'event_hdr_st'];
    for (const n of nodes) n.startAgent(f.stateDir, { NODE_RULE: String(10 + n.index) }, ['--resync', String(RESYNC_S), ...(n.index === 3 ? eventArgs : [])]);
    const g1 = generationOf(files);
    await converged(nodes, g1, t);
    assert.equal(await pings(nodes), [false, false, false], 'version 1 (deny): every client\'s ping is dropped');
    const n3log = nodes[2]!.agent!;
    await until(3000, () => n3log.events().some((e) => e.event === 'record'), () => `node 3: no event record: ${n3log.log.slice(-600)}`);
    const rec = n3log.events().find((e) => e.event === 'record')!;
    assert.match(JSON.stringify(rec), `"ruleId":13,"action":1`, 'node 3 logs the deny event of its rule');
    assert.match(JSON.stringify(rec), `"ifId":${nodes[2]!.ifindex()}`, 'on its own fw0');
    // The key is the node's own fw0 index (the name resolved on the node), the rule id its own.
    for (const n of nodes) {
      const dump = JSON.parse(n.bpfmap('dump', 'fixtures/firewall.bpfel.o', TABLE, '--json')) as { key: { ingress_ifindex: number }; value: { rules: Record<string, { ruleId: number }> } }[];
      assert.equal(dump.map((e) => [e.key.ingress_ifindex, e.value.rules['0']!.ruleId]), [[n.ifindex(), 10 + n.index]], `node ${n.index}: the table`);
    }

    // Prometheus scrapes the three agents every second.
    writeFileSync(join(f.tmp, 'prometheus.yml'), [
      'global: {scrape_interval: 1s, scrape_timeout: 1s}',
      'scrape_configs:',
      '  - job_name: bpfmap-agent',
      '    static_configs:',
      ...nodes.map((n) => `      - {targets: ['${n.mgmtAddr}:${AGENT_PORT}'], labels: {node: n${n.index}}}`),
      '',
    ].join('\n'));
    const prom = f.spawnInMonitor('prometheus', [`--config.file=${join(f.tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${join(f.tmp, 'prom')}`,
      '--web.listen-address=127.0.0.1:9090']);
    let promLog = '';
    prom.stdout!.on('data', (d: Buffer) => { promLog += d.toString(); });
    prom.stderr!.on('data', (d: Buffer) => { promLog += d.toString(); });

    // Version 2: pings allowed; every node converges within CONVERGE_MS and reports the same generation.
    files = { [STATE]: rules(2) };
    const g2 = generationOf(files);
    t = f.publish(files);
    const took2 = await converged(nodes, g2, t);
    assert.equal(await pings(nodes), [true, true, true], 'version 2 (allow): every client\'s ping passes');
    for (const n of nodes) assert.is(metric(n, /^bpfmap_agent_applied_generation\{generation="([0-9a-f]+)"\} 1$/m), g2, `node ${n.index}: /metrics generation`);

    // Prometheus: the three agents on generation 2, and each node's allow counter for its own rule id.
    await until(20_000, () => promQuery(f, `bpfmap_agent_applied_generation{generation="${g2}"} == 1`).length === 3 &&
      promQuery(f, 'ingress_node_firewall_allow_packets_total > 0').length === 3, () => `Prometheus: ${promLog.slice(-600)}`);
    const allow = promQuery(f, 'ingress_node_firewall_allow_packets_total > 0').map((v) => `${v.metric.node}:${v.metric.rule_id}:${v.value[1]}`).sort();
    assert.equal(allow, ['n1:11:1', 'n2:12:1', 'n3:13:1'], 'Prometheus: one allowed ping per node, counted under the node\'s rule id');
    const denied = promQuery(f, 'ingress_node_firewall_deny_packets_total > 0').map((v) => `${v.metric.node}:${v.metric.rule_id}:${v.value[1]}`).sort();
    assert.equal(denied, ['n1:11:1', 'n2:12:1', 'n3:13:1'], 'Prometheus: the ping denied by version 1, per node');

    // Drift: node 2's rule changed behind the agent's back (deny); the next resync puts it back.
    const n2 = nodes[1]!;
    n2.bpfmap('update', 'fixtures/firewall.bpfel.o', TABLE, '--key', '{ingress_ifindex: fw0, ip_data: 198.18.0.2/32}',
      '--value', '{rules: {0: {ruleId: 12, protocol: 1, icmpType: 8, action: 1}}}');
    await until(RESYNC_S * 1000 + 2000, () => metric(n2, /^bpfmap_agent_drift_repairs_total (\d+)$/m) === '1', () => n2.agent!.log.slice(-500));
    assert.is(await n2.ping(), true, 'node 2 after the resync: the ping passes again');
    assert.ok(n2.agent!.events().some((e) => e.event === 'drift repaired' && e.generation === g2), 'node 2 logs the repair');

    // Version 3 (1000 more entries): node 1's agent is killed with SIGKILL while its journal exists,
    // node 2's gets SIGTERM then (it finishes the apply and exits 0); both are restarted.
    let g3 = '';
    const n1 = nodes[0]!;
    const journals = (n: SimNode) => { try { return readdirSync(n.jdir).filter((x) => x.endsWith('.journal')); } catch { return []; } };
    let killedWithJournal = false, termed = false;
    const kill1 = () => { if (!killedWithJournal && journals(n1).length > 0) { n1.agent!.kill('SIGKILL'); killedWithJournal = true; } };
    const term2 = () => { if (!termed && journals(n2).length > 0) { n2.agent!.kill('SIGTERM'); termed = true; } };
    // inotify sees the journal the moment it is created; the loop below polls as well.
    for (const n of [n1, n2]) mkdirSync(n.jdir, { recursive: true });
    const watchers = [watch(n1.jdir, kill1), watch(n2.jdir, term2)];
    // The journal lives as long as the apply (milliseconds): a version both nodes applied without being
    // caught is followed by another one that changes every entry again (ports shifted), up to five.
    const applied = (n: SimNode, g: string) => n.agent!.events().some((e) => e.event === 'applied' && e.generation === g);
    try {
      for (let attempt = 0; attempt < 5 && (!killedWithJournal || !termed); attempt++) {
        files = { 'state.json': bigState(1, 1000, attempt) };
        g3 = generationOf(files);
        t = f.publish(files);
        const t0 = performance.now();
        let checked = t0;
        while (performance.now() - t0 < CONVERGE_MS && (!killedWithJournal || !termed)) {
          kill1();
          term2();
          if (performance.now() - checked > 50) {
            checked = performance.now();
            if ((killedWithJournal || applied(n1, g3)) && (termed || applied(n2, g3))) break;
          }
          await new Promise((r) => setImmediate(r));
        }
      }
    } finally {
      for (const w of watchers) w.close();
    }
    assert.ok(killedWithJournal, `node 1: its journal was seen, and the agent killed then: ${n1.agent!.log.split('\n').filter((l) => !l.includes('"event":"unchanged"')).join('\n').slice(-1500)}`);
    assert.ok(termed, `node 2: SIGTERM sent while its journal existed: ${n2.agent!.log.split('\n').filter((l) => !l.includes('"event":"unchanged"')).join('\n').slice(-1500)}`);
    assert.equal(await n1.agent!.exited, { code: null, signal: 'SIGKILL' });
    assert.ok(journals(n1).length > 0, 'node 1: the SIGKILL left a journal');
    const term = await Promise.race([n2.agent!.exited, sleep(5000).then(() => null)]);
    assert.equal(term, { code: 0, signal: null }, 'node 2: SIGTERM during an apply: exit 0 within 5 s');
    assert.ok(n2.agent!.events().some((e) => e.event === 'stopped'), 'node 2 says it stopped');
    assert.equal(journals(n2), [], 'node 2: the apply it was in finished (no journal left)');
    // Restarted: node 1 rolls the journal back first, then applies the current state.
    for (const n of [n1, n2]) n.startAgent(f.stateDir, { NODE_RULE: String(10 + n.index) }, ['--resync', String(RESYNC_S)]);
    await converged(nodes, g3, performance.now(), 2 * CONVERGE_MS); // a restart: process start, recovery, apply
    await until(2000, () => n1.agent!.events().some((e) => e.event === 'recovered'), () => `node 1 logs the journal rolled back: ${n1.agent!.log.slice(0, 600)}`);
    assert.is(metric(n1, /^bpfmap_agent_journal_recoveries_total (\d+)$/m), '1');
    assert.equal(journals(n1), [], 'node 1: no journal left');
    for (const n of nodes) {
      const count = (JSON.parse(n.bpfmap('dump', 'fixtures/firewall.bpfel.o', TABLE, '--json')) as unknown[]).length;
      assert.is(count, 1001, `node ${n.index}: exactly the entries of version 3`);
    }
    assert.equal(await pings(nodes), [false, false, false], 'version 3 (deny): dropped everywhere');

    // Version 4 names fw1, which node 3 does not have: nodes 1 and 2 apply it, node 3 keeps version 3
    // (still denying) and is not ready, saying why.
    files = { [STATE]: rules(2, ['      - key: {ingress_ifindex: fw1, ip_data: 198.18.0.0/24}', '        value: {rules: {0: {ruleId: 50, protocol: 0, action: 1}}}']) };
    const g4 = generationOf(files);
    t = f.publish(files);
    await converged([n1, n2], g4, t);
    const n3 = nodes[2]!;
    await until(CONVERGE_MS, () => n3.http('/readyz').status === 503, () => readyText(n3));
    const r3 = n3.http('/readyz');
    assert.match(r3.body, `not ready: generation ${g4} cannot be applied on this node`);
    assert.match(r3.body, /fw1.*no such interface/);
    assert.match(r3.body, `the maps keep generation ${g3}`);
    assert.is(metric(n3, /^bpfmap_agent_applied_generation\{generation="([0-9a-f]+)"\} 1$/m), g3);
    assert.is(n3.http('/healthz').status, 200, 'node 3 is alive');
    assert.equal(await pings(nodes), [true, true, false], 'version 4: nodes 1 and 2 allow, node 3 still denies');
    await until(10_000, () => {
      const ready = promQuery(f, 'bpfmap_agent_ready').map((v) => `${v.metric.node}:${v.value[1]}`).sort().join(',');
      return ready === 'n1:1,n2:1,n3:0';
    }, () => JSON.stringify(promQuery(f, 'bpfmap_agent_ready')));
    const gens = promQuery(f, 'bpfmap_agent_applied_generation == 1').map((v) => `${v.metric.node}:${v.metric.generation}`).sort();
    assert.equal(gens, [`n1:${g4}`, `n2:${g4}`, `n3:${g3}`], 'Prometheus: the generation each node holds');

    // SIGTERM: every agent exits 0 within 5 s.
    for (const n of nodes) n.agent!.kill('SIGTERM');
    const codes = await Promise.all(nodes.map((n) => Promise.race([n.agent!.exited, sleep(5000).then(() => 'timeout')])));
    assert.equal(codes, nodes.map(() => ({ code: 0, signal: null })), 'SIGTERM: exit 0');
    console.log(`  fw0 indexes ${idx.join(', ')}; version 2 converged on 3 nodes ${Math.round(took2)} ms after the swap`);
  } finally {
    if (fleet) {
      await fleet.destroy();
      left = fleet.leftovers();
    }
  }
  assert.equal(left, [], 'namespaces removed');
}));

F.run();
