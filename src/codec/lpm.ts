/**
 * LPM trie keys. The first field is the u32 prefix length, which counts every bit of the key after
 * it. A key must state its prefix, never fall back to /0 (a rule that matches every address):
 * - an address with `/len` in an address field (`10.10.10.0/24`): the prefix length is computed
 *   from the bits of the fields before the address plus `len` (a 32-bit ifindex then /24 is 56);
 * - a bare address (`10.10.10.2`) with the prefix length left out is refused: it could mean one host
 *   or the network it starts, and a guess would program the wrong rule silently (`/32` says host);
 * - an explicit prefix length: any `/len` given too must agree with it, and it may not exceed the
 *   bits after the prefix length field. A bare address next to an explicit prefix length is just
 *   its bytes.
 * A key with neither (no prefix length, no address text) is refused, naming both ways to write it.
 * The `/len` is stripped; the address bytes are kept as given, host bits included (the kernel
 * compares only the prefix's bits, and so does every identity check in apply).
 */
import type { StructNode, TypeNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe, keySeg } from './fail.js';
import { addressShape, isIPv4In16, parseAddressFor } from './address-field.js';
import { formatIPv4, formatIPv6 } from './address.js';
import { flattenFields } from './record-codec.js';
import { isBytes } from './is-bytes.js';
import { leadingZero } from './integer.js';

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
 * and the address fields after it (anonymous members flattened; none for a key without address
 * fields). Null when the key has no such layout.
 */
function lpmLayout(node: TypeNode): { prefixName: string; addrs: AddrField[]; dataBits: number } | null {
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
  return { prefixName: first.name, addrs, dataBits: (node.size - 4) * 8 };
}

/** The name of an LPM key's prefix length field, or null when the key has no LPM layout. */
export function lpmPrefixField(node: TypeNode | null): string | null {
  return node ? lpmLayout(node)?.prefixName ?? null : null;
}

/** An LPM key input made ready to encode; `missing` is the refusal to throw once the rest encodes. */
export interface LpmPrepared {
  readonly input: unknown;
  /** Set when the key states no prefix: thrown after encoding, so that a wrong field is named first. */
  readonly missing: Fail | null;
}

/** An address given as text in an LPM key input. */
interface AddrText {
  field: AddrField;
  text: string;
  /** Bits of the key between the prefix length field and this field. */
  before: number;
  /** The `/len`, or the address's full length when there is none. */
  len: number;
  /** The address's full length in bits (32 for IPv4, also in a 16-byte field). */
  full: number;
  slash: boolean;
}

/** The prefix length a `/len` in this field stands for, as text (`56`, `32 or less`). */
function meaning(a: AddrText, dataBits: number): string {
  const p = a.before + a.len;
  if (a.len === 0 && a.before > 0) return `${p} or less`;
  if (a.len === a.full && p < dataBits) return `${p} or more`;
  return String(p);
}

/** Whether an explicit prefix length `p` agrees with a `/len` (what the pretty printer writes for p). */
function agrees(p: number, a: AddrText): boolean {
  return Math.min(Math.max(p - a.before, 0), a.full) === a.len;
}

/**
 * A function that checks and rewrites LPM key input (CIDR -> data + prefix length, see the header),
 * or null when the key has no LPM layout.
 */
export function lpmPreparer(node: TypeNode): ((input: unknown) => LpmPrepared) | null {
  const layout = lpmLayout(node);
  if (!layout) return null;
  const { prefixName, addrs, dataBits } = layout;
  const prefixSeg = keySeg(prefixName);

  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input) || isBytes(input)) return { input, missing: null };
    const obj = input as Record<string, unknown>;
    const given = Object.hasOwn(obj, prefixName) ? obj[prefixName] : undefined;
    const texts: AddrText[] = [];
    let out: Record<string, unknown> | null = null;
    for (const a of addrs) {
      const v = Object.hasOwn(obj, a.name) ? obj[a.name] : undefined;
      if (typeof v !== 'string') continue;
      const t = v.trim();
      const slash = t.indexOf('/');
      const addrText = slash < 0 ? t : t.slice(0, slash);
      const bytes = a.parse(addrText);
      if (!bytes) throw new Fail(`expected ${a.kinds}${slash < 0 ? '' : ' with a /prefix length'}, got ${describe(v)}`).at(keySeg(a.name));
      const full = bytes.byteLength * 8;
      let len = full;
      if (slash >= 0) {
        const lt = t.slice(slash + 1);
        if (!/^\d{1,3}$/.test(lt) || Number(lt) > full) {
          throw new Fail(`expected a prefix length 0..${full} after '/', got ${describe(v)}`, ERROR_CODE.VALUE_RANGE).at(keySeg(a.name));
        }
        // iproute2 reads `/010` as octal (8), most tools as decimal (10): neither reading is guessed.
        if (leadingZero(lt)) {
          const octal = /^[0-7]+$/.test(lt) ? ` (iproute2 reads it as octal, ${parseInt(lt, 8)})` : '';
          throw new Fail(`expected a prefix length 0..${full} after '/', got ${describe(v)}: /${lt} has a leading zero${octal}: ` +
            `write /${Number(lt)}${octal ? ` or /${parseInt(lt, 8)}` : ''}`).at(keySeg(a.name));
        }
        len = Number(lt);
        (out ??= { ...obj })[a.name] = addrText;
      }
      texts.push({ field: a, text: v, before: (a.offset - 4) * 8, len, full, slash: slash >= 0 });
    }
    let p: number;
    if (given === undefined) {
      // The last address given decides (fields before it are whole); none: the key states no prefix.
      const last = texts[texts.length - 1];
      if (!last) return { input, missing: missingPrefix(prefixName, addrs, dataBits).at(prefixSeg) };
      if (!last.slash) throw bareAddress(prefixName, last).at(keySeg(last.field.name));
      p = last.before + last.len;
      (out ??= { ...obj })[prefixName] = p;
    } else {
      const n = prefixNumber(given);
      // Not a u32: the integer codec names the problem.
      if (n === null) return { input: out ?? input, missing: null };
      if (n > dataBits) {
        throw new Fail(`expected a prefix length 0..${dataBits} (the bits after ${prefixName} in this ${dataBits / 8 + 4}-byte key), got ${describe(given)}`,
          ERROR_CODE.VALUE_RANGE).at(prefixSeg);
      }
      p = n;
    }
    for (const a of texts) {
      if (!a.slash && given !== undefined) continue; // a bare address next to an explicit length: its bytes
      if (agrees(p, a)) continue;
      const gave = given === undefined ? `${p} (from ${texts[texts.length - 1]!.field.name})` : describe(given);
      const how = a.before > 0 ? ` (${a.before} bits before ${a.field.name} + ${a.len})` : '';
      throw new Fail(`${gave} contradicts ${a.field.name} ${describe(a.text)}, which means ${prefixName} ${meaning(a, dataBits)}${how}; ` +
        `give the prefix once: leave ${prefixName} out, or write ${a.field.name} without /len`).at(prefixSeg);
    }
    return { input: out ?? input, missing: null };
  };
}

