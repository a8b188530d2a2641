/**
 * Builds the per-type encoders/decoders once (closures) and caches them per schema node, so the hot
 * path never walks the schema again.
 */
import type { ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { Fail } from './fail.js';
import { compileInt } from './int-codec.js';
import { compileEnum } from './enum-codec.js';
import { compileBytes, compileFloat, compilePointer } from './misc-codec.js';
import { compileArray } from './array-codec.js';
import { compileRecord } from './record-codec.js';
import { lpmPreparer, lpmPrettifier } from './lpm.js';
import { withAddress } from './address-field.js';
import { withIfname } from './ifname.js';
import { F_COMPACT, F_PRETTY, type Codec, type Compiled, type DecodeOptions } from './types.js';
import { isBytes } from './is-bytes.js';

const compiled = {
  generated: { little: new WeakMap<TypeNode, Compiled>(), big: new WeakMap<TypeNode, Compiled>() },
  plain: { little: new WeakMap<TypeNode, Compiled>(), big: new WeakMap<TypeNode, Compiled>() },
};

/**
 * The compiled form of one schema node in one byte order (cached), with generated code
 * (fast-codegen.ts) or plain. Throws Fail on a bad schema.
 */
export function compileNode(node: TypeNode, order: ByteOrder, depth = 0, generated = true): Compiled {
  const cache = compiled[generated ? 'generated' : 'plain'][order];
  const hit = cache.get(node);
  if (hit) return hit;
  if (depth > 32) throw new Fail(`types nested deeper than 32`, ERROR_CODE.SCHEMA_INVALID);
  const sub = (n: TypeNode): Compiled => compileNode(n, order, depth + 1, generated);
  let c: Compiled;
  switch (node.kind) {
    case 'int': c = compileInt(node, order, generated); break;
    case 'enum': c = compileEnum(node, order); break;
    case 'float': c = compileFloat(node, order); break;
    case 'pointer': c = compilePointer(node, order); break;
    case 'bytes': c = compileBytes(node.size); break;
    case 'array': c = compileArray(node, sub); break;
    case 'struct':
    case 'union': c = compileRecord(node, order, sub, generated); break;
    default: throw new Fail(`unknown type kind '${(node as { kind: string }).kind}'`, ERROR_CODE.SCHEMA_INVALID);
  }
  c = withAddress(node, c);
  cache.set(node, c);
  return c;
}

/**
 * Largest key or value the codec handles: the kernel refuses map values above KMALLOC_MAX_SIZE
 * (4 MiB) with E2BIG, so a bigger size can only come from a damaged or hostile object, and must not
 * make us allocate it.
 */
export const MAX_ENCODED_SIZE = 4 * 1024 * 1024;

/**
 * At most this many arrays and structs in one decoded key or value. A value within the size limit
 * can still be a deep nest of tiny arrays (u8[2][2]...[2]: 4 MiB of it is four million JS arrays and
 * seconds of work); no real map value looks like that, so such a type is refused up front.
 */
export const MAX_DECODED_OBJECTS = 1 << 20;

/** How many arrays and structs (JS objects) decoding one value of this type creates. */
function decodedObjects(n: TypeNode, depth = 0): number {
  if (depth > 64) return Infinity;
  switch (n.kind) {
    case 'struct':
    case 'union': {
      let k = 1;
      for (const f of n.fields) k += decodedObjects(f.type, depth + 1);
      return k;
    }
    case 'array': {
      const inner = decodedObjects(n.element, depth + 1);
      return 1 + n.length * inner;
    }
    default:
      return 0;
  }
}

export interface CodecOptions {
  byteOrder: ByteOrder;
  size: number;
  root: 'key' | 'value';
  lpmKey?: boolean;
  /** The whole key/value is an interface index (a global variable declared one): it takes interface names. */
  ifname?: boolean;
  /**
   * Calls (encodes and decodes) served by the plain code before the codec switches to generated code
   * (GENERATE_AFTER; 0: generated at the first call, Infinity: never). Where code cannot be generated
   * (`--disallow-code-generation-from-strings`), the plain code serves every call.
   */
  generateAfter?: number;
}

/**
 * A codec serves its first calls from plain code and generates code (fast-codegen.ts) for its type
 * only then: a single-entry command never pays for generating and compiling it, a bulk one (dump,
 * apply, batch writes) does once. See fast-codegen.ts for the gain each way.
 */
export const GENERATE_AFTER = 64;

const codecs = new WeakMap<TypeNode, Map<string, Codec>>();

export function compileCodec(node: TypeNode | null, opts: CodecOptions): Codec {
  const k = `${opts.byteOrder}:${opts.size}:${opts.root}:${opts.lpmKey === true}:${opts.ifname === true}:${opts.generateAfter ?? GENERATE_AFTER}`;
  if (node) {
    const hit = codecs.get(node)?.get(k);
    if (hit) return hit;
  }
  const codec = build(node, opts);
  if (node) {
    let m = codecs.get(node);
    if (!m) codecs.set(node, (m = new Map()));
    m.set(k, codec);
  }
  return codec;
}

function build(node: TypeNode | null, opts: CodecOptions): Codec {
  const { size, root } = opts;
  if (!Number.isSafeInteger(size) || size < 0) throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID, `${root}: invalid size ${size}`);
  if (size > MAX_ENCODED_SIZE) {
    throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID,
      `${root}: expected at most ${MAX_ENCODED_SIZE} bytes (the kernel's limit for a map ${root}), got ${size}`);
  }
  const objects = node ? decodedObjects(node) : 0;
  if (objects > MAX_DECODED_OBJECTS) {
    throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID,
      `${root}: the type decodes to ${Number.isFinite(objects) ? objects : 'too many'} nested arrays and structs; at most ${MAX_DECODED_OBJECTS} are supported`);
  }
  const tree = (generated: boolean): Compiled => {
    try {
      const t = node ? compileNode(node, opts.byteOrder, 0, generated) : compileBytes(size);
      return opts.ifname && node?.kind === 'int' ? withIfname(t) : t;
    } catch (e) {
      if (e instanceof Fail) throw new BpfmapError(e.code, `${root}: ${e.msg}`);
      throw e;
    }
  };
  let left = opts.generateAfter ?? GENERATE_AFTER;
  const plain = tree(false);
  /** The generated tree once made (at the switch, the first call for generateAfter 0); until then `plain` serves. */
  let gen: Compiled | null = null;
  if (plain.size > size) {
    throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID, `${root}: the type needs ${plain.size} bytes but the map's ${root} size is ${size}`);
  }
  /** The tree that serves this call: the plain one for the first `left` calls, then the generated one. */
  const current = (): Compiled => {
    if (gen !== null) return gen;
    if (left-- > 0) return plain;
    // Both trees make the same checks (record-codec.ts checks its members before it generates), so
    // only code generation itself can fail here (refused by the process): the plain tree goes on.
    try {
      gen = tree(true);
    } catch {
      gen = plain;
    }
    return gen;
  };
  const prepare = opts.lpmKey && node ? lpmPreparer(node) : null;
  const prettify = opts.lpmKey && node ? lpmPrettifier(node) : null;
  const views = new Views();
  const run = (input: unknown, out: Uint8Array, offset: number, path: string): void => {
    const t = current();
    try {
      if (!prepare) { t.enc(input, views.of(t, out), out, offset); return; }
      const p = prepare(input);
      t.enc(p.input, views.of(t, out), out, offset);
      if (p.missing) throw p.missing; // after the fields, so that a wrong field is named first
    } catch (e) {
      if (e instanceof Fail) throw e.toValueError(path);
      throw e;
    }
  };
  return {
    size,
    encode(input, path = root) {
      const out = new Uint8Array(size);
      run(input, out, 0, path);
      return out;
    },
    encodeInto(input, out, offset, path = root) {
      if (!isBytes(out) || !Number.isSafeInteger(offset) || offset < 0 || offset + size > out.byteLength) {
        throw new ValueError(path, `cannot encode ${size} bytes at offset ${offset} of a ${out?.byteLength ?? 0}-byte buffer`);
      }
      out.fill(0, offset, offset + size);
      try {
        run(input, out, offset, path);
      } catch (e) {
        out.fill(0, offset, offset + size);
        throw e;
      }
    },
    decode(bytes, offset, opts?: DecodeOptions) {
      if (!isBytes(bytes)) throw new ValueError(root, `expected bytes to decode, got ${typeof bytes}`);
      const off = offset ?? 0;
      if (offset === undefined ? bytes.byteLength !== size : !Number.isSafeInteger(off) || off < 0 || off + size > bytes.byteLength) {
        throw new ValueError(root, offset === undefined
          ? `expected ${size} bytes, got ${bytes.byteLength}`
          : `expected ${size} bytes at offset ${off}, the input has ${bytes.byteLength}`);
      }
      const flags = opts ? (opts.prettyAddresses ? F_PRETTY : 0) | (opts.compact ? F_COMPACT : 0) : 0;
      // Decoding refuses nothing: every byte pattern of the right size is some value (bounds were checked above).
      const t = current();
      const v = t.dec(views.of(t, bytes), bytes, off, flags);
      return prettify && (flags & F_PRETTY) ? prettify(v, bytes, off) : v;
    },
  };
}

/** The DataView of the last buffer a codec was given (most calls in a row get the same one). */
class Views {
  private u8: Uint8Array | null = null;
  private dv: DataView | null = null;
  private static readonly none = new DataView(new ArrayBuffer(0));
  of(t: Compiled, u8: Uint8Array): DataView {
    if (!t.usesView) return Views.none;
    // The length too: a view of a resizable buffer keeps its identity when the buffer grows.
    if (u8 !== this.u8 || u8.byteLength !== this.dv!.byteLength) { this.u8 = u8; this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength); }
    return this.dv!;
  }
}

