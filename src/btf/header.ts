/**
 * BTF header: the magic decides the byte order; hdr_len 24 (classic) or 32 (with layout_off/layout_len).
 * Stage 1 of validation: header geometry (every section inside the blob, no overlap).
 */
import { BtfError } from '../errors.js';
import type { ByteOrder } from '../bytes.js';
import { BTF_MAGIC } from './kinds.js';

export interface BtfHeader {
  readonly byteOrder: ByteOrder;
  readonly version: number;
  readonly flags: number;
  readonly hdrLen: number;
  readonly typeOff: number;
  readonly typeLen: number;
  readonly strOff: number;
  readonly strLen: number;
  /** 0/0 when the header has no layout section. */
  readonly layoutOff: number;
  readonly layoutLen: number;
}

export function btfByteOrder(bytes: Uint8Array): ByteOrder | null {
  if (bytes.byteLength < 2) return null;
  if (bytes[0] === 0x9f && bytes[1] === 0xeb) return 'little';
  if (bytes[0] === 0xeb && bytes[1] === 0x9f) return 'big';
  return null;
}

export function parseHeader(bytes: Uint8Array): BtfHeader {
  const byteOrder = btfByteOrder(bytes);
  if (!byteOrder) {
    const got = bytes.byteLength >= 2 ? `0x${bytes[0]!.toString(16).padStart(2, '0')}${bytes[1]!.toString(16).padStart(2, '0')}` : `${bytes.byteLength} bytes`;
    throw new BtfError(`BTF header: expected magic 0x${BTF_MAGIC.toString(16)}, got ${got}`);
  }
  if (bytes.byteLength < 24) throw new BtfError(`BTF header: expected at least 24 bytes, got ${bytes.byteLength}`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = byteOrder === 'little';
  const version = bytes[2]!;
  const flags = bytes[3]!;
  const hdrLen = v.getUint32(4, le);
  if (version !== 1) throw new BtfError(`BTF header: version: expected 1, got ${version}`);
  if (hdrLen < 24 || hdrLen % 4 !== 0 || hdrLen > bytes.byteLength) {
    throw new BtfError(`BTF header: hdr_len: expected 24 or more, a multiple of 4 and within the ${bytes.byteLength}-byte blob, got ${hdrLen}`);
  }
  const typeOff = v.getUint32(8, le);
  const typeLen = v.getUint32(12, le);
  const strOff = v.getUint32(16, le);
  const strLen = v.getUint32(20, le);
  let layoutOff = 0;
  let layoutLen = 0;
  if (hdrLen >= 32) {
    layoutOff = v.getUint32(24, le);
    layoutLen = v.getUint32(28, le);
  }
  if (hdrLen > 32) {
    // A longer header is fine only if the unknown tail is zero (as the kernel requires).
    for (let i = 32; i < hdrLen; i++) {
      if (bytes[i] !== 0) throw new BtfError(`BTF header: byte ${i} of a ${hdrLen}-byte header: expected 0 (unknown header field), got ${bytes[i]}`, undefined, 'BTF_UNSUPPORTED');
    }
  }
  const body = bytes.byteLength - hdrLen;
  const sections: [string, number, number][] = [['type', typeOff, typeLen], ['string', strOff, strLen]];
  if (layoutLen > 0) sections.push(['layout', layoutOff, layoutLen]);
  for (const [what, off, len] of sections) {
    if (off + len > body) throw new BtfError(`BTF header: ${what} section [${off}, ${off + len}) is outside the ${body} bytes after the header`);
  }
  if (typeOff % 4 !== 0) throw new BtfError(`BTF header: type_off: expected a multiple of 4, got ${typeOff}`);
  if (typeLen % 4 !== 0) throw new BtfError(`BTF header: type_len: expected a multiple of 4, got ${typeLen}`);
  if (layoutLen % 4 !== 0) throw new BtfError(`BTF header: layout_len: expected a multiple of 4, got ${layoutLen}`);
  sections.sort((a, b) => a[1] - b[1]);
  for (let i = 1; i < sections.length; i++) {
    const [pw, po, pl] = sections[i - 1]!;
    const [w, o] = sections[i]!;
    if (o < po + pl) throw new BtfError(`BTF header: ${w} section at ${o} overlaps the ${pw} section ending at ${po + pl}`);
  }
  return { byteOrder, version, flags, hdrLen, typeOff, typeLen, strOff, strLen, layoutOff, layoutLen };
}
