/**
 * The fastest NDJSON path: the canonical record line of one map,
 *   {"map":"NAME","key":{"a":1,"b":[1,2]},"value":{...}}
 * (every field in declared order, every array element present, no spaces: what `bpfmap dump
 * --ndjson` prints and what programs usually write) compiled into one straight-line function that
 * compares the fixed bytes and reads the integers straight into the encoded key and value.
 *
 * It accepts a subset of what the fast reader (fast-json.ts) accepts, with the same rules for
 * integers; any other line (other order, spaces, missing fields, other maps, anything unusual) makes
 * it return -1 and the line goes the fast reader's or the exact way. The generated source holds
 * only numbers (byte values, offsets, limits), never text from the schema or the input.
 */
import { putInt64, readAddress, ws, type FastNode } from './fast-json.js';

/**
 * Reads the record at b[p] (`dv` views the same bytes; lines end before `end`) into kb[ko..] and vb[vo..], which must be
 * zero-filled; returns the position just past the record's closing brace, or -1.
 */
export type LineMatcher = (b: Uint8Array, dv: DataView, p: number, end: number, kb: Uint8Array, ko: number, vb: Uint8Array, vo: number) => number;

/** Above this many integers in a record the generated function would be too big to be worth it. */
const MAX_INTS = 160;

/** Compiles the matcher for a map written as `name` (plain ASCII bytes), or null when not worth it. */
export function compileLineMatcher(name: Uint8Array, key: FastNode, value: FastNode): LineMatcher | null {
  const g = new Gen();
  g.text('{"map":"');
  for (const c of name) g.lit.push(c);
  g.text('","key":');
  if (!g.node(key, 'kb', 'ko', 0)) return null;
  g.text(',"value":');
  if (!g.node(value, 'vb', 'vo', 0)) return null;
  g.text('}');
  g.flush();
  const body = `let c = 0, v = 0, s = 0, d = 0, u = 0;\n${g.code.join('\n')}\nreturn p;`;
  // eslint-disable-next-line no-new-func -- generated from numbers only (see the file comment)
  const make = new Function('put64', `return function matchLine(b, dv, p, end, kb, ko, vb, vo) {\n${body}\n};`) as
    (put64: typeof putInt64) => LineMatcher;
  const fn = make(putInt64);
  return prime(fn, name, key, value) ? fn : null;
}

/**
 * Runs the matcher over canonical sample lines whose integers take every path (one digit, many
 * digits, zero, negative) before the real input does: V8 then optimises it with feedback for every
 * branch, instead of throwing the optimised code away when, a million lines in, a byte first grows
 * to two digits. A matcher that does not take its own samples is not used.
 */
const VARIANTS = [() => 1, (n: IntNode) => Math.min(n.max, 999_999_999_999_999), () => 0, (n: IntNode) => n.min < 0 ? Math.max(n.min, -999_999_999_999_999) : 7];

function prime(fn: LineMatcher, name: Uint8Array, key: FastNode, value: FastNode): boolean {
  const kb = new Uint8Array(size(key)), vb = new Uint8Array(size(value));
  const lines = VARIANTS.map((pick) => Buffer.from(`{"map":"${Buffer.from(name).toString('latin1')}","key":${sample(key, pick)},"value":${sample(value, pick)}}\n`, 'latin1'));
  for (let round = 0; round < PRIME_ROUNDS; round++) {
    for (const l of lines) {
      if (fn(l, new DataView(l.buffer, l.byteOffset, l.byteLength), 0, l.byteLength, kb, 0, vb, 0) !== l.byteLength - 1) return false;
    }
  }
  return true;
}

const PRIME_ROUNDS = 50;
type IntNode = Extract<FastNode, { k: 'int' }>;

function sample(n: FastNode, pick: (n: IntNode) => number): string {
  switch (n.k) {
    case 'int': return String(pick(n));
    case 'array': return `[${Array.from({ length: n.n }, () => sample(n.elem, pick)).join(',')}]`;
    case 'struct': return `{${n.names.map((nm, i) => `"${Buffer.from(nm).toString('latin1')}":${sample(n.nodes[i]!, pick)}`).join(',')}}`;
  }
}

