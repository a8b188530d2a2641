/**
 * A decoded BTF blob: validated in four stages (header geometry, strings, record framing, references)
 * and then read lazily. `loadBtf` takes raw BTF (e.g. /sys/kernel/btf/vmlinux or a `.BTF` section).
 */
import { BtfError } from '../errors.js';
import type { ByteOrder } from '../bytes.js';
import { btfByteOrder, parseHeader, type BtfHeader } from './header.js';
import { StringTable } from './strings.js';
import { parseRawTypes, type RawTypes } from './raw-types.js';
import { validateReferences } from './validate.js';
import { decodedSample, primeDecoder } from './fast-prime.js';
import { Type } from './types.js';
import { BTF_KIND as K, MAX_DEPTH, kindName } from './kinds.js';

/** A decoded sample with every kind, for priming code that reads a Btf (see fast-prime.ts). */
export function sampleDecoded(): Btf {
  return decodedSample((b) => new Btf(b));
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
    // Fast path: a big blob is decoded after a small sample has primed the loops below (fast-prime.ts).
    primeDecoder(blob.byteLength, (sample) => new Btf(sample));
    // A Buffer (from readFileSync) and a plain Uint8Array have different hidden classes in V8: one
    // kind of view everywhere keeps the hot loops' code from being thrown away when the other
    // arrives (the priming sample is a Uint8Array).
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

  /** Throws unless id names a type of this BTF (0..typeCount): the raw records would read another type's bytes. */
  private known(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.raw.count) {
      throw new BtfError(`BTF: type id: expected 0..${this.raw.count - 1}, got ${id}`, id);
    }
  }

  /** The inflated type with this id (0 is void). */
  type(id: number): Type {
    this.known(id);
    const cache = this.cache ?? (this.cache = new Array<Type | undefined>(this.raw.count));
    let t = cache[id];
    if (!t) {
      t = new Type(this, this.raw, this.strings, id);
      cache[id] = t;
    }
    return t;
  }

  name(id: number): string {
    this.known(id);
    return id === 0 ? '' : this.strings.get(this.raw.nameOff(id));
  }

  kind(id: number): number {
    this.known(id);
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
