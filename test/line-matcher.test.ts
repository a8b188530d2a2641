// The canonical-line matcher (src/apply/line-matcher.ts) against the codec: whatever line it takes,
// it writes exactly the codec's bytes; whatever the codec refuses, it refuses; and it really is the
// path NDJSON input takes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapSchema, ObjectSchema, TypeNode } from '../src/schema/types.js';
import { mapCodecs } from '../src/codec/map-codecs.js';
import { toHex } from '../src/bytes.js';
import { DesiredState, readStateFile } from '../src/apply/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLines } from '../src/apply/ndjson.js';
import { compileFast } from '../src/apply/fast-json.js';
import { compileLineMatcher, type LineMatcher } from '../src/apply/fast-line-matcher.js';
import { parseJson } from '../src/text/json.js';

const int = (size: number, signed: boolean, extra: object = {}): TypeNode => ({ kind: 'int', name: `${signed ? 's' : 'u'}${size * 8}`, size, signed, ...extra } as TypeNode);
const keyNode: TypeNode = { kind: 'struct', name: 'k', size: 8, fields: [{ name: 'id', offset: 0, type: int(4, false) }, { name: 'port', offset: 4, type: int(2, false, { byteOrder: 'big' }) }, { name: 's', offset: 6, type: int(1, true) }] };
const valueNode: TypeNode = { kind: 'struct', name: 'v', size: 32, fields: [
  { name: 'a', offset: 0, type: int(8, false) }, { name: 'b', offset: 8, type: int(8, true) },
  { name: 'arr', offset: 16, type: { kind: 'array', name: '', size: 8, length: 4, element: int(2, false) } },
  { name: 'w', offset: 24, type: int(4, true) }, { name: 'h', offset: 28, type: int(2, true) }] };
const MAP: MapSchema = { name: 'm', kernelName: 'm', type: 'hash', typeId: 1, keySize: 8, valueSize: 32, maxEntries: 100, flags: [], mapFlags: 0,
  pinning: 'none', pinPath: null, perCpu: false, key: keyNode, value: valueNode, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };

/** A map whose value has address fields: a 16-byte byte array (IPv4 or IPv6) and a 6-byte MAC. */
const u8 = int(1, false);
const MAP_ADDR: MapSchema = { ...MAP, name: 'a', kernelName: 'a', valueSize: 64, value: { kind: 'struct', name: 'va', size: 64, fields: [
  ...(valueNode as Extract<TypeNode, { kind: 'struct' }>).fields,
  { name: 'ip', offset: 32, type: { kind: 'array', name: '', size: 16, length: 16, element: u8 } },
  { name: 'mac', offset: 48, type: { kind: 'array', name: '', size: 6, length: 6, element: u8 } }] } };

