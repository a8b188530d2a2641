/**
 * The HTTP side: GET /metrics runs a scrape (its own, see scrape.ts) and answers in the format the
 * Accept header asks for. Other paths get 404; a scrape that fails as a whole gets 500 with the message.
 */
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { ExporterPlan } from './plan.js';
import { scrape, type ScrapeError, type ScrapeOptions } from './scrape.js';
import { CONTENT_TYPE, negotiate, renderParts, type MetricFamily } from './text-format.js';

export interface ServeOptions extends ScrapeOptions {
  host: string;
  port: number;
  /** Hears of every map that could not be read in a scrape. */
  onError?: (e: ScrapeError) => void;
}

/** Writes metric families as one response of the negotiated format (no body for HEAD). */
export function sendMetrics(req: IncomingMessage, res: ServerResponse, families: readonly MetricFamily[], format: ReturnType<typeof negotiate>): void {
  const parts = renderParts(families, format);
  let length = 0;
  for (const p of parts) length += p.length;
  res.writeHead(200, { 'content-type': CONTENT_TYPE[format], 'content-length': length });
  if (req.method !== 'HEAD') for (const p of parts) res.write(p);
  res.end();
}

/**
 * node:http, required when a server starts rather than imported: importing it (with the stream and
 * net modules it loads) added about 10 ms to the start-up of every command, served or not (measured
 * 2026-12-06, 3 rounds of 10 runs: `node -e 0` 65-79 ms, requiring http and crypto 76-90 ms).
 */
export function loadHttp(): typeof import('node:http') {
  return createRequire(import.meta.url)('node:http') as typeof import('node:http');
}

/** Starts serving; resolves once listening. close() the server to stop. */
export function serveMetrics(plan: ExporterPlan, opts: ServeOptions): Promise<Server> {
  const server = loadHttp().createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    if (path !== '/metrics') {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' })
        .end(path === '/' ? 'bpfmap exporter: metrics at /metrics\n' : 'not found: metrics are at /metrics\n');
      return;
    }
    const format = negotiate(req.headers.accept);
    scrape(plan, opts).then((r) => {
      for (const e of r.errors) opts.onError?.(e);
      sendMetrics(req, res, r.families, format);
    }, (e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`scrape failed: ${(e as Error).message}\n`);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => { server.off('error', reject); resolve(server); });
  });
}
