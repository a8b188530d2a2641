/**
 * One scrape: opens each planned map afresh, reads it with batch lookups (LiveMap.batches), turns
 * every entry into samples and closes the map. Everything a scrape builds is its own (fds, families,
 * counters); it yields to the event loop after every batch, so concurrent scrapes interleave instead
 * of waiting for each other. A map that cannot be opened or read gives `bpfmap_map_up{map} 0`.
 */
import { compactJson } from '../json.js';
import { openMap, type LiveMap } from '../map/index.js';
import type { ExporterPlan, MapPlan } from './plan.js';
import { escapeLabelValue, formatValue, labelName, render, sampleName, type ExpositionFormat, type MetricFamily } from './text-format.js';

export interface ScrapeOptions {
  /** Maps are pinned at DIR/<map name> (as `createMaps` makes them); default: discovery. */
  pinRoot?: string;
  /** Skip the compatibility check of each live map against the object. */
  force?: boolean;
  /** Entries per MAP_LOOKUP_BATCH. */
  batchSize?: number;
}

/** A map that could not be scraped: its name and why. */
export interface ScrapeError {
  map: string;
  message: string;
}

export interface ScrapeResult {
  families: MetricFamily[];
  errors: ScrapeError[];
}

const DECODE = { prettyAddresses: true, compact: false };

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** `name="value"` pairs of a decoded key, flattened by field path. */
function keyPairs(key: unknown, only: ReadonlyMap<string, string> | null): string {
  const pairs: string[] = [];
  const add = (path: string, v: unknown) => {
    const name = only === null ? labelName(path.replace(/\./g, '_')) : only.get(path);
    if (name === undefined) return;
    const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (compactJson(v) ?? '') : String(v);
    pairs.push(`${name}="${escapeLabelValue(text)}"`);
  };
  const walk = (v: unknown, path: string, depth: number) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && depth < 32) {
      for (const [k, x] of Object.entries(v)) walk(x, path === '' ? k : `${path}.${k}`, depth + 1);
    } else {
      add(path === '' ? 'key' : path, v);
    }
  };
  if (key !== null && key !== undefined) walk(key, '', 0);
  return pairs.join(',');
}

function join(...parts: string[]): string {
  let s = '';
  for (const p of parts) if (p !== '') s += s === '' ? p : `,${p}`;
  return s === '' ? '' : `{${s}}`;
}

interface MapCounts { entries: number; dropped: number }

async function scrapeMap(p: MapPlan, live: LiveMap, out: string[][], batchSize: number): Promise<MapCounts> {
  const ks = live.info.keySize, vs = live.rawValueSize;
  const nCpus = live.nCpus;
  const stride = live.perCpu ? vs / nCpus : 0;
  const sum = live.perCpu && !p.perCpuLabel;
  const names = p.metrics.map((m) => sampleName(m.family, m.type));
  let entries = 0, series = 0, dropped = 0;
  for (const b of live.batches(batchSize)) {
    const dv = new DataView(b.values.buffer, b.values.byteOffset, b.values.byteLength);
    const u8 = b.values;
    for (let i = 0; i < b.count; i++) {
      entries++;
      const kl = keyPairs(live.decodeKey(b.keys.subarray(i * ks, (i + 1) * ks), DECODE), p.keyLabels);
      const base = i * vs;
      for (let m = 0; m < p.metrics.length; m++) {
        const lines = out[m]!;
        for (const leaf of p.metrics[m]!.leaves) {
          if (!live.perCpu || sum) {
            if (series >= p.maxSeries) { dropped++; continue; }
            series++;
            let v = leaf.read(dv, u8, base + leaf.offset);
            for (let c = 1; c < nCpus && sum; c++) v = (v as number) + (leaf.read(dv, u8, base + c * stride + leaf.offset) as number);
            lines.push(`${names[m]}${join(kl, leaf.labels)} ${formatValue(v)}`);
          } else {
            for (let c = 0; c < nCpus; c++) {
              if (series >= p.maxSeries) { dropped++; continue; }
              series++;
              lines.push(`${names[m]}${join(kl, leaf.labels, `cpu="${c}"`)} ${formatValue(leaf.read(dv, u8, base + c * stride + leaf.offset))}`);
            }
          }
        }
      }
    }
    await tick();
  }
  return { entries, dropped };
}

/** Reads every planned map once and returns the metric families (and the maps that failed). */
export async function scrape(plan: ExporterPlan, opts: ScrapeOptions = {}): Promise<ScrapeResult> {
  const families: MetricFamily[] = [];
  const meta = {
    up: [] as string[], entries: [] as string[], max: [] as string[], fill: [] as string[], dropped: [] as string[],
  };
  const errors: ScrapeError[] = [];
  for (const p of plan.maps) {
    const out = p.metrics.map(() => [] as string[]);
    const ml = `{map="${escapeLabelValue(p.label)}"}`;
    let live: LiveMap | undefined;
    let counts: MapCounts;
    try {
      live = openMap({ map: p.map, byteOrder: plan.byteOrder, pinRoot: opts.pinRoot, force: opts.force === true });
      counts = await scrapeMap(p, live, out, opts.batchSize ?? 8192);
    } catch (e) {
      errors.push({ map: p.label, message: (e as Error).message });
      meta.up.push(`bpfmap_map_up${ml} 0`);
      continue;
    } finally {
      live?.close();
    }
    p.metrics.forEach((m, i) => families.push({ name: m.family, type: m.type, help: m.help, samples: out[i]! }));
    const max = live!.info.maxEntries;
    meta.up.push(`bpfmap_map_up${ml} 1`);
    meta.entries.push(`bpfmap_map_entries${ml} ${counts.entries}`);
    meta.max.push(`bpfmap_map_max_entries${ml} ${max}`);
    meta.fill.push(`bpfmap_map_fill_ratio${ml} ${formatValue(max === 0 ? 0 : counts.entries / max)}`);
    meta.dropped.push(`bpfmap_series_dropped_total${ml} ${counts.dropped}`);
  }
  families.push(
    { name: 'bpfmap_map_up', type: 'gauge', help: '1 when the map was read in this scrape, 0 when it could not be opened or read', samples: meta.up },
    { name: 'bpfmap_map_entries', type: 'gauge', help: 'entries read from the map', samples: meta.entries },
    { name: 'bpfmap_map_max_entries', type: 'gauge', help: 'the map\'s max_entries', samples: meta.max },
    { name: 'bpfmap_map_fill_ratio', type: 'gauge', help: 'entries / max_entries (1 means the next insert of a new key fails with E2BIG)', samples: meta.fill },
    { name: 'bpfmap_series_dropped_total', type: 'gauge', help: 'series over the map\'s maxSeries cap, left out of this scrape', samples: meta.dropped },
  );
  return { families, errors };
}

/** A scrape rendered in the given format. */
export async function scrapeText(plan: ExporterPlan, format: ExpositionFormat, opts: ScrapeOptions = {}): Promise<string> {
  return render((await scrape(plan, opts)).families, format);
}
