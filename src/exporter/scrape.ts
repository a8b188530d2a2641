/**
 * One scrape: opens each planned map afresh, reads it with batch lookups (LiveMap.batches), turns
 * every entry into samples and closes the map. Everything a scrape builds is its own (fds, families,
 * counters); it yields to the event loop after every batch, so concurrent scrapes interleave instead
 * of waiting for each other. A map that cannot be opened or read gives `bpfmap_map_up{map} 0`.
 */
import { compactJson } from '../text/json.js';
import { openMap, type LiveMap } from '../map/index.js';
import type { ExporterPlan, MapPlan } from './plan.js';
import { ByteSink, sumU64 } from './fast-samples.js';
import { escapeLabelValue, formatValue, labelName, render, renderParts, sampleName, type ExpositionFormat, type MetricFamily } from './text-format.js';

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

/** `name="value"` pairs of a decoded key, flattened by field path ('' when none is a label). */
function keyPairs(key: unknown, only: ReadonlyMap<string, string> | null): string {
  const pairs: string[] = [];
  if (key !== null && key !== undefined) walkKey(key, '', 0, only, pairs);
  return pairs.join(',');
}

function walkKey(v: unknown, path: string, depth: number, only: ReadonlyMap<string, string> | null, pairs: string[]): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array) && depth < 32) {
    for (const [k, x] of Object.entries(v)) walkKey(x, path === '' ? k : `${path}.${k}`, depth + 1, only, pairs);
    return;
  }
  const p = path === '' ? 'key' : path;
  const name = only === null ? labelName(p.replace(/\./g, '_')) : only.get(p);
  if (name === undefined) return;
  const text = typeof v === 'string' ? v : typeof v === 'object' && v !== null ? (compactJson(v) ?? '') : String(v);
  pairs.push(`${name}="${escapeLabelValue(text)}"`);
}

const ASCII = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const LF = 10, SP = 32, OPEN = 123, CLOSE = 125, COMMA = 44;

/**
 * A scalar integer key of at most 4 bytes in the object's byte order (array indices, rule ids): its
 * label written straight from the bytes (`key="3"`), without decoding the key. null otherwise.
 */
function intKeyLabel(p: MapPlan, order: 'little' | 'big'): ((dv: DataView, off: number) => number) | null {
  const k = p.map.key;
  if (k === null || k.kind !== 'int' || k.byteOrder === 'big' || k.bits !== undefined || k.encoding !== undefined) return null;
  const little = order === 'little';
  switch (k.size) {
    case 1: return k.signed ? (dv, o) => dv.getInt8(o) : (dv, o) => dv.getUint8(o);
    case 2: return k.signed ? (dv, o) => dv.getInt16(o, little) : (dv, o) => dv.getUint16(o, little);
    case 4: return k.signed ? (dv, o) => dv.getInt32(o, little) : (dv, o) => dv.getUint32(o, little);
    default: return null;
  }
}

const utf8 = new TextEncoder();

/** `name="N"` for an integer key at out[0]; returns its length. */
function intLabel(out: Uint8Array, prefix: Uint8Array, v: number): number {
  out.set(prefix);
  let p = prefix.length;
  if (v < 0) { out[p++] = 45; v = -v; }
  const start = p;
  do { const q = Math.floor(v / 10); out[p++] = 48 + (v - q * 10); v = q; } while (v > 0);
  out.subarray(start, p).reverse();
  out[p++] = 34;
  return p;
}

interface MapCounts { entries: number; dropped: number }

