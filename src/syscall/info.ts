/**
 * OBJ_GET_INFO_BY_FD. attr: bpf_fd u32 @0, info_len u32 @4, info u64 @8.
 * struct bpf_map_info: type @0, id @4, key_size @8, value_size @12, max_entries @16, map_flags @20,
 * name[16] @24, ifindex @40, btf_vmlinux_value_type_id @44, netns_dev u64 @48, netns_ino u64 @56,
 * btf_id @64, btf_key_type_id @68, btf_value_type_id @72, pad, map_extra u64 @80.
 * struct bpf_prog_info: type @0, id @4, tag[8] @8, ..., nr_map_ids @52, map_ids u64 @56, name[16] @64.
 * struct bpf_btf_info: btf u64 @0, btf_size u32 @8, id u32 @12, name u64 @16, name_len @24, kernel_btf @28.
 */
import { Attr } from './attr.js';
import { bpf, Scratch } from './binding.js';
import { BPF_BTF_INFO_SIZE, BPF_CMD, BPF_MAP_INFO_SIZE, BPF_PROG_INFO_SIZE } from './constants.js';
import { mapTypeName } from '../uapi/map-constants.js';
import { fail } from './fail.js';
import { os } from './native-endian.js';

const isLE = os.little;

export interface MapInfo {
  /** BPF_MAP_TYPE_* number. */
  readonly type: number;
  /** Lower-case type name (`lpm_trie`). */
  readonly typeName: string;
  readonly id: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly mapFlags: number;
  /** Kernel name (at most 15 characters). */
  readonly name: string;
  readonly ifindex: number;
  readonly btfVmlinuxValueTypeId: number;
  readonly btfId: number;
  readonly btfKeyTypeId: number;
  readonly btfValueTypeId: number;
  readonly mapExtra: bigint;
}

const infoBuf = new Scratch();

/** OBJ_GET_INFO_BY_FD into a zeroed `size`-byte info (`prepare` sets its inputs); a view of it, valid until the next call. */
export function getInfo(fd: number, size: number, subject: string, prepare?: (info: DataView) => void): DataView {
  const addr = infoBuf.ensure(size);
  infoBuf.bytes.fill(0, 0, size);
  const view = new DataView(infoBuf.bytes.buffer, 0, size);
  prepare?.(view);
  const attr = new Attr(16).u32(0, fd).u32(4, size).u64(8, addr);
  if (bpf(BPF_CMD.OBJ_GET_INFO_BY_FD, attr) < 0) fail('OBJ_GET_INFO_BY_FD', { subject });
  return view;
}

function cName(b: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = off; i < off + len && b[i] !== 0; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Information about the map behind `fd`. */
export function objGetInfoByFd(fd: number, subject?: string): MapInfo {
  const v = getInfo(fd, BPF_MAP_INFO_SIZE, subject ?? `map fd ${fd}`);
  const le = isLE;
  const type = v.getUint32(0, le);
  return {
    type,
    typeName: mapTypeName(type),
    id: v.getUint32(4, le),
    keySize: v.getUint32(8, le),
    valueSize: v.getUint32(12, le),
    maxEntries: v.getUint32(16, le),
    mapFlags: v.getUint32(20, le),
    name: cName(infoBuf.bytes, 24, 16),
    ifindex: v.getUint32(40, le),
    btfVmlinuxValueTypeId: v.getUint32(44, le),
    btfId: v.getUint32(64, le),
    btfKeyTypeId: v.getUint32(68, le),
    btfValueTypeId: v.getUint32(72, le),
    mapExtra: v.getBigUint64(80, le),
  };
}

/** Raw BTF bytes of the BTF object behind `fd` (two calls: size, then data). */
export function btfGetInfoByFd(fd: number, subject?: string): Uint8Array {
  const what = subject ?? `btf fd ${fd}`;
  const first = getInfo(fd, BPF_BTF_INFO_SIZE, what);
  const size = first.getUint32(8, isLE);
  const data = new Scratch();
  const addr = data.ensure(Math.max(size, 1));
  getInfo(fd, BPF_BTF_INFO_SIZE, what, (v) => {
    v.setBigUint64(0, BigInt(addr), isLE);
    v.setUint32(8, size, isLE);
  });
  return data.bytes.slice(0, size);
}

export interface ProgInfo {
  /** BPF_PROG_TYPE_* number. */
  readonly type: number;
  readonly id: number;
  /** Kernel name (at most 15 characters). */
  readonly name: string;
}

/** Information about the program behind `fd`. */
export function progGetInfoByFd(fd: number, subject?: string): ProgInfo {
  const v = getInfo(fd, BPF_PROG_INFO_SIZE, subject ?? `program fd ${fd}`);
  return { type: v.getUint32(0, isLE), id: v.getUint32(4, isLE), name: cName(infoBuf.bytes, 64, 16) };
}

/** Ids of the maps the program behind `fd` uses (two calls: how many, then the ids). */
export function progMapIds(fd: number, subject?: string): number[] {
  const what = subject ?? `program fd ${fd}`;
  const n = getInfo(fd, BPF_PROG_INFO_SIZE, what).getUint32(52, isLE);
  if (n === 0) return [];
  const ids = new Scratch();
  const addr = ids.ensure(n * 4);
  getInfo(fd, BPF_PROG_INFO_SIZE, what, (v) => {
    v.setUint32(52, n, isLE);
    v.setBigUint64(56, BigInt(addr), isLE);
  });
  const view = new DataView(ids.bytes.buffer, 0, n * 4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(view.getUint32(i * 4, isLE));
  return out;
}
