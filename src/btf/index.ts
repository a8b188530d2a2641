export { Btf, loadBtf, isRawBtf } from './btf.js';
export { loadSplitBtf, defaultBtfBase, VMLINUX_BTF } from './split.js';
export { Type, type TypeKind, type Member, type EnumEntry, type Param, type VarSecinfo } from './types.js';
export { BTF_KIND, BTF_INT, KIND_NAMES, MAX_DEPTH, kindName } from './kinds.js';
export { memberBits } from './member-bits.js';
export { parseHeader, type BtfHeader } from './header.js';
