/**
 * `bpfmap types OBJ [NAME]`: C-like declarations annotated with offsets and sizes, e.g.
 * `struct rule { /* size 12 *\/ __u32 ruleId; /* offset 0, size 4 *\/ ... };`.
 */
import { BtfError, ERROR_CODE } from '../errors.js';
import type { Btf } from '../btf/btf.js';
import { BTF_KIND as K, MAX_DEPTH, kindName } from '../btf/kinds.js';
import { memberBits } from '../btf/member-bits.js';

function tagged(btf: Btf, id: number): string {
  const k = btf.kind(id);
  const n = btf.name(id);
  if (k === K.STRUCT) return `struct ${n}`;
  if (k === K.UNION) return `union ${n}`;
  if (k === K.ENUM || k === K.ENUM64) return `enum ${n}`;
  if (k === K.FWD) return `${btf.type(id).fwdKind} ${n}`;
  return n;
}

/** `T name` for a type id, with arrays, pointers and function pointers spelled as C does. */
function declarator(btf: Btf, id: number, name: string, indent: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new BtfError(`BTF type ${id}: nesting deeper than ${MAX_DEPTH}`, id);
  spend(1);
  const k = btf.kind(id);
  const sep = name ? ` ${name}` : '';
  switch (k) {
    case 0: return `void${sep}`;
    case K.PTR: {
      const t = btf.raw.sizeType(id);
      if (btf.kind(t) === K.FUNC_PROTO) return proto(btf, t, `(*${name})`, indent, depth + 1);
      return declarator(btf, t, `*${name}`, indent, depth + 1);
    }
    case K.ARRAY: {
      const inner = name.startsWith('*') ? `(${name})` : name;
      return declarator(btf, btf.raw.u32(id, 0), `${inner}[${btf.raw.u32(id, 8)}]`, indent, depth + 1);
    }
    case K.CONST: case K.VOLATILE: case K.RESTRICT: {
      const q = k === K.CONST ? 'const' : k === K.VOLATILE ? 'volatile' : 'restrict';
      const t = btf.raw.sizeType(id);
      if (k === K.RESTRICT || btf.kind(t) === K.PTR) return declarator(btf, t, `${q} ${name}`.trim(), indent, depth + 1);
      return `${q} ${declarator(btf, t, name, indent, depth + 1)}`;
    }
    case K.TYPE_TAG: return declarator(btf, btf.raw.sizeType(id), name, indent, depth + 1);
    case K.FUNC_PROTO: return proto(btf, id, name, indent, depth + 1);
    case K.STRUCT: case K.UNION: case K.ENUM: case K.ENUM64:
      if (btf.name(id) === '') return `${body(btf, id, indent, depth + 1)}${sep}`;
      return `${tagged(btf, id)}${sep}`;
    default: return `${tagged(btf, id) || kindName(k).toLowerCase()}${sep}`;
  }
}

function proto(btf: Btf, id: number, name: string, indent: string, depth: number): string {
  const params = btf.type(id).params.map((p) => (p.typeId === 0 ? '...' : declarator(btf, p.typeId, p.name, indent, depth + 1)));
  return declarator(btf, btf.raw.sizeType(id), `${name}(${params.join(', ') || 'void'})`, indent, depth + 1);
}

/**
 * The most parts (member and value lines, declarators) one declaration may have. Anonymous types and
 * function prototypes are written out where they are used, so a few of them shared many ways (valid
 * BTF: eight members of one anonymous union, ten levels deep) would make 8^10 lines; such a declaration
 * is refused instead (the largest in vmlinux has some hundreds).
 */
const MAX_PARTS = 100_000;
let partsLeft = MAX_PARTS;
let declaring = 0;

/** Counts `n` more parts of the declaration being written (members, values, declarators: function
 * prototypes are written out where used too); past MAX_PARTS the declaration is refused. */
function spend(n: number): void {
  partsLeft -= n;
  if (partsLeft < 0) {
    throw new BtfError(`BTF type ${declaring}: its C declaration would be more than ${MAX_PARTS} parts (anonymous types and function prototypes are written out where used; shared many ways, they multiply)`, declaring, ERROR_CODE.BTF_UNSUPPORTED);
  }
}

/**
 * C's alignment of a type as libbpf's btf__align_of computes it from BTF (pointers and longs of 8
 * bytes): a struct or union that must be packed to have its layout aligns to 1.
 */
function alignOf(btf: Btf, id: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new BtfError(`BTF type ${id}: nesting deeper than ${MAX_DEPTH}`, id);
  const r = btf.resolve(id);
  switch (btf.kind(r)) {
    case K.INT: case K.ENUM: case K.ENUM64: case K.FLOAT: return Math.max(1, Math.min(8, btf.raw.sizeType(r)));
    case K.PTR: return 8;
    case K.ARRAY: return alignOf(btf, btf.raw.u32(r, 0), depth + 1);
    case K.STRUCT: case K.UNION: return naturalAlign(btf, r, depth + 1) || 1;
    default: return 1;
  }
}

/** naturalAlign per BTF and type id (vmlinux nests the same structs in thousands of others). */
const aligns = new WeakMap<Btf, Map<number, number>>();

/**
 * The alignment a struct or union has unpacked, or 0 when its layout needs `__attribute__((packed))`:
 * a member that is no bitfield off its alignment, or a size that is no multiple of it (libbpf's
 * btf_is_struct_packed, which bpftool prints).
 */
