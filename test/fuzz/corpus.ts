/**
 * The fuzz corpus: the committed fixtures (fixtures/*.o), Debian's objects when fetched
 * (fixtures/debian/objects/*.o), and re-framed slices of the running kernel's BTF
 * (/sys/kernel/btf/vmlinux) when it is readable. Everything is sorted so that a seed means the same
 * inputs on the same machine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from './prng.js';
import { btfSpan, type BtfSpan } from './layout.js';

export interface Seed {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface Corpus {
  readonly objects: readonly Seed[];
  /** The smallest committed fixture: truncated at every offset by the first iterations. */
  readonly smallest: Seed;
  readonly vmlinux: VmlinuxBtf | null;
}

const root = new URL('../../', import.meta.url).pathname;
export const VMLINUX = '/sys/kernel/btf/vmlinux';

function objectsIn(dir: string): Seed[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.o')).sort()
    .map((n) => ({ name: n, bytes: new Uint8Array(readFileSync(join(dir, n))) }));
}

let cached: Corpus | undefined;

export function loadCorpus(): Corpus {
  if (cached) return cached;
  const fixtures = objectsIn(join(root, 'fixtures'));
  if (fixtures.length === 0) throw new Error('fuzz corpus: no fixtures/*.o found');
  const debian = objectsIn(join(root, 'fixtures/debian/objects'));
  let smallest = fixtures[0]!;
  for (const f of fixtures) if (f.bytes.byteLength < smallest.bytes.byteLength) smallest = f;
  let vmlinux: VmlinuxBtf | null = null;
  if (existsSync(VMLINUX)) {
    try { vmlinux = new VmlinuxBtf(new Uint8Array(readFileSync(VMLINUX))); } catch { vmlinux = null; }
  }
  cached = { objects: [...fixtures, ...debian], smallest, vmlinux };
  return cached;
}

const REF_KINDS = new Set([2, 7, 8, 9, 10, 11, 12, 14, 17, 18]);

/** The kernel's BTF, walked once, from which small self-consistent raw BTF slices are cut. */
export class VmlinuxBtf {
  readonly span: BtfSpan;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly sizes: number[];

  constructor(bytes: Uint8Array) {
    const s = btfSpan(bytes, 0, bytes.byteLength);
    if (!s || s.records.length < 10) throw new Error('vmlinux: not raw BTF');
    this.span = s;
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.sizes = s.records.map((r, i) => (i + 1 < s.records.length ? s.records[i + 1]!.at : s.typeStart + s.typeLen) - r.at);
  }

  private u32(at: number): number { return this.view.getUint32(at, this.span.little); }

  private str(off: number): string {
    let s = '';
    for (let i = this.span.strStart + off; i < this.bytes.byteLength && this.bytes[i] !== 0 && s.length < 256; i++) s += String.fromCharCode(this.bytes[i]!);
    return s;
  }

  /**
   * Types first..first+n-1 as a new blob (ids renumbered from 1, names moved to a compact string
   * table, references outside the slice folded into it or, rarely, left dangling), at most ~`budget`
   * bytes of type records.
   */
  slice(rng: Rng, budget = 48 * 1024): Uint8Array {
    const recs = this.span.records;
    const first = rng.chance(0.3) ? 0 : rng.int(recs.length);
    let n = 0;
    let bytes = 0;
    const want = rng.range(1, 4000);
    while (first + n < recs.length && n < want && bytes + this.sizes[first + n]! <= budget) { bytes += this.sizes[first + n]!; n++; }
    if (n === 0) n = 1;
    const le = this.span.little;
    const types = new Uint8Array(recs.slice(first, first + n).reduce((a, _r, i) => a + this.sizes[first + i]!, 0));
    const tv = new DataView(types.buffer);
    const strs: string[] = [''];
    const strIndex = new Map<string, number>([['', 0]]);
    let strLen = 1;
    const intern = (off: number): number => {
      const s = this.str(off);
      let o = strIndex.get(s);
      if (o === undefined) { o = strLen; strIndex.set(s, o); strs.push(s); strLen += s.length + 1; }
      return o;
    };
    const remap = (id: number): number => {
      if (id === 0) return 0;
      const local = id - first;
      if (local >= 1 && local <= n) return local;
      return rng.chance(0.03) ? id : 1 + (id % n);
    };
    let p = 0;
    for (let i = 0; i < n; i++) {
      const r = recs[first + i]!;
      const size = this.sizes[first + i]!;
      types.set(this.bytes.subarray(r.at, r.at + size), p);
      const w = (at: number, fn: (v: number) => number): void => { tv.setUint32(p + at, fn(tv.getUint32(p + at, le)) >>> 0, le); };
      w(0, intern);
      const k = r.kind;
      if (REF_KINDS.has(k) || k === 13) w(8, remap);
      if (k === 3) { w(12, remap); w(16, remap); }
      if (k === 4 || k === 5) for (let m = 0; m < r.vlen; m++) { w(12 + m * 12, intern); w(16 + m * 12, remap); }
      if (k === 6) for (let m = 0; m < r.vlen; m++) w(12 + m * 8, intern);
      if (k === 19) for (let m = 0; m < r.vlen; m++) w(12 + m * 12, intern);
      if (k === 13) for (let m = 0; m < r.vlen; m++) { w(12 + m * 8, intern); w(16 + m * 8, remap); }
      if (k === 15) for (let m = 0; m < r.vlen; m++) w(12 + m * 12, remap);
      p += size;
    }
    const strBytes = new Uint8Array(strLen);
    let q = 0;
    for (const s of strs) { for (let i = 0; i < s.length; i++) strBytes[q + i] = s.charCodeAt(i) & 0xff; q += s.length + 1; }
    const out = new Uint8Array(24 + types.byteLength + strBytes.byteLength);
    const ov = new DataView(out.buffer);
    ov.setUint16(0, 0xeb9f, le);
    out[2] = 1;
    ov.setUint32(4, 24, le);
    ov.setUint32(8, 0, le);
    ov.setUint32(12, types.byteLength, le);
    ov.setUint32(16, types.byteLength, le);
    ov.setUint32(20, strBytes.byteLength, le);
    out.set(types, 24);
    out.set(strBytes, 24 + types.byteLength);
    return out;
  }

  /** The first 64 KiB of the blob with the header's lengths cut to fit (strings end with NUL). */
  head(limit = 64 * 1024): Uint8Array {
    const out = this.bytes.slice(0, Math.min(limit, this.bytes.byteLength));
    const v = new DataView(out.buffer);
    const le = this.span.little;
    const body = out.byteLength - 24;
    const typeLen = Math.floor((body * 3) / 4 / 4) * 4;
    v.setUint32(8, 0, le);
    v.setUint32(12, typeLen, le);
    // Strings: the start of the real string section, placed after the cut type section.
    const strLen = body - typeLen;
    out.set(this.bytes.subarray(this.span.strStart, this.span.strStart + strLen), 24 + typeLen);
    out[out.byteLength - 1] = 0;
    v.setUint32(16, typeLen, le);
    v.setUint32(20, strLen, le);
    return out;
  }
}
