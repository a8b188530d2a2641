/**
 * bpfmap against a concurrent writer: another process (test/helpers/concurrent-writer.ts) updates and
 * deletes keys of the same hash map in a tight loop while the CLI dumps and applies. Dumps must parse,
 * hold no key twice, no torn value and every entry nobody touched; a failing apply must put back
 * exactly the keys it touched.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bpfmap, ROOT, SEED } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { SEED_TABLE } from '../helpers/concurrent-writer.js';

const WRITER = join(ROOT, 'test', 'helpers', 'concurrent-writer.ts');
const WRITER_BASE = 1000;
const WRITER_KEYS = 16;

interface Writer { child: ChildProcess; done: Promise<string> }

/** Starts the writer on `pin` and resolves once it has the map open. */
async function startWriter(pin: string, ms: number): Promise<Writer> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, pin, String(WRITER_BASE), String(WRITER_KEYS), '50000000', String(ms)],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`exit ${code ?? signal}: ${out}${err}`)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); if (out.startsWith('ready\n')) resolve(); });
    child.on('exit', () => reject(new Error(`concurrent writer ended before it was ready: ${out}${err}`)));
  });
  return { child, done };
}

/** Stops the writer by its pid (also when the test failed) and waits for it to go. */
async function stopWriter(w: Writer | undefined): Promise<void> {
  if (!w) return;
  if (w.child.exitCode === null && w.child.signalCode === null && w.child.pid !== undefined) {
    try { process.kill(w.child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  await w.done;
}

interface Line { map: string; key: { prefixLen: number; ingress_ifindex: number; ip_data: number[] }; value: Record<string, number> }

const FIELDS = ['ruleId', 'protocol', 'dstPortStart', 'dstPortEnd', 'icmpType', 'icmpCode', 'action'];

/** bpfmap's own entries: ifindex 1..n, every field = ifindex + 1000 for ruleId, (ifindex % 200) elsewhere. */
function ownValue(i: number, c: number): Record<string, number> {
  return { ruleId: c + i, protocol: c, dstPortStart: c, dstPortEnd: c, icmpType: c, icmpCode: c, action: c };
}

function ndjson(entries: { i: number; c: number }[]): string {
  return entries.map(({ i, c }) => JSON.stringify({ map: SEED_TABLE, key: { ingress_ifindex: i, ip_data: '10.1.0.0' }, value: ownValue(i, c) })).join('\n') + '\n';
}

function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-concurrency-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const Dump = suite('dump --ndjson while another process writes');
Dump('every line parses, no key twice, no torn value, no untouched entry lost', kernel(() => withPinDir((dir) => withTemp(async (tmp) => {
  const made = bpfmap(['create', SEED, SEED_TABLE, '--pin-root', dir]);
  assert.is(made.code, 0, made.stderr);
  const own = Array.from({ length: 300 }, (_, k) => ({ i: k + 1, c: 7 }));
  const state = join(tmp, 'own.ndjson');
  writeFileSync(state, ndjson(own));
  const a = bpfmap(['apply', SEED, '--pin-root', dir, '-f', state]);
  assert.is(a.code, 0, a.stderr);
  let w: Writer | undefined;
  try {
    w = await startWriter(join(dir, SEED_TABLE), 8000);
    let dumps = 0;
    let writerSeen = 0;
    const end = Date.now() + 4000;
    while (Date.now() < end || dumps < 3) {
      const r = bpfmap(['dump', SEED, SEED_TABLE, '--pin-root', dir, '--ndjson', '--numeric']); // byte lists: the checks below read ip_data as bytes
      assert.is(r.stderr, '', `dump ${dumps}: stderr`);
      assert.is(r.code, 0, `dump ${dumps}: exit code`);
      const seen = new Set<string>();
      let ownSeen = 0;
      const lines = r.stdout.split('\n');
      assert.is(lines.pop(), '', 'output ends with a newline');
      const trailer = JSON.parse(lines.pop()!) as { trailer: boolean; entries: number };
      assert.equal([trailer.trailer, trailer.entries], [true, lines.length], 'the trailer counts the lines');
      for (const text of lines) {
        const e = JSON.parse(text) as Line; // throws on a broken line
        assert.is(e.map, SEED_TABLE);
        const id = `${e.key.ingress_ifindex}/${e.key.ip_data.join('.')}/${e.key.prefixLen}`;
        assert.not.ok(seen.has(id), `dump ${dumps}: key ${id} appears twice`);
        seen.add(id);
        const idx = e.key.ingress_ifindex;
        if (idx >= WRITER_BASE) {
          assert.ok(idx < WRITER_BASE + WRITER_KEYS, `dump ${dumps}: key ${id} nobody wrote`);
          assert.equal(e.key.ip_data.slice(0, 4), [10, 0, 0, idx - WRITER_BASE]);
          const c = e.value.ruleId!;
          assert.equal(FIELDS.map((f) => e.value[f]), FIELDS.map(() => c), `dump ${dumps}: torn value ${text}`);
          writerSeen++;
        } else {
          assert.equal(e.value, ownValue(idx, 7), `dump ${dumps}: entry ${id} changed`);
          ownSeen++;
        }
      }
      assert.is(ownSeen, own.length, `dump ${dumps}: every entry the writer does not touch is there`);
      dumps++;
    }
    assert.ok(writerSeen > 0, 'the writer was writing while the dumps ran');
    assert.ok(w.child.exitCode === null, 'the writer was still writing at the end');
  } finally {
    await stopWriter(w);
  }
}))));
Dump.run();

function bpftoolEntries(pin: string): Map<string, string> {
  const raw = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', pin], { encoding: 'utf8' })) as { key: string[]; value: unknown }[];
  // An entry the writer deletes between bpftool's get-next-key and its lookup comes back as
  // {"value": {"error": ...}}: only the writer's keys race like that, and they are not compared.
  return new Map(raw.filter((e) => Array.isArray(e.value)).map((e) => [e.key.join(' '), (e.value as string[]).join(' ')]));
}

/** Only bpfmap's keys (ifindex below the writer's), as key bytes -> value bytes. */
function ownEntries(pin: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of bpftoolEntries(pin)) {
    const ifindex = parseInt(k.split(' ')[4]!, 16) | (parseInt(k.split(' ')[5]!, 16) << 8);
    if (ifindex < WRITER_BASE) out.set(k, v);
  }
  return out;
}

const Apply = suite('apply that fails part-way while another process writes other keys');
Apply('each failed apply restores the keys it touched to their previous bytes', kernel(() => withPinDir((dir) => withTemp(async (tmp) => {
  // 40 entries: bpfmap's 5 + the writer's up to 16 leave no room for the state's 30 new keys.
  const pin = join(dir, SEED_TABLE);
  execFileSync('bpftool', ['map', 'create', pin, 'type', 'hash', 'key', '24', 'value', '12', 'entries', '40', 'name', 'ingress_node_fi', 'flags', '1']);
  const first = join(tmp, 'first.ndjson');
  writeFileSync(first, ndjson([1, 2, 3, 4, 5].map((i) => ({ i, c: 9 }))));
  const a = bpfmap(['apply', SEED, '--pin', pin, '--force', '-f', first]);
  assert.is(a.code, 0, a.stderr);
  const before = ownEntries(pin);
  assert.is(before.size, 5);
  const big = join(tmp, 'big.ndjson');
  writeFileSync(big, ndjson(Array.from({ length: 35 }, (_, k) => ({ i: k + 1, c: 42 }))));
  let w: Writer | undefined;
  try {
    w = await startWriter(pin, 8000);
    for (let round = 0; round < 6; round++) {
      const r = bpfmap(['apply', SEED, '--pin', pin, '--force', '-f', big]);
      assert.is(r.code, 6, `round ${round}: exit code (${r.stderr})`);
      assert.is(r.stdout, '');
      assert.match(r.stderr, /^bpfmap: apply: map 'ingress_node_firewall_table_map': adding entry \d+ of 30 \(line \d+\): map '.*': map is full \(E2BIG\): delete entries or create the map with a larger max_entries; rolled back: the \d+ entries written before the failure were restored, the maps are as before\n$/,
        `round ${round}`);
      assert.equal(ownEntries(pin), before, `round ${round}: bpfmap's keys are back to their previous bytes`);
    }
    assert.ok(w.child.exitCode === null, 'the writer was still writing at the end');
    const writer = [...bpftoolEntries(pin).keys()].length - before.size;
    assert.ok(writer >= 0 && writer <= WRITER_KEYS);
  } finally {
    await stopWriter(w);
  }
}))));
Apply.run();
