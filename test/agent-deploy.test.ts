// deploy/, offline: the manifests hang together (the agent's flags exist, the probes and the Service
// reach the port it listens on, the ConfigMap is mounted where --state points and its state
// validates against the object), and the image recipe copies only files a clean checkout has.
// What is not checked here (a cluster, the image build) is said in the README.
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { suite, skip, toolsMissing } from './helpers/skip.js';
import { ROOT, bpfmap } from './helpers/cli.js';
import { loadObjectFile } from '../src/index.js';
import { parseStateFiles } from '../src/agent/index.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function docs(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(ROOT, 'deploy', file), 'utf8')).map((d) => d.toJS() as Obj);
}

const D = suite('deploy/');

const [ds] = docs('daemonset.yaml');
const [cm] = docs('configmap.yaml');
const [svc] = docs('service.yaml');
const pod = ds!.spec.template.spec as Obj;
const c = pod.containers[0] as Obj;
const args = c.args as string[];
const flag = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

D('the DaemonSet runs the agent on every node, in the host network, with probes on its port', () => {
  assert.is(ds!.kind, 'DaemonSet');
  assert.equal(pod.tolerations, [{ operator: 'Exists' }], 'every taint tolerated');
  assert.is(pod.hostNetwork, true);
  assert.is(args[0], 'agent');
  const help = bpfmap(['agent', '--help']);
  assert.is(help.code, 0);
  for (const a of args.filter((x) => x.startsWith('--'))) assert.ok(help.stdout.includes(a.split('=')[0]!), `${a}: a flag of bpfmap agent`);
  const port = Number(flag('listen')!.split(':')[1]);
  const named = (c.ports as Obj[]).find((p) => p.name === 'metrics')!;
  assert.is(named.containerPort, port, 'the metrics port is the one --listen serves');
  assert.is(c.livenessProbe.httpGet.path, '/healthz');
  assert.is(c.startupProbe.httpGet.path, '/healthz');
  assert.is(c.readinessProbe.httpGet.path, '/readyz');
  for (const p of [c.livenessProbe, c.readinessProbe, c.startupProbe]) assert.is(p.httpGet.port, 'metrics');
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory, 'resource requests');
  assert.equal(c.securityContext.capabilities.drop, ['ALL']);
  assert.equal(c.securityContext.capabilities.add, ['BPF', 'SYS_ADMIN', 'PERFMON']);
  assert.equal((c.env as Obj[]).map((e) => e.name), ['NODE_NAME', 'HOST_IP']);
});

D('bpffs comes from the host with HostToContainer propagation; the ConfigMap is mounted where --state reads; the journal stays on the node', () => {
  const mounts = new Map((c.volumeMounts as Obj[]).map((m) => [m.mountPath as string, m]));
  const vols = new Map((pod.volumes as Obj[]).map((v) => [v.name as string, v]));
  const bpffs = mounts.get('/sys/fs/bpf')!;
  assert.is(bpffs.mountPropagation, 'HostToContainer');
  assert.is(vols.get(bpffs.name)!.hostPath.path, '/sys/fs/bpf');
  const state = mounts.get(flag('state')!)!;
  assert.is(vols.get(state.name)!.configMap.name, cm!.metadata.name);
  const run = mounts.get(flag('journal')!)!;
  assert.is(vols.get(run.name)!.hostPath.path, '/run/bpfmap');
});

D('the Service selects the agents and is annotated for scraping on the metrics port', () => {
  assert.equal(svc!.spec.selector, ds!.spec.template.metadata.labels);
  assert.is(svc!.metadata.annotations['prometheus.io/scrape'], 'true');
  assert.is(Number(svc!.metadata.annotations['prometheus.io/port']), Number(flag('listen')!.split(':')[1]));
  assert.is(svc!.spec.ports[0].targetPort, 'metrics');
});

D('the ConfigMap\'s state validates against the object (eth0 read as lo: this host has no eth0 guaranteed)', () => {
  const text = (cm!.data['state.yaml'] as string).replace(/ingress_ifindex: eth0/g, 'ingress_ifindex: lo');
  assert.ok(text.includes('${HOST_IP}'));
  const schema = loadObjectFile(join(ROOT, 'fixtures/firewall.bpfel.o')).schema;
  const state = parseStateFiles({ path: 'state.yaml', generation: '', files: [{ shown: 'state.yaml', bytes: Buffer.from(text) }], dir: false },
    schema, { HOST_IP: '198.18.0.1' });
  assert.is(state.count, 3);
});

D('the image recipe copies only files a clean checkout has', () => {
  const missing = toolsMissing(['git']);
  if (missing) return skip('git not installed');
  const tracked = spawnSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\n');
  const lines = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8').split('\n').filter((l) => /^COPY (?!--from)/.test(l));
  assert.ok(lines.length >= 5);
  for (const l of lines) {
    const parts = l.split(/\s+/).slice(1, -1);
    for (const p of parts) assert.ok(tracked.some((t) => t === p || t.startsWith(`${p}/`)), `${l}: ${p} is in the repository`);
  }
});

D.run();
