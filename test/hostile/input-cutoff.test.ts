/**
 * Cut-off input is never taken for complete: `dump --ndjson` ends with a trailer line, `apply`
 * checks its counts, and `apply --prune` refuses NDJSON without one (a dump killed mid-stream, a file
 * cut at a line boundary) unless told `--complete`. Each case checks the exit code, the message and
 * the map's whole contents afterwards (bpftool). Also: outcomes that used to be "internal error"
 * (a full disk under `dump`, an editor that fails or removes its file) are typed errors.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLines } from '../../src/apply/ndjson.js';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../../src/syscall/index.js';
import { bpfmap, BIN } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { type MapSchema, type ObjectSchema, type TypeNode, readStateFile, readStateFileAsync, DesiredState, stringifyJson } from '../../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const val: TypeNode = { kind: 'struct', name: 'val', size: 16, fields: [{ name: 'a', offset: 0, type: u32 }, { name: 'b', offset: 8, type: u64 }] };
const hash = (name: string, max: number): MapSchema => ({ name, kernelName: name, type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16,
  maxEntries: max, flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 });
const N = 20_000;
const MAPS = [hash('t_big', N + 16), hash('t_two', 64)];
const OBJ = { object: 'test.o', byteOrder: 'little', maps: MAPS } as unknown as ObjectSchema;

function create(dir: string, s: MapSchema): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: 0, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}
const line = (m: string, i: number) => `{"map":"${m}","key":${i},"value":{"a":${i},"b":${i * 3}}}\n`;
const bpftool = (p: string) => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8', maxBuffer: 1 << 30 });
const count = (p: string) => (JSON.parse(bpftool(p)) as unknown[]).length;

/** A map of N entries pinned in `dir`, the schema file, and a tmp dir; cleaned up afterwards. */
function withFilled(fn: (ctx: { dir: string; tmp: string; schema: string; pin: string }) => Promise<void> | void) {
  return kernel(() => withPinDir(async (dir) => {
    const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-cutoff-'));
    try {
      const schema = join(tmp, 'schema.json');
      writeFileSync(schema, stringifyJson(OBJ));
      const pin = create(dir, MAPS[0]!);
      create(dir, MAPS[1]!);
      const st = join(tmp, 'fill.ndjson');
      writeFileSync(st, Array.from({ length: N }, (_, i) => line('t_big', i)).join(''));
      const r = bpfmap(['apply', schema, '-f', st, '--pin-root', dir]);
      assert.is(r.code, 0, r.stderr);
      await fn({ dir, tmp, schema, pin });
    } finally { rmSync(tmp, { recursive: true, force: true }); }
  }));
}

