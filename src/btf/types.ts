/**
 * The inflated type graph: one object per type id with real references instead of ids. Nodes are made
 * lazily by `Btf.type(id)` and cached before any child is touched; children are resolved on access
 * (getters), so self-referencing structs and huge BTF (vmlinux) cost nothing until walked.
 */
import { BTF_INT, BTF_KIND as K, BTF_LINKAGE } from './kinds.js';
import type { RawTypes } from './raw-types.js';
import type { StringTable } from './strings.js';

export interface TypeResolver {
  type(id: number): Type;
}

export type TypeKind =
  | 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef' | 'volatile' | 'const'
  | 'restrict' | 'func' | 'func_proto' | 'var' | 'datasec' | 'float' | 'decl_tag' | 'type_tag' | 'enum64' | 'unknown';

const KIND_BY_NUMBER: readonly TypeKind[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef', 'volatile', 'const', 'restrict',
  'func', 'func_proto', 'var', 'datasec', 'float', 'decl_tag', 'type_tag', 'enum64',
];

export interface Member {
  readonly name: string;
  readonly typeId: number;
  readonly type: Type;
  /** Bit offset from the start of the struct (kind_flag decoded). */
  readonly bitOffset: number;
  /** Bitfield size from a kind_flag member offset, 0 otherwise. */
  readonly bitfieldSize: number;
}

export interface EnumEntry { readonly name: string; readonly value: number | bigint }
export interface Param { readonly name: string; readonly typeId: number; readonly type: Type }
export interface VarSecinfo { readonly typeId: number; readonly type: Type; readonly offset: number; readonly size: number }

const LINKAGE = ['static', 'global', 'extern'] as const;
export function linkageName(v: number): string {
  return LINKAGE[v] ?? `linkage ${v}`;
}

export class Type {
  readonly id: number;
  readonly kind: TypeKind;
  /** Numeric BTF kind. */
  readonly btfKind: number;
  readonly name: string;
  private readonly raw: RawTypes;
  private readonly strings: StringTable;
  private readonly graph: TypeResolver;

  constructor(graph: TypeResolver, raw: RawTypes, strings: StringTable, id: number) {
    this.graph = graph;
    this.raw = raw;
    this.strings = strings;
    this.id = id;
    this.btfKind = id === 0 ? 0 : raw.kinds[id]!;
    this.kind = KIND_BY_NUMBER[this.btfKind] ?? 'unknown';
    this.name = id === 0 ? '' : strings.get(raw.nameOff(id));
  }

  get kindFlag(): boolean { return this.id !== 0 && this.raw.kindFlag(this.id); }
  get vlen(): number { return this.id === 0 ? 0 : this.raw.vlen(this.id); }

  /** Size in bytes for INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT; undefined otherwise. */
  get size(): number | undefined {
    switch (this.btfKind) {
      case K.INT: case K.STRUCT: case K.UNION: case K.ENUM: case K.ENUM64: case K.DATASEC: case K.FLOAT:
        return this.raw.sizeType(this.id);
      default: return undefined;
    }
  }

  /** Referenced type id for PTR, TYPEDEF, qualifiers, TYPE_TAG, FUNC, VAR, DECL_TAG, ARRAY element; FUNC_PROTO return. */
  get targetId(): number {
    if (this.btfKind === K.ARRAY) return this.raw.u32(this.id, 0);
    return this.id === 0 ? 0 : this.raw.sizeType(this.id);
  }
  get target(): Type { return this.graph.type(this.targetId); }

  // INT
  get intEncoding(): number { return (this.raw.u32(this.id, 0) >>> 24) & 0x0f; }
  get intOffset(): number { return (this.raw.u32(this.id, 0) >>> 16) & 0xff; }
  get intBits(): number { return this.raw.u32(this.id, 0) & 0xff; }
  get signed(): boolean {
    if (this.btfKind === K.INT) return (this.intEncoding & BTF_INT.SIGNED) !== 0;
    return this.kindFlag;
  }

  // ARRAY
  get indexTypeId(): number { return this.raw.u32(this.id, 4); }
  get nelems(): number { return this.raw.u32(this.id, 8); }

  // STRUCT / UNION
  get members(): Member[] {
    const out: Member[] = [];
    const kflag = this.kindFlag;
    const graph = this.graph;
    for (let i = 0; i < this.vlen; i++) {
      const typeId = this.raw.u32(this.id, i * 12 + 4);
      const off = this.raw.u32(this.id, i * 12 + 8);
      out.push({
        name: this.strings.get(this.raw.u32(this.id, i * 12)),
        typeId,
        get type() { return graph.type(typeId); },
        bitOffset: kflag ? off & 0xffffff : off,
        bitfieldSize: kflag ? off >>> 24 : 0,
      });
    }
    return out;
  }

  // ENUM / ENUM64
  get values(): EnumEntry[] {
    const out: EnumEntry[] = [];
    const signed = this.kindFlag;
    if (this.btfKind === K.ENUM) {
      for (let i = 0; i < this.vlen; i++) {
        out.push({ name: this.strings.get(this.raw.u32(this.id, i * 8)), value: signed ? this.raw.i32(this.id, i * 8 + 4) : this.raw.u32(this.id, i * 8 + 4) });
      }
    } else if (this.btfKind === K.ENUM64) {
      for (let i = 0; i < this.vlen; i++) {
        const lo = BigInt(this.raw.u32(this.id, i * 12 + 4));
        const hi = BigInt(this.raw.u32(this.id, i * 12 + 8));
        const u = (hi << 32n) | lo;
        out.push({ name: this.strings.get(this.raw.u32(this.id, i * 12)), value: signed ? BigInt.asIntN(64, u) : u });
      }
    }
    return out;
  }

  // FWD
  get fwdKind(): 'struct' | 'union' { return this.kindFlag ? 'union' : 'struct'; }

  // FUNC (linkage in vlen), VAR (linkage word)
  get linkage(): string {
    if (this.btfKind === K.FUNC) return linkageName(this.vlen);
    if (this.btfKind === K.VAR) return linkageName(this.raw.u32(this.id, 0));
    return linkageName(BTF_LINKAGE.STATIC);
  }

  // FUNC_PROTO
  get params(): Param[] {
    const out: Param[] = [];
    const graph = this.graph;
    for (let i = 0; i < this.vlen; i++) {
      const typeId = this.raw.u32(this.id, i * 8 + 4);
      out.push({ name: this.strings.get(this.raw.u32(this.id, i * 8)), typeId, get type() { return graph.type(typeId); } });
    }
    return out;
  }

  // DATASEC
  get vars(): VarSecinfo[] {
    const out: VarSecinfo[] = [];
    const graph = this.graph;
    for (let i = 0; i < this.vlen; i++) {
      const typeId = this.raw.u32(this.id, i * 12);
      out.push({ typeId, get type() { return graph.type(typeId); }, offset: this.raw.u32(this.id, i * 12 + 4), size: this.raw.u32(this.id, i * 12 + 8) });
    }
    return out;
  }

  // DECL_TAG
  get componentIdx(): number { return this.raw.i32(this.id, 0); }
}
