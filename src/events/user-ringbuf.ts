/**
 * Producer side of a BPF_MAP_TYPE_USER_RINGBUF (the program drains it with bpf_user_ringbuf_drain).
 * Mapped like a ring buffer with the roles swapped: the consumer page (offset 0) read-only, the
 * producer page and the data (mapped twice) read-write. A record is reserved by writing its header
 * with the busy bit and advancing producer_pos (Atomics.store: release, as libbpf's
 * smp_store_release), filled, then committed by clearing the busy bit with Atomics.exchange
 * (acq_rel, as libbpf's __atomic_exchange_n). consumer_pos is read with Atomics.load (acquire).
 * See ringbuf.ts for why Atomics work on the mapped memory.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';
import { compileCodec } from '../codec/index.js';
import type { LiveMap } from '../map/index.js';
import { pageSize } from '../map/loader-def.js';
import { BUSY_BIT, HDR, RingMapping } from './ring-mapping.js';

export class UserRingbufWriter extends RingMapping {
  constructor(mapFd: number, size: number, page: number, private readonly subject: string) {
    super(mapFd, size, page, subject, 'producer');
  }

  /** Bytes a record of `len` takes in the ring. */
  static footprint(len: number): number {
    return (len + HDR + 7) & ~7;
  }

  /** Free bytes in the ring now. */
  free(): number {
    return this.size - (Number(this.prod[0]!) - Number(Atomics.load(this.cons, 0)));
  }

  /** Writes one record; false when the ring has no room for it. */
  push(record: Uint8Array): boolean {
    const total = UserRingbufWriter.footprint(record.length);
    if (total > this.size) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${this.subject}: a record of ${record.length} bytes does not fit a ring of ${this.size}`);
    }
    const cons = Number(Atomics.load(this.cons, 0));
    const prod = Number(this.prod[0]!); // only we write it
    if (this.size - (prod - cons) < total) return false;
    const at = this.page + (prod & this.mask);
    Atomics.store(this.hdr, at >>> 2, (record.length | BUSY_BIT) >>> 0);
    Atomics.store(this.hdr, (at >>> 2) + 1, 0);
    Atomics.store(this.prod, 0, BigInt(prod + total));
    this.data.set(record, at + HDR);
    Atomics.exchange(this.hdr, at >>> 2, record.length);
    return true;
  }
}

export interface PushEventsOptions {
  /** Type of each record; default: the map's own value type (a user ring buffer cannot declare one). */
  type?: TypeNode | null;
  /** Byte order of the type (the object's). Default: the map's. */
  byteOrder?: ByteOrder;
}

/**
 * Encodes `values` with the type and writes them to a user ring buffer, all or nothing: when they do
 * not all fit in the free space, nothing is written (MAP_FULL). Returns how many were written.
 */
export function pushEvents(live: LiveMap, values: readonly unknown[], opts: PushEventsOptions = {}): number {
  if (live.info.typeName !== 'user_ringbuf') {
    throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${live.subject}: pushEvents writes to user_ringbuf maps, got ${live.info.typeName}`);
  }
  const node = opts.type ?? live.schema.value ?? null;
  if (node === null) throw new BpfmapError(ERROR_CODE.USAGE, `${live.subject}: a user ring buffer declares no value type: give type`);
  const codec = compileCodec(node, { byteOrder: opts.byteOrder ?? live.byteOrder, size: node.size, root: 'value' });
  const records = values.map((v, i) => codec.encode(v, values.length === 1 ? 'value' : `value[${i}]`));
  const w = new UserRingbufWriter(live.fd, live.info.maxEntries, pageSize(), live.subject);
  try {
    const need = records.reduce((s, r) => s + UserRingbufWriter.footprint(r.length), 0);
    const free = w.free();
    if (need > free) {
      throw new BpfmapError(ERROR_CODE.MAP_FULL, `${live.subject}: ${records.length} record(s) need ${need} bytes, the ring has ${free} free; nothing was written (the program drains it with bpf_user_ringbuf_drain)`);
    }
    for (const r of records) w.push(r);
    return records.length;
  } finally {
    w.close();
  }
}
