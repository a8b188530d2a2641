/**
 * TypeScript declarations for an object's maps (`bpfmap gen ts`): for every map an interface of its
 * key and value as the codec decodes them (`FooKey`, `FooValue`) and as the codec takes them
 * (`FooKeyInput`, `FooValueInput`), a `Maps` table of them, and `openObject(path)`, which opens the
 * object as a `BpfObject<Maps>` so that `fw.map('foo').open(...).update(key, value)` is checked by tsc.
 *
 * The types follow the codec (src/codec), decoding without options:
 * - ints of 1, 2 or 4 bytes (and bitfields of such ints) decode to `number`, wider ones to `bigint`;
 *   bools to `boolean` (`number` for a byte that is neither 0 nor 1). Input: number, bigint, or
 *   decimal / 0x text; bools also true / false; an `...ifindex` field also an interface name.
 * - enums decode to the enumerator's name, or the number when none matches; input: a name or an integer.
 * - fixed arrays are lists (char arrays: text when printable); input: a list (shorter leaves the rest
 *   zero), an index map `{ 3: ... }`, text for char arrays, a Uint8Array for byte arrays.
 * - fields that hold addresses (u8[4], u8[16], __be32, any unsigned 32-bit int, ...) also take
 *   address text (`10.0.0.1`, `fe80::1`, a MAC); an LPM trie key's address field takes CIDR text.
 * - structs and unions: objects by field name (anonymous members flattened); every input field is
 *   optional (left out is zero), but a union's input names exactly one member (one object type per
 *   member); decode shows the member of a union that covers it.
 * - per-CPU maps: lookup gives one value per CPU, update takes one value or one per CPU.
 * Offline: imports nothing of the kernel side.
 */
import type { EnumNode, Field, MapSchema, ObjectSchema, StructNode, TypeNode, UnionNode } from '../schema/types.js';
import { mapCodecs } from '../codec/map-codecs.js';
import { flattenFields } from '../codec/record-codec.js';
import { addressShape } from '../codec/address-field.js';
import { isCharArray } from '../codec/array-codec.js';
import { takesIfname } from '../codec/ifname.js';
import { lpmPrefixField } from '../codec/lpm.js';
import { typeName } from '../codec/type-name.js';

export interface GenTsOptions {
  /** Module specifier the generated code imports BpfObject from (default `bpfmap`). */
  from?: string;
  /** Default path of the object in `openObject(path)` (default: the object's file name). */
  path?: string;
  /** The command line to name in the header comment. */
  command?: string;
}

/** Map types whose values are inner maps or programs (references in, `{ id, name }` out), as in map/inner.ts. */
const FD_MAPS: ReadonlySet<string> = new Set(['array_of_maps', 'hash_of_maps', 'prog_array']);

/** Names the generated module itself uses: a C type of this name gets a suffix. */
const RESERVED: ReadonlySet<string> = new Set(['BpfObject', 'Maps', 'IntInput', 'AddressText', 'CidrText', 'IndexMap',
  'InnerRef', 'InnerRefInput', 'Record', 'Uint8Array', 'ReadonlyArray', 'Array', 'Promise', 'Readonly', 'Partial',
  'Object', 'String', 'Number', 'Boolean', 'BigInt', 'Symbol', 'Function', 'Date', 'Error', 'Map', 'Set']);

const PRELUDE = `/** An integer as bpfmap takes it: a number, a bigint, or decimal / 0x text. */
export type IntInput = number | bigint | \`\${bigint}\` | \`0x\${string}\` | \`0X\${string}\`;
/** Address text: IPv4 (\`10.0.0.1\`), IPv6 (\`fe80::1\`) or a MAC (\`02:00:00:00:00:01\`). */
export type AddressText = \`\${number}.\${number}.\${number}.\${number}\` | \`\${string}:\${string}\`;
/** Address text with a prefix length (\`10.0.0.0/24\`), for the address field of an LPM trie key. */
export type CidrText = AddressText | \`\${AddressText}/\${number}\`;
/** Some elements of an array by index (\`{ 0: ..., 57: ... }\`); the others are zero. */
export type IndexMap<T> = { readonly [index: number]: T };
/** An inner map or program as lookups show it. */
export interface InnerRef { id: number; name?: string }
/** An inner map or program as updates take it: a pin path, \`id:N\`, or an object naming it. */
export type InnerRefInput = string | { id: number } | { pin: string } | { fd: number };
`;

const IDENT = /^[A-Za-z_$][\w$]*$/;

function pascal(s: string): string {
  const words = s.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const p = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[0-9]/.test(p) ? `T${p}` : p || 'Anon';
}

