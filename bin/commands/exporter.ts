import { loadSource, parseExporterConfig, planExporter, serveMetrics } from '../../src/index.js';
import { UsageError, readOptionFile, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { notice } from '../report.js';

interface Args extends GlobalArgs {
  object?: string;
  config?: string;
  listen?: string;
  'pin-root'?: string;
  force?: boolean;
}

/** `HOST:PORT` or `[IPv6]:PORT`; port 0 picks a free one. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen: expected HOST:PORT (e.g. 127.0.0.1:9435), got '${s}'`);
  return { host: m[1] ?? m[2]!, port };
}

/**
 * Serves /metrics until SIGINT or SIGTERM; prints the address it listens on to stderr (with port 0,
 * the port chosen), and each map that cannot be read once per distinct message.
 */
export async function runExporter(a: Args): Promise<void> {
  if (a.object === undefined) throw new UsageError('name an object: bpfmap exporter OBJ --listen 127.0.0.1:9435');
  const { host, port } = parseListen(a.listen ?? '127.0.0.1:9435');
  const src = loadSource(a.object);
  const config = a.config === undefined ? {} : parseExporterConfig(readOptionFile('--config', a.config), a.config);
  const plan = planExporter(src.schema, config);
  const told = new Set<string>();
  const server = await serveMetrics(plan, {
    host, port, pinRoot: a['pin-root'], force: a.force === true,
    onError: (e) => {
      const line = `exporter: map '${e.map}': ${e.message}`;
      if (!told.has(line)) { told.add(line); notice(line, { map: e.map }); }
    },
  });
  const addr = server.address();
  const shown = typeof addr === 'object' && addr !== null ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
  notice(`exporter: serving ${plan.maps.length} maps at http://${shown}/metrics`, { url: `http://${shown}/metrics` });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close(() => resolve());
      server.closeAllConnections();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export const exporterCommand = defineCommand({
  command: 'exporter',
  describe: 'serve the maps\' numbers as Prometheus metrics on /metrics (OpenMetrics when asked), until SIGINT/SIGTERM',
  positionals: {
    object: { describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file' },
  },
  options: {
    config: { type: 'string', describe: 'YAML file: maps, fields, metric names, counter/gauge, help, key labels, maxSeries, perCpu (see examples/firewall-exporter.yaml)' },
    listen: { type: 'string', default: '127.0.0.1:9435', describe: 'HOST:PORT to serve on (port 0: any free port, printed on stderr)' },
    'pin-root': { type: 'string', describe: 'maps are pinned at DIR/<map name> (as `bpfmap create --pin-root DIR` makes them)' },
    force: { type: 'boolean', describe: 'read maps even when they do not match the object' },
  },
  examples: [
    ['$0 exporter fixtures/firewall.bpfel.o --listen 127.0.0.1:9435', 'every number of every readable map, no configuration'],
    ['$0 exporter fixtures/firewall.bpfel.o --config examples/firewall-exporter.yaml', 'allow/deny packets and bytes per rule id'],
  ],
  handler: async (a) => {
    await runExporter(a);
  },
});