function naturalAlign(btf: Btf, id: number, depth = 0): number {
  let cache = aligns.get(btf);
  if (!cache) aligns.set(btf, (cache = new Map()));
  const hit = cache.get(id);
  if (hit !== undefined) return hit;
  // A struct that contains itself (only a malformed BTF has one) meets itself as aligned to 1: each
  // struct is walked once, however many others hold it.
  cache.set(id, 1);
  const t = btf.type(id);
  let max = 1;
  let packed = false;
  try {
    for (const m of t.members) {
      const a = alignOf(btf, m.typeId, depth + 1);
      const [bitOff, bits] = memberBits(btf, m.typeId, m.bitOffset, m.bitfieldSize);
      if (bits === 0 && bitOff % (8 * a) !== 0) packed = true;
      max = Math.max(max, a);
    }
  } catch (e) {
    cache.delete(id);
    throw e;
  }
  const r = packed || (t.size ?? 0) % max !== 0 ? 0 : max;
  cache.set(id, r);
  return r;
}

function body(btf: Btf, id: number, indent: string, depth: number): string {
  const t = btf.type(id);
  spend(t.btfKind === K.ENUM || t.btfKind === K.ENUM64 ? t.values.length : t.members.length);
  const head = t.name ? `${tagged(btf, id)} ` : `${t.kind === 'enum64' ? 'enum' : t.kind} `;
  const inner = `${indent}\t`;
  if (t.btfKind === K.ENUM || t.btfKind === K.ENUM64) {
    const vals = t.values.map((v) => `${inner}${v.name} = ${v.value},`);
    return `${head}{ /* size ${t.size}${t.kindFlag ? ', signed' : ''} */\n${vals.join('\n')}${vals.length ? '\n' : ''}${indent}}`;
  }
  const lines = t.members.map((m) => {
    const [bitOff, bits] = memberBits(btf, m.typeId, m.bitOffset, m.bitfieldSize);
    const decl = declarator(btf, m.typeId, m.name, inner, depth + 1);
    let size: number | string;
    try { size = btf.sizeOf(m.typeId); } catch { size = '?'; }
    const where = bits
      ? `offset ${Math.floor(bitOff / 8)}, bit ${bitOff % 8}, bits ${bits}`
      : `offset ${bitOff / 8}, size ${size}`;
    return `${inner}${decl}${bits ? `: ${bits}` : ''}; /* ${where} */`;
  });
  const packed = naturalAlign(btf, id) === 0 ? ' __attribute__((packed))' : '';
  return `${head}{ /* size ${t.size} */\n${lines.join('\n')}${lines.length ? '\n' : ''}${indent}}${packed}`;
}

/** The declaration of one type id. */
function formatTypeC(btf: Btf, id: number): string {
  partsLeft = MAX_PARTS;
  declaring = id;
  const t = btf.type(id);
  switch (t.btfKind) {
    case K.STRUCT: case K.UNION: case K.ENUM: case K.ENUM64:
      return `${body(btf, id, '', 0)};`;
    case K.TYPEDEF: {
      let size = '';
      try { size = ` /* size ${btf.sizeOf(id)} */`; } catch { /* no size (function types) */ }
      return `typedef ${declarator(btf, t.targetId, t.name, '', 0)};${size}`;
    }
    case K.FWD: return `${t.fwdKind} ${t.name};`;
    case K.INT: case K.FLOAT: return `/* ${t.kind} */ ${t.name}; /* size ${t.size} */`;
    case K.FUNC: return `${t.linkage === 'static' ? 'static ' : ''}${declarator(btf, t.targetId, t.name, '', 0)};`;
    case K.VAR: return `${t.linkage === 'static' ? 'static ' : ''}${declarator(btf, t.targetId, t.name, '', 0)};`;
    case K.DATASEC: {
      const vars = t.vars.map((v) => `\t${declarator(btf, btf.type(v.typeId).targetId, btf.name(v.typeId), '\t', 0)}; /* offset ${v.offset}, size ${v.size} */`);
      return `SEC("${t.name}") { /* size ${t.size} */\n${vars.join('\n')}${vars.length ? '\n' : ''}};`;
    }
    default: return `/* ${kindName(t.btfKind)} ${t.name || '(anon)'} (id ${id}) */`;
  }
}

/**
 * Declarations of every named struct, union, enum, typedef and DATASEC (no name), or of the types
 * called `name` (error if there is none).
 */
export function formatTypesC(btf: Btf, name?: string): string {
  const out: string[] = [];
  if (name !== undefined) {
    const ids = btf.idsByName(name).filter((id) => btf.kind(id) !== K.DECL_TAG);
    if (ids.length === 0) throw new BtfError(`type '${name}': not found in the BTF`, undefined, ERROR_CODE.NOT_FOUND);
    for (const id of ids) out.push(formatTypeC(btf, id));
  } else {
    for (let id = btf.firstId; id <= btf.typeCount; id++) {
      const k = btf.kind(id);
      if ((k === K.STRUCT || k === K.UNION || k === K.ENUM || k === K.ENUM64 || k === K.TYPEDEF) && btf.name(id) !== '') out.push(formatTypeC(btf, id));
      else if (k === K.DATASEC) out.push(formatTypeC(btf, id));
    }
  }
  return `${out.join('\n\n')}\n`;
}