/** A small seeded generator (the same numbers on every run). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0; return s / 4294967296; };
}

for (const order of ['little', 'big'] as const) {
  const S = suite(`line matcher (${order}-endian object)`);
  const codec = mapCodecs(MAP, order);
  const plan = { key: compileFast(keyNode, order)!, value: compileFast(valueNode, order)! };
  const fn = compileLineMatcher(Buffer.from('m'), plan.key, plan.value) as LineMatcher;

  /** The matcher on one line: [end position, key hex, value hex]. */
  function match(line: string, end = Buffer.byteLength(line)): [number, string, string] {
    const b = Buffer.from(line);
    const kb = new Uint8Array(8), vb = new Uint8Array(32);
    const q = fn(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, end, kb, 0, vb, 0);
    return [q, toHex(kb), toHex(vb)];
  }
  /** The codec's bytes for the line, or null when it refuses it. */
  function codecOf(line: string): [string, string] | null {
    try {
      const o = parseJson(line) as { key: unknown; value: unknown };
      return [toHex(codec.key.encode(o.key)), toHex(codec.value.encode(o.value))];
    } catch {
      return null;
    }
  }

  S('compiles for a map of plain integers and takes a canonical line whole', () => {
    assert.ok(fn);
    const line = '{"map":"m","key":{"id":4294967295,"port":443,"s":-128},"value":{"a":999999999999999,"b":-999999999999999,"arr":[0,1,65535,7],"w":-2147483648,"h":32767}}';
    const [q, k, v] = match(line);
    assert.is(q, line.length);
    assert.equal([k, v], codecOf(line));
  });

  S('random canonical lines: the same bytes as the codec, or -1 where the codec refuses', () => {
    const r = rng(order === 'little' ? 1 : 2);
    const num = (lo: number, hi: number): string => {
      const x = r();
      if (x < 0.05) return `0${Math.floor(r() * 9) + 1}`; // leading zero
      if (x < 0.08) return '-0';
      if (x < 0.1) return '1234567890123456'; // 16 digits
      if (x < 0.15) return String(hi + 1);
      if (x < 0.2) return String(lo - 1);
      if (x < 0.3) return String(hi);
      if (x < 0.4) return String(lo);
      if (x < 0.5) return String(Math.floor(r() * 10));
      return String(lo + Math.floor(r() * (hi - lo + 1)));
    };
    let taken = 0, refused = 0;
    for (let i = 0; i < 4000; i++) {
      const line = `{"map":"m","key":{"id":${num(0, 4294967295)},"port":${num(0, 65535)},"s":${num(-128, 127)}},` +
        `"value":{"a":${num(0, 999999999999999)},"b":${num(-999999999999999, 999999999999999)},"arr":[${[0, 1, 2, 3].map(() => num(0, 65535)).join(',')}],` +
        `"w":${num(-2147483648, 2147483647)},"h":${num(-32768, 32767)}}}`;
      const [q, k, v] = match(line);
      const c = codecOf(line);
      if (q >= 0) {
        assert.is(q, line.length, line);
        assert.equal([k, v], c, line);
        taken++;
      } else refused++;
      // Refused only where the codec refuses, or for what the fast readers leave to it (16 digits, a leading zero, -0).
      if (q < 0 && c) assert.ok(/(^|[^\d])(0\d|-0[,\]}]|\d{16})/.test(line), `refused a plain line: ${line}`);
    }
    assert.ok(taken > 100 && refused > 100, `taken ${taken}, refused ${refused}`);
  });

  S('anything but the canonical shape is left to the other readers', () => {
    const good = '{"map":"m","key":{"id":1,"port":2,"s":3},"value":{"a":1,"b":2,"arr":[1,2,3,4],"w":5,"h":6}}';
    assert.is(match(good)[0], good.length);
    for (let end = 0; end < good.length; end++) assert.is(match(good, end)[0], -1, `cut at ${end}`);
    const others = [
      good.replace('"id":1,"port":2', '"port":2,"id":1'), // other order
      good.replace('{"id"', '{ "id"'), // a space
      good.replace(',"s":3', ''), // a field missing
      good.replace('"s":3', '"s":3,"x":1'), // an unknown field
      good.replace('[1,2,3,4]', '[1,2,3]'), // fewer elements
      good.replace('[1,2,3,4]', '[1,2,3,4,5]'),
      good.replace('"map":"m"', '"map":"n"'), // another map
      good.replace('"id":1', '"id":1.0'), good.replace('"id":1', '"id":1e2'), good.replace('"id":1', '"id":"1"'),
      good.replace('"id":1', '"id":-1'), good.replace('"id":1', '"id":null'),
      good.replace('"s":3', '"s":-'), good.replace('"s":3', '"s":--3'),
    ];
    for (const o of others) assert.is(match(o)[0], -1, o);
  });

  S('NDJSON input goes through it, and lines it leaves still work', () => {
    const OBJ: ObjectSchema = { object: 't.o', byteOrder: order, maps: [MAP] };
    const st = new DesiredState(OBJ, 'state.ndjson');
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(`{"map":"m","key":{"id":${i},"port":${i * 7},"s":${(i % 256) - 128}},"value":{"a":${i * 1000},"b":${-i},"arr":[${i},0,0,${i % 10}],"w":${-i * 3},"h":${i}}}`);
    lines[50] = lines[50]!.replace('{"id":50', '{ "id":50'); // the fast reader's
    lines[60] = lines[60]!.replace('"a":60000', '"a":"60000"'); // the exact parser's
    parseLines(`${lines.join('\n')}\r\n`, st, 1);
    // The first line finds the map the fast way; line 50 is learned (its way is then tried first), so
    // line 51, canonical again, goes the fast way and is learned back.
    assert.equal(st.lines, { matched: 196, fast: 3, exact: 1 });
    const m = st.maps.get('m')!;
    assert.is(m.count, 200);
    for (let i = 0; i < 200; i += 13) {
      const c = codecOf(lines[i]!)!;
      assert.equal([toHex(m.keys.at(i)), toHex(m.values.at(i))], c, `line ${i + 1}`);
    }
    assert.is(m.originText(199), 'line 200');
  });

  S('lines written another way are learned: other order, spaces, short lists, fields left out, addresses', () => {
    const OBJ: ObjectSchema = { object: 't.o', byteOrder: order, maps: [MAP_ADDR] };
    const ways: ((i: number) => string)[] = [
      (i) => `{"key": {"s": ${(i % 256) - 128}, "port": ${i * 7}, "id": ${i}}, "value": {"h": ${i}, "arr": [${i}, 2], "a": ${i * 1000}, "ip": "10.0.${i >> 8}.${i & 255}"}, "map": "a"}`,
      (i) => `{"map":"a","key":{"id":${i},"port":${i * 7}},"value":{"ip":"fe80::${i.toString(16)}","mac":"aa:bb:cc:dd:ee:${(i & 255).toString(16).padStart(2, '0')}","w":${-i}}}`,
      (i) => `{"value":{"ip":[10,${i >> 8},${i & 255}]},"map":"a","key":{"id":${i}}}`,
    ];
    for (const way of ways) {
      const st = new DesiredState(OBJ, 'state.ndjson');
      const lines = Array.from({ length: 300 }, (_, i) => way(i));
      parseLines(lines.join('\n'), st, 1);
      // Line 1 finds the map, line 2 is learned, the rest go the learned way.
      assert.equal(st.lines, { matched: 298, fast: 2, exact: 0 }, lines[0]);
      const m = st.maps.get('a')!;
      const c = mapCodecs(MAP_ADDR, order);
      for (let i = 0; i < 300; i += 7) {
        const d = parseJson(lines[i]!) as { key: unknown; value: unknown };
        assert.equal([toHex(m.keys.at(i)), toHex(m.values.at(i))], [toHex(c.key.encode(d.key)), toHex(c.value.encode(d.value))], lines[i]);
      }
    }
  });

  S('a learned way takes only lines written exactly that way; the others still read right', () => {
    const OBJ: ObjectSchema = { object: 't.o', byteOrder: order, maps: [MAP_ADDR] };
    const st = new DesiredState(OBJ, 'state.ndjson');
    const base = (i: number) => `{"map":"a","key":{"port":${i},"id":${i}},"value":{"ip":"10.0.0.${i}","arr":[${i}]}}`;
    const lines = Array.from({ length: 120 }, (_, i) => base(i));
    // Each differs from the learned way in one place; each must be read by another path, to the codec's bytes.
    lines[40] = lines[40]!.replace('"arr":[40]', '"arr":[40,1]'); // a longer list
    lines[41] = lines[41]!.replace('"ip":"10.0.0.41"', '"ip":"fe80::41"'); // another address (still an address)
    lines[42] = lines[42]!.replace('"ip":"10.0.0.42"', '"ip":"10.0.0.0/24"'); // a prefix: the codec decides
    lines[43] = lines[43]!.replace('"ip":"10.0.0.43"', '"ip":[10,0,0,43]'); // a list for the address
    lines[44] = lines[44]!.replace('{"port":44,"id":44}', '{"id":44,"port":44}'); // another order
    lines[45] = lines[45]!.replace('"arr":[45]', '"arr": [45]'); // a space
    lines[46] = lines[46]!.replace('"port":46', '"port":46,"s":-1'); // one more field
    lines[47] = lines[47]!.replace('"port":47', '"port":"47"'); // a string for an int
    let failed: unknown = null;
    try { parseLines(lines.join('\n'), st, 1); } catch (e) { failed = e; }
    // 10.0.0.0/24 is no address of a 16-byte field written like that: the codec's error, naming the line.
    assert.match(String(failed), /state\.ndjson:43/);
    lines.splice(42, 1);
    const st2 = new DesiredState(OBJ, 'state.ndjson');
    parseLines(lines.join('\n'), st2, 1);
    const m = st2.maps.get('a')!;
    const c = mapCodecs(MAP_ADDR, order);
    for (let i = 0; i < lines.length; i++) {
      const d = parseJson(lines[i]!) as { key: unknown; value: unknown };
      assert.equal([toHex(m.keys.at(i)), toHex(m.values.at(i))], [toHex(c.key.encode(d.key)), toHex(c.value.encode(d.value))], lines[i]);
    }
    assert.ok(st2.lines.matched >= 100 && st2.lines.matched < 119, JSON.stringify(st2.lines));
  });

  S('address strings on the fast paths: the codec\'s bytes, or the codec\'s refusal', () => {
    const OBJ: ObjectSchema = { object: 't.o', byteOrder: order, maps: [MAP_ADDR] };
    const c = mapCodecs(MAP_ADDR, order);
    const line = (ip: string) => `{"map":"a","key":{"id":1},"value":{"ip":"${ip}"}}`;
    const texts = ['10.0.0.1', '255.255.255.255', '0.0.0.0', '010.0.0.1', '256.0.0.1', '1.2.3', '1.2.3.4.5', '1.2.3.4 ', ' 1.2.3.4',
      '1..2.3', '1.2.3.04', '1000.1.1.1', '::ffff:1.2.3.4', '1::', 'fe80::1', '1.2.3.4:5', 'aa:bb:cc:dd:ee:ff', '12.34.56.789'];
    for (const ip of texts) {
      // Lines 1-2 make the learned matcher; line 3 is the one under test.
      const st = new DesiredState(OBJ, 'state.ndjson');
      let got: string;
      try {
        parseLines([line('10.0.0.7'), line('10.0.0.8'), line(ip)].join('\n'), st, 1);
        got = toHex(st.maps.get('a')!.values.at(2));
      } catch (e) {
        got = `error ${(e as Error).message}`;
      }
      let want: string;
      try {
        want = toHex(c.value.encode({ ip }));
      } catch (e) {
        want = `error ${(e as Error).message}`;
      }
      if (want.startsWith('error')) assert.ok(got.startsWith('error') && got.includes('state.ndjson:3'), `${ip}: ${got}`);
      else assert.is(got, want, ip);
    }
  });

  S.run();
}

