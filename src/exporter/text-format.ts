/**
 * The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text: metric and label names,
 * label value escaping, HELP/TYPE lines, and the choice between the two from a scrape's Accept header.
 * Samples are rendered once as `name{labels} value` (the same in both formats); only the family
 * header lines and the end differ.
 */

export type MetricType = 'counter' | 'gauge' | 'unknown';
export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPE: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** One metric family: `name` is the family name (a counter's without `_total`), samples rendered. */
export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Sample lines without the newline, e.g. `x_total{map="m"} 3`. */
  readonly samples: string[];
  /** More sample lines as UTF-8 chunks, each line ending in a newline (written by fast-samples.ts). */
  readonly body?: readonly Uint8Array[];
}

/** OpenMetrics when the Accept header names application/openmetrics-text, else the Prometheus format. */
export function negotiate(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && /application\/openmetrics-text/i.test(accept) ? 'openmetrics' : 'prometheus';
}

/** A valid metric name: characters outside [a-zA-Z0-9_:] become `_`, a leading digit gets a `_`. */
export function metricName(s: string): string {
  const n = s.replace(/[^a-zA-Z0-9_:]/g, '_');
  return n === '' ? '_' : /^[0-9]/.test(n) ? `_${n}` : n;
}

/** A valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with `__` (reserved). */
export function labelName(s: string): string {
  let n = s.replace(/[^a-zA-Z0-9_]/g, '_');
  if (n === '' || /^[0-9]/.test(n)) n = `_${n}`;
  while (n.startsWith('__')) n = n.slice(1);
  return n;
}

/** Label values escape backslash, double quote and line feed (both formats). */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : v;
}

/** HELP text: backslash and line feed (Prometheus); OpenMetrics escapes double quotes too. */
export function escapeHelp(v: string, format: ExpositionFormat): string {
  const re = format === 'openmetrics' ? /[\\"\n]/g : /[\\\n]/g;
  return v.replace(re, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** `{a="1",b="x"}` from label pairs (names already valid); '' for none. */
export function labelSet(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  let s = '{';
  for (let i = 0; i < labels.length; i++) {
    const [k, v] = labels[i]!;
    s += `${i === 0 ? '' : ','}${k}="${escapeLabelValue(v)}"`;
  }
  return `${s}}`;
}

/** A sample value as text: integers exactly (bigint too), +Inf / -Inf / NaN spelled as both formats want. */
export function formatValue(v: number | bigint): string {
  if (typeof v === 'bigint') return v.toString();
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The name samples of a family carry: counters end in `_total`. */
export function sampleName(family: string, type: MetricType): string {
  return type === 'counter' ? `${family}_total` : family;
}

/** A counter's family name without its `_total` suffix (as OpenMetrics names the family). */
export function familyName(name: string, type: MetricType): string {
  return type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

/**
 * The whole exposition. Families without samples are left out. Prometheus text names a counter family
 * by its samples' name (`x_total`) and has no `unknown` type (`untyped`); OpenMetrics names the family
 * without `_total` and ends with `# EOF`.
 */
export function render(families: readonly MetricFamily[], format: ExpositionFormat): string {
  return renderBytes(families, format).toString('utf8');
}

/** render() as UTF-8 bytes. */
export function renderBytes(families: readonly MetricFamily[], format: ExpositionFormat): Buffer {
  return Buffer.concat(renderParts(families, format));
}

/** render() as a list of UTF-8 chunks to send one after another: the families' byte bodies as they are, not copied. */
export function renderParts(families: readonly MetricFamily[], format: ExpositionFormat): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let text = '';
  const flush = () => { if (text !== '') { parts.push(Buffer.from(text, 'utf8')); text = ''; } };
  for (const f of families) {
    const body = f.body !== undefined && f.body.length > 0 ? f.body : undefined;
    if (f.samples.length === 0 && body === undefined) continue;
    const om = format === 'openmetrics';
    const name = om ? f.name : sampleName(f.name, f.type);
    const type = !om && f.type === 'unknown' ? 'untyped' : f.type;
    if (f.help !== '') text += `# HELP ${name} ${escapeHelp(f.help, format)}\n`;
    text += `# TYPE ${name} ${type}\n`;
    for (const s of f.samples) text += `${s}\n`;
    if (body !== undefined) { flush(); parts.push(...body); }
  }
  if (format === 'openmetrics') text += '# EOF\n';
  flush();
  return parts;
}
