/**
 * The exporter's configuration: which maps and fields become metrics, their names, types and help,
 * which key fields become labels, and a cap on series per map. Read from YAML (files people write)
 * and checked field by field; messages name the place first (`maps.stats.metrics[0].type: ...`).
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { parseYaml } from '../text/yaml-lazy.js';

export interface MetricConfig {
  /** Value field path, dotted (`allow_stats.packets`; array elements by the array's name: `rules.ruleId`). */
  readonly field: string;
  /** Metric name; default `bpfmap_<map>_<field path>`. A counter's samples end in `_total`. */
  readonly name?: string;
  /** Default gauge. */
  readonly type?: 'counter' | 'gauge';
  readonly help?: string;
}

export interface MapConfig {
  /** Only these fields (default: every integer and float field). */
  readonly metrics?: readonly MetricConfig[];
  /**
   * Key fields that become labels, by dotted path (`key` for a scalar key): a list keeps the default
   * label names, a mapping renames (`{ key: rule_id }`). Default: every key field.
   */
  readonly labels?: readonly string[] | Readonly<Record<string, string>>;
  /** At most this many series of this map's fields per scrape; the rest are dropped and counted. */
  readonly maxSeries?: number;
  /** Per-CPU maps: `sum` the CPUs (default) or one series per CPU with a `cpu` label. */
  readonly perCpu?: 'sum' | 'cpu';
}

export interface ExporterConfig {
  /** The maps to export, by name in the object; absent: every readable map with defaults. */
  readonly maps?: Readonly<Record<string, MapConfig>>;
  /** Defaults for every map. */
  readonly maxSeries?: number;
  readonly perCpu?: 'sum' | 'cpu';
}

function fail(where: string, msg: string): never {
  throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${where}: ${msg}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(where: string, o: Record<string, unknown>, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${where}.${k}`, `unknown setting; expected one of ${keys.join(', ')}`);
}

function str(where: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') fail(where, `expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function cap(where: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(where, `expected an integer >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function perCpu(where: string, v: unknown): 'sum' | 'cpu' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'sum' && v !== 'cpu') fail(where, `expected sum or cpu, got ${JSON.stringify(v)}`);
  return v;
}

function metric(where: string, v: unknown): MetricConfig {
  if (typeof v === 'string') return { field: str(where, v) };
  if (!isRecord(v)) fail(where, `expected a field path or { field, name, type, help }, got ${JSON.stringify(v)}`);
  only(where, v, ['field', 'name', 'type', 'help']);
  const type = v.type;
  if (type !== undefined && type !== 'counter' && type !== 'gauge') fail(`${where}.type`, `expected counter or gauge, got ${JSON.stringify(type)}`);
  return {
    field: str(`${where}.field`, v.field),
    ...(v.name !== undefined ? { name: str(`${where}.name`, v.name) } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(v.help !== undefined ? { help: String(v.help) } : {}),
  };
}

function mapConfig(where: string, v: unknown): MapConfig {
  if (v === null || v === undefined) return {};
  if (!isRecord(v)) fail(where, `expected a mapping, got ${JSON.stringify(v)}`);
  only(where, v, ['metrics', 'labels', 'maxSeries', 'perCpu']);
  const out: { -readonly [K in keyof MapConfig]: MapConfig[K] } = {};
  if (v.metrics !== undefined) {
    if (!Array.isArray(v.metrics)) fail(`${where}.metrics`, 'expected a list');
    out.metrics = v.metrics.map((m, i) => metric(`${where}.metrics[${i}]`, m));
  }
  if (v.labels !== undefined) {
    if (Array.isArray(v.labels)) out.labels = v.labels.map((l, i) => str(`${where}.labels[${i}]`, l));
    else if (isRecord(v.labels)) out.labels = Object.fromEntries(Object.entries(v.labels).map(([k, l]) => [k, str(`${where}.labels.${k}`, l)]));
    else fail(`${where}.labels`, `expected a list of key fields or a mapping key field -> label name, got ${JSON.stringify(v.labels)}`);
  }
  return withLimits(where, v, out);
}

/** `out` with the maxSeries and perCpu that `v` (at `where`) sets, checked. */
function withLimits<T extends { maxSeries?: number; perCpu?: 'sum' | 'cpu' }>(where: string, v: Record<string, unknown>, out: T): T {
  const m = cap(`${where}.maxSeries`, v.maxSeries);
  if (m !== undefined) out.maxSeries = m;
  const p = perCpu(`${where}.perCpu`, v.perCpu);
  if (p !== undefined) out.perCpu = p;
  return out;
}

/** Checks a parsed document (`where` names it in messages). */
export function exporterConfig(doc: unknown, where = 'config'): ExporterConfig {
  if (doc === null || doc === undefined) return {};
  if (!isRecord(doc)) fail(where, `expected a mapping with maps, maxSeries, perCpu, got ${JSON.stringify(doc)}`);
  only(where, doc, ['maps', 'maxSeries', 'perCpu']);
  const out: { -readonly [K in keyof ExporterConfig]: ExporterConfig[K] } = {};
  if (doc.maps !== undefined) {
    if (!isRecord(doc.maps)) fail(`${where}.maps`, 'expected a mapping of map name -> settings');
    out.maps = Object.fromEntries(Object.entries(doc.maps).map(([k, m]) => [k, mapConfig(`${where}.maps.${k}`, m)]));
  }
  return withLimits(where, doc, out);
}

/** Parses and checks YAML text. */
export function parseExporterConfig(text: string, where = 'config'): ExporterConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    fail(where, `not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return exporterConfig(doc, where);
}
