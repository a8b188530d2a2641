/**
 * The node agent: keeps the maps of one object equal to a state (a file, or a ConfigMap directory),
 * serves /metrics, /healthz and /readyz, and optionally streams the records of an event map.
 * It is watchState (apply/watch.ts: settle, wait for maps, resync drift, backoff) fed by
 * state-source.ts (kubelet's `..data` swap, `${NAME}` references, the generation hash), applyState
 * with the crash journal, and the exporter's scrape; this file only wires them and keeps the status.
 *
 * Ready means: the newest state read is valid on this node and applied. A state that cannot be
 * applied (it does not validate here, e.g. an interface the node does not have; a map is missing;
 * the kernel refuses) leaves the last good state in the maps (resyncs keep repairing it) and makes
 * ready false with the reason.
 */
import { existsSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { ObjectSchema, TypeNode } from '../schema/types.js';
import type { DecodeOptions } from '../codec/index.js';
import { ERROR_CODE, isBpfmapError } from '../errors.js';
import { applyState, liveMapIds, watchState, writeCalls, type ApplyResult, type DesiredState, type RecoverReport, type WatchEvent, type WatchHandle } from '../apply/index.js';
import { planExporter, type ExporterConfig, type ScrapeError } from '../exporter/index.js';
import { readEvents, type EventItem } from '../events/index.js';
import { openMap, type LiveMap, type LockOptions } from '../map/index.js';
import { findMap } from '../object/source.js';
import { AgentMetrics } from './metrics.js';
import { serveAgent, type Probe } from './server.js';
import { parseStateFiles, readStateFiles, stateVersion } from './state-source.js';

export type AgentEvent =
  /** A watch event (applied, unchanged, drift repaired, waiting for map, file invalid, apply failed), with the generation it concerns. */
  | (WatchEvent & { generation: string })
  | { event: 'listening'; url: string }
  /** An unfinished apply (a crash, SIGKILL) rolled back from the journal before the next apply. */
  | { event: 'recovered'; report: RecoverReport }
  /** A record (or a lost-records report) of the events map. */
  | { event: 'record'; item: EventItem }
  | { event: 'events failed'; error: unknown; retryMs: number }
  | { event: 'scrape failed'; error: ScrapeError };

export interface AgentOptions extends LockOptions {
  schema: ObjectSchema;
  /** The state: a file, or a directory of files (a ConfigMap volume). */
  statePath: string;
  /** Values for `${NAME}` in the state (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Delete entries the state does not list, in every map it names (default: as each map says). */
  prune?: boolean;
  pinRoot?: string;
  force?: boolean;
  /** The crash journal's directory (see applyState); without it, no journal. */
  journalDir?: string;
  /** Serve /metrics, /healthz and /readyz here (port 0: any free port). */
  listen?: { host: string; port: number };
  /** What /metrics exports of the maps (the exporter's configuration; default: every number of every readable map). */
  exporter?: ExporterConfig;
  /** Stream the records of this ring buffer or perf event array map as events. */
  events?: { map: string; type?: TypeNode; decode?: DecodeOptions };
  /** Watch timings (ms): see WatchOptions. resyncMs defaults to 60000; settleMs to 0 for a directory with `..data`, else 500. */
  resyncMs?: number;
  pollMs?: number;
  settleMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** The loop counts as stuck (/healthz fails) when it has not turned for this long (ms, default 10000). */
  stuckMs?: number;
  onEvent: (e: AgentEvent) => void;
}

export interface Agent {
  readonly metrics: AgentMetrics;
  /** The address /metrics is served at, when listening. */
  readonly url: string | null;
  health(): Probe;
  ready(): Probe;
  /** Stops watching, reading events and serving. An apply in progress has ended before this runs (applies are synchronous). */
  close(): Promise<void>;
}

const isDirectory = (p: string): boolean => { try { return statSync(p).isDirectory(); } catch { return false; } };
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const codeOf = (e: unknown): string => (isBpfmapError(e) ? e.code : 'INTERNAL');
const isMissing = (e: unknown): boolean => isBpfmapError(e) && (e.code === ERROR_CODE.MAP_NOT_FOUND || e.code === ERROR_CODE.NOT_FOUND);

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const env = opts.env ?? process.env;
  const metrics = new AgentMetrics();
  const generations = new WeakMap<DesiredState, string>();
  /** Why the newest state is not applied (null: it is). */
  let problem: string | null = 'starting: the state has not been read yet';
  let lastSeconds = 0;
  /** The error the last failed read threw (the watch reports it as 'file invalid'). */
  let readError: unknown = null;
  let beat = Date.now();
  const stuckMs = opts.stuckMs ?? 10_000;

  const notReady = (p: string) => { problem = p; metrics.ready = false; };
  const keeping = () => (metrics.applied === '' ? 'nothing applied yet' : `the maps keep generation ${metrics.applied}`);

  const read = (): DesiredState => {
    const t0 = performance.now();
    const files = readStateFiles(opts.statePath);
    metrics.latest = files.generation;
    try {
      const state = parseStateFiles(files, opts.schema, env, { prune: opts.prune });
      metrics.lastReadSeconds = (performance.now() - t0) / 1000;
      generations.set(state, files.generation);
      metrics.latestValid = true;
      notReady(`generation ${files.generation} read, not applied yet`);
      return state;
    } catch (e) {
      metrics.latestValid = false;
      readError = e;
      metrics.error('state invalid', codeOf(e));
      notReady(`generation ${files.generation} cannot be applied on this node: ${message(e)}; ${keeping()}`);
      throw e;
    }
  };

  const applyOptions = {
    pinRoot: opts.pinRoot, force: opts.force, journalDir: opts.journalDir, lockDir: opts.lockDir, lockTimeoutMs: opts.lockTimeoutMs,
    onRecover: (report: RecoverReport) => { metrics.recovered++; opts.onEvent({ event: 'recovered', report }); },
  };
  /** The state the maps hold (the last one applied) and when they were last made equal to it. */
  let held: DesiredState | null = null;
  let heldAt = 0;
  const resyncMs = opts.resyncMs ?? 60_000;

  /**
   * While a newer state keeps failing, the watch retries it and never resyncs: the state the maps
   * hold is re-applied here every resyncMs instead, so drift is still repaired back to it.
   */
  const repairHeld = (failed: DesiredState) => {
    if (held === null || held === failed || resyncMs <= 0 || Date.now() - heldAt < resyncMs) return;
    heldAt = Date.now();
    const t0 = performance.now();
    try {
      const r = applyState(held, applyOptions);
      if (writeCalls(r.stats) === 0) return;
      const seconds = (performance.now() - t0) / 1000;
      metrics.written += r.stats.entriesWritten;
      metrics.deleted += r.stats.entriesDeleted;
      metrics.apply('drift repaired', seconds);
      metrics.driftRepairs++;
      opts.onEvent({ event: 'drift repaired', reason: 'resync', result: r, generation: metrics.applied });
    } catch {
      // The maps are as they were (rolled back); the failing state's own error is what is reported.
    }
  };

  const apply = (state: DesiredState): ApplyResult => {
    const gen = generations.get(state) ?? '';
    const t0 = performance.now();
    try {
      const r = applyState(state, applyOptions);
      held = state;
      heldAt = Date.now();
      lastSeconds = (performance.now() - t0) / 1000;
      metrics.written += r.stats.entriesWritten;
      metrics.deleted += r.stats.entriesDeleted;
      metrics.applied = gen;
      if (metrics.latestValid && metrics.latest === gen) { problem = null; metrics.ready = true; }
      return r;
    } catch (e) {
      lastSeconds = (performance.now() - t0) / 1000;
      const missing = isMissing(e);
      if (!missing) repairHeld(state);
      metrics.apply('failed', lastSeconds);
      metrics.error(missing ? 'waiting for map' : 'apply failed', codeOf(e));
      if (metrics.latest === gen) notReady(`${missing ? 'waiting for a map' : 'the apply failed'} (generation ${gen}): ${message(e)}; retrying; ${keeping()}`);
      throw e;
    }
  };

  const onWatch = (e: WatchEvent) => {
    beat = Date.now();
    let gen = metrics.latest;
    if ('result' in e) {
      metrics.apply(e.event, lastSeconds);
      if (e.event === 'drift repaired') metrics.driftRepairs++;
      gen = metrics.applied;
    } else if (e.event === 'file invalid' && e.error !== readError) {
      // Not from a read (the state is missing): the watch says so itself.
      metrics.latestValid = false;
      metrics.error('state invalid', codeOf(e.error));
      notReady(`${message(e.error)}; ${keeping()}`);
    }
    opts.onEvent({ ...e, generation: gen });
  };

  const heart = setInterval(() => { beat = Date.now(); }, Math.min(1000, stuckMs / 2));

  const health = (): Probe => {
    const ago = Date.now() - beat;
    return ago <= stuckMs
      ? { ok: true, text: `ok: the loop turned ${(ago / 1000).toFixed(1)} s ago` }
      : { ok: false, text: `stuck: the loop has not turned for ${(ago / 1000).toFixed(1)} s` };
  };
  const ready = (): Probe => (problem === null
    ? { ok: true, text: `ready: generation ${metrics.applied} applied` }
    : { ok: false, text: `not ready: ${problem}` });

  const ac = new AbortController();
  const eventsDone = opts.events ? readEventsLoop(opts, metrics, ac.signal) : Promise.resolve();

  let server: Server | null = null;
  let url: string | null = null;
  if (opts.listen) {
    try {
      server = await serveAgent({
        ...opts.listen, plan: planExporter(opts.schema, opts.exporter ?? {}), pinRoot: opts.pinRoot, force: opts.force,
        families: () => metrics.families(), health, ready,
        onScrapeError: (error) => opts.onEvent({ event: 'scrape failed', error }),
      });
    } catch (e) {
      clearInterval(heart);
      ac.abort();
      throw e;
    }
    const a = server.address();
    url = typeof a === 'object' && a !== null ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : String(a);
    opts.onEvent({ event: 'listening', url });
  }

  // Started after the server listens: /healthz and /readyz answer from the start (the first apply
  // may be long). watchState watches the directory that holds the path it is given: for a directory, the
  // directory itself (kubelet's swap renames `..data` in it); plain files changed in place are polled.
  const watched = isDirectory(opts.statePath) ? join(opts.statePath, '..data') : opts.statePath;
  const watch: WatchHandle = watchState(watched, {
    read, apply, onEvent: onWatch, repairHeld: false,
    mapIds: (state) => liveMapIds(state, { pinRoot: opts.pinRoot }),
    fingerprint: () => stateVersion(opts.statePath),
    // kubelet's swap is atomic: a version behind `..data` is complete once it is there, no settling.
    resyncMs: opts.resyncMs, pollMs: opts.pollMs, settleMs: opts.settleMs ?? (existsSync(watched) ? 0 : undefined), retryMinMs: opts.retryMinMs, retryMaxMs: opts.retryMaxMs,
  });

  return {
    metrics, url, health, ready,
    async close() {
      watch.close();
      clearInterval(heart);
      ac.abort();
      if (server) {
        const s = server;
        await new Promise<void>((r) => { s.close(() => r()); s.closeAllConnections(); });
      }
      await eventsDone;
    },
  };
}

