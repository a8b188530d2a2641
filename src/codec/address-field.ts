/**
 * Which fields take address strings, and the one wrapper that writes an address string as the
 * field's bytes on the wire (and, with prettyAddresses, prints those bytes back as text).
 *
 * A field takes addresses when its bytes in memory are the address bytes in wire order:
 * - a byte array (`__u8[4]`, `__u8[16]`, `unsigned char[6]`, not a char string), an array of
 *   network-order ints (`__be32[4]`, `__be16[8]`), or a struct/union wrapping one at offset 0
 *   (`struct in6_addr`, a union of such arrays; `struct { __u8 addr[6]; }`): 4 bytes take IPv4,
 *   16 bytes IPv4 or IPv6, 6 bytes a MAC. These print as addresses with prettyAddresses.
 * - a 4-byte unsigned int (`__u32`, `__be32`): an IPv4 address, written as its wire bytes;
 *   a 16-byte int (`__int128`): IPv4 or IPv6, written as wire bytes. Only `__be32` prints as an
 *   address: a plain int may be a counter, so it prints as a number (which encodes back to the same bytes).
 */
import type { ArrayNode, IntNode, TypeNode } from '../schema/types.js';
import { formatIPv4, formatIPv6, formatMac, parseIPv4, parseIPv6, parseMac } from './address.js';
import { Fail, describe } from './fail.js';
import { intRange } from './integer.js';
import { typeName } from './type-name.js';
import { F_PRETTY, type Compiled } from './types.js';

export interface AddressShape {
  /** Address bytes: 4 (IPv4), 16 (IPv4 or IPv6), 6 (MAC). */
  readonly bytes: 4 | 6 | 16;
  /** `an IPv4 address`, `an IPv4/IPv6 address`, `a MAC address`. */
  readonly kinds: string;
  /** Printed as an address with prettyAddresses. */
  readonly pretty: boolean;
}

function fullInt(n: IntNode): boolean {
  return n.encoding !== 'bool' && (n.bits === undefined || n.bits === n.size * 8);
}

function isCharInt(n: TypeNode): boolean {
  return n.kind === 'int' && n.size === 1 && (n.encoding === 'char' || n.name === 'char' || n.name === 'signed char');
}

/** Bytes in memory are in wire order: bytes, network-order ints, arrays and wrappers of those. */
function wire(n: TypeNode, depth: number): boolean {
  if (depth > 8) return false;
  switch (n.kind) {
    case 'int':
      return fullInt(n) && !isCharInt(n) && (n.size === 1 || n.byteOrder === 'big');
    case 'array':
      return n.length > 0 && n.element.size * n.length === n.size && wire(n.element, depth + 1);
    case 'struct':
    case 'union':
      // Every member starts at 0 (a wrapper, or views of the same bytes); one of them spans the
      // whole record and is itself in wire order (in6_addr's u6_addr8 beside host-order u6_addr32).
      return n.fields.length > 0 &&
        n.fields.every((f) => f.offset === 0 && f.bitSize === undefined && (n.kind === 'union' || n.fields.length === 1)) &&
        n.fields.some((f) => f.type.size === n.size && wire(f.type, depth + 1));
    default:
      return false;
  }
}

const KINDS = { 4: 'an IPv4 address', 16: 'an IPv4/IPv6 address', 6: 'a MAC address' } as const;

/** The addresses a field of this type takes, or null. */
export function addressShape(n: TypeNode): AddressShape | null {
  if (n.kind === 'int') {
    if (!fullInt(n) || n.encoding === 'char') return null;
    if (n.size === 4 && (!n.signed || n.byteOrder === 'big')) return { bytes: 4, kinds: KINDS[4], pretty: n.byteOrder === 'big' };
    if (n.size === 16) return { bytes: 16, kinds: KINDS[16], pretty: false };
    return null;
  }
  if (n.kind !== 'array' && n.kind !== 'struct' && n.kind !== 'union') return null;
  if (n.size !== 4 && n.size !== 6 && n.size !== 16) return null;
  if (!wire(n, 0)) return null;
  return { bytes: n.size, kinds: KINDS[n.size], pretty: true };
}

