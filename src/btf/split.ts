/**
 * Split BTF (kernel module BTF such as /sys/kernel/btf/nf_tables): a blob whose type ids continue
 * after its base's last id and whose string offsets continue after the base's string section, as
 * `bpftool btf dump file X -B BASE` reads it. Merging the two sections (base then split) gives one
 * ordinary BTF blob in which every id and every name offset of both means what it meant: it is
 * validated like any other, and its `firstId` marks where the split types start.
 */
import { BtfError } from '../errors.js';
import { Writer } from '../bytes.js';
import { Btf } from './btf.js';
import { parseHeader, type BtfHeader } from './header.js';

/** /sys/kernel/btf/<module>: split BTF whose base is /sys/kernel/btf/vmlinux. */
export const KERNEL_BTF_DIR = '/sys/kernel/btf';
export const VMLINUX_BTF = `${KERNEL_BTF_DIR}/vmlinux`;

/** The base to use for a path when none is given: vmlinux for a module under /sys/kernel/btf. */
export function defaultBtfBase(path: string): string | null {
  const m = /^\/sys\/kernel\/btf\/([^/]+)$/.exec(path);
  return m && m[1] !== 'vmlinux' ? VMLINUX_BTF : null;
}

function sections(blob: Uint8Array, h: BtfHeader, what: string): { types: Uint8Array; strings: Uint8Array } {
  if (h.layoutLen > 0) throw new BtfError(`${what}: split BTF with a layout section is not supported`, undefined, 'BTF_UNSUPPORTED');
  return {
    types: blob.subarray(h.hdrLen + h.typeOff, h.hdrLen + h.typeOff + h.typeLen),
    strings: blob.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen),
  };
}

/** The split blob's types on top of `base`; listings of the result show only the split's own types. */
export function loadSplitBtf(split: Uint8Array, base: Btf): Btf {
  const h = parseHeader(split);
  if (h.byteOrder !== base.byteOrder) {
    throw new BtfError(`split BTF: byte order: expected ${base.byteOrder}-endian like its base, got ${h.byteOrder}-endian`);
  }
  const b = sections(base.kernelBytes(), base.header, 'base BTF');
  const s = sections(split, h, 'split BTF');
  const w = new Writer(h.byteOrder);
  const typeLen = b.types.byteLength + s.types.byteLength;
  w.u16(0xeb9f).u8(1).u8(0).u32(24).u32(0).u32(typeLen).u32(typeLen).u32(b.strings.byteLength + s.strings.byteLength);
  w.bytes(b.types).bytes(s.types).bytes(b.strings).bytes(s.strings);
  return new Btf(w.finish(), base.raw.count);
}
