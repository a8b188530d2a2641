/**
 * Mutation operators. Each takes a copy of the input and returns the mutated bytes plus a short
 * description (kept with a regression so a failure says what was done to which field).
 */
import type { Rng } from './prng.js';
import { layoutOf, readField, writeField, type Field, type Role } from './layout.js';

export interface Mutant {
  readonly bytes: Uint8Array;
  readonly what: string;
}

const MAX_BY_SIZE = { 1: 0xff, 2: 0xffff, 4: 0xffffffff, 8: 0xffffffffffffffffn } as const;

/** 0, 1, max and off-by-one of the original, the input length and around it, and a few landmines. */
function interesting(rng: Rng, f: Field, orig: number, len: number): number | bigint {
  const choices: (number | bigint)[] = [0, 1, MAX_BY_SIZE[f.size], orig + 1, orig - 1, len, len + 1, len - 1, 0x7fffffff, 0x80000000,
    rng.u32(), Math.floor(orig / 2), orig * 2];
  if (f.role === 'info') {
    const kind = (orig >>> 24) & 0xff;
    choices.push((kind << 24) | 0xffffff, (kind << 24) | 1000000, (kind << 24) | ((orig & 0xffffff) + 1), (rng.range(0, 31) << 24) | (orig & 0xffffff),
      (((orig >>> 0) ^ 0x80000000) >>> 0));
  }
  if (f.role === 'nelems') choices.push(0xffffffff, 0x10000, 0x40000000);
  if (f.role === 'type-id') choices.push(orig + 1000000, 0xffffff);
  if (f.size === 8) choices.push(2 ** 53, 2 ** 53 + 2, 0x100000000);
  return rng.pick(choices);
}

function setField(rng: Rng, b: Uint8Array, roles: readonly Role[] | null): string {
  const lay = layoutOf(b);
  const fields = roles ? lay.fields.filter((f) => roles.includes(f.role)) : lay.fields;
  if (fields.length === 0) return flipBits(rng, b);
  const f = rng.pick(fields);
  const orig = readField(b, f);
  const v = interesting(rng, f, orig, b.byteLength);
  writeField(b, f, v);
  return `${f.name} ${orig} -> ${v}`;
}

function flipBits(rng: Rng, b: Uint8Array): string {
  if (b.byteLength === 0) return 'flip (empty)';
  const n = rng.pick([1, 1, 2, 4, 8, 32]);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.int(b.byteLength);
    b[p] = b[p]! ^ (1 << rng.int(8));
    at.push(p);
  }
  return `flip bits at ${at.slice(0, 4).join(',')}${n > 4 ? ',...' : ''}`;
}

function randomBytes(rng: Rng, b: Uint8Array): string {
  const p = rng.int(b.byteLength);
  const n = Math.min(rng.range(1, 16), b.byteLength - p);
  for (let i = 0; i < n; i++) b[p + i] = rng.pick([0, 0xff, rng.int(256)]);
  return `overwrite ${n} bytes at ${p}`;
}

/** A section's offset/size made to point at another section, the section table or past the end. */
function crossSection(rng: Rng, b: Uint8Array): string {
  const lay = layoutOf(b);
  if (lay.sections.length < 2) return setField(rng, b, null);
  const s = rng.pick(lay.sections.slice(1));
  const t = rng.pick(lay.sections);
  const off = lay.fields.find((f) => f.name === `section ${s.index} sh_offset`)!;
  const size = lay.fields.find((f) => f.name === `section ${s.index} sh_size`)!;
  switch (rng.int(4)) {
    case 0: writeField(b, off, t.offset); writeField(b, size, t.size); return `section ${s.index} -> contents of section ${t.index}`;
    case 1: writeField(b, off, lay.shoff); return `section ${s.index} -> the section table`;
    case 2: writeField(b, off, b.byteLength - rng.int(8)); return `section ${s.index} offset near the end`;
    default: writeField(b, size, b.byteLength * rng.range(2, 1000)); return `section ${s.index} size beyond the file`;
  }
}

/** A BTF string offset pointing at or past the end of the string section. */
function stringPastEnd(rng: Rng, b: Uint8Array): string {
  const lay = layoutOf(b);
  const names = lay.fields.filter((f) => f.role === 'name-off');
  if (!lay.btf || names.length === 0) return setField(rng, b, null);
  const f = rng.pick(names);
  const v = lay.btf.strLen + rng.pick([-1, 0, 1, 1000, 0x7fffffff]);
  writeField(b, f, v);
  return `${f.name} -> ${v} (str_len ${lay.btf.strLen})`;
}

/** Two modifier-like records pointing at each other (typedef -> const -> typedef). */
function refCycle(rng: Rng, b: Uint8Array): string {
  const lay = layoutOf(b);
  const mods = lay.btf?.records.map((r, i) => ({ r, id: i + 1 })).filter((x) => [8, 9, 10, 11, 18].includes(x.r.kind)) ?? [];
  if (mods.length < 1) return setField(rng, b, ['type-id']);
  const a = rng.pick(mods);
  const c = rng.pick(mods);
  const le = lay.btf!.little;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  v.setUint32(a.r.at + 8, c.id, le);
  v.setUint32(c.r.at + 8, a.id, le);
  return `cycle ${a.id} <-> ${c.id}`;
}

function truncate(rng: Rng, b: Uint8Array): Mutant {
  const at = rng.int(b.byteLength + 1);
  return { bytes: b.subarray(0, at), what: `truncate at ${at}` };
}

const OPS: readonly ((rng: Rng, b: Uint8Array) => string)[] = [
  flipBits, flipBits, randomBytes,
  (r, b) => setField(r, b, ['elf-header']),
  (r, b) => setField(r, b, ['section']), (r, b) => setField(r, b, ['section']),
  (r, b) => setField(r, b, ['symbol']),
  (r, b) => setField(r, b, ['btf-header']), (r, b) => setField(r, b, ['btf-header']),
  (r, b) => setField(r, b, ['name-off']),
  (r, b) => setField(r, b, ['info']), (r, b) => setField(r, b, ['info']),
  (r, b) => setField(r, b, ['type-id']), (r, b) => setField(r, b, ['type-id']),
  (r, b) => setField(r, b, ['nelems']), (r, b) => setField(r, b, ['size', 'member-offset']),
  crossSection, stringPastEnd, refCycle,
];

/** One to three stacked mutations (or a truncation) of a copy of `input`. */
export function mutate(rng: Rng, input: Uint8Array): Mutant {
  if (rng.chance(0.12)) return truncate(rng, input.slice());
  const b = input.slice();
  const steps: string[] = [];
  const n = rng.pick([1, 1, 1, 2, 3]);
  for (let i = 0; i < n; i++) steps.push(rng.pick(OPS)(rng, b));
  if (rng.chance(0.05)) { const t = truncate(rng, b); return { bytes: t.bytes, what: `${steps.join('; ')}; ${t.what}` }; }
  return { bytes: b, what: steps.join('; ') };
}
