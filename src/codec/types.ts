/** The codec's public interfaces and the internal shape every compiled type shares. */

export interface DecodeOptions {
  /** Print u8[4] / u8[16] / u8[6] / __be32 fields that hold addresses as address strings. */
  prettyAddresses?: boolean;
  /** Print arrays of structs as an index map of their non-zero elements (`{0: {...}, 57: {...}}`). */
  compact?: boolean;
}

export interface Codec {
  /** Size in bytes of the encoded form. */
  readonly size: number;
  /** Encodes a typed value into a new buffer of exactly `size` bytes. `path` roots error messages. */
  encode(input: unknown, path?: string): Uint8Array;
  /** Encodes into out[offset, offset + size) (zeroed first: padding is always zero). */
  encodeInto(input: unknown, out: Uint8Array, offset: number, path?: string): void;
  /**
   * Decodes the typed value at bytes[offset]. Without `offset` the input must be exactly `size`
   * bytes; with it, at least `offset + size`.
   */
  decode(bytes: Uint8Array, offset?: number, opts?: DecodeOptions): unknown;
}

/** Decode flags passed down the compiled tree (bit set of DecodeOptions). */
export const F_PRETTY = 1;
export const F_COMPACT = 2;

/**
 * A compiled type: encode writes into a region that is already zero (it may read-modify-write
 * bytes shared with neighbouring bitfields); decode reads. Both throw Fail (no path) on bad input.
 */
export interface Compiled {
  readonly size: number;
  /** Whether enc/dec use the DataView argument (else they work on the byte array only). */
  readonly usesView: boolean;
  enc(input: unknown, dv: DataView, u8: Uint8Array, off: number): void;
  dec(dv: DataView, u8: Uint8Array, off: number, flags: number): unknown;
}
