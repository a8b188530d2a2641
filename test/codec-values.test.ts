import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileCodec, mapCodecs, parseDocument, templateYaml, type Codec } from '../src/codec/index.js';
import { toHex, fromHex } from '../src/bytes.js';
import type { TypeNode, MapSchema, Field } from '../src/schema/types.js';
import { loadObjectFile } from '../src/object/object.js';
import { arr, char, f, firewallMap, seedMap, statsMap, struct, u8, u32, be32, mapOf, enm } from './oracle/schemas.js';
import { bitsLE, padded, unionU, withAnon } from './oracle/cov-schema.js';
import { SEED_TEMPLATE, SEED_KEY_HEX, SEED_VALUE_HEX } from './oracle/seed-template.js';
import { parse as parseYaml } from 'yaml';

const codec = (node: TypeNode | null, byteOrder: 'little' | 'big' = 'little', size = node?.size ?? 0): Codec =>
  compileCodec(node, { byteOrder, size, root: 'value' });
const fw = mapCodecs(firewallMap, 'little');

// ---------------------------------------------------------------------------------------------
const Bits = suite('bitfields');
const BITS_VALUE = { x: 5, y: 17, z: -3, w: 0xabc, tail: 0x7f, q: 0x123456789an, r: 0xfedcban };
Bits('little-endian: bits from the LSB of the covering bytes', () => {
  const b = codec(bitsLE, 'little').encode(BITS_VALUE);
  assert.is(toHex(b), '8dfdcfab7f0000009a78563412badcfe');
  assert.equal(codec(bitsLE, 'little').decode(b), BITS_VALUE);
});
Bits('big-endian: bits from the MSB', () => {
  const b = codec(bitsLE, 'big').encode(BITS_VALUE);
  assert.is(toHex(b), 'b1ffdabc7f000000123456789afedcba');
  assert.equal(codec(bitsLE, 'big').decode(b), BITS_VALUE);
});
Bits('neighbouring bitfields are not disturbed and unused bits stay zero', () => {
  assert.is(toHex(codec(bitsLE).encode({ y: 31 })), 'f8' + '00'.repeat(15));
  assert.is(toHex(codec(bitsLE).encode({ x: 7, w: 0 })), '07' + '00'.repeat(15));
});
Bits('enum bitfields take names', () => {
  const e = enm('mode', 4, false, [['OFF', 0], ['ON', 1], ['AUTO', 2]]);
  const s = struct('m', 4, [f('mode', 0, e, { bitOffset: 0, bitSize: 2 }), f('n', 0, u32, { bitOffset: 2, bitSize: 6 })]);
  const c = codec(s);
  assert.is(toHex(c.encode({ mode: 'AUTO', n: 1 })), '06000000');
  assert.equal(c.decode(fromHex('05000000')!), { mode: 'ON', n: 1 });
  assert.equal(c.decode(fromHex('07000000')!), { mode: 3, n: 1 });
});
Bits.run();

// ---------------------------------------------------------------------------------------------
const Rec = suite('structs, unions, anonymous members');
Rec('padded struct: missing fields are zero, padding is zero', () => {
  const b = codec(padded).encode({ a: 1, b: -2, verdict: 'V_PASS' });
  assert.is(toHex(b.subarray(0, 8)), '0100feff00000000');
  assert.is(b[56], 1);
  assert.is(b.reduce((s, x) => s + x, 0), 1 + 0xfe + 0xff + 1);
});
Rec('enum decodes to the name, or the number when none matches', () => {
  const c = codec(padded);
  const b = c.encode({ verdict: 7 });
  assert.is((c.decode(b) as { verdict: unknown }).verdict, 7);
  assert.is((c.decode(c.encode({ verdict: 'V_REDIRECT' })) as { verdict: unknown }).verdict, 'V_REDIRECT');
});
Rec('union: one member; decode prints the first member as large as the union', () => {
  const c = codec(unionU);
  assert.is(toHex(c.encode({ half: { lo: 1, hi: 2 } })), '01000200');
  assert.equal(c.decode(fromHex('01000200')!), { word: 0x00020001 });
  assert.is(toHex(c.encode({ bytes: [1, 2] })), '01020000');
});
Rec('anonymous members are addressed as the parent\'s fields', () => {
  const c = codec(withAnon);
  const b = c.encode({ kind: 4, ip4: 0x0100000a, dport: 443 });
  assert.is(toHex(b), '040000000a0000010000000000000000000000000000bb01');
  assert.equal(c.decode(b), { kind: 4, ip6: [10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], sport: 0, dport: 443 });
  assert.equal(c.decode(b, undefined, { prettyAddresses: true }), { kind: 4, ip6: '10.0.0.1', sport: 0, dport: 443 });
});
Rec.run();

