/**
 * Exact JSON: integers outside the safe range parse to bigint (never rounded), bigint writes as a
 * bare integer, Uint8Array as a hex string, NaN and +-Infinity as the strings "NaN", "Infinity",
 * "-Infinity" (which float fields read back). A member given twice in one object is refused with
 * its path (JSON.parse would silently keep the last); the integer -0 is 0, as in YAML. Fast path:
 * JSON.parse when the text has no run of 16+ digits (the only way to spell an integer beyond 2^53),
 * no exponent and no integer -0 (see LONG_DIGITS), then a count of the member names in
 * the text (its colons) against the members parsed (a difference means a duplicate, or a colon in a
 * string: the exact parser then decides and names the duplicate); otherwise a small exact parser.
 */
import { ValueError } from '../errors.js';
import { toHex } from '../bytes.js';

/**
 * Text that JSON.parse would read inexactly: a 16-digit integer, an exponent (1e400, 1e-400; see
 * numberHolds), or the integer -0 (the float negative zero to JSON.parse, 0 to YAML and to the exact parser).
 */
const LONG_DIGITS = /\d{16}|\d[eE]|-0(?![.\d])/;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;
/**
 * The longest number literal read: longer than any valid integer (a u64 has 20 digits) or float
 * anyone writes; a longer one is refused, quoted in part, before it is turned into a number.
 */
export const MAX_NUMBER_LITERAL = 64;

export function parseJson(text: string): unknown {
  if (!LONG_DIGITS.test(text)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      // Re-parse with the exact parser for a message with an offset.
      return new ExactParser(text).parseAll();
    }
    if (typeof v !== 'object' || v === null || memberNames(text) === countMembers(v as object, 0)) return v;
  }
  return new ExactParser(text).parseAll();
}

/**
 * The member names in valid JSON text: its colons outside strings (JSON.parse has accepted the text,
 * so every such colon ends a member name). Equal to the members parsed unless one was given twice.
 */
function memberNames(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x3a) n++;
  }
  return n;
}

function countMembers(v: object, depth: number): number {
  if (depth > MAX_DEPTH) return 0;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'object' && x !== null) n += countMembers(x, depth + 1);
    }
    return n;
  }
  // for-in: no key array per object (JSON.parse objects have no inherited enumerable members).
  for (const k in v) {
    n++;
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'object' && x !== null) n += countMembers(x, depth + 1);
  }
  return n;
}

/**
 * False when a number literal's text is not what the double `n` holds in magnitude: it overflowed to
 * +-Infinity (`1e400`) or a non-zero literal underflowed to 0 (`1e-400`); or when `n` is a whole
 * number but the text is not (`0.99999999999999999` and `1.0000000000000001` both read as 1). The
 * readers then keep the text, so that an integer field's codec refuses it by name instead of a silent
 * Infinity, 0 or rounded whole number being written; a float field reads the text as a double.
 */
export function numberHolds(n: number, text: string): boolean {
  if (Number.isFinite(n)) {
    if (n === 0) return !/[1-9]/.test(text.replace(/[eE].*$/, ''));
    return !Number.isInteger(n) || (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) || isWholeLiteral(text);
  }
  return Number.isNaN(n) || /inf|nan/i.test(text);
}

/** Whether a decimal literal (`12`, `1.50e1`, `2.0`) is exactly a whole number; true for text it does not read. */
function isWholeLiteral(text: string): boolean {
  const m = /^\s*[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === undefined && m[3] === undefined)) return true;
  let digits = (m[1] ?? '') + (m[2] ?? '');
  let exp = Number(m[3] ?? 0) - (m[2] ?? '').length;
  while (digits.endsWith('0')) { digits = digits.slice(0, -1); exp++; }
  return digits.replace(/^0+/, '') === '' || exp >= 0;
}

/** A number (or any) text for messages: at most about 80 characters, the rest counted. */
export function clip(t: string, max = 80): string {
  return t.length <= max ? t : `${t.slice(0, max - 20)}...(${t.length} characters)`;
}

const refusals = new WeakSet<object>();
/**
 * True for an error of parseJson about text that is JSON but would lose data (a member given twice,
 * a number literal too long): callers that fall back to YAML for text that is not JSON must not.
 */
export function isJsonRefusal(e: unknown): boolean {
  return typeof e === 'object' && e !== null && refusals.has(e);
}

