/**
 * Schema conversion: BTF type -> TypeNode. Qualifiers (const, volatile, restrict, type_tag) are
 * stripped, the outermost typedef name is kept as `name`, `__be16/__be32/__be64` anywhere in the
 * typedef chain mark an int `byteOrder: 'big'`, and bitfields from both encodings (kind_flag member
 * offsets, INT bit offset / nr_bits) become Field.bitOffset / bitSize.
 */
import { BtfError } from '../errors.js';
import type { Field, TypeNode } from './types.js';
import { BTF_INT, BTF_KIND as K, MAX_DEPTH, kindName } from '../btf/kinds.js';
import type { Btf } from '../btf/btf.js';
import { memberBits } from '../btf/member-bits.js';

const BIG_ENDIAN_TYPEDEFS = new Set(['__be16', '__be32', '__be64']);

/** Largest type size the kernel accepts (it refuses arrays whose size overflows u32). */
const MAX_TYPE_SIZE = 0xffffffff;

/**
 * Schema nodes one map key or value may expand to when written out as a tree (a struct's fields
 * each count, an array's element counts once): this many, or four per type record of the BTF if that
 * is more. Shared members make the BTF a DAG that can double at every level: 40 bytes of BTF could
 * otherwise describe 2^32 fields, and every consumer of the schema (JSON, templates, codecs) walks
 * the tree. The bound keeps the work a small multiple of the input.
 */
export const MAX_SCHEMA_NODES = 4096;

interface Ctx { name: string | undefined; big: boolean }

class TypeNodeBuilder {
  private readonly btf: Btf;
  private readonly cache = new Map<number, TypeNode>();
  /** Expanded tree size of each built node (see MAX_SCHEMA_NODES). */
  private readonly weights = new WeakMap<TypeNode, number>();
  /** Structs and unions being converted (on the current path). */
  private readonly active = new Set<number>();

  private readonly maxNodes: number;

  constructor(btf: Btf) {
    this.btf = btf;
    this.maxNodes = Math.max(MAX_SCHEMA_NODES, 4 * Math.floor(btf.raw.bytes.byteLength / 12));
  }

  node(id: number): TypeNode {
    return this.convert(id, 0, { name: undefined, big: false }, id);
  }

  private deep(root: number, id: number): never {
    throw new BtfError(`BTF type ${root}: nesting deeper than ${MAX_DEPTH} (at type ${id}); a type refers to itself or is nested too deeply`, root);
  }

  private convert(id: number, depth: number, ctx: Ctx, root: number): TypeNode {
    if (depth > MAX_DEPTH) this.deep(root, id);
    const plain = ctx.name === undefined && !ctx.big;
    if (plain) {
      const hit = this.cache.get(id);
      if (hit) return hit;
    }
    const b = this.btf;
    const kind = b.kind(id);
    let node: TypeNode;
    switch (kind) {
      case K.TYPEDEF: {
        const n = b.name(id);
        return this.convert(b.raw.sizeType(id), depth + 1, { name: ctx.name ?? n, big: ctx.big || BIG_ENDIAN_TYPEDEFS.has(n) }, root);
      }
      case K.CONST: case K.VOLATILE: case K.RESTRICT: case K.TYPE_TAG:
        return this.convert(b.raw.sizeType(id), depth + 1, ctx, root);
      case K.VAR:
        return this.convert(b.raw.sizeType(id), depth + 1, ctx, root);
      default:
        node = this.base(id, depth, ctx, root);
    }
    this.weigh(node, root);
    if (plain) this.cache.set(id, node);
    return node;
  }

  private weigh(node: TypeNode, root: number): void {
    let w = 1;
    if (node.kind === 'array') w += this.weights.get(node.element) ?? 1;
    else if (node.kind === 'struct' || node.kind === 'union') for (const f of node.fields) w += this.weights.get(f.type) ?? 1;
    if (w > this.maxNodes) {
      throw new BtfError(`BTF type ${root}: the layout expands to more than ${this.maxNodes} fields (members that share types nest too many times)`, root, 'BTF_UNSUPPORTED');
    }
    this.weights.set(node, w);
  }