async function scrapeMap(p: MapPlan, live: LiveMap, order: 'little' | 'big', sinks: ByteSink[], batchSize: number): Promise<MapCounts> {
  const ks = live.info.keySize, vs = live.rawValueSize;
  const nCpus = live.nCpus;
  const stride = live.perCpu ? vs / nCpus : 0;
  const sum = live.perCpu && !p.perCpuLabel;
  const rows = live.perCpu && !sum ? nCpus : 1;
  const names = p.metrics.map((m) => ASCII(sampleName(m.family, m.type)));
  const leafLabels = p.metrics.map((m) => m.leaves.map((l) => (l.labels === '' ? null : ASCII(l.labels))));
  const cpuLabels = Array.from({ length: rows }, (_, c) => ASCII(`cpu="${c}"`));
  const intKey = intKeyLabel(p, order);
  const intKeyName = intKey === null ? null : p.keyLabels === null ? 'key' : p.keyLabels.get('key') ?? null;
  const intKeyPrefix = intKeyName === null ? null : ASCII(`${intKeyName}="`);
  let entries = 0, series = 0, dropped = 0;
  const cpuLabel = live.perCpu && !sum;
  // The key's label text of the current entry, as bytes: built once per entry, copied into each sample.
  let keyBuf = new Uint8Array(256 + (intKeyPrefix?.length ?? 0));
  for (const b of live.batches(batchSize)) {
    const dv = new DataView(b.values.buffer, b.values.byteOffset, b.values.byteLength);
    const kdv = new DataView(b.keys.buffer, b.keys.byteOffset, b.keys.byteLength);
    const u8 = b.values;
    for (let i = 0; i < b.count; i++) {
      entries++;
      let klen = 0;
      if (intKey === null) {
        const kl = keyPairs(live.decodeKey(b.keys.subarray(i * ks, (i + 1) * ks), DECODE), p.keyLabels);
        if (kl !== '') {
          if (kl.length * 3 > keyBuf.length) keyBuf = new Uint8Array(kl.length * 3);
          klen = utf8.encodeInto(kl, keyBuf).written;
        }
      } else if (intKeyPrefix !== null) {
        klen = intLabel(keyBuf, intKeyPrefix, intKey(kdv, i * ks));
      }
      const base = i * vs;
      for (let m = 0; m < p.metrics.length; m++) {
        const sink = sinks[m]!;
        const leaves = p.metrics[m]!.leaves;
        const name = names[m]!;
        for (let j = 0; j < leaves.length; j++) {
          const leaf = leaves[j]!;
          const ll = leafLabels[m]![j]!;
          const room = name.length + (ll === null ? 0 : ll.length) + klen + 64;
          for (let c = 0; c < rows; c++) {
            if (series >= p.maxSeries) { dropped++; continue; }
            series++;
            // Everything but a non-integer value, which checks for room itself.
            sink.reserve(room);
            sink.bytes(name);
            if (klen > 0 || ll !== null || cpuLabel) {
              sink.byte(OPEN);
              let first = true;
              if (klen > 0) { sink.bytesN(keyBuf, klen); first = false; }
              if (ll !== null) { if (!first) sink.byte(COMMA); sink.bytes(ll); first = false; }
              if (cpuLabel) { if (!first) sink.byte(COMMA); sink.bytes(cpuLabels[c]!); }
              sink.byte(CLOSE);
            }
            sink.byte(SP);
            const off = base + c * stride + leaf.offset;
            if (!sum) sink.value(leaf.read(dv, u8, off));
            else {
              const fast = leaf.u64Little !== undefined ? sumU64(dv, off, stride, nCpus, leaf.u64Little) : null;
              if (fast !== null) { sink.reserve(16); sink.uint(fast); }
              else {
                let v = leaf.read(dv, u8, off);
                for (let k = 1; k < nCpus; k++) v = (v as number) + (leaf.read(dv, u8, off + k * stride) as number);
                sink.value(v);
              }
            }
            sink.reserve(1);
            sink.byte(LF);
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
    const sinks = p.metrics.map(() => new ByteSink());
    const ml = `{map="${escapeLabelValue(p.label)}"}`;
    let live: LiveMap | undefined;
    let counts: MapCounts;
    try {
      live = openMap({ map: p.map, byteOrder: plan.byteOrder, pinRoot: opts.pinRoot, force: opts.force === true });
      counts = await scrapeMap(p, live, plan.byteOrder, sinks, opts.batchSize ?? 8192);
    } catch (e) {
      errors.push({ map: p.label, message: (e as Error).message });
      meta.up.push(`bpfmap_map_up${ml} 0`);
      continue;
    } finally {
      live?.close();
    }
    p.metrics.forEach((m, i) => families.push({ name: m.family, type: m.type, help: m.help, samples: [], body: sinks[i]!.chunks() }));
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

/** A scrape rendered as UTF-8 chunks, as the server sends them one after another. */
export async function scrapeParts(plan: ExporterPlan, format: ExpositionFormat, opts: ScrapeOptions = {}): Promise<Uint8Array[]> {
  return renderParts((await scrape(plan, opts)).families, format);
}
