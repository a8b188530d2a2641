/**
 * The two mappings of a ring buffer map fd, shared by the ring buffer reader and the user ring buffer
 * writer: at offset 0 one page holding consumer_pos, at offset page_size one page holding
 * producer_pos followed by the data mapped twice in a row (page + 2 × size bytes). The side that
 * writes a position maps its page read-write, the other read-only (see ringbuf.ts for the memory
 * ordering of the views).
 */
import { memoryView, mmap, munmap, PROT_READ, PROT_WRITE } from '../syscall/index.js';

export const BUSY_BIT = 0x80000000;
export const DISCARD_BIT = 0x40000000;
/** A record's header: u32 length with the two bits, u32 page offset. */
export const HDR = 8;

export class RingMapping {
  cons: BigUint64Array;
  prod: BigUint64Array;
  /** The producer mapping as u32 words (record headers) and as bytes (payloads). */
  hdr: Uint32Array;
  data: Uint8Array;
  readonly mask: number;
  private consAddr: number;
  private prodAddr = 0;
  private readonly prodLen: number;

  /** `size` is the map's max_entries (a power-of-two multiple of the page size). */
  constructor(mapFd: number, readonly size: number, readonly page: number, subject: string, writer: 'consumer' | 'producer') {
    this.mask = size - 1;
    this.prodLen = page + 2 * size;
    this.consAddr = mmap(page, writer === 'consumer' ? PROT_READ | PROT_WRITE : PROT_READ, mapFd, 0, `${subject}: consumer page`);
    try {
      this.prodAddr = mmap(this.prodLen, writer === 'producer' ? PROT_READ | PROT_WRITE : PROT_READ, mapFd, page,
        writer === 'producer' ? `${subject}: producer and data pages` : `${subject}: data pages`);
    } catch (e) {
      munmap(this.consAddr, page);
      throw e;
    }
    this.cons = new BigUint64Array(memoryView(this.consAddr, page), 0, 1);
    const buf = memoryView(this.prodAddr, this.prodLen);
    this.prod = new BigUint64Array(buf, 0, 1);
    this.hdr = new Uint32Array(buf);
    this.data = new Uint8Array(buf);
  }

  close(): void {
    if (this.consAddr === 0) return;
    // Drop the views before the memory goes away.
    this.cons = new BigUint64Array(1);
    this.prod = new BigUint64Array(1);
    this.hdr = new Uint32Array(0);
    this.data = new Uint8Array(0);
    munmap(this.prodAddr, this.prodLen);
    munmap(this.consAddr, this.page);
    this.consAddr = 0;
    this.prodAddr = 0;
  }
}