class ExactParser {
  private i = 0;
  /** Path of the value being read (member names and indexes), for the duplicate-member error. */
  private readonly path: (string | number)[] = [];
  constructor(private readonly s: string) {}

  parseAll(): unknown {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i < this.s.length) this.fail(`expected end of input, got ${this.peekText()}`);
    return v;
  }

  private fail(msg: string): never {
    throw new ValueError('', `JSON at offset ${this.i}: ${msg}`);
  }
  /** Valid JSON syntax that would lose data: not to be retried as YAML either. */
  private refuse(msg: string): never {
    const e = new ValueError('', `JSON at offset ${this.i}: ${msg}`);
    refusals.add(e);
    throw e;
  }
  private peekText(): string {
    return this.i >= this.s.length ? 'end of input' : `'${this.s[this.i]}'`;
  }
  private ws(): void {
    const s = this.s;
    let i = this.i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.i = i;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail(`nested deeper than ${MAX_DEPTH}`);
    const c = this.s[this.i];
    switch (c) {
      case '{': return this.object(depth);
      case '[': return this.array(depth);
      case '"': return this.string();
      case 't': return this.word('true', true);
      case 'f': return this.word('false', false);
      case 'n': return this.word('null', null);
      default: return this.number();
    }
  }

  private word<T>(w: string, v: T): T {
    if (!this.s.startsWith(w, this.i)) this.fail(`expected a value, got ${this.peekText()}`);
    this.i += w.length;
    return v;
  }

  private number(): number | bigint | string {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail(`expected a value, got ${this.peekText()}`);
    const t = m[0];
    if (t.length > MAX_NUMBER_LITERAL) {
      this.refuse(`number literal of ${t.length} characters, longer than any valid one: ${clip(t)}`);
    }
    this.i += t.length;
    if (m[1] === undefined && m[2] === undefined && t.length >= 16) {
      const b = BigInt(t);
      if (b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER)) return Number(b);
      return b;
    }
    const n = Number(t);
    // An integer literal: -0 is 0, as YAML reads it (-0.0 is the float negative zero).
    if (m[1] === undefined && m[2] === undefined) return n + 0;
    return numberHolds(n, t) ? n : t;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= s.length) { this.i = start; this.fail('unterminated string'); }
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) { escaped = true; i += 2; continue; }
      if (c < 0x20) { this.i = i; this.fail('control character in string'); }
      i++;
    }
    this.i = i + 1;
    if (!escaped) return s.slice(start + 1, i);
    try {
      return JSON.parse(s.slice(start, i + 1)) as string;
    } catch {
      this.i = start;
      return this.fail('invalid escape in string');
    }
  }

  private array(depth: number): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') { this.i++; return out; }
    for (;;) {
      this.ws();
      this.path.push(out.length);
      out.push(this.value(depth + 1));
      this.path.pop();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === ']') { this.i++; return out; }
      this.fail(`expected ',' or ']', got ${this.peekText()}`);
    }
  }

  private object(depth: number): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === '}') { this.i++; return out; }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail(`expected a string key, got ${this.peekText()}`);
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ':', got ${this.peekText()}`);
      if (Object.prototype.hasOwnProperty.call(out, k)) {
        this.path.push(k);
        this.refuse(`member ${pathText(this.path)} given twice; each member may appear once`);
      }
      this.i++;
      this.ws();
      this.path.push(k);
      const v = this.value(depth + 1);
      this.path.pop();
      // Own data property even for "__proto__" (as JSON.parse does): no prototype change.
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === '}') { this.i++; return out; }
      this.fail(`expected ',' or '}', got ${this.peekText()}`);
    }
  }
}

/** `a.b[3]["odd key"]` */
function pathText(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) s += s ? `.${p}` : p;
    else s += `[${clip(JSON.stringify(p), 60)}]`;
  }
  return s || '(top level)';
}

/** A finite number's text: a float's negative zero as -0.0 (which reads back as -0, where '' + -0 is "0"). */
function numText(x: number): string {
  return x !== 0 || 1 / x > 0 ? '' + x : '-0.0';
}

/** NaN and +-Infinity, which JSON has no literal for, as the strings float fields read back. */
function nonFinite(v: number): string {
  return v !== v ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

/** JSON text; bigint as a bare integer, Uint8Array as a hex string, NaN / +-Infinity as "NaN" / "Infinity" / "-Infinity". */
export function stringifyJson(value: unknown, indent?: number): string {
  if (!indent || indent <= 0) return compactJson(value) ?? 'null';
  return write(value, ' '.repeat(Math.min(indent, 10)), '', 0) ?? 'null';
}

// The compact form is on the hot path of streamed dumps (one line per map entry): it is built by
// string concatenation with cached key prefixes rather than arrays and joins, about twice as fast.
const keyText = new Map<string, string>();

function quotedKey(k: string): string {
  let q = keyText.get(k);
  if (q === undefined) {
    q = `${JSON.stringify(k)}:`;
    if (keyText.size < 4096) keyText.set(k, q);
  }
  return q;
}

/** Compact JSON text of `value`; undefined for values JSON has no text for (undefined, functions). */
export function compactJson(value: unknown, depth = 0): string | undefined {
  switch (typeof value) {
    case 'number': return Number.isFinite(value) ? numText(value) : nonFinite(value);
    case 'bigint': return value.toString();
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (value === null) return 'null';
  if (depth > MAX_DEPTH) throw new ValueError('', `JSON output nested deeper than ${MAX_DEPTH}`);
  if (value instanceof Uint8Array) return `"${toHex(value)}"`;
  if (Array.isArray(value)) {
    const n = value.length;
    if (n === 0) return '[]';
    let s = '[';
    for (let i = 0; i < n; i++) {
      const x = value[i];
      if (i > 0) s += ',';
      s += typeof x === 'number' && Number.isFinite(x) ? numText(x) : (compactJson(x, depth + 1) ?? 'null');
    }
    return s + ']';
  }
  const o = value as { toJSON?: () => unknown } & Record<string, unknown>;
  if (typeof o.toJSON === 'function') return compactJson(o.toJSON(), depth + 1);
  let s = '{';
  let first = true;
  for (const k of Object.keys(o)) {
    const x = o[k];
    const t = typeof x === 'number' && Number.isFinite(x) ? numText(x) : compactJson(x, depth + 1);
    if (t === undefined) continue;
    s += first ? quotedKey(k) + t : ',' + quotedKey(k) + t;
    first = false;
  }
  return s + '}';
}

/** One NDJSON line of a dump: `{"map":...,"key":...,"value":...}\n`. */
export function ndjsonLine(mapName: string, key: unknown, value: unknown): string {
  return `{"map":${JSON.stringify(mapName)},"key":${compactJson(key) ?? 'null'},"value":${compactJson(value) ?? 'null'}}\n`;
}

/**
 * The trailer line of an NDJSON dump: the entry count, total and per map. `apply` checks it and
 * takes a stream that ends with it as complete (see src/apply/ndjson.ts).
 */
export function ndjsonTrailer(counts: Readonly<Record<string, number>>): string {
  let total = 0;
  for (const k of Object.keys(counts)) total += counts[k]!;
  return `{"trailer":true,"entries":${total},"maps":${compactJson(counts)}}\n`;
}

function write(v: unknown, step: string, cur: string, depth: number): string | undefined {
  if (depth > MAX_DEPTH) throw new ValueError('', `JSON output nested deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case 'string': return JSON.stringify(v);
    case 'number': return Number.isFinite(v) ? numText(v) : nonFinite(v);
    case 'bigint': return v.toString();
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': case 'function': case 'symbol': return undefined;
  }
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `"${toHex(v)}"`;
  const obj = v as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return write(obj.toJSON(), step, cur, depth + 1);
  const inner = cur + step;
  const nl = step ? `\n${inner}` : '';
  const end = step ? `\n${cur}` : '';
  const sep = step ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const parts = v.map((x) => write(x, step, inner, depth + 1) ?? 'null');
    return `[${nl}${parts.join(`,${nl}`)}${end}]`;
  }
  const parts: string[] = [];
  for (const k of Object.keys(v as object)) {
    const s = write((v as Record<string, unknown>)[k], step, inner, depth + 1);
    if (s !== undefined) parts.push(`${JSON.stringify(k)}${sep}${s}`);
  }
  if (parts.length === 0) return '{}';
  return `{${nl}${parts.join(`,${nl}`)}${end}}`;
}

/**
 * A copy that plain JSON.stringify can write without losing anything visible: bigint within the
 * safe range becomes a number, beyond it a decimal string; Uint8Array becomes hex.
 */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      Object.defineProperty(out, k, { value: jsonSafe((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}
