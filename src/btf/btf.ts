/**
 * A decoded BTF blob: validated in four stages (header geometry, strings, record framing, references)
 * and then read lazily. `loadBtf` takes raw BTF (e.g. /sys/kernel/btf/vmlinux or a `.BTF` section).
 */
import { BtfError } from '../errors.js';
import type { ByteOrder } from '../bytes.js';
import { btfByteOrder, parseHeader, type BtfHeader } from './header.js';
import { StringTable } from './strings.js';
import { parseRawTypes, sampleBtf, type RawTypes } from './raw-types.js';
import { validateReferences } from './validate.js';
import { Type } from './types.js';
import { BTF_KIND as K, MAX_DEPTH, kindName } from './kinds.js';

let primed = false;
/**
 * Blob size (bytes) above which decoding is primed first (a fast path: the warm-up below, and its
 * twin in format/fast-types-json.ts). Measured 2026-12-05, whole `bpfmap types /sys/kernel/btf/vmlinux
 * --json`, 21 interleaved runs each on the shared 2-core machine (load average 2.5): both warm-ups
 * on 392.7 ms, both off 454.1 ms (1.16x; 1.23x without NODE_EXTRA_CA_CERTS). Not worth it for
 * small blobs: an object's BTF is decoded in well under a millisecond either way.
 */
const PRIME_ABOVE = 1 << 20;
/** The sample as decoded by that priming (null before it ran). */
let primedSample: Btf | null = null;

/**
 * The decoded warm-up sample (see sampleBtf), for priming code that reads a Btf: the one decoding
 * was primed with when there is one, as decoding the sample again after a big blob would only make V8
 * spend its compiler thread on the decoder once more while the caller's code waits for it.
 */
export function sampleDecoded(): Btf {
  return primedSample ?? (primedSample = new Btf(sampleBtf()));
}

export class Btf {
  readonly header: BtfHeader;
  readonly byteOrder: ByteOrder;
  readonly strings: StringTable;
  readonly raw: RawTypes;
  private readonly blob: Uint8Array;
  /**
   * The first type id this BTF defines itself: 1, or for split BTF merged with its base (see
   * split.ts) the first id after the base's; listings (types, types --json) start there.
   */
  readonly firstId: number;
  /** Inflated types by id, made on the first type() call (types --json never inflates one). */
  private cache: (Type | undefined)[] | undefined;
  private byName: Map<string, number[]> | undefined;

