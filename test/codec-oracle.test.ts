// The native oracle: a C program compiled with gcc fills the fixtures' and test/oracle's structs and
// prints their bytes and layouts; the codec must produce the same bytes for the same values, padding
// included. Big-endian: the same values encoded for a bpfeb object must equal the gcc bytes with every
// host-order scalar byte-swapped (network-order typedefs and byte arrays unchanged).
import { skip, suite, toolsMissing } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCodec, mapCodecs } from '../src/codec/index.js';
import { toHex, fromHex } from '../src/bytes.js';
import type { StructNode, TypeNode } from '../src/schema/types.js';
import { firewallMap, lpmKey, rule, rulesVal, ruleStats } from './oracle/schemas.js';
import { bitsLE, packedS, padded, unionU, withAnon } from './oracle/cov-schema.js';

const root = new URL('..', import.meta.url).pathname;
let out = '';
const noGcc = toolsMissing(['gcc']) ? 'gcc is not installed' : '';
if (!noGcc) {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-oracle-'));
  try {
    const exe = join(dir, 'oracle');
    execFileSync('gcc', ['-O1', '-Wall', '-Werror', '-I', join(root, 'fixtures/src'), '-I', join(root, 'test/oracle'), join(root, 'test/oracle/oracle.c'), '-o', exe]);
    out = execFileSync(exe, { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const bytes = new Map<string, string>();
const sizes = new Map<string, number>();
const offsets = new Map<string, number>();
for (const line of out.split('\n')) {
  const p = line.split(' ');
  if (p[0] === 'bytes') bytes.set(p[1]!, p[2]!);
  if (p[0] === 'size') sizes.set(p.slice(1, -1).join(' '), Number(p.at(-1)));
  if (p[0] === 'offset') offsets.set(`${p[1]} ${p[2]}.${p[3]}`, Number(p[4]));
}

const enc = (node: TypeNode, order: 'little' | 'big', v: unknown) => toHex(compileCodec(node, { byteOrder: order, size: node.size, root: 'value' }).encode(v));

/** gcc's little-endian bytes with the given [offset, size] scalars reversed. */
function swapped(hex: string, scalars: [number, number][]): string {
  const b = fromHex(hex)!;
  for (const [o, n] of scalars) b.subarray(o, o + n).reverse();
  return toHex(b);
}

const CASES: { name: string; node: TypeNode; value: unknown; be?: [number, number][] }[] = [
  { name: 'padded', node: padded, value: {
    a: 0xab, b: -2, c: 0xdeadbeef, d: 0x0102030405060708n, port: 8080, addr: '10.0.0.1', name: 'abc',
    mac: 'aa:bb:cc:dd:ee:ff', ip6: '2001:db8::1', verdict: 'V_PASS', flag: true, e: -5, ratio: 1.5, big: 0x1122334455667788n,
  }, be: [[2, 2], [4, 4], [8, 8], [56, 4], [64, 8]] },
  { name: 'bits', node: bitsLE, value: { x: 5, y: 17, z: -3, w: 0xabc, tail: 0x7f, q: 0x123456789an, r: 0xfedcban } },
  { name: 'packed_s', node: packedS, value: { a: 1, b: 0x11223344, c: 0x5566, d: 0x778899aabbccddeen }, be: [[1, 4], [5, 2], [7, 8]] },
  { name: 'u', node: unionU, value: { half: { lo: 1, hi: 2 } }, be: [[0, 2], [2, 2]] },
  { name: 'with_anon', node: withAnon, value: { kind: 4, ip4: 0x0100000a, sport: 1, dport: 443 }, be: [[0, 4], [4, 4], [20, 2], [22, 2]] },
  { name: 'lpm_ip_key_st', node: lpmKey, value: { prefixLen: 56, ingress_ifindex: 6, ip_data: '10.10.10.0' }, be: [[0, 4], [4, 4]] },
  { name: 'rulesVal_st', node: rulesVal, value: { rules: { 3: { ruleId: 7, protocol: 6, dstPortStart: 80, dstPortEnd: 443, action: 1 }, 99: { ruleId: 0xffffffff, icmpType: 8, action: 2 } } },
    be: [[36, 4], [41, 2], [43, 2], [1188, 4]] },
];

const Native = suite('native oracle (gcc)');
/** Every case is registered with or without gcc: without it each one is a counted skip (a failure in CI). */
const Oracle = (name: string, fn: () => void) => Native(name, () => (noGcc ? skip(noGcc) : fn()));
Oracle('the oracle printed every struct', () => {
  for (const c of CASES) assert.ok(bytes.has(c.name), c.name);
});
Oracle('hand-built schemas match gcc\'s sizes and offsets', () => {
  const nodes: Record<string, TypeNode> = {
    'struct padded': padded, 'struct bits': bitsLE, 'struct packed_s': packedS, 'union u': unionU, 'struct with_anon': withAnon,
    'struct lpm_ip_key_st': lpmKey, 'struct ruleType_st': rule, 'struct rulesVal_st': rulesVal, 'struct ruleStatistics_st': ruleStats,
  };
  for (const [name, node] of Object.entries(nodes)) assert.is(node.size, sizes.get(name), name);
  let checked = 0;
  for (const [k, off] of offsets) {
    const [tn, field] = [k.slice(0, k.lastIndexOf('.')), k.slice(k.lastIndexOf('.') + 1)];
    const s = nodes[tn] as StructNode;
    assert.ok(s, tn);
    const flat = s.fields.flatMap((f) => (f.name === '' && (f.type.kind === 'struct' || f.type.kind === 'union') ? f.type.fields.map((g) => ({ ...g, offset: f.offset + g.offset })) : [f]));
    const fld = flat.find((f) => f.name === field);
    assert.ok(fld, `${tn}.${field} missing in the schema`);
    assert.is(fld!.offset, off, `${tn}.${field}`);
    checked++;
  }
  assert.ok(checked >= 30, String(checked));
});
for (const c of CASES) {
  Oracle(`${c.name}: codec bytes == gcc bytes (little-endian)`, () => {
    assert.is(enc(c.node, 'little', c.value), bytes.get(c.name));
  });
  if (c.be) {
    Oracle(`${c.name}: big-endian == gcc bytes with host-order scalars swapped`, () => {
      assert.is(enc(c.node, 'big', c.value), swapped(bytes.get(c.name)!, c.be!));
    });
  }
}
Oracle('LPM CIDR input gives the same key bytes as gcc', () => {
  assert.is(toHex(mapCodecs(firewallMap, 'little').key.encode({ ingress_ifindex: 6, ip_data: '10.10.10.0/24' })), bytes.get('lpm_ip_key_st'));
});
Oracle('decode of gcc bytes -> encode gives the gcc bytes', () => {
  for (const c of CASES) {
    const codec = compileCodec(c.node, { byteOrder: 'little', size: c.node.size, root: 'value' });
    assert.is(toHex(codec.encode(codec.decode(fromHex(bytes.get(c.name)!)!))), bytes.get(c.name), c.name);
  }
});
Native.run();