/** Address string -> wire bytes for a field of `len` address bytes; null when it is no address of a fitting kind. */
export function parseAddressFor(len: number, s: string): Uint8Array | null {
  const t = s.trim();
  if (len === 4) return parseIPv4(t);
  if (len === 16) return parseIPv4(t) ?? parseIPv6(t);
  if (len === 6) return parseMac(t);
  return null;
}

/** True when a 16-byte prefix starting with these bytes can only be IPv6: 2000::/3, fc00::/7, fe80::/10, ff00::/8. */
function ipv6Range(b0: number, b1: number): boolean {
  return (b0 & 0xe0) === 0x20 || (b0 & 0xfe) === 0xfc || (b0 === 0xfe && (b1 & 0xc0) === 0x80) || b0 === 0xff;
}

/**
 * The text of a 16-byte address. Without `prefixBits` (a whole address): IPv4 when bytes 4..15 are
 * zero (an IPv6 host address has a non-zero interface identifier), else IPv6. With `prefixBits` (the
 * prefix inside this field, of an LPM key): IPv4 only when the prefix ends within the first 32 bits,
 * bytes 4..15 are zero and the first bytes do not start an IPv6 range (2000::/3 global unicast,
 * fc00::/7, fe80::/10, ff00::/8), so `2001:db8::/32` prints as IPv6. Both texts encode to the same
 * bytes, so whichever is printed, encoding it gives the bytes back.
 */
export function isIPv4In16(b: Uint8Array, off: number, prefixBits?: number): boolean {
  for (let i = 4; i < 16; i++) if (b[off + i] !== 0) return false;
  if (prefixBits === undefined) return true;
  return prefixBits <= 32 && !ipv6Range(b[off]!, b[off + 1]!);
}

export function formatAddress(len: 4 | 6 | 16, b: Uint8Array, off: number): string {
  if (len === 4) return formatIPv4(b, off);
  if (len === 6) return formatMac(b, off);
  return isIPv4In16(b, off) ? formatIPv4(b, off) : formatIPv6(b, off);
}

/** What a field of this shape is told to hold when a string is not a fitting address. */
function refusal(node: TypeNode, shape: AddressShape, s: string): Fail {
  const what = node.kind === 'int'
    ? `${intRange(node.size * 8, node.signed).text} or ${shape.kinds}`
    : node.kind === 'array'
      ? `${shape.kinds} or a list of at most ${(node as ArrayNode).length} ${typeName((node as ArrayNode).element)}`
      : `${shape.kinds} or ${typeName(node)}`;
  const t = s.trim();
  const slash = t.includes('/') ? ' (a /prefix length is only allowed in the address field of an LPM trie key)' : '';
  const v6 = shape.bytes === 4 && parseIPv6(t) ? ` (an IPv6 address needs 16 bytes; this field has ${shape.bytes})` : '';
  const wrong = shape.bytes === 6 && (parseIPv4(t) ?? parseIPv6(t)) ? ' (an IP address does not fit a 6-byte MAC field)' : '';
  const mac = shape.bytes !== 6 && parseMac(t) ? ` (a MAC address does not fit a ${shape.bytes}-byte IP field)` : '';
  return new Fail(`expected ${what}, got ${describe(s)}${slash}${v6}${wrong}${mac}`);
}

/** Adds address input (and pretty output) to the compiled form of a node that takes addresses. */
export function withAddress(node: TypeNode, c: Compiled): Compiled {
  const shape = addressShape(node);
  if (!shape) return c;
  const isInt = node.kind === 'int';
  const { bytes } = shape;
  return {
    size: c.size,
    usesView: c.usesView,
    enc(input, dv, u8, off) {
      // An int takes its own decimal and 0x strings; only text with '.' or ':' is an address.
      if (typeof input === 'string' && (!isInt || /[.:]/.test(input))) {
        const a = parseAddressFor(bytes, input);
        if (!a) throw refusal(node, shape, input);
        u8.fill(0, off, off + c.size);
        u8.set(a, off);
        return;
      }
      c.enc(input, dv, u8, off);
    },
    dec: shape.pretty
      ? (dv, u8, off, flags) => ((flags & F_PRETTY) !== 0 ? formatAddress(bytes, u8, off) : c.dec(dv, u8, off, flags))
      : c.dec,
  };
}