const Limits = suite('line matcher limits');
Limits('no matcher for records with very many integers (the fast reader takes them)', () => {
  const big: TypeNode = { kind: 'array', name: '', size: 400, length: 200, element: int(2, false) };
  assert.is(compileLineMatcher(Buffer.from('m'), compileFast(keyNode, 'little')!, compileFast(big, 'little')!), null);
});
Limits('tables sized from a short first line stay within max(file size, 64 MiB)', () => {
  const bigValue: TypeNode = { kind: 'array', name: '', size: 4096, length: 1024, element: int(4, false) };
  const big: MapSchema = { ...MAP, valueSize: 4096, value: bigValue };
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-reserve-'));
  try {
    const f = join(dir, 'state.ndjson');
    // 2 MB: a 44-byte first line would guess ~48k entries of 4 KB (200 MB) without the cap.
    writeFileSync(f, `{"map":"m","key":{"id":1},"value":[7]}\n${' '.repeat(2 << 20)}\n`);
    const st = readStateFile(f, { object: 't.o', byteOrder: 'little', maps: [big] });
    const m = st.maps.get('m')!;
    assert.is(m.count, 1);
    assert.ok(m.values.bytes.byteLength <= (64 << 20), `reserved ${m.values.bytes.byteLength} bytes`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
Limits.run();
