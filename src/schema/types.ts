/**
 * The map schema: what bpfmap knows about a map's key and value layout, independent of BTF encoding.
 * A readonly discriminated union on `kind`. Deterministic: built only from the object's bytes.
 *
 * Numbers: sizes and offsets are `number` (bytes). Enum values of 8-byte enums are `bigint`, others
 * `number`. Serialised to JSON with the exact-integer writer in src/text/json.ts.
 */
import type { ByteOrder } from '../bytes.js';

export type TypeNode =
  | IntNode
  | FloatNode
  | EnumNode
  | ArrayNode
  | StructNode
  | UnionNode
  | PointerNode
  | BytesNode;

interface NodeBase {
  /** C name; the outermost typedef name is kept (`__be16`, `__u32`); '' when anonymous. */
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
}

export interface IntNode extends NodeBase {
  readonly kind: 'int';
  readonly signed: boolean;
  /** BTF INT encoding flags other than SIGNED. */
  readonly encoding?: 'bool' | 'char';
  /** Present only for network-order typedefs (__be16, __be32, __be64). */
  readonly byteOrder?: 'big';
  /** Value width in bits when narrower than size * 8 (BTF INT nr_bits). */
  readonly bits?: number;
}

export interface FloatNode extends NodeBase {
  readonly kind: 'float';
}

export interface EnumValue {
  readonly name: string;
  readonly value: number | bigint;
}

export interface EnumNode extends NodeBase {
  readonly kind: 'enum';
  readonly signed: boolean;
  readonly values: readonly EnumValue[];
}

export interface ArrayNode extends NodeBase {
  readonly kind: 'array';
  readonly length: number;
  readonly element: TypeNode;
}

export interface Field {
  /** '' for an anonymous struct/union member (its fields are addressed as the parent's). */
  readonly name: string;
  /** Byte offset from the start of the enclosing struct/union (for a bitfield: of its first byte). */
  readonly offset: number;
  /** Bitfields only: bit position inside the byte at `offset` (0..7), counted in memory bit order:
   * from the least significant bit for little-endian objects, from the most significant for big-endian. */
  readonly bitOffset?: number;
  /** Bitfields only: width in bits. */
  readonly bitSize?: number;
  readonly type: TypeNode;
  /** Declared an interface index (ifindexFields): takes interface names like a field named `*ifindex`. */
  readonly ifindex?: boolean;
}

export interface StructNode extends NodeBase {
  readonly kind: 'struct';
  readonly fields: readonly Field[];
}

export interface UnionNode extends NodeBase {
  readonly kind: 'union';
  readonly fields: readonly Field[];
}

export interface PointerNode extends NodeBase {
  readonly kind: 'pointer';
  /** Name of the pointee type, for display ('void' for void *). */
  readonly target: string;
}

/** Opaque bytes: no BTF for it (legacy maps), or a type with no value layout (void, fwd, func). */
export interface BytesNode extends NodeBase {
  readonly kind: 'bytes';
}

export type MapPinning = 'none' | 'by_name';

export interface MapSchema {
  /** Name as in the object (`ingress_node_firewall_table_map`, `.bss`, `.data.config`). */
  readonly name: string;
  /** Name the kernel will show: truncated to 15 chars; libbpf's `<obj8>.bss` for global data. */
  readonly kernelName: string;
  /** Lower-case map type name without prefix: `hash`, `lpm_trie`, `percpu_array`, `array_of_maps`. */
  readonly type: string;
  /** Numeric BPF_MAP_TYPE_* value. */
  readonly typeId: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Flag names, e.g. ["no_prealloc"]; unknown bits as "0x...". */
  readonly flags: readonly string[];
  /** Raw map_flags. */
  readonly mapFlags: number;
  readonly pinning: MapPinning;
  /** `/sys/fs/bpf/<name>` when pinned by name, else null. */
  readonly pinPath: string | null;
  readonly perCpu: boolean;
  /** Layout of the key; `null` for maps without a key (queue, stack, bloom filter). */
  readonly key: TypeNode | null;
  /** Layout of the value; `null` for maps without a value. */
  readonly value: TypeNode | null;
  /** Map-in-map: the inner map's definition. */
  readonly inner?: MapSchema;
  /** ELF section the definition came from: `.maps`, `maps`, `.bss`, `.data.foo`, ... */
  readonly section: string;
  readonly numaNode?: number;
  readonly mapExtra?: bigint;
  /** BTF type ids of key and value in the object's BTF (0 when none); used by `create`. */
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
}

export interface ObjectSchema {
  /** Object file's base name (`firewall.bpf.o`); '' for in-memory input. */
  readonly object: string;
  readonly byteOrder: ByteOrder;
  readonly maps: readonly MapSchema[];
  /**
   * Map definitions that could not be turned into a schema, each with its reason; present only when
   * there is one. The other maps stay usable; only a command naming one of these fails.
   */
  readonly unusable?: readonly UnusableMap[];
}

/** A map the object defines but bpfmap cannot use, and why. */
export interface UnusableMap {
  readonly name: string;
  /** The section that defines it (`.maps`, `maps`, `.data`, ...). */
  readonly section: string;
  /** The error code a command naming this map fails with (MAP_DEF_INVALID, BTF_MALFORMED, ...). */
  readonly code: string;
  readonly reason: string;
}

/** The map types whose values the kernel hands out per CPU. */
export const PERCPU_MAP_TYPES: ReadonlySet<string> = new Set([
  'percpu_hash',
  'percpu_array',
  'lru_percpu_hash',
  'percpu_cgroup_storage',
]);