// ---------------------------------------------------------------------------------------------
const Arr = suite('arrays, strings, addresses');
Arr('char arrays: string zero-padded, list of numbers; decode text or list', () => {
  const c = codec(arr(char, 6));
  assert.is(toHex(c.encode('abc')), '616263000000');
  assert.is(toHex(c.encode([97, -1])), '61ff00000000');
  assert.is(c.decode(fromHex('616263000000')!), 'abc');
  assert.is(c.decode(fromHex('616263646566')!), 'abcdef');
  assert.equal(c.decode(fromHex('610062000000')!), [97, 0, 98, 0, 0, 0]);
});
Arr('addresses into u8[4], u8[16], u8[6], __be32 and back with prettyAddresses', () => {
  const table: [TypeNode, string, string, string][] = [
    [arr(u8, 4), '192.168.1.2', 'c0a80102', '192.168.1.2'],
    [arr(u8, 16), '10.10.10.2', '0a0a0a02' + '00'.repeat(12), '10.10.10.2'],
    [arr(u8, 16), '2001:db8::1', '20010db8000000000000000000000001', '2001:db8::1'],
    [arr(u8, 16), '::ffff:1.2.3.4', '00000000000000000000ffff01020304', '::ffff:1.2.3.4'],
    [arr(u8, 16), 'fe80:0:0:0:1:0:0:0', 'fe800000000000000001000000000000', 'fe80::1:0:0:0'],
    [arr(u8, 6), 'aa:bb:cc:dd:ee:ff', 'aabbccddeeff', 'aa:bb:cc:dd:ee:ff'],
    [arr(u8, 6), 'AA-BB-CC-00-11-22', 'aabbcc001122', 'aa:bb:cc:00:11:22'],
    [be32, '10.0.0.1', '0a000001', '10.0.0.1'],
  ];
  for (const [node, input, hex, pretty] of table) {
    const c = codec(node);
    const b = c.encode(input);
    assert.is(toHex(b), hex, input);
    assert.is(c.decode(b, undefined, { prettyAddresses: true }), pretty, input);
    assert.is(toHex(c.encode(pretty)), hex, pretty);
  }
});
Arr('index maps set single elements; compact decode prints the non-zero ones', () => {
  const b = fw.value.encode({ rules: { 0: { ruleId: 1, action: 2 }, 57: { ruleId: 9, dstPortStart: 80, dstPortEnd: 443, action: 1 } } });
  assert.is(b.byteLength, 1200);
  assert.is(toHex(b.subarray(57 * 12, 58 * 12)), '09000000005000bb01000001');
  const compact = fw.value.decode(b, undefined, { compact: true });
  assert.equal(compact, { rules: {
    0: { ruleId: 1, protocol: 0, dstPortStart: 0, dstPortEnd: 0, icmpType: 0, icmpCode: 0, action: 2 },
    57: { ruleId: 9, protocol: 0, dstPortStart: 80, dstPortEnd: 443, icmpType: 0, icmpCode: 0, action: 1 },
  } });
  assert.is(toHex(fw.value.encode(compact)), toHex(b));
  const full = fw.value.decode(b) as { rules: unknown[] };
  assert.is(full.rules.length, 100);
});
Arr('a shorter list leaves the rest zero', () => {
  assert.is(toHex(codec(arr(u32, 3)).encode([1])), '010000000000000000000000');
});
Arr.run();

