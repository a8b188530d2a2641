/**
 * Streamed list output for `dump`: YAML (default), JSON (--json) and NDJSON, written entry by entry
 * through the stdout sink, so memory holds one batch of the map, never the whole list, and output
 * starts with the first batch. YAML and JSON come out as the whole-list printers would write them
 * (print() in output.ts): a YAML block sequence, a JSON array indented by 2. The YAML items are
 * written by bin/fast-yaml.ts.
 */
import { stringifyJson } from '../src/index.js';
import { compactJson } from '../src/text/json.js';
import { yamlListItem } from './fast-yaml.js';
import { stdoutSink } from './sink.js';

export type ListFormat = 'yaml' | 'json';

/** Writes `items` as one list document; returns how many were written. */
export function streamList(items: Iterable<unknown>, format: ListFormat): number {
  const sink = stdoutSink();
  let n = 0;
  for (const x of items) {
    if (format === 'json') sink.write(`${n === 0 ? '[\n  ' : ',\n  '}${stringifyJson(x, 2).replace(/\n/g, '\n  ')}`);
    else sink.write(yamlListItem(x));
    n++;
  }
  if (format === 'json') sink.write(n === 0 ? '[]\n' : '\n]\n');
  else if (n === 0) sink.write('[]\n');
  sink.end();
  return n;
}

/** Compact JSON of a value (NDJSON lines). */
export const jsonLine = (v: unknown): string => compactJson(v) ?? 'null';

