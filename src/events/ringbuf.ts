/**
 * Consumer of a BPF_MAP_TYPE_RINGBUF. The map fd is mmap'ed twice: at offset 0 one page read-write
 * (consumer_pos, a u64 at its start), at offset page_size one page + 2 × size read-only (producer_pos,
 * then the data mapped twice in a row, so a record never wraps). Each record: u32 len with
 * BUSY_BIT (1 << 31: reserved, not committed yet: stop) and DISCARD_BIT (1 << 30: skip), u32 page
 * offset, then the payload; the next record starts at round_up(len + 8, 8).
 *
 * Memory ordering. The mapped memory is seen through koffi.view as an ArrayBuffer (not shared), and
 * V8 performs Atomics on any integer typed array with sequentially consistent instructions:
 * - producer_pos is read with Atomics.load (acquire: the headers below it are read after it),
 * - each record header with Atomics.load (acquire: pairs with the kernel's smp_store_release of the
 *   committed length, so the payload read after it is complete),
 * - consumer_pos is written with Atomics.store (release: the payload has been decoded and copied out
 *   before the kernel may reuse the space), after the records it frees have been handed on.
 * On x86-64 these are plain moves (TSO); on arm64 they are ldar / stlr.
 */
import { BUSY_BIT, DISCARD_BIT, HDR, RingMapping } from './ring-mapping.js';
import type { RawSink, RingReader } from './ring.js';

/** Records consumed between two consumer_pos updates (at most 1/32 of a 64 KiB ring of 32-byte records is held). */
const RELEASE_EVERY = 32;

export class RingbufReader extends RingMapping implements RingReader {
  readonly fds: readonly number[];

  /** `size` is the map's max_entries (a power-of-two multiple of the page size). */
  constructor(mapFd: number, size: number, page: number, subject: string) {
    super(mapFd, size, page, subject, 'consumer');
    this.fds = [mapFd];
  }

  drain(sink: RawSink, max: number): number {
    let cons = Number(this.cons[0]!); // only we write it
    const prod = Number(Atomics.load(this.prod, 0));
    let n = 0, since = 0;
    while (cons < prod && n < max) {
      const at = this.page + (cons & this.mask);
      const len = Atomics.load(this.hdr, at >>> 2);
      if (len & BUSY_BIT) break;
      const size = len & ~(BUSY_BIT | DISCARD_BIT) >>> 0;
      if ((len & DISCARD_BIT) === 0) {
        sink.record(this.data, at + HDR, size, -1);
        n++;
      }
      cons += (size + HDR + 7) & ~7;
      // The space is handed back every RELEASE_EVERY records and at the end, not after each one: a
      // bigint per record was a fifth of the consumer's time (bench/events.ts).
      if (++since === RELEASE_EVERY) {
        Atomics.store(this.cons, 0, BigInt(cons));
        since = 0;
      }
    }
    if (since !== 0) Atomics.store(this.cons, 0, BigInt(cons));
    return n;
  }
}
