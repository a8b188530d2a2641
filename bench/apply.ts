/**
 * `bpfmap apply` benchmark, run side by side on one machine:
 *  1. 1,000,000 entries of the firewall key (lpm_ip_key_st, 24 bytes) with a 12-byte value
 *     (ruleType_st) into a hash map, from NDJSON, whole process (`node dist/cli/bpfmap.js apply`);
 *  2. `bpftool batch file` with the same entries as `map update pinned P key hex .. value hex ..`;
 *  3. a C MAP_UPDATE_BATCH loop over pre-encoded bytes (bench/c/batch-update.c, built with gcc here);
 *  4. a 100,000-entry state applied again with 1% of the values changed: how many entries are written.
 * Needs root, bpffs, bpftool, gcc and a built dist/ (npx tsc -p tsconfig.json).
 *  5. the crash journal's cost: the same apply with the journal (on tmpfs, /run) and with `--journal off`.
 *  6. the same entries written the ways people write them (fields in another order with spaces, the
 *     16-byte address as a 4-element list or as an address string, zero fields left out), each
 *     applied RUNS times, against the C loop.
 * Usage: node --import tsx bench/apply.ts [ENTRIES] [RUNS] [journal|writings]   (RUNS paired runs of 1
 * and 2, default 7; `journal`: only part 5, RUNS pairs; `writings`: only part 6)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJson, stringifyJson } from '../src/text/json.js';
import { loadSource, findMap } from '../src/object/source.js';
import { mapCodecs } from '../src/codec/map-codecs.js';
import { removePinDir } from '../test/helpers/kernel.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 7);
const MAP = 'ingress_node_firewall_table_map';
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'dist/cli/bpfmap.js');
const obj = join(root, 'fixtures/firewall-seed.bpfel.o');
const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-bench-apply-'));
const pins = `/sys/fs/bpf/bpfmap-bench-apply-${process.pid}`;

function key(i: number) {
  return { prefixLen: 56, ingress_ifindex: 1 + (i >>> 24), ip_data: [10, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
}
function value(i: number, salt = 0) {
  return { ruleId: 1 + ((i + salt) % 65000), protocol: 6, dstPortStart: 80, dstPortEnd: 443, icmpType: 0, icmpCode: 0, action: 1 + (i & 1) };
}

function writeNdjson(path: string, n: number, changed: (i: number) => boolean = () => false): void {
  const fd = openSync(path, 'w');
  let parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(`{"map":"${MAP}","key":${JSON.stringify(key(i))},"value":${JSON.stringify(value(i, changed(i) ? 7 : 0))}}\n`);
    if (parts.length === 20000) { writeSync(fd, parts.join('')); parts = []; }
  }
  writeSync(fd, parts.join(''));
  closeSync(fd);
}

function createMap(dir: string, max: number): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, MAP);
  execFileSync('bpftool', ['map', 'create', p, 'type', 'hash', 'key', '24', 'value', '12', 'entries', String(max), 'name', 'ingress_node_fi', 'flags', '1']);
  return p;
}

function timed(cmd: string, args: string[]): { s: number; rssMb: number; cpu: number; out: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr}`);
  const [rssKb, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { s, rssMb: rssKb! / 1024, cpu: user! + sys!, out: r.stdout };
}

/** Kernel slab memory in kB (/proc/meminfo). */
function slabKb(): number {
  return Number(/^Slab:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
}

/**
 * Waits until the kernel has freed a removed map: slab memory back to within 8 MB of what it was
 * before the map was made (the free starts about half a second after the last reference goes,
 * after an RCU grace period), at most 10 s.
 */
function settle(slabBefore: number): void {
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const until = Date.now() + 10_000;
  while (slabKb() > slabBefore + 8192 && Date.now() < until) sleep(100);
  sleep(200);
}

function count(p: string): number {
  // Counted by bpfmap's own dump would test ourselves; bpftool is the oracle.
  return (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8', maxBuffer: 1 << 30 })) as unknown[]).length;
}

const ONLY_JOURNAL = process.argv[4] === 'journal';

/** The N entries encoded by the codec (keys at 24 bytes, values at 12), also written to entries.bin for the C loader. */
function preEncoded() {
  const c = mapCodecs(findMap(loadSource(obj).schema, MAP), 'little');
  const keys = new Uint8Array(N * 24), values = new Uint8Array(N * 12);
  for (let i = 0; i < N; i++) { c.key.encodeInto(key(i), keys, i * 24); c.value.encodeInto(value(i), values, i * 12); }
  const bin = join(tmp, 'entries.bin');
  writeFileSync(bin, Buffer.concat([keys, values]));
  return { c, keys, values, bin };
}
const ONLY_WRITINGS = process.argv[4] === 'writings';

/** Ways of writing entry i: the canonical line (what `dump --ndjson` prints) and what people write. */
const WRITINGS: Record<string, (i: number) => string> = {
  canonical: (i) => `{"map":"${MAP}","key":${JSON.stringify(key(i))},"value":${JSON.stringify(value(i))}}`,
  'reordered, spaces': (i) => {
    const k = key(i), v = value(i);
    return `{"key": {"ip_data": [${k.ip_data.join(', ')}], "ingress_ifindex": ${k.ingress_ifindex}, "prefixLen": ${k.prefixLen}}, "map": "${MAP}", ` +
      `"value": {"action": ${v.action}, "ruleId": ${v.ruleId}, "protocol": ${v.protocol}, "dstPortStart": ${v.dstPortStart}, "dstPortEnd": ${v.dstPortEnd}, "icmpType": 0, "icmpCode": 0}}`;
  },
  '4-element list': (i) => {
    const k = key(i);
    return `{"map":"${MAP}","key":{"prefixLen":56,"ingress_ifindex":${k.ingress_ifindex},"ip_data":${JSON.stringify(k.ip_data.slice(0, 4))}},"value":${JSON.stringify(value(i))}}`;
  },
  'address string': (i) => {
    const k = key(i);
    return `{"map":"${MAP}","key":{"prefixLen":56,"ingress_ifindex":${k.ingress_ifindex},"ip_data":"${k.ip_data.slice(0, 4).join('.')}"},"value":${JSON.stringify(value(i))}}`;
  },
  'zero fields left out': (i) => {
    const v = value(i);
    return `{"map":"${MAP}","key":${JSON.stringify(key(i))},"value":{"ruleId":${v.ruleId},"protocol":6,"dstPortStart":80,"dstPortEnd":443,"action":${v.action}}}`;
  },
};

function writeLines(path: string, n: number, line: (i: number) => string): void {
  const fd = openSync(path, 'w');
  let parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(`${line(i)}\n`);
    if (parts.length === 20000) { writeSync(fd, parts.join('')); parts = []; }
  }
  writeSync(fd, parts.join(''));
  closeSync(fd);
}

try {
 bench: {
  // A schema with the seed's hash map, max entries raised.
  const schemaDoc = parseJson(execFileSync('node', [cli, 'schema', obj, '--json'], { encoding: 'utf8' })) as { maps: { name: string; maxEntries: number }[] };
  for (const m of schemaDoc.maps) if (m.name === MAP) m.maxEntries = Math.max(1_100_000, Math.ceil(N * 1.1));
  const schemaPath = join(tmp, 'schema.json');
  writeFileSync(schemaPath, stringifyJson(schemaDoc, 2));
  const max = Math.max(1_100_000, Math.ceil(N * 1.1));

  const ndjson = join(tmp, 'state.ndjson');
  writeNdjson(ndjson, N);

  if (ONLY_JOURNAL) {
    journalCost(schemaPath, ndjson, max);
    break bench;
  }
  if (ONLY_WRITINGS) {
    writings(schemaPath, max);
    break bench;
  }

  // Pre-encoded inputs for bpftool and C, from the same entries.
  const { keys, values, bin } = preEncoded();
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  const batchFile = join(tmp, 'bpftool.batch');
  const bfd = openSync(batchFile, 'w');
  const pBpftool = join(pins, 'bpftool', MAP);
  let lines: string[] = [];
  for (let i = 0; i < N; i++) {
    lines.push(`map update pinned ${pBpftool} key hex ${hex(keys.subarray(i * 24, i * 24 + 24))} value hex ${hex(values.subarray(i * 12, i * 12 + 12))}\n`);
    if (lines.length === 20000) { writeSync(bfd, lines.join('')); lines = []; }
  }
  writeSync(bfd, lines.join(''));
  closeSync(bfd);

  const cbin = join(tmp, 'batch-update');
  execFileSync('gcc', ['-O2', '-o', cbin, join(root, 'bench/c/batch-update.c')]);

  // 1. bpfmap apply and 2. bpftool batch file, whole processes, in RUNS pairs (each into a new,
  // empty map); the medians and the median of the per-pair ratios are reported. Every run starts
  // from the same state: the map of the run before is removed and the kernel given the time to free
  // it (its million elements are freed by a kernel thread, which would compete with the next run;
  // keeping every map instead slows each later run, as the kernel's memory fills up).
  const pairs: { a: ReturnType<typeof timed>; b: ReturnType<typeof timed> }[] = [];
  let stats: Record<string, number> = {};
  let nApply = 0, nBpftool = 0;
  const pApplyDir = join(pins, 'apply');
  for (let r = 0; r < RUNS; r++) {
    let slab = slabKb();
    const pApply = createMap(pApplyDir, max);
    const a = timed('node', [cli, 'apply', schemaPath, '-f', ndjson, '--pin-root', pApplyDir, '--json']);
    stats = (parseJson(a.out) as { stats: Record<string, number> }).stats;
    if (r === RUNS - 1) nApply = count(pApply);
    rmSync(pApply);
    settle(slab);
    slab = slabKb();
    createMap(join(pins, 'bpftool'), max);
    const b = timed('bpftool', ['batch', 'file', batchFile]);
    if (r === RUNS - 1) nBpftool = count(pBpftool);
    rmSync(pBpftool);
    settle(slab);
    pairs.push({ a, b });
  }
  const mid = <T>(xs: T[], f: (x: T) => number): number => { const v = xs.map(f).sort((x, y) => x - y); return v[(v.length - 1) >> 1]!; };
  const a = { s: mid(pairs, (p) => p.a.s), cpu: mid(pairs, (p) => p.a.cpu), rssMb: mid(pairs, (p) => p.a.rssMb) };
  const b = { s: mid(pairs, (p) => p.b.s), cpu: mid(pairs, (p) => p.b.cpu), rssMb: mid(pairs, (p) => p.b.rssMb) };
  const ratio = mid(pairs, (p) => p.b.s / p.a.s);
  // 3. C batch loop.
  const pC = createMap(join(pins, 'c'), max);
  const cr = timed(cbin, [pC, bin, '24', '12']);
  const cLine = cr.out.trim();
  const cInner = Number(/update_s=([\d.]+)/.exec(cLine)?.[1]);

  console.log(`entries: ${N} (firewall key 24 B, value 12 B, hash map, max_entries ${max})`);
  console.log(`medians of ${RUNS} paired runs (bpfmap apply, then bpftool batch, each into a new map, the one before freed first); every run: bpfmap ${pairs.map((p) => p.a.s.toFixed(2)).join(' ')} s, bpftool ${pairs.map((p) => p.b.s.toFixed(2)).join(' ')} s`);
  console.log(`bpfmap apply (NDJSON, whole process): ${a.s.toFixed(2)} s (cpu ${a.cpu.toFixed(2)} s), peak RSS ${a.rssMb.toFixed(0)} MB, ${nApply} entries in the map, ${stats.updateBatch} update batch calls`);
  console.log(`bpftool batch file (hex):            ${b.s.toFixed(2)} s (cpu ${b.cpu.toFixed(2)} s), peak RSS ${b.rssMb.toFixed(0)} MB, ${nBpftool} entries in the map`);
  console.log(`C MAP_UPDATE_BATCH loop (pre-encoded): ${cr.s.toFixed(2)} s whole process (cpu ${cr.cpu.toFixed(2)} s), ${cInner.toFixed(3)} s in the syscalls (${cLine})`);
  const ratios = pairs.map((p) => p.b.s / p.a.s);
  console.log(`ratio bpftool / bpfmap (median of the pairs): ${ratio.toFixed(2)}x faster (pairs ${Math.min(...ratios).toFixed(2)}x-${Math.max(...ratios).toFixed(2)}x); bpfmap / C whole process: ${(a.s / cr.s).toFixed(1)}x; bpfmap / C syscalls: ${(a.s / cInner).toFixed(1)}x`);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (other work on the machine slows every row)`);
  console.log(`target: <= 2.5 s ${a.s <= 2.5 ? 'met' : 'MISSED'}; >= 4x faster than bpftool ${ratio >= 4 ? 'met' : 'MISSED'}`);

  // 4. 100,000-entry state, then 1% changed.
  const M = Math.min(100_000, N);
  const dir4 = join(pins, 'idem');
  createMap(dir4, max);
  const s1 = join(tmp, 'state-100k.ndjson'), s2 = join(tmp, 'state-100k-1pct.ndjson');
  writeNdjson(s1, M);
  writeNdjson(s2, M, (i) => i % 100 === 0);
  timed('node', [cli, 'apply', schemaPath, '-f', s1, '--pin-root', dir4, '--json']);
  const again = timed('node', [cli, 'apply', schemaPath, '-f', s2, '--pin-root', dir4, '--json']);
  const r2 = parseJson(again.out) as { maps: { changed: number; unchanged: number }[]; stats: Record<string, number> };
  console.log(`100k state, 1% changed: ${r2.maps[0]!.changed} changed, ${r2.maps[0]!.unchanged} unchanged; entries written ${r2.stats.entriesWritten}, write calls ${r2.stats.updateBatch + r2.stats.updateElem + r2.stats.deleteBatch + r2.stats.deleteElem}, ${again.s.toFixed(2)} s`);
  const third = timed('node', [cli, 'apply', schemaPath, '-f', s2, '--pin-root', dir4, '--json']);
  const r3 = parseJson(third.out) as { stats: Record<string, number> };
  console.log(`same state again: entries written ${r3.stats.entriesWritten}, write calls ${r3.stats.updateBatch + r3.stats.updateElem}, ${third.s.toFixed(2)} s`);
 }
} finally {
  removePinDir(pins);
  rmSync(tmp, { recursive: true, force: true });
}

/**
 * 5. The journal's cost: RUNS pairs of the same apply into a new empty map, with the journal (the
 * default directory, /run/bpfmap on tmpfs: written and synced before the first write, removed after)
 * and with `--journal off`; medians and the median of the per-pair ratios.
 */
function journalCost(schemaPath: string, ndjson: string, max: number): void {
  const dir = join(pins, 'journal');
  const runs: { on: number; off: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    const one = (journal: string) => {
      const slab = slabKb();
      const p = createMap(dir, max);
      const t = timed('node', [cli, 'apply', schemaPath, '-f', ndjson, '--pin-root', dir, '--journal', journal]).s;
      rmSync(p);
      settle(slab);
      return t;
    };
    // Alternate which goes first, so that neither always runs on a warmer machine.
    if (r % 2 === 0) { const on = one('/run/bpfmap'); runs.push({ on, off: one('off') }); }
    else { const off = one('off'); runs.push({ on: one('/run/bpfmap'), off }); }
  }
  const mid = (v: number[]) => v.slice().sort((x, y) => x - y)[(v.length - 1) >> 1]!;
  const on = mid(runs.map((x) => x.on)), off = mid(runs.map((x) => x.off));
  const ratio = mid(runs.map((x) => x.on / x.off));
  console.log(`journal cost, ${N} entries added (${RUNS} pairs): with journal (/run/bpfmap) ${runs.map((x) => x.on.toFixed(2)).join(' ')} s; --journal off ${runs.map((x) => x.off.toFixed(2)).join(' ')} s`);
  console.log(`medians: with ${on.toFixed(2)} s, without ${off.toFixed(2)} s; cost (median of pair ratios) ${((ratio - 1) * 100).toFixed(1)}%; target <= 15% ${ratio <= 1.15 ? 'met' : 'MISSED'}`);
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
}

/**
 * 6. The same N entries written each way of WRITINGS, applied RUNS times each into a new empty map
 * (whole process), against the C MAP_UPDATE_BATCH loop over the same entries pre-encoded (median of
 * RUNS). Each file is checked first: every way must give the same bytes as the canonical one.
 */
function writings(schemaPath: string, max: number): void {
  const { c, keys, values, bin } = preEncoded();
  const cbin = join(tmp, 'batch-update');
  execFileSync('gcc', ['-O2', '-o', cbin, join(root, 'bench/c/batch-update.c')]);
  const mid = (xs: number[]): number => [...xs].sort((x, y) => x - y)[(xs.length - 1) >> 1]!;
  const cRuns: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const slab = slabKb();
    const p = createMap(join(pins, 'c'), max);
    cRuns.push(timed(cbin, [p, bin, '24', '12']).s);
    rmSync(p);
    settle(slab);
  }
  const cs = mid(cRuns);
  console.log(`entries: ${N}; C MAP_UPDATE_BATCH loop (pre-encoded, whole process): ${cs.toFixed(2)} s (median of ${RUNS})`);
  for (const [name, line] of Object.entries(WRITINGS)) {
    // The same bytes whichever way the entries are written.
    for (const i of [0, 1, N >> 1, N - 1]) {
      const doc = parseJson(line(i)) as { key: unknown; value: unknown };
      const k = c.key.encode(doc.key), v = c.value.encode(doc.value);
      if (Buffer.compare(Buffer.from(k), Buffer.from(keys.subarray(i * 24, i * 24 + 24))) !== 0 || Buffer.compare(Buffer.from(v), Buffer.from(values.subarray(i * 12, i * 12 + 12))) !== 0) {
        throw new Error(`writing '${name}': entry ${i} encodes to other bytes`);
      }
    }
    const path = join(tmp, 'writing.ndjson');
    writeLines(path, N, line);
    const runs: number[] = [];
    const dir = join(pins, 'writing');
    for (let r = 0; r < RUNS; r++) {
      const slab = slabKb();
      const p = createMap(dir, max);
      runs.push(timed('node', [cli, 'apply', schemaPath, '-f', path, '--pin-root', dir, '--json']).s);
      if (r === RUNS - 1 && count(p) !== N) throw new Error(`writing '${name}': the map does not hold ${N} entries`);
      rmSync(p);
      settle(slab);
    }
    const s = mid(runs);
    console.log(`  ${name.padEnd(22)} ${s.toFixed(2)} s (runs ${runs.map((x) => x.toFixed(2)).join(' ')}), ${(s / cs).toFixed(2)}x C (target <= 1.5x: ${s / cs <= 1.5 ? 'met' : 'MISSED'})`);
  }
  console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs`);
}
