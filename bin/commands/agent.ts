/**
 * agent: one process per node that keeps an object's maps equal to a state (a file, or a ConfigMap
 * directory with kubelet's `..data` swap), repairs drift, serves /metrics, /healthz, /readyz, and
 * optionally logs the records of an event map. Every log line is one NDJSON object on stdout.
 */
import { loadSource, typeNode, startAgent, parseExporterConfig, DEFAULT_JOURNAL_DIR, BpfmapError, ERROR_CODE, type AgentEvent, type Source, type TypeNode } from '../../src/index.js';
import { recoverText } from '../../src/apply/recover.js';
import { LOCK, UsageError, lockOptions, readOptionFile, type GlobalArgs, type LockArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { ensureBpffs } from '../target.js';
import { writeText } from '../sink.js';
import { jsonLine } from '../stream-output.js';
import { errorOf } from '../watch-log.js';
import { oneLine } from '../report.js';
import { trapSignals } from '../signals.js';
import { parseListen } from './exporter.js';

interface Args extends GlobalArgs, LockArgs {
  object?: string;
  state?: string;
  listen?: string;
  events?: string;
  'event-type'?: string;
  'metrics-config'?: string;
  prune?: boolean;
  'pin-root'?: string;
  force?: boolean;
  resync?: number;
  journal?: string;
}

/** After SIGTERM the agent is gone within this long (the apply in progress, if any, ends first). */
export const STOP_MS = 2000;

function eventType(src: Source, name: string): TypeNode {
  if (!src.btf) throw new UsageError(`--event-type ${name}: needs a BPF object (or raw BTF) as the first argument`);
  const t = src.btf.findByName(name);
  if (!t) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `--event-type ${name}: no type of that name in ${src.path}`);
  return typeNode(src.btf, t.id);
}

/** One log line: `{time, event, ...}`. */
function logLine(e: AgentEvent): void {
  const time = new Date().toISOString();
  const o: Record<string, unknown> = { time, event: e.event };
  switch (e.event) {
    case 'listening': o.url = e.url; break;
    case 'recovered': o.message = oneLine(recoverText(e.report)); break;
    case 'record': {
      const { kind, ...rest } = e.item;
      if (kind === 'lost') o.event = 'records lost';
      Object.assign(o, rest);
      break;
    }
    case 'events failed': o.error = errorOf(e.error); o.retryMs = e.retryMs; break;
    case 'scrape failed': o.map = e.error.map; o.error = { message: e.error.message }; break;
    default:
      o.generation = e.generation;
      if ('result' in e) { o.reason = e.reason; o.maps = e.result.maps; o.stats = e.result.stats; }
      if ('error' in e) o.error = errorOf(e.error);
      if ('retryMs' in e) o.retryMs = e.retryMs;
  }
  writeText(`${jsonLine(o)}\n`);
}

export async function runAgent(a: Args): Promise<void> {
  if (a.object === undefined) throw new UsageError('name the BPF object the maps come from: bpfmap agent OBJ --state PATH');
  if (a.state === undefined) throw new UsageError('give the state with --state PATH (a state file, or a directory such as a mounted ConfigMap)');
  const resync = a.resync ?? 60;
  const src = loadSource(a.object);
  let exporter;
  if (a['metrics-config'] !== undefined) {
    exporter = parseExporterConfig(readOptionFile('--metrics-config', a['metrics-config']), a['metrics-config']);
  }
  const events = a.events === undefined ? undefined : {
    map: a.events,
    type: a['event-type'] === undefined ? undefined : eventType(src, a['event-type']),
    decode: { prettyAddresses: true, compact: true },
  };
  ensureBpffs([a['pin-root']]);
  // Caught from the start: a signal during an apply (synchronous) is taken in after it ends.
  const trap = trapSignals();
  try {
    const agent = await startAgent({
      schema: src.schema, statePath: a.state, prune: a.prune === true, pinRoot: a['pin-root'], force: a.force === true,
      journalDir: a.journal === 'off' ? undefined : a.journal ?? DEFAULT_JOURNAL_DIR, ...lockOptions(a),
      listen: a.listen === undefined || a.listen === 'off' ? undefined : parseListen(a.listen),
      exporter, events, resyncMs: resync * 1000, onEvent: logLine,
    });
    const sig = await new Promise<string>((resolve) => {
      trap.onSignal(resolve);
      if (trap.received) resolve(trap.received);
    });
    await agent.close();
    writeText(`${jsonLine({ time: new Date().toISOString(), event: 'stopped', signal: sig, generation: agent.metrics.applied || null,
      message: 'no apply was cut short (each completed or rolled back): the maps hold the last applied state' })}\n`);
    // Anything left holding the event loop does not delay the exit past STOP_MS.
    setTimeout(() => process.exit(0), STOP_MS).unref();
  } finally {
    trap.dispose();
  }
}

export const agentCommand = defineCommand({
  command: 'agent',
  describe: 'node agent: keep the maps equal to a state file or ConfigMap directory, repair drift, serve /metrics /healthz /readyz',
  positionals: {
    object: { describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file' },
  },
  options: {
    ...LOCK,
    state: { type: 'string', describe: 'the state: a YAML/JSON file, or a directory of them (a mounted ConfigMap, read through its ..data symlink); ${NAME} takes the environment variable NAME' },
    listen: { type: 'string', default: '127.0.0.1:9435', describe: 'HOST:PORT for /metrics, /healthz and /readyz (port 0: any free port; off: no server)' },
    events: { type: 'string', describe: 'also log the records of this ring buffer or perf event array map (one NDJSON line each)' },
    'event-type': { type: 'string', describe: 'with --events: decode each record as this struct of the object' },
    'metrics-config': { type: 'string', describe: 'exporter configuration for the maps\' series on /metrics (see bpfmap exporter --config)' },
    prune: { type: 'boolean', describe: 'delete entries the state does not list, in every map it names (or `prune: true` per map)' },
    'pin-root': { type: 'string', describe: 'maps are pinned at DIR/<map name>' },
    force: { type: 'boolean', describe: 'apply even when a live map does not match the object' },
    resync: { type: 'number', min: 0, expect: 'seconds >= 0', describe: 'every SECONDS re-read the live maps and repair drift back to the last good state (default 60; 0: never)' },
    journal: { type: 'string', describe: `crash journal directory (default ${DEFAULT_JOURNAL_DIR}); off: none` },
  },
  examples: [
    ['HOST_IP=198.18.0.1 $0 agent fixtures/firewall.bpfel.o --state examples/agent-state.yaml --listen 127.0.0.1:9435 --prune --metrics-config examples/firewall-exporter.yaml', 'keep the maps equal to a state file, serve /metrics /healthz /readyz; Ctrl-C stops'],
  ],
  implies: [['event-type', 'events']],
  handler: async (a) => {
    await runAgent(a);
  },
});