  private base(id: number, depth: number, ctx: Ctx, root: number): TypeNode {
    const b = this.btf;
    const t = b.type(id);
    const name = ctx.name ?? t.name;
    switch (t.btfKind) {
      case K.INT: {
        const enc = t.intEncoding;
        const size = t.size!;
        const bits = t.intBits;
        return {
          kind: 'int', name, size, signed: (enc & BTF_INT.SIGNED) !== 0,
          ...(enc & BTF_INT.BOOL ? { encoding: 'bool' as const } : enc & BTF_INT.CHAR ? { encoding: 'char' as const } : {}),
          ...(ctx.big ? { byteOrder: 'big' as const } : {}),
          ...(bits !== size * 8 ? { bits } : {}),
        };
      }
      case K.FLOAT:
        return { kind: 'float', name, size: t.size! };
      case K.ENUM: case K.ENUM64:
        return { kind: 'enum', name, size: t.size!, signed: t.kindFlag, values: t.values };
      case K.PTR:
        return { kind: 'pointer', name, size: 8, target: this.displayName(t.targetId, depth + 1, root) };
      case K.ARRAY: {
        const element = this.convert(t.targetId, depth + 1, { name: undefined, big: false }, root);
        const size = element.size * t.nelems;
        if (size > MAX_TYPE_SIZE) {
          throw new BtfError(`BTF type ${id} (array): size ${t.nelems} x ${element.size} bytes overflows u32; expected at most ${MAX_TYPE_SIZE} bytes`, id);
        }
        return { kind: 'array', name, size, length: t.nelems, element };
      }
      case K.STRUCT: case K.UNION: {
        // A struct that contains itself (not through a pointer) is a cycle: stop at once instead of
        // expanding every member MAX_DEPTH times.
        if (this.active.has(id)) {
          throw new BtfError(`BTF type ${root}: nesting deeper than ${MAX_DEPTH}: ${kindName(t.btfKind).toLowerCase()} ${t.name ? `'${t.name}' ` : ''}(type ${id}) contains itself`, root);
        }
        this.active.add(id);
        try {
          const fields: Field[] = t.members.map((m) => this.field(m.name, m.typeId, m.bitOffset, m.bitfieldSize, depth + 1, root));
          return { kind: t.btfKind === K.STRUCT ? 'struct' : 'union', name, size: t.size!, fields };
        } finally {
          this.active.delete(id);
        }
      }
      case K.DATASEC:
        return {
          kind: 'struct', name, size: t.size!,
          fields: t.vars.map((v) => ({ name: b.name(v.typeId), offset: v.offset, type: this.convert(v.typeId, depth + 1, { name: undefined, big: false }, root) })),
        };
      case 0:
        return { kind: 'bytes', name: name || 'void', size: 0 };
      default:
        // FWD, FUNC, FUNC_PROTO, DECL_TAG and unknown kinds have no value layout.
        return { kind: 'bytes', name: name || kindName(t.btfKind).toLowerCase(), size: 0 };
    }
  }

  private field(name: string, typeId: number, bitOffset: number, bitfieldSize: number, depth: number, root: number): Field {
    const type = this.convert(typeId, depth, { name: undefined, big: false }, root);
    const [bitOff, bitSize] = memberBits(this.btf, typeId, bitOffset, bitfieldSize);
    const offset = Math.floor(bitOff / 8);
    if (bitSize === 0 && bitOff % 8 === 0) return { name, offset, type };
    return { name, offset, bitOffset: bitOff % 8, bitSize: bitSize || type.size * 8, type };
  }

  /** C spelling of a type for display (`struct foo`, `char`, `void`, `__u32`, `int *`). */
  displayName(id: number, depth = 0, root = id): string {
    if (depth > MAX_DEPTH) this.deep(root, id);
    const b = this.btf;
    const k = b.kind(id);
    const n = b.name(id);
    switch (k) {
      case 0: return 'void';
      case K.STRUCT: return `struct ${n || '(anon)'}`;
      case K.UNION: return `union ${n || '(anon)'}`;
      case K.ENUM: case K.ENUM64: return `enum ${n || '(anon)'}`;
      case K.FWD: return `${b.type(id).fwdKind} ${n}`;
      case K.PTR: return `${this.displayName(b.raw.sizeType(id), depth + 1, root)} *`;
      case K.CONST: return `const ${this.displayName(b.raw.sizeType(id), depth + 1, root)}`;
      case K.VOLATILE: return `volatile ${this.displayName(b.raw.sizeType(id), depth + 1, root)}`;
      case K.RESTRICT: case K.TYPE_TAG: return this.displayName(b.raw.sizeType(id), depth + 1, root);
      case K.ARRAY: return `${this.displayName(b.raw.u32(id, 0), depth + 1, root)}[${b.raw.u32(id, 8)}]`;
      case K.FUNC_PROTO: return 'function';
      default: return n || kindName(k).toLowerCase();
    }
  }
}

const builders = new WeakMap<Btf, TypeNodeBuilder>();

/**
 * Schema conversion of a BTF type: what a value of that type looks like (see types.ts). One builder,
 * and so one cache of converted types, per Btf.
 */
export function typeNode(btf: Btf, id: number): TypeNode {
  btf.type(id);
  let b = builders.get(btf);
  if (!b) builders.set(btf, (b = new TypeNodeBuilder(btf)));
  return b.node(id);
}
