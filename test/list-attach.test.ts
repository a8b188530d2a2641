// `bpfmap list` names where the programs using a map are attached. The firewall fixture is loaded in
// a private bpffs; in a network namespace the test creates, it is attached to one veth through
// rtnetlink (`ip link set ... xdpgeneric`: no bpf link) and to a second veth through a bpf link
// (LINK_CREATE); a tiny sched_cls program using the firewall's rule table goes on the second veth's
// tcx ingress, a tiny cgroup_skb program using it on a cgroup the test makes, and a tiny
// raw_tracepoint program using it on sys_enter. `list --json` run in that namespace must name each
// interface, mode, attach type, cgroup and tracepoint, as bpftool (net show, link show) does; run
// outside it, the interfaces are not named. Namespaces, cgroup and pins are removed.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { withPrivateBpffs, FIREWALL, PROG, ROOT, type PrivateBpffs } from './helpers/private-bpffs.js';
import { VethPair } from './helpers/netns.js';
import { suite } from './helpers/skip.js';
import { parseJson } from '../src/index.js';
import type { AttachPoint, LoadedMap } from '../src/index.js';

const T = suite('list: attach points');

/** Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts). */
function cgroup2(): string | null {
  const line = readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  return line ? line.split(' ')[1]! : null;
}

/** `bpfmap list --id ID --json` (the rule table of this test's firewall) in a namespace. */
function listIn(ns: PrivateBpffs, net: string[], id: number): LoadedMap[] {
  const r = ns.exec(process.execPath, [join(ROOT, 'dist/cli/bpfmap.js'), 'list', '--id', String(id), '--json'], net);
  assert.is(r.status, 0, r.stderr);
  return parseJson(r.stdout) as LoadedMap[];
}

function attachOf(maps: LoadedMap[], progId: number): AttachPoint[] {
  const table = maps;
  assert.is(table.length, 1, 'the rule table, once');
  const p = table[0]!.programs.find((x) => x.id === progId);
  assert.ok(p, `program ${progId} is listed as a user of the rule table`);
  return [...p!.attach].sort((a, b) => (a.link ?? 0) - (b.link ?? 0));
}