// ---------------------------------------------------------------------------------------------
const Lpm = suite('mapCodecs: LPM trie keys');
const LPM_TABLE: [unknown, string][] = [
  [{ ingress_ifindex: 6, ip_data: '10.10.10.0/24' }, '38000000060000000a0a0a00' + '00'.repeat(12)],
  [{ ingress_ifindex: 6, ip_data: '10.10.10.2/32' }, '40000000060000000a0a0a02' + '00'.repeat(12)],
  [{ ingress_ifindex: 1, ip_data: '2001:db8::/32' }, '4000000001000000' + '20010db8' + '00'.repeat(12)],
  [{ prefixLen: 40, ingress_ifindex: 2, ip_data: '10.0.0.0/8' }, '28000000020000000a000000' + '00'.repeat(12)],
  [{ prefixLen: 33, ip_data: '10.0.0.0' }, '21000000000000000a000000' + '00'.repeat(12)],
  [{ prefixLen: 0, ingress_ifindex: 3 }, '0000000003000000' + '00'.repeat(16)],
];
for (const [input, hex] of LPM_TABLE) {
  Lpm(JSON.stringify(input), () => { assert.is(toHex(fw.key.encode(input)), hex); });
}
Lpm('CIDR outside an LPM key is refused', () => {
  const plain = mapCodecs(seedMap, 'little');
  assert.throws(() => plain.key.encode({ ip_data: '10.0.0.0/8' }), /key\.ip_data: expected an IPv4\/IPv6 address or a list of at most 16 __u8, got '10\.0\.0\.0\/8' \(a \/prefix length is only allowed/);
});
Lpm('mapCodecs caches per schema and byte order', () => {
  assert.is(mapCodecs(firewallMap, 'little'), fw);
  assert.is.not(mapCodecs(firewallMap, 'big'), fw);
});
Lpm.run();

// ---------------------------------------------------------------------------------------------
const Seed = suite('parseDocument: the seed template');
Seed('the walkthrough template gives the walkthrough bytes', () => {
  const doc = parseDocument(SEED_TEMPLATE, 'seed.yaml') as { key: unknown; value: unknown };
  const c = mapCodecs(seedMap, 'little');
  assert.is(toHex(c.key.encode(doc.key)), SEED_KEY_HEX);
  assert.is(toHex(c.value.encode(doc.value)), SEED_VALUE_HEX);
});
Seed('a field left null is an error naming it', () => {
  const t = SEED_TEMPLATE.replace('input: 6\n', 'input: null\n');
  assert.throws(() => parseDocument(t, 'seed.yaml'), (e: Error) => e.message === 'key.ingress_ifindex: input is null in the template; fill it in');
});
Seed('nested structs named by type in the seed get the schema\'s field names', () => {
  const t = `value:\n  variable_name: ruleStatistics_st\n  kind: STRUCT\n  member:\n  - variable_name: allow_stats_st\n    kind: STRUCT\n    member:\n    - {variable_name: packets, kind: INT, input: 18446744073709551615}\n    - {variable_name: bytes, kind: INT, input: 2}\n  - variable_name: deny_stats_st\n    kind: STRUCT\n    member:\n    - {variable_name: packets, kind: INT, input: 3}\n    - {variable_name: bytes, kind: INT, input: 4}\nbyteOrder: reversed\n`;
  const doc = parseDocument(t, 'stats.yaml', statsMap) as { value: unknown };
  const b = mapCodecs(statsMap, 'little').value.encode(doc.value);
  assert.is(toHex(b), 'ffffffffffffffff' + '0200000000000000' + '0300000000000000' + '0400000000000000');
});
Seed.run();

// ---------------------------------------------------------------------------------------------
const Tpl = suite('templateYaml');
Tpl('every field is listed with type, offset and size, and the skeleton encodes to zeros (LPM keys: once filled in)', () => {
  for (const m of [firewallMap, statsMap, mapOf('cov', 'hash', padded, withAnon), mapOf('b', 'array', u32, bitsLE), mapOf('u', 'hash', unionU, null, 4, 0), mapOf('o', 'hash', null, null, 8, 3)]) {
    const y = templateYaml(m);
    const doc = parseYaml(y, { intAsBigInt: false }) as { key?: unknown; value?: unknown };
    const c = mapCodecs(m, 'little');
    // An LPM key must be filled in first (test/lpm-keys.test.ts).
    if (m.keySize && m.type !== 'lpm_trie') assert.is(toHex(c.key.encode(doc.key)), '00'.repeat(m.keySize), m.name);
    if (m.valueSize) assert.is(toHex(c.value.encode(doc.value)), '00'.repeat(m.valueSize), m.name);
  }
  const y = templateYaml(firewallMap);
  assert.match(y, /dstPortEnd: 0 {2}# __u16, offset 7, size 2/);
  assert.match(y, /ip_data: \[\] {2}# __u8\[16\], offset 8, size 16/);
  assert.match(templateYaml(mapOf('cov', 'hash', padded, null)), /verdict: V_DROP {2}# enum verdict \(V_DROP=0, V_PASS=1, V_REDIRECT=2\), offset 56, size 4/);
});
Tpl.run();

// ---------------------------------------------------------------------------------------------
// Round trips on every fixture map (schemas from the committed objects) and on the hand-built ones.
interface Walk { floats: [number, number][]; mask: Uint8Array }

/** Bits that carry data (padding and unused bits 0); float positions to make finite. */
function layout(t: TypeNode, order: 'little' | 'big'): Walk {
  const mask = new Uint8Array(t.size);
  const floats: [number, number][] = [];
  const visit = (n: TypeNode, off: number): void => {
    switch (n.kind) {
      case 'struct': case 'union': {
        const fields = n.kind === 'union' ? [chosen(n.fields, n.size)] : n.fields;
        for (const fl of fields) {
          if (fl.bitSize !== undefined) markBits(off + fl.offset, fl.bitOffset ?? 0, fl.bitSize);
          else if (fl.name !== '' || fl.type.kind === 'struct' || fl.type.kind === 'union') visit(fl.type, off + fl.offset);
        }
        return;
      }
      case 'array': for (let i = 0; i < n.length; i++) visit(n.element, off + i * n.element.size); return;
      case 'float': floats.push([off, n.size]); mask.fill(0xff, off, off + n.size); return;
      case 'int': {
        if (n.bits !== undefined && n.bits < n.size * 8) {
          const little = n.byteOrder === 'big' ? false : order === 'little';
          for (let b = 0; b < n.bits; b++) { const byte = little ? b >> 3 : n.size - 1 - (b >> 3); mask[off + byte]! |= 1 << (b & 7); }
          return;
        }
        mask.fill(0xff, off, off + n.size); return;
      }
      default: mask.fill(0xff, off, off + n.size);
    }
  };
  const markBits = (off: number, bitOffset: number, bitSize: number): void => {
    for (let i = 0; i < bitSize; i++) {
      const pos = bitOffset + i;
      const byte = off + (pos >> 3);
      mask[byte]! |= order === 'little' ? 1 << (pos & 7) : 0x80 >> (pos & 7);
    }
  };
  visit(t, 0);
  return { floats, mask };
}
function chosen(fields: readonly Field[], size: number): Field {
  return fields.find((x) => x.type.size >= size) ?? fields.reduce((a, b) => (b.type.size > a.type.size ? b : a));
}

let seed = 12345;
function rnd(): number { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x80000000; }
function rbytes(n: number): Uint8Array { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256); return b; }

/**
 * Random bytes of an LPM key: the prefix length (first u32, in the object's byte order as the codec
 * writes it) is a valid one, 0..the key's data bits; a longer one is refused by encode as by the kernel.
 */
function lpmKeyBytes(n: number, order: 'little' | 'big'): Uint8Array {
  const b = rbytes(n);
  new DataView(b.buffer).setUint32(0, Math.floor(rnd() * ((n - 4) * 8 + 1)), order === 'little');
  return b;
}

function randomBytesRoundTrip(c: Codec, t: TypeNode | null, order: 'little' | 'big', what: string, gen = rbytes): void {
  const size = c.size;
  const w = t ? layout(t, order) : { floats: [], mask: new Uint8Array(size).fill(0xff) };
  for (let k = 0; k < 20; k++) {
    const b = gen(size);
    const dv = new DataView(b.buffer);
    for (const [off, fs] of w.floats) { if (fs === 4) dv.setFloat32(off, rnd() * 1000 - 500, order === 'little'); else if (fs === 8) dv.setFloat64(off, rnd() * 1e6, order === 'little'); }
    for (const opts of [undefined, { compact: true }, { prettyAddresses: true }]) {
      const again = c.encode(c.decode(b, undefined, opts));
      for (let i = 0; i < size; i++) {
        const m = i < w.mask.length ? w.mask[i]! : 0;
        if ((again[i]! & m) !== (b[i]! & m) || (again[i]! & ~m & 0xff) !== 0) {
          assert.unreachable(`${what}: byte ${i} differs after decode -> encode (${JSON.stringify(opts)}): ${toHex(b)} vs ${toHex(again)}`);
        }
      }
    }
  }
}

const fixtureMaps: { what: string; map: MapSchema; order: 'little' | 'big' }[] = [];
const fixDir = new URL('../fixtures/', import.meta.url).pathname;
for (const file of readdirSync(fixDir).filter((x) => x.endsWith('.o')).sort()) {
  const o = loadObjectFile(join(fixDir, file));
  for (const m of o.schema.maps) fixtureMaps.push({ what: `${file} ${m.name}`, map: m, order: o.schema.byteOrder });
}

const RT = suite('round trips');
RT('there are fixture maps to test', () => { assert.ok(fixtureMaps.length >= 6, String(fixtureMaps.length)); });
for (const { what, map, order } of fixtureMaps) {
  RT(`${what}: random bytes -> decode -> encode reproduces the bytes except padding`, () => {
    const c = mapCodecs(map, order);
    const keyGen = map.type === 'lpm_trie' ? (n: number) => lpmKeyBytes(n, order) : rbytes;
    if (map.keySize) randomBytesRoundTrip(c.key, map.key, order, `${what} key`, keyGen);
    if (map.valueSize) randomBytesRoundTrip(c.value, map.value, order, `${what} value`);
  });
  RT(`${what}: random values -> encode -> decode -> equal (via decode of random bytes)`, () => {
    const c = mapCodecs(map, order);
    for (const [cc, sz, gen] of [[c.key, map.keySize, map.type === 'lpm_trie' ? (n: number) => lpmKeyBytes(n, order) : rbytes], [c.value, map.valueSize, rbytes]] as const) {
      if (!sz) continue;
      for (let k = 0; k < 10; k++) {
        const v = cc.decode(gen(sz));
        const b = cc.encode(v);
        assert.equal(cc.decode(b), v);
        assert.equal(cc.decode(cc.encode(cc.decode(b, undefined, { compact: true, prettyAddresses: true }))), v);
      }
    }
  });
}
for (const [name, node] of [['padded', padded], ['bits', bitsLE], ['union', unionU], ['withAnon', withAnon]] as const) {
  for (const order of ['little', 'big'] as const) {
    RT(`${name} (${order}): random bytes round trip`, () => randomBytesRoundTrip(codec(node, order), node, order, name));
  }
}
RT.run();
