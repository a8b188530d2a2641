/** BTF kind numbers and encodings, with the kernel's C names. */

export const BTF_KIND = {
  UNKN: 0, INT: 1, PTR: 2, ARRAY: 3, STRUCT: 4, UNION: 5, ENUM: 6, FWD: 7, TYPEDEF: 8, VOLATILE: 9,
  CONST: 10, RESTRICT: 11, FUNC: 12, FUNC_PROTO: 13, VAR: 14, DATASEC: 15, FLOAT: 16, DECL_TAG: 17,
  TYPE_TAG: 18, ENUM64: 19,
} as const;

export const BTF_KIND_MAX_KNOWN = 19;

/** Upper-case kind names as bpftool prints them, indexed by kind. */
export const KIND_NAMES: readonly string[] = [
  'UNKNOWN', 'INT', 'PTR', 'ARRAY', 'STRUCT', 'UNION', 'ENUM', 'FWD', 'TYPEDEF', 'VOLATILE', 'CONST',
  'RESTRICT', 'FUNC', 'FUNC_PROTO', 'VAR', 'DATASEC', 'FLOAT', 'DECL_TAG', 'TYPE_TAG', 'ENUM64',
];

export function kindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** INT encoding bits (bits 24-27 of the INT extra word). */
export const BTF_INT = { SIGNED: 1, CHAR: 2, BOOL: 4 } as const;

/** Linkage values of FUNC (in vlen) and VAR (extra word). */
export const BTF_LINKAGE = { STATIC: 0, GLOBAL: 1, EXTERN: 2 } as const;

export const BTF_MAGIC = 0xeb9f;

/** Maximum nesting any walk follows before it reports an error. */
export const MAX_DEPTH = 32;
