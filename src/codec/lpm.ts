/**
 * LPM trie keys: when the first field is the u32 prefix length and the input leaves it out, an
 * address given as CIDR (`10.10.10.0/24`) sets the data and the prefix length, which counts every
 * bit between the prefix length field and the address (plus the CIDR length; an address without
 * `/len` counts in full). An explicit prefix length wins; the `/len` is then only stripped.
 */
import type { StructNode, TypeNode } from '../btf/schema-types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe, keySeg } from './fail.js';
import { addressKinds, parseAddressFor } from './array-codec.js';
import { parseIPv4 } from './address.js';
import { flattenFields } from './record-codec.js';
import { isBytes } from './is-bytes.js';

interface AddrField {
  name: string;
  offset: number;
  /** Address bytes of the given text, or null when it is not an address this field takes. */
  parse(s: string): Uint8Array | null;
  kinds: string;
}

function addrField(name: string, offset: number, t: TypeNode): AddrField | null {
  const kinds = addressKinds(t);
  if (kinds && t.kind === 'array') {
    const len = t.length;
    return { name, offset, kinds, parse: (s) => parseAddressFor(len, s) };
  }
  if (t.kind === 'int' && t.byteOrder === 'big' && t.size === 4) {
    return { name, offset, kinds: 'an IPv4 address', parse: (s) => parseIPv4(s.trim()) };
  }
  return null;
}

/** A function that rewrites LPM key input (CIDR -> data + prefix length), or null when not applicable. */
export function lpmPreparer(node: TypeNode): ((input: unknown) => unknown) | null {
  if (node.kind !== 'struct' || node.fields.length < 2) return null;
  const first = node.fields[0]!;
  if (first.name === '' || first.offset !== 0 || first.bitSize !== undefined ||
      first.type.kind !== 'int' || first.type.size !== 4 || first.type.signed) return null;
  const prefixName = first.name;
  const addrs: AddrField[] = [];
  for (const e of flattenFields(node as StructNode)) {
    if (e.field.bitSize !== undefined || e.offset < 4) continue;
    const a = addrField(e.name, e.offset, e.field.type);
    if (a) addrs.push(a);
  }
  if (addrs.length === 0) return null;

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