/**
 * A lookup query on an LPM trie: "which stored prefix covers this address" asks about one host, so a
 * bare address with no prefix length stated is taken at its full length (`10.0.0.9` as `10.0.0.9/32`).
 * Only reads use this; writes refuse a bare address (see the header). Other input is returned as is.
 */
export function lpmHostQuery(node: TypeNode | null, input: unknown): unknown {
  const layout = node ? lpmLayout(node) : null;
  if (!layout || typeof input !== 'object' || input === null || Array.isArray(input) || isBytes(input)) return input;
  const obj = input as Record<string, unknown>;
  if (Object.hasOwn(obj, layout.prefixName)) return input;
  let last: AddrField | null = null;
  for (const a of layout.addrs) if (typeof obj[a.name] === 'string') last = a;
  if (!last) return input;
  const text = (obj[last.name] as string).trim();
  if (text.includes('/')) return input;
  const bytes = last.parse(text);
  return bytes ? { ...obj, [last.name]: `${text}/${bytes.byteLength * 8}` } : input;
}

/** An explicit prefix length as a number when it is a u32 integer (number, bigint, decimal or 0x text), else null. */
function prefixNumber(v: unknown): number | null {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = v >= 0n && v <= 0xffffffffn ? Number(v) : -1;
  // The integer codec's syntax: an optional sign, decimal or 0x. A negative length is left to the
  // integer codec to refuse; "-0" is 0 to it, so it is 0 here too and checked like any other length.
  else if (typeof v === 'string' && /^\s*[+-]?(\d+|0[xX][0-9a-fA-F]+)\s*$/.test(v)) {
    const t = v.trim();
    n = Number(t.replace(/^[+-]/, ''));
    if (t.startsWith('-') && n !== 0) return null;
  } else return null;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : null;
}

/** The refusal of a bare address as the only statement of the prefix: host or network is not guessed. */
function bareAddress(prefixName: string, a: AddrText): Fail {
  const host = `${a.text.trim()}/${a.full}`;
  const before = a.before > 0 ? `, counting the ${a.before} bits of the fields before ${a.field.name}` : '';
  return new Fail(`expected ${a.field.name} with a /prefix length or ${prefixName} set, got ${describe(a.text)} with neither; ` +
    `write ${host} for this one host (${prefixName} ${a.before + a.full}${before}), a network as address/len, ` +
    `or set ${prefixName}`);
}

/** The refusal of a key that states no prefix: both ways to write it, with this key's numbers. */
function missingPrefix(prefixName: string, addrs: readonly AddrField[], dataBits: number): Fail {
  const a = addrs[0];
  if (!a) {
    return new Fail(`expected the prefix length (0..${dataBits}, the bits of the key after ${prefixName} that must match), got nothing; ` +
      `a key without it would be /0 and match everything`);
  }
  const before = (a.offset - 4) * 8;
  const example = a.len === 6 ? '02:00:00:00:00:00/24' : '10.0.0.0/24';
  const counted = before > 0 ? `, counting the ${before} bits of the fields before ${a.name}` : '';
  return new Fail(`the prefix length is not given: write ${a.name} as CIDR (${a.name}: ${example} makes ${prefixName} ${before + 24}${counted}) ` +
    `or set ${prefixName} (${prefixName}: ${before + 24}); a key with neither would be /0 and match every address`);
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
