/**
 * LPM trie keys: when the first field is the u32 prefix length and the input leaves it out, an
 * address given as CIDR (`10.10.10.0/24`) sets the data and the prefix length, which counts every
 * bit between the prefix length field and the address (plus the CIDR length; an address without
 * `/len` counts in full). An explicit prefix length wins; the `/len` is then only stripped.
 */
import type { StructNode, TypeNode } from '../btf/schema-types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe, keySeg } from './fail.js';
import { addressShape, isIPv4In16, parseAddressFor } from './address-field.js';
import { formatIPv4, formatIPv6 } from './address.js';
import { flattenFields } from './record-codec.js';
import { isBytes } from './is-bytes.js';

/** An address field of an LPM key: a byte array that takes addresses, or a __be32. */
interface AddrField {
  name: string;
  /** Byte offset from the start of the key. */
  offset: number;
  /** Address bytes (4, 16 or 6 for a MAC). */
  len: number;
  /** Address bytes of the given text, or null when it is not an address this field takes. */
  parse(s: string): Uint8Array | null;
  kinds: string;
}

/**
 * The LPM key layout both directions share: a first member that is the unsigned u32 prefix length,
 * and the address fields after it (anonymous members flattened). Null when the key has no such layout.
 */
function lpmLayout(node: TypeNode): { prefixName: string; addrs: AddrField[] } | null {
  if (node.kind !== 'struct' || node.fields.length < 2) return null;
  const first = node.fields[0]!;
  if (first.name === '' || first.offset !== 0 || first.bitSize !== undefined ||
      first.type.kind !== 'int' || first.type.size !== 4 || first.type.signed) return null;
  const addrs: AddrField[] = [];
  for (const e of flattenFields(node as StructNode)) {
    if (e.field.bitSize !== undefined || e.offset < 4) continue;
    // Only fields that print as addresses (not a plain __u32 such as an ifindex).
    const shape = addressShape(e.field.type);
    if (shape?.pretty) {
      const len = shape.bytes;
      addrs.push({ name: e.name, offset: e.offset, len, kinds: shape.kinds, parse: (s) => parseAddressFor(len, s) });
    }
  }
  return addrs.length === 0 ? null : { prefixName: first.name, addrs };
}

/** A function that rewrites LPM key input (CIDR -> data + prefix length), or null when not applicable. */
export function lpmPreparer(node: TypeNode): ((input: unknown) => unknown) | null {
  const layout = lpmLayout(node);
  if (!layout) return null;
  const { prefixName, addrs } = layout;

  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input) || isBytes(input)) return input;
    const obj = input as Record<string, unknown>;
    const explicit = Object.hasOwn(obj, prefixName) && obj[prefixName] !== undefined;
    let needed = !explicit;
    if (!needed) {
      for (const a of addrs) {
        const v = Object.hasOwn(obj, a.name) ? obj[a.name] : undefined;
        if (typeof v === 'string' && v.includes('/')) { needed = true; break; }
      }
    }
    if (!needed) return input;
    const out: Record<string, unknown> = { ...obj };
    let prefix: number | null = null;
    for (const a of addrs) {
      const v = Object.hasOwn(obj, a.name) ? obj[a.name] : undefined;
      if (typeof v !== 'string') continue;
      const t = v.trim();
      const slash = t.indexOf('/');
      const addrText = slash < 0 ? t : t.slice(0, slash);
      const bytes = a.parse(addrText);
      if (!bytes) throw new Fail(`expected ${a.kinds}${slash < 0 ? '' : ' with a /prefix length'}, got ${describe(v)}`).at(keySeg(a.name));
      const max = bytes.byteLength * 8;
      let len = max;
      if (slash >= 0) {
        const lt = t.slice(slash + 1);
        if (!/^\d{1,3}$/.test(lt) || Number(lt) > max) {
          throw new Fail(`expected a prefix length 0..${max} after '/', got ${describe(v)}`, ERROR_CODE.VALUE_RANGE).at(keySeg(a.name));
        }
        len = Number(lt);
        out[a.name] = addrText;
      }
      if (prefix === null) prefix = (a.offset - 4) * 8 + len;
    }
    if (!explicit && prefix !== null) out[prefixName] = prefix;
    return out;
  };
}

/**
 * Pretty LPM keys: with `prettyAddresses`, each address field is printed as CIDR text with the
 * length the prefix gives it (`198.18.0.0/24`; no `/len` for a full-length prefix); a 16-byte field
 * follows isIPv4In16 (IPv6 when the prefix reaches past its first 32 bits, as `2001:db8::/64`, or
 * starts in an IPv6 range, as `2001:db8::/32`). Encode accepts the result: the explicit
 * prefix length wins and the `/len` is stripped. Null when the key has no such layout.
 */
export function lpmPrettifier(node: TypeNode): ((decoded: unknown, bytes: Uint8Array, offset: number) => unknown) | null {
  const layout = lpmLayout(node);
  const addrs = layout ? layout.addrs.filter((a) => a.len === 4 || a.len === 16) : [];
  if (!layout || addrs.length === 0) return null;
  const { prefixName } = layout;
  return (decoded, bytes, offset) => {
    if (typeof decoded !== 'object' || decoded === null) return decoded;
    const obj = decoded as Record<string, unknown>;
    const prefix = obj[prefixName];
    if (typeof prefix !== 'number') return decoded;
    for (const a of addrs) {
      if (!Object.hasOwn(obj, a.name)) continue;
      const at = offset + a.offset;
      let bits = Math.max(0, prefix - (a.offset - 4) * 8);
      let text: string;
      let full: number;
      if (a.len === 4 || isIPv4In16(bytes, at, bits)) {
        text = formatIPv4(bytes, at);
        full = 32;
      } else {
        text = formatIPv6(bytes, at);
        full = 128;
      }
      bits = Math.min(bits, full);
      obj[a.name] = bits < full ? `${text}/${bits}` : text;
    }
    return decoded;
  };
}