const Trailer = suite('dump --ndjson trailer, apply checks it (kernel, CLI)');
Trailer('dump ends with the trailer; applying the whole dump with --prune changes nothing', withFilled(({ dir, schema }) => {
  const d = bpfmap(['dump', schema, 't_big', '--pin-root', dir, '--ndjson']);
  assert.is(d.code, 0, d.stderr);
  const lines = d.stdout.trimEnd().split('\n');
  assert.is(lines.length, N + 1);
  assert.is(lines[N], `{"trailer":true,"entries":${N},"maps":{"t_big":${N}}}`);
  const r = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir, '--prune', '--json'], { input: d.stdout });
  assert.is(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { maps: { unchanged: number; deleted: number }[] };
  assert.equal([res.maps[0]!.unchanged, res.maps[0]!.deleted], [N, 0]);
}));
Trailer('dump killed mid-stream, piped into apply --prune: refused (exit 5), map unchanged', withFilled(async ({ dir, schema, pin }) => {
  const before = bpftool(pin);
  const dump = spawn(process.execPath, [BIN, 'dump', schema, 't_big', '--pin-root', dir, '--ndjson'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const apply = spawn(process.execPath, [BIN, 'apply', schema, '-f', '-', '--pin-root', dir, '--prune'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '', sent = 0;
  apply.stderr.on('data', (d) => { err += d; });
  dump.stdout.on('data', (d: Buffer) => {
    if (sent > 0) return;
    // After its first block the dump is killed: the rest never comes. The block is passed on up to its
    // last whole line, so the input looks like a clean NDJSON stream and only the missing trailer
    // tells that it was cut (a cut inside a line is a parse error, tested below).
    const cut = d.subarray(0, d.lastIndexOf(0x0a) + 1);
    sent = cut.byteLength;
    apply.stdin.write(cut);
    dump.kill('SIGKILL');
    apply.stdin.end();
  });
  dump.stdout.on('end', () => { if (!apply.stdin.writableEnded) apply.stdin.end(); });
  const code = await new Promise<number | null>((r) => apply.on('exit', r));
  assert.ok(sent > 0 && sent < N * 40, `a part was sent (${sent} bytes)`);
  assert.is(code, 5, err);
  assert.match(err, /^bpfmap: stdin: NDJSON that has no trailer line may have been cut off/);
  assert.is(bpftool(pin), before, 'map unchanged');
}));
Trailer('dump cut inside a line: refused as a parse error naming the line (exit 5), map unchanged', withFilled(({ dir, schema, pin }) => {
  const d = bpfmap(['dump', schema, 't_big', '--pin-root', dir, '--ndjson']).stdout;
  const before = bpftool(pin);
  const cut = d.slice(0, d.indexOf('\n', 5000) + 20);
  const r = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir, '--prune'], { input: cut });
  assert.is(r.code, 5, r.stderr);
  assert.match(r.stderr, /^bpfmap: stdin:\d+: /);
  assert.is(bpftool(pin), before, 'map unchanged');
}));
Trailer('cut at a line boundary: --prune refused naming --complete; --complete takes it whole (and prunes)', withFilled(({ dir, schema, pin, tmp }) => {
  const d = bpfmap(['dump', schema, 't_big', '--pin-root', dir, '--ndjson']).stdout;
  const cut = d.split('\n').slice(0, 1000).join('\n') + '\n';
  const before = bpftool(pin);
  const r = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir, '--prune'], { input: cut });
  assert.is(r.code, 5);
  assert.is(r.stderr, 'bpfmap: stdin: NDJSON that has no trailer line may have been cut off, and prune would delete every entry it does not list (maps t_big); ' +
    'nothing is applied. End it with {"trailer":true,"entries":N,"maps":{...}} as `bpfmap dump --ndjson` does, or pass --complete if the input is known to be whole\n');
  assert.is(bpftool(pin), before, 'map unchanged');
  // The same cut as a file, and a prune asked for by the file itself.
  const f = join(tmp, 'cut.ndjson');
  writeFileSync(f, `{"map":"t_big","prune":true}\n${cut}`);
  const rf = bpfmap(['apply', schema, '-f', f, '--pin-root', dir]);
  assert.is(rf.code, 5, rf.stderr);
  assert.match(rf.stderr, /cut\.ndjson: NDJSON that has no trailer line/);
  assert.is(bpftool(pin), before, 'map unchanged');
  // Without prune the cut input is harmless: applied (nothing to change).
  const plain = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir], { input: cut });
  assert.is(plain.code, 0, plain.stderr);
  assert.is(bpftool(pin), before);
  const ok = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir, '--prune', '--complete'], { input: cut });
  assert.is(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`t_big: 0 added, 0 changed, ${N - 1000} deleted, 1000 unchanged`));
  assert.is(count(pin), 1000);
}));
Trailer('a count that does not match (a line taken out, or added) is refused even without prune; concatenated dumps each check theirs', withFilled(({ dir, schema, pin }) => {
  const d = bpfmap(['dump', schema, 't_big', '--pin-root', dir, '--ndjson']).stdout.split('\n');
  const before = bpftool(pin);
  const changed = d.slice(0, N + 1).map((l) => l.replace(/"a":(\d+)/, '"a":7'));
  const missing = [...changed.slice(0, 10), ...changed.slice(11)].join('\n') + '\n';
  const r = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir], { input: missing });
  assert.is(r.code, 5);
  assert.is(r.stderr, `bpfmap: stdin:${N}: trailer: map 't_big': expected ${N} entries, got ${N - 1} in the stream; the input is incomplete or was changed, nothing is applied\n`);
  const extra = [...changed.slice(0, N), line('t_two', 1).trimEnd(), changed[N]].join('\n') + '\n';
  const r2 = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir], { input: extra });
  assert.is(r2.code, 5);
  assert.match(r2.stderr, /trailer: 1 entries of map 't_two', which the trailer does not list/);
  assert.is(bpftool(pin), before, 'map unchanged after both');
  // Two dumps one after the other: two trailers, each counting its own part; complete for --prune.
  const two = `${d.join('\n')}${line('t_two', 1)}${line('t_two', 2)}{"trailer":true,"entries":2,"maps":{"t_two":2}}\n`;
  const r3 = bpfmap(['apply', schema, '-f', '-', '--pin-root', dir, '--prune'], { input: two });
  assert.is(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, new RegExp(`t_big: 0 added, 0 changed, 0 deleted, ${N} unchanged\nt_two: 2 added`));
}));
Trailer.run();

