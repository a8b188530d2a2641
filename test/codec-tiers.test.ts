// The codec's two tiers (src/codec/compile.ts): a codec serves its first GENERATE_AFTER calls from
// plain code and only then generates code for its type (src/codec/fast-codegen.ts). Both must give
// the same bytes, the same values and the same refusals for every type bpfmap meets.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { compileCodec, GENERATE_AFTER, type CodecOptions } from '../src/codec/compile.js';
import type { Codec, DecodeOptions } from '../src/codec/index.js';
import { loadObjectFile } from '../src/object/object.js';
import type { TypeNode } from '../src/schema/types.js';
import { Rng } from './fuzz/prng.js';
import { arr, f, firewallMap, struct, u8, u16, u32, be32 } from './oracle/schemas.js';
import { bitsLE, packedS, padded, unionU, withAnon } from './oracle/cov-schema.js';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

/** Every key and value type of every fixture object's maps, with the codec options a map gives it. */
function fixtureTypes(): { what: string; node: TypeNode | null; opts: CodecOptions }[] {
  const out: { what: string; node: TypeNode | null; opts: CodecOptions }[] = [];
  for (const file of readdirSync(FIXTURES).filter((x) => x.endsWith('.o')).sort()) {
    const { schema } = loadObjectFile(join(FIXTURES, file));
    for (const m of schema.maps) {
      out.push({ what: `${file} ${m.name} key`, node: m.key, opts: { byteOrder: schema.byteOrder, size: m.keySize, root: 'key', lpmKey: m.type === 'lpm_trie' } });
      out.push({ what: `${file} ${m.name} value`, node: m.value, opts: { byteOrder: schema.byteOrder, size: m.valueSize, root: 'value' } });
    }
  }
  return out;
}

/** Types the fixtures have few of: bitfields, unions, anonymous members, packing, a member named __proto__. */
function handTypes(): { what: string; node: TypeNode; opts: CodecOptions }[] {
  const proto = struct('proto', 8, [f('__proto__', 0, u32), f('x', 4, u16), f('y', 6, u8)]);
  const nested = struct('nested', 36, [f('addr', 0, be32), f('pair', 4, arr(struct('p', 8, [f('a', 0, u32), f('b', 4, u32)]), 4))]);
  const out: { what: string; node: TypeNode; opts: CodecOptions }[] = [];
  for (const [name, node] of [['bits', bitsLE], ['padded', padded], ['union', unionU], ['anon', withAnon], ['packed', packedS], ['proto', proto], ['nested', nested], ['firewall key', firewallMap.key!], ['firewall value', firewallMap.value!]] as const) {
    for (const byteOrder of ['little', 'big'] as const) out.push({ what: `${name} (${byteOrder})`, node, opts: { byteOrder, size: node.size, root: 'value', lpmKey: name === 'firewall key' } });
  }
  return out;
}