/** Bytes a plan writes up to (the end of its last field). */
function size(n: FastNode): number {
  switch (n.k) {
    case 'int': return n.size;
    case 'array': return n.n * n.es;
    case 'struct': return n.nodes.reduce((m, x, i) => Math.max(m, n.offsets[i]! + size(x)), 0);
  }
}

class Gen {
  readonly code: string[] = [];
  lit: number[] = [];
  ints = 0;

  text(s: string): void {
    for (let i = 0; i < s.length; i++) this.lit.push(s.charCodeAt(i));
  }

  /** Emits the comparison of the pending fixed bytes, four at a time. */
  flush(): void {
    const l = this.lit;
    if (!l.length) return;
    this.code.push(`if (p + ${l.length} > end) return -1;`);
    const parts: string[] = [];
    let j = 0;
    for (; j + 4 <= l.length; j += 4) {
      const word = (l[j]! | (l[j + 1]! << 8) | (l[j + 2]! << 16) | (l[j + 3]! << 24)) >>> 0;
      parts.push(`dv.getUint32(p + ${j}, true) !== ${word}`);
    }
    for (; j < l.length; j++) parts.push(`b[p + ${j}] !== ${l[j]}`);
    for (let i = 0; i < parts.length; i += 6) this.code.push(`if (${parts.slice(i, i + 6).join(' || ')}) return -1;`);
    this.code.push(`p += ${l.length};`);
    this.lit = [];
  }

  node(n: FastNode, buf: string, base: string, off: number): boolean {
    switch (n.k) {
      case 'int':
        if (++this.ints > MAX_INTS) return false;
        this.flush();
        this.int(n, buf, `${base} + ${off}`);
        return true;
      case 'array':
        this.text('[');
        for (let i = 0; i < n.n; i++) {
          if (i) this.text(',');
          if (!this.node(n.elem, buf, base, off + i * n.es)) return false;
        }
        this.text(']');
        return true;
      case 'struct':
        this.text('{');
        for (let i = 0; i < n.names.length; i++) {
          this.text(i ? ',"' : '"');
          for (const c of n.names[i]!) this.lit.push(c);
          this.text('":');
          if (!this.node(n.nodes[i]!, buf, base, off + n.offsets[i]!)) return false;
        }
        this.text('}');
        return true;
    }
  }

  /** A decimal integer (the fast reader's rules: no leading zeros, at most 15 digits, in range). */
  int(n: Extract<FastNode, { k: 'int' }>, buf: string, at: string): void {
    const c = this.code;
    const signed = n.min < 0;
    c.push('if (p >= end) return -1;');
    if (signed) c.push('s = b[p] === 45 ? 1 : 0; p += s; if (p >= end) return -1;');
    c.push('c = b[p] - 48; if (c < 0 || c > 9) return -1;');
    c.push('v = c; p++;');
    // One digit needs no more checks (0..9 fits every type); more: no leading zero, at most 15, in range.
    c.push('if (p < end && (c = b[p] - 48) >= 0 && c <= 9) {');
    c.push('  if (v === 0) return -1;');
    c.push('  d = p - 1;');
    c.push('  do { v = v * 10 + c; p++; } while (p < end && (c = b[p] - 48) >= 0 && c <= 9);');
    c.push(`  if (p - d > 15 || v > ${signed ? -n.min : n.max}) return -1;`);
    c.push('}');
    if (signed) c.push(`if (s === 1) { if (v === 0 || v > ${-n.min}) return -1; v = -v; } else if (v > ${n.max}) return -1;`);
    if (n.size === 8) { c.push(`put64(${buf}, ${at}, v, ${n.little});`); return; }
    c.push('u = v >>> 0;');
    for (let i = 0; i < n.size; i++) {
      const shift = (n.little ? i : n.size - 1 - i) * 8;
      c.push(`${buf}[${at} + ${i}] = ${shift ? `(u >>> ${shift}) & 255` : 'u & 255'};`);
    }
  }
}

