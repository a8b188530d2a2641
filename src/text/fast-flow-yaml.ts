/**
 * Fast path: a one-line YAML flow collection of plain scalars (`{ingress_ifindex: 6, ip_data:
 * 10.10.10.7}`, what people type after `--key` and `--value`) read without the yaml package.
 * Loading that package is about 10 ms of a single CLI command, most of what reading a key costs
 * (measured 2026-12-07, CPU profile of `bpfmap lookup` with a YAML key, 2 cores, Node 20: the yaml
 * bundle loaded and compiled from its code cache 11.1 ms, the parse 2.3 ms; this reader 0.1 ms).
 *
 * It reads only what has one reading: mappings and sequences in flow style on one line, keys that
 * are identifiers or small decimal integers, and scalars that YAML 1.2's core schema reads as a
 * decimal integer, true/false/null or a string that needs no quotes. Anything else (quotes, floats,
 * hex, octal, empty values, duplicate keys, comments, anchors, tags, `a:1` without the space, a
 * trailing comma) answers undefined, and the caller reads the text with the yaml package, which
 * gives the value or words the error. test/fast-flow-yaml.test.ts checks that wherever this reader
 * answers, its value is the yaml package's.
 */

/** What YAML 1.2's core schema reads as something other than a string, for bare scalars. */
const CORE_NULL = /^(?:null|Null|NULL)$/;
const CORE_BOOL = /^(?:true|True|TRUE|false|False|FALSE)$/;
const CORE_NUMBER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
/** Characters of a bare scalar with one reading in flow and block context alike. */
const SAFE = /^[A-Za-z0-9_][A-Za-z0-9_./:-]*$/;

/**
 * Whether `s` can be written bare in YAML and is read back as this same string by YAML 1.2's core
 * schema: no quotes, spaces, flow indicators or comment marks, not ending in `:`, and not a null,
 * boolean or number.
 */
export function plainYamlString(s: string): boolean {
  return SAFE.test(s) && !s.endsWith(':') && !CORE_NULL.test(s) && !CORE_BOOL.test(s) && !CORE_NUMBER.test(s);
}

const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})$/;
const IDENT_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,14})$/;
const MAX_DEPTH = 64;

/** Thrown inside the reader when the text is not of the one-reading kind; never escapes. */
const NOT_MINE: unique symbol = Symbol('not a plain flow collection');

class Reader {
  private i = 0;
  constructor(private readonly s: string) {}

  read(): unknown {
    const v = this.value(0);
    this.spaces();
    if (this.i !== this.s.length) throw NOT_MINE;
    return v;
  }

  private spaces(): void {
    while (this.s.charCodeAt(this.i) === 32) this.i++;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw NOT_MINE;
    this.spaces();
    const c = this.s[this.i];
    if (c === '{') return this.mapping(depth);
    if (c === '[') return this.sequence(depth);
    return this.scalar(this.token());
  }

  /** A run of bare-scalar characters (flow indicators, spaces, quotes and `#` end it). */
  private token(): string {
    const start = this.i;
    const s = this.s;
    while (this.i < s.length && !' ,[]{}#"\''.includes(s[this.i]!)) this.i++;
    return s.slice(start, this.i);
  }

  private scalar(t: string): unknown {
    if (DECIMAL.test(t)) return Number(t) + 0;
    if (CORE_NULL.test(t)) return null;
    if (CORE_BOOL.test(t)) return t[0] === 't' || t[0] === 'T';
    if (plainYamlString(t)) return t;
    throw NOT_MINE;
  }

  /** `,` before another item, or the closing bracket; false at the end. */
  private next(close: string): boolean {
    this.spaces();
    const c = this.s[this.i];
    if (c === close) {
      this.i++;
      return false;
    }
    if (c !== ',') throw NOT_MINE;
    this.i++;
    this.spaces();
    if (this.s[this.i] === close) throw NOT_MINE; // a trailing comma
    return true;
  }

  private mapping(depth: number): Record<string, unknown> {
    this.i++; // {
    const out: Record<string, unknown> = {};
    this.spaces();
    if (this.s[this.i] === '}') throw NOT_MINE;
    do {
      this.spaces();
      const k = this.token();
      // `k:` then a space: `a:1` is one scalar in flow YAML, and `a:` then a bracket is read otherwise.
      if (!k.endsWith(':') || this.s[this.i] !== ' ') throw NOT_MINE;
      const name = k.slice(0, -1);
      if (!(IDENT_KEY.test(name) || INDEX_KEY.test(name)) || CORE_NULL.test(name) || CORE_BOOL.test(name) || name === '__proto__') throw NOT_MINE;
      if (Object.hasOwn(out, name)) throw NOT_MINE; // the yaml package words the duplicate
      const v = this.value(depth + 1);
      out[name] = v;
    } while (this.next('}'));
    return out;
  }

  private sequence(depth: number): unknown[] {
    this.i++; // [
    const out: unknown[] = [];
    this.spaces();
    if (this.s[this.i] === ']') throw NOT_MINE;
    do out.push(this.value(depth + 1));
    while (this.next(']'));
    return out;
  }
}

/**
 * The value of `text` (trimmed, one line) when it is a flow mapping or sequence that has one plain
 * reading; undefined when the yaml package must read it.
 */
export function readFlowYaml(text: string): unknown {
  const c = text[0];
  if ((c !== '{' && c !== '[') || text.includes('\n') || text.includes('\t')) return undefined;
  try {
    return new Reader(text).read();
  } catch (e) {
    if (e === NOT_MINE) return undefined;
    throw e;
  }
}