const Readers = suite('every NDJSON reader sees the trailer (library, offline)');
Readers('sync, async and text readers: a matching trailer makes the stream complete, a wrong one is refused; records went the matcher way', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-cutoff-'));
  try {
    const body = Array.from({ length: 300 }, (_, i) => line('t_big', i)).join('');
    const good = join(tmp, 'good.ndjson'), bad = join(tmp, 'bad.ndjson'), none = join(tmp, 'none.ndjson');
    writeFileSync(good, `${body}{"trailer":true,"entries":300,"maps":{"t_big":300}}\n`);
    writeFileSync(bad, `${body}{ "trailer": true, "entries": 301, "maps": {"t_big": 301} }\n`);
    writeFileSync(none, body);
    const s1 = readStateFile(good, OBJ, { prune: true });
    const s2 = await readStateFileAsync(good, OBJ, { prune: true });
    for (const s of [s1, s2]) {
      assert.equal([s.ndjson.complete, s.ndjson.trailers, s.count], [true, 1, 300]);
      assert.ok(s.lines.matched > 250, `canonical lines took the line matcher (${s.lines.matched})`);
    }
    const t = new DesiredState(OBJ, 'text');
    parseLines(`${line('t_big', 1)}{"trailer":true,"entries":1,"maps":{"t_big":1}}\n`, t, 1);
    assert.is(t.ndjson.complete, true);
    const msg = /bad.ndjson:301: trailer: map 't_big': expected 301 entries, got 300 in the stream/;
    assert.throws(() => readStateFile(bad, OBJ), msg);
    let e: unknown = null;
    try { await readStateFileAsync(bad, OBJ); } catch (x) { e = x; }
    assert.match(String((e as Error)?.message), msg);
    assert.throws(() => readStateFile(none, OBJ, { prune: true }), (x: Error & { code?: string }) => x.code === 'INPUT_INCOMPLETE' && /pass complete: true/.test(x.message));
    assert.is(readStateFile(none, OBJ, { prune: true, complete: true }).count, 300, 'complete: true is the caller\'s word');
    assert.is(readStateFile(none, OBJ).ndjson.complete, false);
    // The dump of an empty map is only a trailer: NDJSON by content, complete, and names the map.
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '{"trailer":true,"entries":0,"maps":{"t_two":0}}\n');
    const se = readStateFile(empty, OBJ, { prune: true });
    assert.equal([se.ndjson.complete, se.maps.get('t_two')?.count, se.maps.get('t_two')?.prune], [true, 0, true]);
    // Records after the last trailer: not complete again.
    writeFileSync(none, `${body}{"trailer":true,"entries":300,"maps":{"t_big":300}}\n${line('t_big', 400)}`);
    assert.throws(() => readStateFile(none, OBJ, { prune: true }), /has records after its last trailer line/);
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});
Readers.run();

const Exit = suite('typed outcomes instead of "internal error" (kernel, CLI)');
Exit('dump onto a full disk: /dev/full and a small tmpfs give exit 3 and a message', withFilled(({ dir, schema, tmp }) => {
  for (const fmt of [['--ndjson'], ['--json'], []]) {
    const r = execNode(['dump', schema, 't_big', '--pin-root', dir, ...fmt], '/dev/full');
    assert.is(r.code, 3, r.stderr);
    const msg = 'stdout: cannot write (ENOSPC: no space left on device); the output is incomplete';
    // under --json the error is a JSON object on stderr, with the same exit code
    assert.is(r.stderr, fmt[0] === '--json' ? `${JSON.stringify({ code: 'IO', message: msg })}\n` : `bpfmap: ${msg}\n`);
  }
  const mnt = join(tmp, 'small');
  mkdirSync(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
  try {
    const r = execNode(['dump', schema, 't_big', '--pin-root', dir, '--ndjson'], join(mnt, 'out.ndjson'));
    assert.is(r.code, 3, r.stderr);
    assert.match(r.stderr, /ENOSPC: no space left on device/);
    assert.ok(!/internal error/.test(r.stderr));
  } finally { execFileSync('umount', [mnt]); }
}));
Exit('an editor that exits non-zero or removes its file: exit 3, nothing written', withFilled(({ dir, schema, tmp, pin }) => {
  const before = bpftool(pin);
  const fails = join(tmp, 'fails.sh'), removes = join(tmp, 'removes.sh');
  writeFileSync(fails, '#!/bin/sh\necho "value: {a: 9, b: 9}" > "$1"\nexit 4\n');
  writeFileSync(removes, '#!/bin/sh\nrm -f "$1"\n');
  chmodSync(fails, 0o755); chmodSync(removes, 0o755);
  const a = bpfmap(['edit', schema, 't_big', '--pin-root', dir, '--key', '5'], { env: { EDITOR: fails, VISUAL: '' } });
  assert.is(a.code, 3, a.stderr);
  assert.match(a.stderr, /editor '.*fails\.sh' exited with 4; nothing written/);
  const b = bpfmap(['edit', schema, 't_big', '--pin-root', dir, '--key', '5'], { env: { EDITOR: removes, VISUAL: '' } });
  assert.is(b.code, 3, b.stderr);
  assert.match(b.stderr, /^bpfmap: editor '.*removes\.sh' removed the file it was editing \(ENOENT\); nothing written\n$/);
  assert.is(bpftool(pin), before);
}));
Exit.run();

/** Runs the CLI with stdout going to a file (opened here, handed over as the child's fd 1). */
function execNode(args: string[], out: string): { code: number; stderr: string } {
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    return { code: r.status ?? -1, stderr: r.stderr };
  } finally { closeSync(fd); }
}