function prop(name: string): string {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function doc(lines: string[], indent: string): string {
  return lines.length === 0 ? '' : `${indent}/** ${lines.join(' ')} */\n`;
}

/** Text for a TS comment: no comment terminator. */
function safe(s: string): string {
  return s.replace(/\*\//g, '* /');
}

class Emitter {
  /** Declarations in the order they were written. */
  readonly decls: string[] = [];
  private readonly used = new Set<string>(RESERVED);
  /** Named record types already declared: node -> [output name, input name]. */
  private readonly records = new Map<TypeNode, [string, string]>();
  /** Body text of each declared name, so an identical type under the same C name is reused. */
  private readonly bodies = new Map<string, string>();

  /** A fresh type name based on `base`. */
  name(base: string): string {
    let n = base;
    for (let i = 2; this.used.has(n) || this.used.has(`${n}Input`); i++) n = `${base}${i}`;
    this.used.add(n);
    this.used.add(`${n}Input`);
    return n;
  }

  /** A fresh base name for a map: `<base>`, `<base>Key`, `<base>Value` and their inputs all free. */
  mapName(base: string): string {
    const all = (n: string) => [n, `${n}Key`, `${n}Value`].flatMap((x) => [x, `${x}Input`]);
    let n = base;
    for (let i = 2; all(n).some((x) => this.used.has(x)); i++) n = `${base}${i}`;
    for (const x of all(n)) this.used.add(x);
    return n;
  }

  /** Output (decoded) type of a node. */
  out(n: TypeNode, depth: number): string {
    if (depth > 40) return 'unknown';
    switch (n.kind) {
      case 'int': return intOut(n.size, n.encoding === 'bool');
      case 'float': return n.size === 4 || n.size === 8 ? 'number | `NaN:0x${string}`' : 'string';
      case 'pointer': return n.size >= 8 ? 'bigint' : 'number';
      case 'bytes': return 'string';
      case 'enum': return enumOut(n);
      case 'array': {
        if (n.element.size === 0) return 'never[]';
        const el = this.out(n.element, depth + 1);
        const list = `${wrap(el)}[]`;
        return isCharArray(n) ? `string | ${list}` : list;
      }
      case 'struct':
      case 'union': return this.record(n, depth)[0];
    }
  }

  /** Input type of a node (what encode takes). */
  in(n: TypeNode, depth: number, cidr = false): string {
    if (depth > 40) return 'unknown';
    const addr = addressShape(n) ? (cidr ? 'CidrText' : 'AddressText') : null;
    let t: string;
    switch (n.kind) {
      case 'int': t = n.encoding === 'bool' ? 'boolean | IntInput' : 'IntInput'; break;
      case 'float': t = n.size === 4 || n.size === 8 ? 'number | bigint | `${number}` | `NaN:0x${string}`' : 'string | Uint8Array'; break;
      case 'pointer': t = 'IntInput'; break;
      case 'bytes': t = 'string | Uint8Array'; break;
      case 'enum': t = enumIn(n); break;
      case 'array': {
        const el = this.in(n.element, depth + 1);
        const parts = [`readonly ${wrap(el)}[]`, `IndexMap<${el}>`];
        if (isCharArray(n)) parts.unshift('string');
        else if (n.element.kind === 'int' && n.element.size === 1 && n.element.encoding !== 'bool') parts.push('Uint8Array');
        t = parts.join(' | ');
        break;
      }
      case 'struct':
      case 'union': t = this.record(n, depth)[1]; break;
    }
    return addr ? `${t} | ${addr}` : t;
  }

  /** [output, input] type names of a struct or union (declared once per node). */
  record(n: StructNode | UnionNode, depth: number, base?: string, lpm = false): [string, string] {
    const hit = this.records.get(n);
    if (hit && !lpm) return hit;
    const entries = flattenFields(n);
    const outLines: string[] = [];
    const inLines: string[] = [];
    /** The input lines with the field required (a union's variant of one field). */
    const required: string[] = [];
    /** Per input line: its member of the union `n` (`groups[0]`: the record itself when a union). */
    const members: number[] = [];
    for (const e of entries) {
      const f = e.field;
      const comment = doc(fieldDoc(f, e.offset), '  ');
      const bitfield = f.bitSize !== undefined && !(f.bitSize === f.type.size * 8 && !f.bitOffset);
      const o = bitfield ? bitfieldOut(f.type) : this.out(f.type, depth + 1);
      // An LPM key's address fields (those that print as addresses, after the prefix length) take CIDR (lpm.ts).
      const cidr = lpm && !bitfield && e.offset >= 4 && addressShape(f.type)?.pretty === true;
      let i = bitfield ? bitfieldIn(f.type) : this.in(f.type, depth + 1, cidr);
      if (takesIfname({ name: e.name, type: f.type, ifindex: (f as { ifindex?: boolean }).ifindex })) i = `${i} | string`;
      if (e.shown) outLines.push(`${comment}  ${prop(e.name)}: ${o};`);
      inLines.push(`${comment}  ${prop(e.name)}?: ${i};`);
      required.push(`${comment}  ${prop(e.name)}: ${i};`);
      members.push(e.groups[0]?.[1] ?? 0);
    }
    const title = safe(typeName(n));
    const outBody = `{\n${outLines.join('\n')}\n}`;
    const variants = n.kind === 'union' ? unionVariants(entries.map((e) => e.name), inLines, required, members) : null;
    const inBody = variants ?? `{\n${inLines.join('\n')}\n}`;
    const wanted = base ?? (n.name ? pascal(n.name) : null);
    if (!wanted) {
      // Anonymous: inline.
      const r: [string, string] = [outBody.replace(/\n/g, ' '), inBody.replace(/\n/g, ' ')];
      this.records.set(n, r);
      return r;
    }
    const both = `${outBody}\n${inBody}`;
    let name: string;
    if (!base && this.bodies.get(wanted) === both) name = wanted;
    else {
      name = base ?? this.name(wanted);
      this.bodies.set(name, both);
      const kindNote = n.kind === 'union' ? ' Input: name one member.' : '';
      this.decls.push(`/** ${title} (${n.size} bytes) as bpfmap decodes it. */\nexport interface ${name} ${outBody}\n`);
      this.decls.push(variants
        ? `/** ${title} as bpfmap takes it: exactly one member (the rest of the bytes zero). */\nexport type ${name}Input =${inBody};\n`
        : `/** ${title} as bpfmap takes it: fields left out are zero.${kindNote} */\nexport interface ${name}Input ${inBody}\n`);
    }
    const r: [string, string] = [name, `${name}Input`];
    if (!lpm) this.records.set(n, r);
    return r;
  }

  /** A named alias for a non-record key or value, so every map has the four names. */
  alias(name: string, out: string, inp: string, what: string): void {
    this.decls.push(`/** ${what} as bpfmap decodes it. */\nexport type ${name} = ${out};\n`);
    this.decls.push(`/** ${what} as bpfmap takes it. */\nexport type ${name}Input = ${inp};\n`);
  }
}

/** Above this many members a union's input is one object of optional fields (variants grow as the square). */
const MAX_VARIANTS = 32;

/**
 * A union's input as the codec takes it (record-codec.ts): exactly one member, so one object type per
 * member, naming the others `never`. Fields of an anonymous struct member stay optional together. Null
 * (all fields optional, the union named in a comment) for a union of more than MAX_VARIANTS members.
 */
function unionVariants(names: readonly string[], lines: readonly string[], required: readonly string[],
  members: readonly number[]): string | null {
  const ids = [...new Set(members)];
  if (ids.length === 0 || ids.length > MAX_VARIANTS) return null;
  const variants = ids.map((m) => {
    const own = members.filter((x) => x === m).length;
    const body = lines.map((l, k) => {
      if (members[k] !== m) return `  ${prop(names[k]!)}?: never;`;
      return own === 1 ? required[k]! : l;
    });
    return `{\n${body.join('\n')}\n}`;
  });
  return `\n  | ${variants.map((v) => v.replace(/\n/g, '\n  ')).join('\n  | ')}`;
}

/** `t` ready for a `[]` suffix: parenthesised unless it is one name, list or object. */
function wrap(t: string): string {
  return /^[\w$<>[\]]+$/.test(t) || (/^\{.*\}$/.test(t) && !t.includes('|')) ? t : `(${t})`;
}

/** int-codec.ts: ints (and bitfields of ints) of at most 4 bytes are numbers, wider ones bigint. */
function intOut(size: number, bool: boolean): string {
  const base = size <= 4 ? 'number' : 'bigint';
  return bool ? `boolean | ${base}` : base;
}

/** The names decode prints: the first enumerator of each value (enum-codec.ts). */
function enumNames(n: EnumNode): string[] {
  const bits = n.size * 8;
  const seen = new Set<bigint>();
  const out: string[] = [];
  for (const e of n.values) {
    if (typeof e.value !== 'bigint' && !Number.isSafeInteger(e.value)) continue;
    const raw = BigInt(e.value);
    const v = n.signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
    if (seen.has(v)) continue;
    seen.add(v);
    out.push(e.name);
  }
  return out;
}

function enumOut(n: EnumNode): string {
  const names = enumNames(n).map((s) => JSON.stringify(s));
  return [...names, n.size === 8 ? 'bigint' : 'number'].join(' | ');
}

function enumIn(n: EnumNode): string {
  const names = [...new Set(n.values.map((e) => e.name))].map((s) => JSON.stringify(s));
  return [...names, 'IntInput'].join(' | ');
}

function bitfieldOut(t: TypeNode): string {
  if (t.kind === 'enum') return enumOut(t);
  if (t.kind === 'int') return intOut(t.size, t.encoding === 'bool');
  return 'unknown';
}

function bitfieldIn(t: TypeNode): string {
  if (t.kind === 'enum') return enumIn(t);
  if (t.kind === 'int') return t.encoding === 'bool' ? 'boolean | IntInput' : 'IntInput';
  return 'unknown';
}

function fieldDoc(f: Field, offset: number): string[] {
  const bits = f.bitSize !== undefined ? ` bits ${f.bitOffset ?? 0}+${f.bitSize}` : '';
  return [safe(`${typeName(f.type)} at offset ${offset}${bits}.`)];
}

/** TypeScript source declaring the key and value types of every usable map of the object, and a typed opener. */
export function generateTypeScript(schema: ObjectSchema, opts: GenTsOptions = {}): string {
  const from = opts.from ?? 'bpfmap';
  const path = opts.path ?? schema.object;
  const em = new Emitter();
  const rows: string[] = [];
  for (const m of schema.maps) rows.push(mapTypes(em, m, schema));
  const skipped = (schema.unusable ?? []).map((u) => `// map '${u.name}' is not usable: ${safe(u.reason).replace(/[\r\n\u2028\u2029]/g, ' ')}`);
  return [
    `// Generated by \`${opts.command ?? `bpfmap gen ts ${schema.object}`}\`: the maps of ${schema.object || 'the object'} (${schema.byteOrder}-endian). Do not edit.`,
    `import { BpfObject } from ${JSON.stringify(from)};`,
    '',
    PRELUDE,
    ...em.decls,
    ...(skipped.length ? [...skipped, ''] : []),
    '/** Every map of the object: its key and value types (see BpfObject.map). */',
    `export interface Maps {\n${rows.join('\n')}\n}`,
    '',
    '/** Opens the object with its maps typed: `(await openObject()).map(NAME).open({ pinRoot })`. */',
    `export function openObject(path = ${JSON.stringify(path)}): Promise<BpfObject<Maps>> {`,
    '  return BpfObject.open<Maps>(path);',
    '}',
    '',
  ].join('\n');
}

function mapTypes(em: Emitter, m: MapSchema, schema: ObjectSchema): string {
  const base = em.mapName(pascal(m.name));
  let usable = true;
  try { mapCodecs(m, schema.byteOrder); } catch { usable = false; }
  const header = `${m.type} map '${safe(m.name)}'`;
  if (!usable) {
    em.alias(`${base}Key`, 'unknown', 'unknown', `${header}: the codec cannot handle its types; its key`);
    em.alias(`${base}Value`, 'unknown', 'unknown', `${header}: its value`);
  } else {
    side(em, `${base}Key`, m.key, m.keySize, `${header}: its key`, m.type === 'lpm_trie' && lpmPrefixField(m.key) !== null);
    if (FD_MAPS.has(m.type)) em.alias(`${base}Value`, 'InnerRef', 'InnerRefInput', `${header}: its value, an inner map or program`);
    else side(em, `${base}Value`, m.value, m.valueSize, `${header}: its value`, false);
  }
  const V = `${base}Value`;
  const lookup = m.perCpu ? `${V}[]` : V;
  const update = m.perCpu ? `${V}Input | readonly ${V}Input[] | { readonly [cpu: \`cpu\${number}\`]: ${V}Input }` : `${V}Input`;
  return `  ${prop(m.name)}: {\n    key: ${base}Key; keyInput: ${base}KeyInput;\n    value: ${V}; valueInput: ${V}Input;\n` +
    `    lookup: ${lookup};\n    update: ${update};\n  };`;
}

function side(em: Emitter, name: string, node: TypeNode | null, size: number, what: string, lpm: boolean): void {
  if (node === null || size === 0) {
    em.alias(name, 'null', 'null', `${what} (none)`);
    return;
  }
  if (node.kind === 'struct' || node.kind === 'union') {
    // A named struct keeps its C name (shared by every map that uses it); the map's names alias it.
    const [o, i] = em.record(node, 0, node.name ? undefined : name, lpm);
    if (o !== name) em.alias(name, o, i, safe(`${what} (${typeName(node)})`));
    return;
  }
  em.alias(name, em.out(node, 0), em.in(node, 0), safe(`${what} (${typeName(node)})`));
}
