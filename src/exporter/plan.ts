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
import { familyName, labelName, metricName, sampleName, type MetricType } from './text-format.js';

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
  checkNames(maps, config.maps !== undefined);
  return { byteOrder: schema.byteOrder, maps };
}

/** The families every scrape adds (scrape.ts): no map's metric may take their names. */
const OWN_FAMILIES = ['bpfmap_map_up', 'bpfmap_map_entries', 'bpfmap_map_max_entries', 'bpfmap_map_fill_ratio', 'bpfmap_series_dropped_total'];

/**
 * Every family once: two families of one name (two metrics given the same `name`, or two maps whose
 * default names meet) make Prometheus refuse the whole scrape, so the plan is refused naming both;
 * so is a key label that a per-CPU map's `cpu` label would repeat.
 */
function checkNames(maps: readonly MapPlan[], configured: boolean): void {
  const seen = new Map<string, string>();
  for (const n of OWN_FAMILIES) seen.set(n, 'bpfmap\'s own metrics');
  const where = (p: MapPlan, i: number) => (configured ? `maps.${p.label}.metrics[${i}]` : `map ${p.label}`);
  for (const p of maps) {
    p.metrics.forEach((m, i) => {
      for (const n of new Set([m.family, sampleName(m.family, m.type)])) {
        const before = seen.get(n);
        if (before !== undefined) {
          throw new BpfmapError(ERROR_CODE.VALUE_INVALID,
            `${where(p, i)}: the metric name ${n} is already taken by ${before}; Prometheus refuses a scrape that has it twice: give this one another name`);
        }
      }
      seen.set(m.family, `${where(p, i)} (${m.leaves[0]?.id || 'value'})`);
      seen.set(sampleName(m.family, m.type), `${where(p, i)} (${m.leaves[0]?.id || 'value'})`);
    });
    if (p.perCpuLabel && p.keyLabels !== null) {
      for (const [field, name] of p.keyLabels) {
        if (name === 'cpu') throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `maps.${p.label}.labels.${field}: the label name cpu is the per-CPU label of this map (perCpu: cpu); give the key field another name`);
      }
    }
  }
}