/** Reads the events map until aborted; a map that is missing (not pinned yet) is retried with backoff. */
async function readEventsLoop(opts: AgentOptions, metrics: AgentMetrics, signal: AbortSignal): Promise<void> {
  const ev = opts.events!;
  let backoff = 0;
  let told = '';
  while (!signal.aborted) {
    let live: LiveMap | undefined;
    try {
      live = openMap({ map: findMap(opts.schema, ev.map), byteOrder: opts.schema.byteOrder, pinRoot: opts.pinRoot, force: opts.force });
      const stream = readEvents(live, { type: ev.type, byteOrder: opts.schema.byteOrder, decode: ev.decode, signal });
      backoff = 0;
      for await (const batch of stream.batches()) {
        for (const item of batch) { metrics.events++; opts.onEvent({ event: 'record', item }); }
      }
      return;
    } catch (e) {
      if (signal.aborted) return;
      backoff = backoff === 0 ? (opts.retryMinMs ?? 500) : Math.min(opts.retryMaxMs ?? 10_000, backoff * 2);
      metrics.error('events', codeOf(e));
      if (told !== message(e)) { told = message(e); opts.onEvent({ event: 'events failed', error: e, retryMs: backoff }); }
      await new Promise<void>((r) => {
        const t = setTimeout(r, backoff);
        signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
      });
    } finally {
      live?.close();
    }
  }
}
