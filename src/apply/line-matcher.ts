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
import { putInt64, type FastNode } from './fast-json.js';

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
function prime(fn: LineMatcher, name: Uint8Array, key: FastNode, value: FastNode): boolean {
  const variants = [() => 1, (n: IntNode) => Math.min(n.max, 999_999_999_999_999), () => 0, (n: IntNode) => n.min < 0 ? Math.max(n.min, -999_999_999_999_999) : 7];
  const kb = new Uint8Array(size(key)), vb = new Uint8Array(size(value));
  const lines = variants.map((pick) => Buffer.from(`{"map":"${Buffer.from(name).toString('latin1')}","key":${sample(key, pick)},"value":${sample(value, pick)}}\n`, 'latin1'));
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
  private int(n: Extract<FastNode, { k: 'int' }>, buf: string, at: string): void {
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