type Outcome = { ok: unknown; text: string } | { error: string };
/** What a call gives, with its text in key order (deep equality alone would not see the order of members). */
function outcome(fn: () => unknown): Outcome {
  try {
    const ok = fn();
    return { ok, text: JSON.stringify(ok, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Array.from(v) : v)) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** The two tiers of one type: plain forever, generated from the first call on. */
function tiers(node: TypeNode | null, opts: CodecOptions): [Codec, Codec] {
  return [compileCodec(node, { ...opts, generateAfter: Infinity }), compileCodec(node, { ...opts, generateAfter: 0 })];
}

/** Every member name in a type, nested and anonymous members included. */
function memberNames(n: TypeNode | null, out = new Set<string>()): string[] {
  if (n?.kind === 'struct' || n?.kind === 'union') for (const f of n.fields) { if (f.name) out.add(f.name); memberNames(f.type, out); }
  else if (n?.kind === 'array') memberNames(n.element, out);
  return [...out];
}

/**
 * A value near `v` that may be wrong: a field dropped, renamed, set to undefined, out of range or to
 * the wrong type, or another member of the type named beside it (two members of one union).
 */
function disturb(v: unknown, rng: Rng, names: readonly string[]): unknown {
  if (Array.isArray(v)) {
    const c = v.slice();
    if (c.length > 0 && rng.chance(0.7)) { const i = rng.int(c.length); c[i] = disturb(c[i], rng, names); } else c.push(0);
    return c;
  }
  if (typeof v === 'object' && v !== null && !(v instanceof Uint8Array)) {
    const c: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    const keys = Object.keys(c);
    const r = rng.int(6);
    if (r === 0 || keys.length === 0) c[`no_such_${rng.int(3)}`] = 1;
    else if (r === 1) delete c[rng.pick(keys)];
    else if (r === 2) c[rng.pick(keys)] = undefined;
    else if (r === 3 && names.length > 0) c[rng.pick(names)] = 0;
    else { const k = rng.pick(keys); c[k] = disturb(c[k], rng, names); }
    return c;
  }
  return rng.pick<unknown>([-1, 2 ** 32, 2 ** 64, 1.5, 'x', true, null, [], {}, '10.0.0.1', 7n, -(2 ** 31) - 1]);
}

const OPTS: (DecodeOptions | undefined)[] = [undefined, { prettyAddresses: true }, { compact: true }, { prettyAddresses: true, compact: true }];

const T = suite('codec tiers');

T('a codec serves its first calls from plain code and generates code for its type once, at the switch', () => {
  // A type of its own (compiled forms are cached per type): which code runs shows in `new Function` calls.
  const node = struct('tier_probe', 12, [f('a', 0, u32), f('b', 4, u32), f('c', 8, u16), f('d', 10, u8)]);
  const real = globalThis.Function;
  let made = 0;
  globalThis.Function = new Proxy(real, { construct(target, args) { made++; return Reflect.construct(target, args); } });
  try {
    const c = compileCodec(node, { byteOrder: 'little', size: 12, root: 'value' });
    for (let i = 1; i <= GENERATE_AFTER; i++) assert.equal(c.encode({ a: i, b: 2, c: 3, d: 4 })[0], i); // calls 1 .. GENERATE_AFTER
    assert.is(made, 0, 'no code generated for the first GENERATE_AFTER calls');
    c.encode({ a: 1 }); // the next call: the switch
    assert.ok(made > 0, 'code generated at the switch');
    const after = made;
    for (let i = 0; i < 1000; i++) assert.equal(c.decode(c.encode({ a: i, d: 9 })), { a: i, b: 0, c: 0, d: 9 });
    assert.is(made, after, 'and only once');
    // generateAfter 0: generated at the first call (what the tests below compare against the plain tier).
    const zero = compileCodec(struct('tier_probe_0', 4, [f('x', 0, u32)]), { byteOrder: 'little', size: 4, root: 'value', generateAfter: 0 });
    assert.is(made, after, 'nothing generated before a call');
    zero.encode({ x: 1 });
    assert.ok(made > after, 'generateAfter 0: code generated at the first call');
  } finally {
    globalThis.Function = real;
  }
});

T('plain and generated codecs agree on every fixture map key and value: bytes, values, refusals', () => {
  const types = [...fixtureTypes(), ...handTypes()];
  assert.ok(types.length > 100, `${types.length} types`);
  let compared = 0;
  for (const { what, node, opts } of types) {
    const [plain, gen] = tiers(node, opts);
    const names = memberNames(node);
    const rng = new Rng(0x5eed, compared);
    for (let round = 0; round < 24; round++) {
      // Random bytes: every pattern of the right size decodes; decode -> encode of it must agree too.
      const bytes = new Uint8Array(opts.size);
      for (let i = 0; i < bytes.length; i++) bytes[i] = round === 0 ? 0 : rng.chance(0.3) ? 0 : rng.int(256);
      for (const o of OPTS) {
        const a = outcome(() => plain.decode(bytes, undefined, o));
        const b = outcome(() => gen.decode(bytes, undefined, o));
        assert.equal(b, a, `${what}: decode ${JSON.stringify(o)}`);
        if (!('ok' in a)) continue;
        const ea = outcome(() => plain.encode(a.ok));
        assert.equal(outcome(() => gen.encode(a.ok)), ea, `${what}: encode of a decoded value`);
        const wrong = disturb(a.ok, rng, names);
        assert.equal(outcome(() => gen.encode(wrong)), outcome(() => plain.encode(wrong)), `${what}: encode of ${JSON.stringify(wrong, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
      }
      compared++;
    }
  }
  assert.ok(compared > 2000, `${compared} comparisons`);
});

T('encodeInto agrees too, and leaves the region zero when it refuses', () => {
  for (const { what, node, opts } of handTypes()) {
    const [plain, gen] = tiers(node, opts);
    const rng = new Rng(7, 1);
    for (let round = 0; round < 50; round++) {
      const bytes = new Uint8Array(opts.size).map(() => rng.int(256));
      const v = plain.decode(bytes);
      const input = round % 2 ? disturb(v, rng, memberNames(node)) : v;
      const outs = [plain, gen].map((c) => {
        const out = new Uint8Array(opts.size + 8).fill(0xee);
        const r = outcome(() => c.encodeInto(input, out, 4));
        return { r, out: Array.from(out) };
      });
      assert.equal(outs[1], outs[0], `${what}: round ${round}`);
    }
  }
});

T('where code cannot be generated, the plain code serves every call, across the switch', () => {
  const node = struct('no_codegen', 8, [f('a', 0, u32), f('b', 4, u16)]);
  const real = globalThis.Function;
  globalThis.Function = new Proxy(real, { construct() { throw new EvalError('Code generation from strings disallowed for this context'); } });
  try {
    const c = compileCodec(node, { byteOrder: 'big', size: 8, root: 'value' });
    for (let i = 0; i < GENERATE_AFTER * 3; i++) assert.equal(c.decode(c.encode({ a: i, b: i & 0xffff })), { a: i, b: i & 0xffff });
    assert.throws(() => c.encode({ a: -1 }), /value\.a/);
  } finally {
    globalThis.Function = real;
  }
});

T('the default codec gives what the plain one gives before, at and after its switch (encodeInto at an offset too)', () => {
  const types = [...fixtureTypes(), ...handTypes()];
  for (const { what, node, opts } of types) {
    const plain = compileCodec(node, { ...opts, generateAfter: Infinity });
    const tiered = compileCodec(node, { ...opts, generateAfter: 5 });
    const rng = new Rng(11, opts.size);
    const names = memberNames(node);
    for (let call = 0; call < 12; call++) {
      const bytes = new Uint8Array(opts.size).map(() => (rng.chance(0.4) ? 0 : rng.int(256)));
      const v = plain.decode(bytes);
      assert.equal(outcome(() => tiered.decode(bytes)), outcome(() => plain.decode(bytes)), `${what}: decode, call ${call}`);
      const input = call % 3 === 2 ? disturb(v, rng, names) : v;
      const into = (c: Codec) => { const out = new Uint8Array(opts.size + 3).fill(0xee); return { r: outcome(() => c.encodeInto(input, out, 3)), out: Array.from(out) }; };
      assert.equal(into(tiered), into(plain), `${what}: encodeInto, call ${call}`);
    }
  }
});

T('a view of a resizable buffer is read at its length of the moment, in both tiers', () => {
  const node = struct('two', 8, [f('a', 0, u32), f('b', 4, u32)]);
  for (const c of tiers(node, { byteOrder: 'little', size: 8, root: 'value' })) {
    const rab = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(8, { maxByteLength: 64 });
    const u = new Uint8Array(rab);
    u[0] = 7;
    assert.equal(c.decode(u, 0), { a: 7, b: 0 });
    rab.resize(16);
    u[8] = 9;
    assert.equal(c.decode(u, 8), { a: 9, b: 0 });
    c.encodeInto({ a: 5, b: 6 }, u, 8);
    assert.equal(Array.from(u.subarray(8)), [5, 0, 0, 0, 6, 0, 0, 0]);
  }
});

T('members named as properties of Object.prototype decode to own properties in both tiers, also with Object.prototype frozen', () => {
  const node = struct('odd', 12, [f('constructor', 0, u32), f('toString', 4, u32), f('__proto__', 8, u32)]);
  for (const c of tiers(node, { byteOrder: 'little', size: 12, root: 'value' })) {
    const v = c.decode(Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0])) as Record<string, unknown>;
    assert.equal(Object.keys(v), ['constructor', 'toString', '__proto__']);
    assert.is(Object.getPrototypeOf(v), Object.prototype);
    assert.equal([v.constructor, v.toString, Object.getOwnPropertyDescriptor(v, '__proto__')?.value], [1, 2, 3]);
    // Plain data properties, as an object literal's: writable, enumerable, configurable.
    for (const k of Object.keys(v)) assert.equal(Object.getOwnPropertyDescriptor(v, k), { value: v[k], writable: true, enumerable: true, configurable: true }, k);
  }
  // With Object.prototype frozen, assigning `constructor` to a new object throws (strict mode).
  const script = `import { compileCodec } from ${JSON.stringify(new URL('../src/codec/compile.ts', import.meta.url).href)};
const node = { kind: 'struct', name: 'odd', size: 8, fields: [{ name: 'constructor', offset: 0, type: { kind: 'int', name: 'u32', size: 4, signed: false } }, { name: 'toString', offset: 4, type: { kind: 'int', name: 'u32', size: 4, signed: false } }] };
Object.freeze(Object.prototype);
for (const generateAfter of [Infinity, 0]) console.log(JSON.stringify(compileCodec(node, { byteOrder: 'little', size: 8, root: 'value', generateAfter }).decode(new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0]))));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.is(r.stdout, '{"constructor":1,"toString":2}\n{"constructor":1,"toString":2}\n', r.stderr);
});

T.run();
