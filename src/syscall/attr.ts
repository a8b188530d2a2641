/**
 * The bpf_attr buffer: a zeroed, fixed-size record in the kernel's (native) byte order, at a stable
 * address (its own ArrayBuffer). Offsets are the UAPI's (`union bpf_attr` in linux/bpf.h); see each
 * command's file. Pointers are written as numbers (addresses fit in 53 bits).
 */
import { addressOf } from './binding.js';
import { BPF_ATTR_SIZE } from './constants.js';
import { os } from './native-endian.js';

const LE = os.little;
const TWO32 = 4294967296;

export class Attr {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  private address = 0;
  constructor(size: number = BPF_ATTR_SIZE) {
    this.size = size;
    this.bytes = new Uint8Array(new ArrayBuffer(size));
    this.view = new DataView(this.bytes.buffer);
  }
  get addr(): number {
    if (this.address === 0) this.address = addressOf(this.bytes);
    return this.address;
  }
  u32(off: number, v: number): this {
    this.view.setUint32(off, v >>> 0, LE);
    return this;
  }
  u64(off: number, v: bigint | number): this {
    if (typeof v === 'bigint') {
      this.view.setBigUint64(off, v, LE);
      return this;
    }
    const lo = v % TWO32;
    const hi = (v - lo) / TWO32;
    this.view.setUint32(off + (LE ? 0 : 4), lo, LE);
    this.view.setUint32(off + (LE ? 4 : 0), hi, LE);
    return this;
  }
  getU32(off: number): number {
    return this.view.getUint32(off, LE);
  }
}
