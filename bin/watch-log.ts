/**
 * `apply --watch` events as log lines: one line per event, on stdout (errors on stderr as
 * `bpfmap: ...`), each starting with the time; `--json`: one NDJSON object per event on stdout.
 */
import { isBpfmapError, stringifyJson } from '../src/index.js';
import { writeCalls } from '../src/apply/stats.js';
import type { ApplyResult, WatchEvent } from '../src/index.js';
import { oneLine } from './report.js';
import { writeText } from './sink.js';

function mapsText(r: ApplyResult): string {
  return r.maps.map((m) => `${m.map}: ${m.added} added, ${m.changed} changed, ${m.deleted} deleted, ${m.unchanged} unchanged` +
    (m.kept ? `, ${m.kept} kept` : '')).join('; ');
}

export function errorOf(e: unknown): { code: string; message: string } {
  return isBpfmapError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function watchLogger(file: string, json: boolean, verbose: boolean): (e: WatchEvent) => void {
  return (e) => {
    const time = new Date().toISOString();
    if (json) {
      const o: Record<string, unknown> = { time, event: e.event, file };
      if ('result' in e) { o.reason = e.reason; o.maps = e.result.maps; o.stats = e.result.stats; }
      if ('error' in e) o.error = errorOf(e.error);
      if ('retryMs' in e) o.retryMs = e.retryMs;
      writeText(`${stringifyJson(o)}\n`);
      return;
    }
    switch (e.event) {
      case 'applied':
      case 'drift repaired':
      case 'unchanged': {
        const s = e.result.stats;
        const w = writeCalls(s);
        const why = e.reason === 'file' ? '' : ` (${e.reason === 'repointed' ? 'a pin now holds another map' : e.reason})`;
        writeText(`${time} ${e.event}${why} ${oneLine(file)}: ${oneLine(mapsText(e.result))}` +
          (w ? `; ${s.entriesWritten} written, ${s.entriesDeleted} deleted in ${w} write call${w === 1 ? '' : 's'}` : '') + '\n');
        return;
      }
      case 'waiting for map':
        writeText(`${time} waiting for map: ${oneLine(errorOf(e.error).message)}; retrying with backoff\n`);
        return;
      case 'file invalid':
      case 'apply failed': {
        const err = e.error as { stack?: string };
        process.stderr.write(`${time} bpfmap: ${e.event}: ${oneLine(errorOf(e.error).message)}` +
          (e.event === 'file invalid' ? '; the maps keep the last good state\n' : `; retrying in ${Math.round(e.retryMs / 100) / 10} s\n`));
        if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
      }
    }
  };
}
