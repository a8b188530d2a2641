// The fast NDJSON path of events (src/events/fast-ndjson.ts) must print exactly what the plain path
// prints (codec.decode, then compactJson): per type, on every type of every fixture object it
// accepts, in both byte orders, over boundary and random bytes; and end to end, the same records from
// the kernel read through EventStream.ndjson() with and without the fast path give the same lines.
import { suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernel, withPinDir } from './helpers/kernel.js';
import { skip, toolsMissing } from './helpers/skip.js';
import { icmpEcho } from './helpers/packets.js';
import { ROOT } from './helpers/cli.js';
import { findMap, loadSource, openMap, readEvents, typeNode, type TypeNode, compileCodec } from '../src/index.js';
import { compactJson } from '../src/text/json.js';
import { compileValueWriter } from '../src/events/fast-ndjson.js';

const OBJECT = join(ROOT, 'fixtures/events.bpfel.o');

/** A deterministic byte source (xorshift32). */
function bytesFrom(seed: number, n: number, pick?: readonly number[]): Uint8Array {
  let x = seed | 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = pick ? pick[(x >>> 0) % pick.length]! : x & 0xff;
  }
  return out;
}

const W = suite('compileValueWriter');

W('prints every accepted type of the fixtures exactly as compactJson(codec.decode(...)), both byte orders', () => {
  const dec = new TextDecoder();
  let types = 0, cases = 0;
  const seen = new Set<string>();
  for (const f of readdirSync(join(ROOT, 'fixtures')).filter((n) => n.endsWith('.o')).sort()) {
    const src = loadSource(join(ROOT, 'fixtures', f));
    const btf = src.btf;
    if (!btf) continue;
    for (let id = 1; id <= btf.typeCount; id++) {
      let node: TypeNode;
      try { node = typeNode(btf, id); } catch { continue; }
      if (node.size < 1 || node.size > 4096) continue;
      const w = compileValueWriter(node, btf.byteOrder);
      if (!w) continue;
      const codec = compileCodec(node, { byteOrder: btf.byteOrder, size: node.size, root: 'value' });
      types++;
      seen.add(`${node.kind}:${btf.byteOrder}`);
      const out = new Uint8Array(w.maxBytes + 8);
      const inputs: Uint8Array[] = [new Uint8Array(node.size), new Uint8Array(node.size).fill(0xff)];
      for (let k = 0; k < 12; k++) inputs.push(bytesFrom(id * 31 + k, node.size), bytesFrom(id * 17 + k, node.size, [0, 1, 2, 3, 0x7f, 0x80, 0xff]));
      for (const input of inputs) {
        // At an offset inside a bigger buffer, as records sit in the ring.
        const ring: Uint8Array = new Uint8Array(node.size + 12);
        ring.set(input, 5);
        for (const compact of [false, true]) {
          const plain = compactJson(codec.decode(ring, 5, { compact }));
          const end = w.write(out, 0, ring, 5);
          assert.ok(end <= w.maxBytes, `${f} type ${id}: ${end} bytes > maxBytes ${w.maxBytes}`);
          assert.is(dec.decode(out.subarray(0, end)), plain, `${f} type ${id} (${node.kind} ${node.name})`);
          cases++;
        }
      }
    }
  }
  assert.ok(types >= 40, `only ${types} types took the fast path`);
  for (const k of ['struct', 'enum', 'int', 'array']) {
    for (const o of ['little', 'big']) assert.ok(seen.has(`${k}:${o}`), `no ${k} in ${o} endian took the fast path`);
  }
  assert.ok(cases > 1000);
});

