/**
 * The agent's own series, next to the exporter's: which state generation the maps hold, the last
 * apply's time and result, entries written and deleted, drift repairs, errors by kind and code, time
 * spent applying. Rendered as exporter MetricFamily values (the same text format code).
 */
import { escapeLabelValue, formatValue, type MetricFamily } from '../exporter/index.js';

export type ErrorKind = 'state invalid' | 'apply failed' | 'waiting for map' | 'events';

export class AgentMetrics {
  /** The generation the maps hold ('' before the first apply) and the newest one read (valid or not). */
  applied = '';
  latest = '';
  latestValid = false;
  ready = false;
  lastApplyTime = 0;
  lastApplyOk = false;
  lastApplySeconds = 0;
  /** How long reading, expanding, validating and encoding the newest valid state took. */
  lastReadSeconds = 0;
  applySeconds = 0;
  written = 0;
  deleted = 0;
  driftRepairs = 0;
  recovered = 0;
  events = 0;
  readonly applies = new Map<string, number>();
  readonly errors = new Map<string, number>();

  /** Counts one apply that ran (result: applied, unchanged, drift repaired, failed) and its time. */
  apply(result: string, seconds: number): void {
    this.applies.set(result, (this.applies.get(result) ?? 0) + 1);
    this.lastApplyTime = Date.now() / 1000;
    this.lastApplyOk = result !== 'failed';
    this.lastApplySeconds = seconds;
    this.applySeconds += seconds;
  }

  error(kind: ErrorKind, code: string): void {
    const k = `kind="${escapeLabelValue(kind)}",code="${escapeLabelValue(code)}"`;
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }

  families(): MetricFamily[] {
    const g = (name: string, help: string, samples: string[]): MetricFamily => ({ name, type: 'gauge', help, samples });
    const c = (name: string, help: string, samples: string[]): MetricFamily => ({ name, type: 'counter', help, samples });
    const one = (name: string, v: number) => [`${name} ${formatValue(v)}`];
    return [
      g('bpfmap_agent_applied_generation', 'the state generation (hash of the state files) the maps hold; 1 on the series whose label names it',
        this.applied === '' ? [] : [`bpfmap_agent_applied_generation{generation="${this.applied}"} 1`]),
      g('bpfmap_agent_latest_generation', 'the newest state generation read, and whether it is valid on this node',
        this.latest === '' ? [] : [`bpfmap_agent_latest_generation{generation="${this.latest}",valid="${this.latestValid}"} 1`]),
      g('bpfmap_agent_ready', '1 when the newest state is applied (what /readyz says)', one('bpfmap_agent_ready', this.ready ? 1 : 0)),
      g('bpfmap_agent_last_apply_timestamp_seconds', 'when the last apply ended (Unix time; 0: none yet)', one('bpfmap_agent_last_apply_timestamp_seconds', this.lastApplyTime)),
      g('bpfmap_agent_last_apply_success', '1 when the last apply succeeded, 0 when it failed', one('bpfmap_agent_last_apply_success', this.lastApplyOk ? 1 : 0)),
      g('bpfmap_agent_last_apply_duration_seconds', 'how long the last apply took', one('bpfmap_agent_last_apply_duration_seconds', this.lastApplySeconds)),
      g('bpfmap_agent_last_read_duration_seconds', 'how long reading and encoding the newest valid state took', one('bpfmap_agent_last_read_duration_seconds', this.lastReadSeconds)),
      c('bpfmap_agent_apply_seconds', 'time spent applying (planning, journal, writes)', one('bpfmap_agent_apply_seconds_total', this.applySeconds)),
      c('bpfmap_agent_applies', 'applies by result: applied, unchanged, drift repaired, failed',
        [...this.applies].map(([r, n]) => `bpfmap_agent_applies_total{result="${escapeLabelValue(r)}"} ${n}`)),
      c('bpfmap_agent_entries_written', 'map entries written (added or changed)', one('bpfmap_agent_entries_written_total', this.written)),
      c('bpfmap_agent_entries_deleted', 'map entries deleted', one('bpfmap_agent_entries_deleted_total', this.deleted)),
      c('bpfmap_agent_drift_repairs', 'resyncs that found the maps changed behind the agent\'s back and repaired them', one('bpfmap_agent_drift_repairs_total', this.driftRepairs)),
      c('bpfmap_agent_journal_recoveries', 'unfinished applies (a crash, SIGKILL) rolled back from the journal', one('bpfmap_agent_journal_recoveries_total', this.recovered)),
      c('bpfmap_agent_errors', 'errors by kind (state invalid, apply failed, waiting for map, events) and error code',
        [...this.errors].map(([k, n]) => `bpfmap_agent_errors_total{${k}} ${n}`)),
      c('bpfmap_agent_events', 'event records read from the events map (option events of startAgent)', one('bpfmap_agent_events_total', this.events)),
    ];
  }
}