/**
 * A matcher for lines written exactly like the line b[s, e) of map `name` (learned from it): any
 * order of the members, any spacing, lists shorter than their array, fields left out, address
 * strings; the fixed bytes between the values must be the same in every line, the values may
 * differ. Learned from a line that the fast reader took (the caller's duty), and used only when it
 * reads that line to the same bytes as the fast reader did (`kb`/`vb`: the fast reader's key and
 * value of it). Lines written another way make it return -1, as the canonical matcher does.
 */
export function learnLineMatcher(b: Uint8Array, s: number, e: number, name: Uint8Array, key: FastNode, value: FastNode,
  kb: Uint8Array, vb: Uint8Array): LineMatcher | null {
  const l = new Learner(b, e);
  if (!l.record(s, name, key, value)) return null;
  const g = l.g;
  g.flush();
  const body = `let c = 0, v = 0, s = 0, d = 0, u = 0;\n${g.code.join('\n')}\nreturn p;`;
  // eslint-disable-next-line no-new-func -- generated from numbers only (see the file comment)
  const make = new Function('put64', 'addr', 'N', `return function learnedLine(b, dv, p, end, kb, ko, vb, vo) {\n${body}\n};`) as
    (put64: typeof putInt64, addr: typeof readAddress, nodes: readonly FastNode[]) => LineMatcher;
  const fn = make(putInt64, readAddress, l.addrNodes);
  const k2 = new Uint8Array(kb.length), v2 = new Uint8Array(vb.length);
  const q = fn(b, new DataView(b.buffer, b.byteOffset, b.byteLength), s, e, k2, 0, v2, 0);
  if (ws(b, q, e) !== e || Buffer.compare(k2, kb) !== 0 || Buffer.compare(v2, vb) !== 0) return null;
  // Primed like the canonical matcher (see prime): the same way, with integers that take every path.
  const lines = VARIANTS.map((pick) => Buffer.from(l.parts.map((x) => (typeof x === 'string' ? x : String(pick(x)))).join('') + '\n', 'latin1'));
  const ko = new Uint8Array(kb.length), vo = new Uint8Array(vb.length);
  for (let round = 0; round < PRIME_ROUNDS; round++) {
    for (const line of lines) {
      if (fn(line, new DataView(line.buffer, line.byteOffset, line.byteLength), 0, line.byteLength, ko, 0, vo, 0) !== line.byteLength - 1) return null;
    }
  }
  return fn;
}

/** Walks a line the fast reader took, turning its fixed bytes into comparisons and its values into reads. */
class Learner {
  readonly g = new Gen();
  readonly addrNodes: FastNode[] = [];
  /** The line as fixed text (latin1) and integer slots: sample lines for priming are made from it. */
  readonly parts: (string | IntNode)[] = [];
  private p = 0;
  constructor(private readonly b: Uint8Array, private readonly e: number) {}

  /** Takes bytes up to `to` as fixed text. */
  private fixed(to: number): void {
    let t = '';
    for (; this.p < to; this.p++) {
      this.g.lit.push(this.b[this.p]!);
      t += String.fromCharCode(this.b[this.p]!);
    }
    this.parts.push(t);
  }

  private ws(): void {
    this.fixed(ws(this.b, this.p, this.e));
  }

  /** A member name (no escapes) and its colon, as fixed text; the name's bytes, or null. */
  private member(): Uint8Array | null {
    this.ws();
    if (this.b[this.p] !== 0x22) return null;
    let q = this.p + 1;
    while (q < this.e && this.b[q] !== 0x22) { if (this.b[q] === 0x5c) return null; q++; }
    if (q >= this.e) return null;
    const nm = this.b.subarray(this.p + 1, q);
    this.fixed(q + 1);
    this.ws();
    if (this.b[this.p] !== 0x3a) return null;
    this.fixed(this.p + 1);
    this.ws();
    return nm;
  }