W('declines what it does not cover: floats, unions, bitfields, char text, bool, prettyAddresses', () => {
  const int = (size: number, extra: object = {}): TypeNode => ({ kind: 'int', name: 'x', size, signed: false, ...extra }) as TypeNode;
  const struct = (type: TypeNode, extra: object = {}): TypeNode => ({ kind: 'struct', name: 's', size: type.size, fields: [{ name: 'a', offset: 0, type, ...extra }] }) as TypeNode;
  assert.is(compileValueWriter({ kind: 'float', name: 'double', size: 8 }, 'little'), null);
  assert.is(compileValueWriter({ kind: 'union', name: 'u', size: 4, fields: [{ name: 'a', offset: 0, type: int(4) }] }, 'little'), null);
  assert.is(compileValueWriter(struct(int(4), { bitSize: 3, bitOffset: 0 }), 'little'), null);
  assert.is(compileValueWriter({ kind: 'array', name: '', size: 4, length: 4, element: int(1, { encoding: 'char', name: 'char' }) }, 'little'), null);
  assert.is(compileValueWriter(int(1, { encoding: 'bool' }), 'little'), null);
  assert.is(compileValueWriter(int(16), 'little'), null);
  assert.is(compileValueWriter(struct(int(4)), 'little', { prettyAddresses: true }), null);
  assert.ok(compileValueWriter(struct(int(4)), 'little'));
});

W.run();

const E = suite('EventStream.ndjson: fast and plain paths');

/** The lines without their receive time (the two reads happen at different times). */
const untimed = (text: string): string => text.replace(/"time":"[^"]*"/g, '"time":"T"');

async function readAll(it: AsyncIterable<Uint8Array>): Promise<string> {
  const dec = new TextDecoder();
  let s = '';
  for await (const c of it) s += dec.decode(c);
  return s;
}

E('the same kernel records (ring buffer; perf event array with a decoded tail, a decoded tail and a hex rest, a hex tail) give the same lines', async (ctx) => {
  await kernel(async () => {
    const missing = toolsMissing(['bpftool', 'taskset']);
    if (missing) { skip(`${missing} not installed`); return; }
    await withPinDir(async (dir) => {
      const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-fast-ndjson-'));
      try {
        execFileSync('bpftool', ['prog', 'loadall', OBJECT, join(dir, 'progs'), 'pinmaps', join(dir, 'maps')]);
        const pkt = join(tmp, 'pkt.bin');
        writeFileSync(pkt, icmpEcho('198.18.0.2', '198.18.0.1'));
        const bss = readdirSync(join(dir, 'maps')).find((n) => /bss$/.test(n))!;
        const src = loadSource(OBJECT);
        const btf = src.btf!;
        const type = (name: string) => typeNode(btf, btf.findByName(name)!.id);
        const open = (name: string) => openMap({ map: findMap(src.schema, name), byteOrder: src.schema.byteOrder, pin: join(dir, 'maps', name) });
        /** Runs the program `n` times from seq 0 (the .bss holding the counter is zeroed first), on CPU 0. */
        const run = (n: number) => {
          execFileSync('bpftool', ['map', 'update', 'pinned', join(dir, 'maps', bss), 'key', 'hex', '00', '00', '00', '00', 'value', 'hex', ...Array(24).fill('00')]);
          execFileSync('taskset', ['-c', '0', 'bpftool', 'prog', 'run', 'pinned', join(dir, 'progs/emit_events'), 'data_in', pkt, 'repeat', String(n)]);
        };
        const cases: [string, object][] = [
          ['rb_events', { type: type('event') }],
          ['rb_events', {}],
          ['perf_events', { type: type('event'), tailType: type('pkt_head'), cpus: [0], perfPages: 64 }],
          ['perf_events', { type: type('event'), tailType: type('ethhdr'), cpus: [0], perfPages: 64 }],
          ['perf_events', { type: type('event'), cpus: [0], perfPages: 64 }],
        ];
        for (const [map, opts] of cases) {
          const out: string[] = [];
          for (const fast of [true, false]) {
            const live = open(map);
            try {
              const stream = readEvents(live, { ...opts, timeoutMs: 200 });
              run(700);
              out.push(await readAll(stream.ndjson({ fast })));
            } finally {
              live.close();
            }
          }
          const lines = out[0]!.split('\n');
          assert.is(lines.length, 701, `${map}: 700 lines and the final newline`);
          if ('type' in opts) assert.match(lines[699]!, /"seq":699,/);
          assert.is(untimed(out[0]!), untimed(out[1]!), `${map} ${JSON.stringify(Object.keys(opts))}`);
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
  })(ctx);
});

E.run();
