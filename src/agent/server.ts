/**
 * The agent's HTTP side: /metrics (the exporter's scrape of the object's maps, then the agent's own
 * series), /healthz (the agent's loop turns) and /readyz (the newest state is applied; otherwise 503
 * with the reason).
 */
import type { Server } from 'node:http';
import { loadHttp, negotiate, scrape, sendMetrics, type ExporterPlan, type MetricFamily, type ScrapeError, type ScrapeOptions } from '../exporter/index.js';

export interface Probe {
  ok: boolean;
  /** One line: what is applied, or why not. */
  text: string;
}

export interface AgentServerOptions extends ScrapeOptions {
  host: string;
  port: number;
  plan: ExporterPlan;
  families: () => MetricFamily[];
  health: () => Probe;
  ready: () => Probe;
  onScrapeError?: (e: ScrapeError) => void;
}

export function serveAgent(opts: AgentServerOptions): Promise<Server> {
  const server = loadHttp().createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : `${body}\n`);
    };
    if (path === '/healthz' || path === '/readyz') {
      const p = path === '/healthz' ? opts.health() : opts.ready();
      text(p.ok ? 200 : 503, p.text);
      return;
    }
    if (path !== '/metrics') {
      text(path === '/' ? 200 : 404, path === '/' ? 'bpfmap agent: /metrics, /healthz, /readyz' : 'not found: /metrics, /healthz, /readyz');
      return;
    }
    const format = negotiate(req.headers.accept);
    scrape(opts.plan, opts).then((r) => {
      for (const e of r.errors) opts.onScrapeError?.(e);
      sendMetrics(req, res, [...r.families, ...opts.families()], format);
    }, (e: unknown) => {
      text(500, `scrape failed: ${(e as Error).message}`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(server); });
  });
}