  /** After a member or element: true when a comma follows (taken), false at `close` (taken); null otherwise. */
  private next(close: number): boolean | null {
    this.ws();
    const c = this.b[this.p];
    if (c !== 0x2c && c !== close) return null;
    this.fixed(this.p + 1);
    return c === 0x2c;
  }

  record(s: number, name: Uint8Array, key: FastNode, value: FastNode): boolean {
    this.p = s;
    this.ws();
    if (this.b[this.p] !== 0x7b) return false;
    this.fixed(this.p + 1);
    const seen = new Set<string>();
    for (;;) {
      const nm = this.member();
      if (!nm) return false;
      const k = Buffer.from(nm).toString('latin1');
      if (seen.has(k)) return false;
      seen.add(k);
      if (k === 'map') {
        if (this.b[this.p] !== 0x22 || !same(name, this.b, this.p + 1)) return false;
        this.fixed(this.p + name.length + 2);
        if (this.b[this.p - 1] !== 0x22) return false;
      } else if (k === 'key') {
        if (!this.node(key, 'kb', 'ko', 0)) return false;
      } else if (k === 'value') {
        if (!this.node(value, 'vb', 'vo', 0)) return false;
      } else return false;
      const more = this.next(0x7d);
      if (more === null) return false;
      if (!more) return seen.size === 3;
    }
  }

  private node(n: FastNode, buf: string, base: string, off: number): boolean {
    const b = this.b;
    this.ws();
    if (b[this.p] === 0x22) {
      if (n.addr === undefined || ++this.g.ints > MAX_INTS) return false;
      this.fixed(this.p + 1);
      this.g.flush();
      let q = this.p;
      while (q < this.e && b[q] !== 0x22) q++;
      this.addrNodes.push(n);
      this.g.code.push(`p = addr(N[${this.addrNodes.length - 1}], b, p, end, ${buf}, ${base} + ${off}); if (p < 0) return -1;`);
      this.parts.push(Buffer.from(b.subarray(this.p, q + 1)).toString('latin1'));
      this.p = q + 1;
      return true;
    }
    switch (n.k) {
      case 'int': {
        if (++this.g.ints > MAX_INTS) return false;
        this.g.flush();
        this.g.int(n, buf, `${base} + ${off}`);
        this.parts.push(n);
        let q = this.p;
        if (b[q] === 0x2d) q++;
        while (q < this.e && b[q]! >= 0x30 && b[q]! <= 0x39) q++;
        if (q === this.p) return false;
        this.p = q;
        return true;
      }
      case 'array': {
        if (b[this.p] !== 0x5b) return false;
        this.fixed(this.p + 1);
        this.ws();
        if (b[this.p] === 0x5d) { this.fixed(this.p + 1); return true; }
        for (let i = 0; ; i++) {
          if (i >= n.n || !this.node(n.elem, buf, base, off + i * n.es)) return false;
          const more = this.next(0x5d);
          if (more === null) return false;
          if (!more) return true;
        }
      }
      case 'struct': {
        if (b[this.p] !== 0x7b) return false;
        this.fixed(this.p + 1);
        this.ws();
        if (b[this.p] === 0x7d) { this.fixed(this.p + 1); return true; }
        const seen = new Set<number>();
        for (;;) {
          const nm = this.member();
          if (!nm) return false;
          const f = n.names.findIndex((x) => x.length === nm.length && same(x, nm, 0));
          if (f < 0 || seen.has(f)) return false;
          seen.add(f);
          if (!this.node(n.nodes[f]!, buf, base, off + n.offsets[f]!)) return false;
          const more = this.next(0x7d);
          if (more === null) return false;
          if (!more) return true;
        }
      }
    }
  }
}

/** Whether b[at..] starts with the bytes of `x`. */
function same(x: Uint8Array, b: Uint8Array, at: number): boolean {
  for (let i = 0; i < x.length; i++) if (b[at + i] !== x[i]) return false;
  return true;
}