T('xdp without and with a link, tcx ingress, cgroup egress: named as bpftool names them', withPrivateBpffs(async (ns) => {
  const pair = VethPair.create();
  const tag = randomBytes(3).toString('hex');
  const root = cgroup2();
  if (root === null) throw new Error('no cgroup2 mount: the cgroup link needs one');
  const cgroup = `${root}/bpfmap-test-${process.pid}-${tag}`;
  const devC = `bfl${tag}c`;
  const devD = `bfl${tag}d`;
  const netA = [VethPair.netArg(pair.a)];
  try {
    mkdirSync(cgroup);
    // Another veth pair inside namespace a: a second interface with its own index.
    ns.check('ip', ['link', 'add', devC, 'type', 'veth', 'peer', 'name', devD], netA);
    for (const d of [devC, devD]) ns.check('ip', ['link', 'set', d, 'up'], netA);
    ns.check('ip', ['link', 'set', 'dev', pair.a.dev, 'xdpgeneric', 'pinned', PROG], netA);
    const made = JSON.parse(ns.check(process.execPath, ['--import', 'tsx', 'test/helpers/attach-links.ts', devC, cgroup], netA)) as
      { ifindex: number; xdp: number; tcx: number; cgroup: number; rawTp: number; tcxProg: number; cgroupProg: number; rawTpProg: number };
    const fwId = (JSON.parse(ns.bpftool('-j', 'prog', 'show', 'pinned', PROG)) as { id: number }).id;
    const ifA = pair.ifindex(pair.a);
    const tableId = (JSON.parse(ns.bpftool('-j', 'map', 'show', 'pinned', '/sys/fs/bpf/ingress_node_firewall_table_map')) as { id: number }).id;

    const maps = listIn(ns, netA, tableId);
    // The firewall: on veth a through rtnetlink (generic mode), on devC through its link (driver mode).
    assert.equal(attachOf(maps, fwId), [
      { kind: 'xdp', link: null, attachType: 'xdp', ifindex: ifA, ifname: pair.a.dev, mode: 'generic' },
      { kind: 'xdp', link: made.xdp, attachType: 'xdp', ifindex: made.ifindex, ifname: devC, mode: 'driver' },
    ]);
    assert.equal(attachOf(maps, made.tcxProg), [{ kind: 'tcx', link: made.tcx, attachType: 'tcx_ingress', ifindex: made.ifindex, ifname: devC }]);
    assert.equal(attachOf(maps, made.rawTpProg), [{ kind: 'raw_tracepoint', link: made.rawTp, target: 'sys_enter' }]);
    const cg = attachOf(maps, made.cgroupProg);
    assert.equal(cg.map((a) => [a.kind, a.link, a.attachType, a.cgroup]), [['cgroup', made.cgroup, 'cgroup_inet_egress', cgroup]]);

    // bpftool, the oracle: `net show` in namespace a lists the XDP programs by interface and mode ...
    const net = JSON.parse(ns.check('bpftool', ['-j', 'net', 'show'], netA)) as { xdp: { devname: string; ifindex: number; mode: string; id: number }[] }[];
    const xdp = net[0]!.xdp.map((x) => [x.devname, x.ifindex, x.mode, x.id]).sort();
    assert.equal(xdp, [[devC, made.ifindex, 'driver', fwId], [pair.a.dev, ifA, 'generic', fwId]].sort());
    // ... and `link show` the links with their program, type, cgroup id and attach type (bpftool 7.1
    // prints no ifindex for xdp links and knows tcx only by its number, BPF_LINK_TYPE_TCX = 11).
    const links = JSON.parse(ns.bpftool('-j', 'link', 'show')) as { id: number; type: string | number; prog_id: number; ifindex?: number; cgroup_id?: number; attach_type?: string }[];
    const byId = new Map(links.map((l) => [l.id, l]));
    const x = byId.get(made.xdp)!, c = byId.get(made.tcx)!, g = byId.get(made.cgroup)!;
    assert.equal([x.type, x.prog_id, x.ifindex ?? made.ifindex], ['xdp', fwId, made.ifindex], JSON.stringify(links));
    assert.ok(c.type === 11 || c.type === 'tcx', JSON.stringify(c));
    assert.is(c.prog_id, made.tcxProg);
    assert.equal([g.type, g.prog_id, g.attach_type?.replace(/^(cgroup_inet_)?/, 'cgroup_inet_')], ['cgroup', made.cgroupProg, 'cgroup_inet_egress']);
    assert.is(BigInt(g.cgroup_id!), BigInt(cg[0]!.cgroupId!));
    const r = byId.get(made.rawTp) as { type?: string; prog_id?: number; tp_name?: string } | undefined;
    assert.equal([r?.type, r?.prog_id, r?.tp_name], ['raw_tracepoint', made.rawTpProg, 'sys_enter']);

    // Outside the namespace: the links are listed, their interfaces are not named; no rtnetlink XDP.
    const outside = listIn(ns, [], tableId);
    assert.equal(attachOf(outside, fwId).map((a) => [a.link, a.ifindex, a.ifname]), [[made.xdp, made.ifindex, null]]);
    assert.equal(attachOf(outside, made.tcxProg).map((a) => a.ifname), [null]);

    // The table: each program with where it is attached, in words.
    const t = ns.exec(process.execPath, [join(ROOT, 'dist/cli/bpfmap.js'), 'list', '--id', String(tableId)], netA);
    assert.is(t.status, 0, t.stderr);
    assert.ok(t.stdout.includes(`:ingress_node_fi [xdp ${devC}(${made.ifindex}) driver, link ${made.xdp}; xdp ${pair.a.dev}(${ifA}) generic, not via a link]`), t.stdout);
    assert.ok(t.stdout.includes(`${made.tcxProg}:sched_cls:tcx_user [tcx_ingress ${devC}(${made.ifindex}), link ${made.tcx}]`), t.stdout);
    assert.ok(t.stdout.includes(`${made.cgroupProg}:cgroup_skb:cg_user [cgroup_inet_egress ${cgroup}, link ${made.cgroup}]`), t.stdout);
  } finally {
    pair.destroy();
    ns.stop(); // drops the pinned links before the cgroup goes
    if (existsSync(cgroup)) {
      for (let i = 0; i < 50; i++) {
        try { rmdirSync(cgroup); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
      }
    }
  }
}, { load: FIREWALL, tools: ['ip'], cli: true }));

T.run();
