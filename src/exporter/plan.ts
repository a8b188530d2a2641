/**
 * An exporter plan: for each exported map of an object, its metric families (name, type, help, value
 * leaf), which key fields become labels, its series cap and per-CPU mode. Built once from the schema
 * and the configuration, immutable afterwards: every scrape only reads it.
 */
import type { ByteOrder } from '../bytes.js';
import type { MapSchema, ObjectSchema } from '../schema/types.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { ExporterConfig, MapConfig } from './config.js';
import { valueLeaves, type Leaf } from './leaves.js';
import { familyName, labelName, metricName, type MetricType } from './text-format.js';

/** Map types whose entries can be read with batch lookups (or key by key) into numbers. */
export const READABLE_MAP_TYPES: ReadonlySet<string> = new Set([
  'hash', 'array', 'lru_hash', 'lpm_trie', 'percpu_hash', 'percpu_array', 'lru_percpu_hash',
]);

export interface MetricPlan {
  /** Family name (a counter's without `_total`). */
  readonly family: string;
  readonly type: MetricType;
  readonly help: string;
  readonly leaves: readonly Leaf[];
}

export interface MapPlan {
  readonly map: MapSchema;
  /** The map's name as a label value. */
  readonly label: string;
  readonly metrics: readonly MetricPlan[];
  /** Key field path (dotted; `key` for a scalar key) -> label name; null: every key field, default names. */
  readonly keyLabels: ReadonlyMap<string, string> | null;
  /** Series cap per scrape (Infinity: none). */
  readonly maxSeries: number;
  readonly perCpuLabel: boolean;
}

export interface ExporterPlan {
  readonly byteOrder: ByteOrder;
  readonly maps: readonly MapPlan[];
}

/** `bpfmap_<map>_<path>`; a leading dot of global data maps (`.bss`) is dropped. */
export function defaultMetricName(map: string, path: readonly string[]): string {
  return metricName(`bpfmap_${map.replace(/^\./, '')}_${path.length === 0 ? 'value' : path.join('_')}`);
}

function mapPlan(map: MapSchema, cfg: MapConfig, top: ExporterConfig, order: ByteOrder): MapPlan {
  const leaves = valueLeaves(map.value, order);
  const byId = new Map<string, Leaf[]>();
  for (const l of leaves) {
    let a = byId.get(l.id);
    if (!a) byId.set(l.id, (a = []));
    a.push(l);
  }
  let metrics: MetricPlan[];
  if (cfg.metrics === undefined) {
    metrics = [...byId.values()].map((ls) => ({
      family: defaultMetricName(map.name, ls[0]!.path), type: 'gauge', help: `${map.name} value ${ls[0]!.id || '(the whole value)'}`, leaves: ls,
    }));
  } else {
    metrics = cfg.metrics.map((m, i) => {
      const id = m.field === 'value' && byId.has('') ? '' : m.field;
      const ls = byId.get(id);
      if (!ls) {
        throw new BpfmapError(ERROR_CODE.VALUE_INVALID,
          `maps.${map.name}.metrics[${i}].field: no integer or float field '${m.field}' in the value; expected one of ${[...byId.keys()].map((k) => k || 'value').join(', ')}`);
      }
      const type = m.type ?? 'gauge';
      return { family: familyName(metricName(m.name ?? defaultMetricName(map.name, ls[0]!.path)), type), type, help: m.help ?? `${map.name} value ${m.field}`, leaves: ls };
    });
  }
  let keyLabels: Map<string, string> | null = null;
  if (cfg.labels !== undefined) {
    const entries: [string, string][] = Array.isArray(cfg.labels)
      ? (cfg.labels as readonly string[]).map((p) => [p, labelName(p.replace(/\./g, '_'))])
      : Object.entries(cfg.labels).map(([p, n]) => [p, labelName(n)]);
    keyLabels = new Map(entries);
  }
  const maxSeries = cfg.maxSeries ?? top.maxSeries;
  return {
    map, label: map.name, metrics, keyLabels,
    maxSeries: maxSeries ?? Infinity,
    perCpuLabel: map.perCpu && (cfg.perCpu ?? top.perCpu) === 'cpu',
  };
}

/** The plan for an object: its readable maps (or the configured ones) and their metrics. */
export function planExporter(schema: ObjectSchema, config: ExporterConfig = {}): ExporterPlan {
  const maps: MapPlan[] = [];
  if (config.maps !== undefined) {
    for (const [name, cfg] of Object.entries(config.maps)) {
      const map = schema.maps.find((m) => m.name === name);
      if (!map) {
        throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND,
          `maps.${name}: no such map in the object; expected one of ${schema.maps.map((m) => m.name).join(', ')}`);
      }
      if (!READABLE_MAP_TYPES.has(map.type)) {
        throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
          `maps.${name}: a ${map.type} map has no values to export; expected one of ${[...READABLE_MAP_TYPES].join(', ')}`);
      }
      maps.push(mapPlan(map, cfg, config, schema.byteOrder));
    }
  } else {
    for (const map of schema.maps) {
      if (!READABLE_MAP_TYPES.has(map.type)) continue;
      maps.push(mapPlan(map, {}, config, schema.byteOrder));
    }
  }
  return { byteOrder: schema.byteOrder, maps };
}