  constructor(blob: Uint8Array, firstId = 1) {
    this.firstId = firstId;
    if (!primed && blob.byteLength > PRIME_ABOVE) {
      // Decode a small sample with every kind first, so that the loops below are optimised for all
      // of their paths before the big blob runs through them (see sampleBtf). Twice, as V8 records
      // type feedback only once a function has run for a while.
      primed = true;
      const sample = sampleBtf();
      new Btf(sample);
      primedSample = new Btf(sample);
    }
    // A Buffer (from readFileSync) and a plain Uint8Array have different hidden classes in V8: one
    // kind of view everywhere keeps the hot loops' code from being thrown away when the other
    // arrives (the sample above is a Uint8Array).
    if (Object.getPrototypeOf(blob) !== Uint8Array.prototype) blob = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
    this.blob = blob;
    this.header = parseHeader(blob);
    this.byteOrder = this.header.byteOrder;
    const h = this.header;
    this.strings = new StringTable(blob.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen));
    this.raw = parseRawTypes(blob, h);
    validateReferences(this.raw, this.strings);
  }

  /** Number of types, not counting void (valid ids are 0..typeCount). */
  get typeCount(): number {
    return this.raw.count - 1;
  }

  /** The inflated type with this id (0 is void). */
  type(id: number): Type {
    if (!Number.isInteger(id) || id < 0 || id >= this.raw.count) {
      throw new BtfError(`BTF: type id: expected 0..${this.raw.count - 1}, got ${id}`, id);
    }
    const cache = this.cache ?? (this.cache = new Array<Type | undefined>(this.raw.count));
    let t = cache[id];
    if (!t) {
      t = new Type(this, this.raw, this.strings, id);
      cache[id] = t;
    }
    return t;
  }

  name(id: number): string {
    return id === 0 ? '' : this.strings.get(this.raw.nameOff(id));
  }

  kind(id: number): number {
    return id === 0 ? 0 : this.raw.kinds[id]!;
  }

  /** All ids with this name, in id order. */
  idsByName(name: string): readonly number[] {
    if (!this.byName) {
      const m = new Map<string, number[]>();
      for (let id = 1; id < this.raw.count; id++) {
        const off = this.raw.nameOff(id);
        if (off === 0) continue;
        const n = this.strings.get(off);
        const list = m.get(n);
        if (list) list.push(id); else m.set(n, [id]);
      }
      this.byName = m;
    }
    return this.byName.get(name) ?? [];
  }

  /** The first type with this name, preferring a definition (not FWD, FUNC, VAR or DECL_TAG), optionally of one kind. */
  findByName(name: string, kind?: number): Type | undefined {
    const ids = this.idsByName(name).filter((id) => kind === undefined || this.kind(id) === kind);
    const rank = (id: number): number => {
      const k = this.kind(id);
      return k === K.FWD || k === K.DECL_TAG ? 2 : k === K.FUNC || k === K.VAR ? 1 : 0;
    };
    let best: number | undefined;
    for (const id of ids) if (best === undefined || rank(id) < rank(best)) best = id;
    return best === undefined ? undefined : this.type(best);
  }

  /** Follows typedefs and qualifiers (const, volatile, restrict, type_tag) to the underlying type id. */
  resolve(id: number): number {
    let cur = id;
    for (let depth = 0; ; depth++) {
      const k = this.kind(cur);
      if (k !== K.TYPEDEF && k !== K.CONST && k !== K.VOLATILE && k !== K.RESTRICT && k !== K.TYPE_TAG) return cur;
      if (depth >= MAX_DEPTH) throw new BtfError(`BTF type ${id}: nesting deeper than ${MAX_DEPTH} following typedefs and qualifiers`, id);
      cur = this.raw.sizeType(cur);
    }
  }

  /** Size in bytes of a type as C's sizeof (8 for pointers), following arrays, typedefs and qualifiers. */
  sizeOf(id: number, depth = 0): number {
    if (depth > MAX_DEPTH) throw new BtfError(`BTF type ${id}: nesting deeper than ${MAX_DEPTH} computing its size`, id);
    const r = this.resolve(id);
    const k = this.kind(r);
    switch (k) {
      case K.INT: case K.STRUCT: case K.UNION: case K.ENUM: case K.ENUM64: case K.DATASEC: case K.FLOAT:
        return this.raw.sizeType(r);
      case K.PTR: return 8;
      case K.ARRAY: {
        const nelems = this.raw.u32(r, 8);
        const size = nelems * this.sizeOf(this.raw.u32(r, 0), depth + 1);
        if (size > 0xffffffff) throw new BtfError(`BTF type ${r} (array): size of ${nelems} elements overflows u32`, r);
        return size;
      }
      case K.VAR: return this.sizeOf(this.raw.sizeType(r), depth + 1);
      default:
        throw new BtfError(`BTF type ${id}: expected a type with a size, got ${kindName(k)}${this.name(r) ? ` '${this.name(r)}'` : ''}`, id);
    }
  }

  /** The BTF bytes as given (for an object: with DATASEC sizes and VAR offsets fixed), for BTF_LOAD. */
  kernelBytes(): Uint8Array {
    return this.blob;
  }
}

export function loadBtf(bytes: Uint8Array): Btf {
  return new Btf(bytes);
}

/** True when the bytes start with the BTF magic in either byte order. */
export function isRawBtf(bytes: Uint8Array): boolean {
  return btfByteOrder(bytes) !== null;
}
