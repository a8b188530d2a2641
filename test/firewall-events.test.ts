// The firewall fixture sends what the reference program sends on deny: struct event_hdr_st (rule id,
// action, packet length, interface) followed by the packet's first bytes, to its perf event array.
// `bpfmap events` (the built CLI, inside the private bpffs where the firewall is loaded) prints the
// denied ping decoded, with the packet (and so its source address) in the tail.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { withPrivateBpffs, BPFMAP_BIN, FIREWALL, XDP_DROP, XDP_PASS } from './helpers/private-bpffs.js';
import { icmpEcho, IPPROTO_ICMP } from './helpers/packets.js';
import { lpmKey, rulesValue } from './helpers/firewall-bytes.js';
import { parseJson } from '../src/index.js';

const IFINDEX = 1; // BPF_PROG_TEST_RUN runs XDP programs as if the packet came in on ifindex 1
const SRC = '198.18.0.2';
const EVENTS = 'ingress_node_firewall_events_map';

const E = suite('firewall deny events');

E('a denied ping is one event: rule id, action, length and interface decoded, the packet as the tail; an allowed one sends none', withPrivateBpffs(async (ns) => {
  const ping = icmpEcho(SRC, '198.18.0.1');
  ns.setRules(lpmKey(SRC, 32, IFINDEX), rulesValue({ 0: { ruleId: 7, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 0, action: 1 } }));
  const child = spawn('nsenter', [...ns.enter(), process.execPath, BPFMAP_BIN, 'events', 'fixtures/firewall.bpfel.o', EVENTS,
    '--type', 'event_hdr_st', '--json', '--count', '1', '--timeout', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  // The map's slots point at the CLI's perf events once it has set them up: deny pings until it has one.
  let denied = 0;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    assert.is(ns.run(ping), XDP_DROP);
    denied++;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.is(await done, 0, err);
  assert.ok(denied >= 1);
  const lines = out.trimEnd().split('\n');
  assert.is(lines.length, 1, out);
  const ev = parseJson(lines[0]!) as { map: string; cpu: number; size: number; value: unknown; tail: string };
  assert.is(ev.map, EVENTS);
  assert.equal(ev.value, { ruleId: 7, action: 1, pktLength: ping.length, ifId: IFINDEX });
  // 8-byte header + the whole 70-byte ping, padded by the kernel so that 4 + size is a multiple of 8.
  assert.is(ev.size, 8 + ping.length + ((8 - ((4 + 8 + ping.length) % 8)) % 8));
  const tail = Buffer.from(ev.tail, 'hex');
  assert.equal([...tail.subarray(0, ping.length)], [...ping], 'the packet follows the header');
  assert.equal([...tail.subarray(26, 30)], [198, 18, 0, 2], 'source address');
  assert.ok(tail.subarray(ping.length).every((b) => b === 0), 'only zero padding after the packet');
  assert.match(err, /events: 1 record, 0 lost/);

  ns.setRules(lpmKey(SRC, 32, IFINDEX), rulesValue({ 0: { ruleId: 7, protocol: IPPROTO_ICMP, icmpType: 8, icmpCode: 0, action: 2 } }));
  const quiet = spawn('nsenter', [...ns.enter(), process.execPath, BPFMAP_BIN, 'events', 'fixtures/firewall.bpfel.o', EVENTS,
    '--type', 'event_hdr_st', '--json', '--timeout', '1.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let qout = '';
  quiet.stdout.on('data', (d) => { qout += d; });
  const qdone = new Promise<number | null>((resolve) => quiet.on('close', resolve));
  await new Promise((r) => setTimeout(r, 700));
  for (let i = 0; i < 3; i++) assert.is(ns.run(ping), XDP_PASS);
  assert.is(await qdone, 0);
  assert.is(qout, '', 'an allowed packet sends no event');
}, { load: FIREWALL, cli: true }));

E.run();
