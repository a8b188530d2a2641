/**
 * Consumer of a BPF_MAP_TYPE_PERF_EVENT_ARRAY: per CPU, a software perf event
 * (PERF_COUNT_SW_BPF_OUTPUT, sample_type PERF_SAMPLE_RAW, wakeup_events 1) whose fd is stored in the
 * map at index cpu, with its ring mmap'ed (1 metadata page + 2^n data pages, read-write: we write
 * data_tail). Records: perf_event_header {u32 type, u16 misc, u16 size}; PERF_RECORD_SAMPLE carries
 * u32 size and the raw bytes (the kernel pads them with zeros so that 4 + size is a multiple of 8, so
 * a sample can be up to 7 bytes longer than what the program sent); PERF_RECORD_LOST carries u64 id,
 * u64 lost: the kernel dropped that many samples because the ring was full, and that is reported.
 *
 * Ordering (see ringbuf.ts for why Atomics work on mapped memory): data_head is read with
 * Atomics.load (acquire, pairs with the kernel's smp_store_release), then the records, then data_tail
 * is written with Atomics.store (release) once they have been decoded.
 *
 * The map entries live as long as the map fd they were stored through: closing it (or this reader)
 * removes them, so the program's bpf_perf_event_output gets ENOENT again.
 */
import {
  closeFd, ioctl, mapUpdateElem, memoryView, mmap, munmap, perfEventOpenBpfOutput,
  PERF_EVENT_IOC_ENABLE, PERF_MMAP, PERF_RECORD, PROT_READ, PROT_WRITE,
} from '../syscall/index.js';
import { os } from '../syscall/native-endian.js';
import type { RawSink, RingReader } from './ring.js';

interface CpuRing {
  cpu: number;
  fd: number;
  addr: number;
  meta: BigUint64Array;
  data: Uint8Array;
  view: DataView;
}

export class PerfReader implements RingReader {
  readonly fds: number[] = [];
  private readonly rings: CpuRing[] = [];
  private readonly dataSize: number;
  private readonly mapLen: number;
  /** A record that wraps around the ring's end is copied here to be contiguous. */
  private wrap = new Uint8Array(256);

  /** `pages` data pages per CPU (a power of two). */
  constructor(mapFd: number, cpus: readonly number[], private readonly page: number, pages: number, subject: string) {
    this.dataSize = pages * page;
    this.mapLen = page + this.dataSize;
    try {
      for (const cpu of cpus) {
        const fd = perfEventOpenBpfOutput(cpu);
        this.fds.push(fd);
        const addr = mmap(this.mapLen, PROT_READ | PROT_WRITE, fd, 0, `${subject}: perf ring of cpu ${cpu}`);
        const buf = memoryView(addr, this.mapLen);
        const ring: CpuRing = { cpu, fd, addr, meta: new BigUint64Array(buf, 0, page / 8), data: new Uint8Array(buf, page, this.dataSize), view: new DataView(buf, page, this.dataSize) };
        this.rings.push(ring);
        ioctl(fd, PERF_EVENT_IOC_ENABLE, 0, `${subject}: perf event of cpu ${cpu}`);
        const key = new Uint8Array(4), value = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, cpu, os.little);
        new DataView(value.buffer).setUint32(0, fd, os.little);
        mapUpdateElem(mapFd, key, value, 0, subject);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  drain(sink: RawSink, max: number): number {
    let n = 0;
    for (const r of this.rings) {
      if (n >= max) break;
      n += this.drainOne(r, sink, max - n);
    }
    return n;
  }

  private drainOne(r: CpuRing, sink: RawSink, max: number): number {
    const head = Number(Atomics.load(r.meta, PERF_MMAP.DATA_HEAD / 8));
    let tail = Number(r.meta[PERF_MMAP.DATA_TAIL / 8]!);
    const le = os.little;
    let n = 0;
    while (tail < head && n < max) {
      const off = tail % this.dataSize;
      // Headers are 8-byte aligned and the ring a multiple of 8: a header never wraps.
      const type = r.view.getUint32(off, le);
      const size = r.view.getUint16(off + 6, le);
      if (size < 8) break; // cannot happen with a sane kernel; stop rather than spin
      let bytes = r.data, at = off;
      if (off + size > this.dataSize) {
        if (this.wrap.length < size) this.wrap = new Uint8Array(size * 2);
        const first = this.dataSize - off;
        this.wrap.set(r.data.subarray(off), 0);
        this.wrap.set(r.data.subarray(0, size - first), first);
        bytes = this.wrap;
        at = 0;
      }
      const dv = bytes === r.data ? r.view : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (type === PERF_RECORD.SAMPLE) {
        const raw = dv.getUint32(at + 8, le);
        sink.record(bytes, at + 12, Math.min(raw, size - 12), r.cpu);
        n++;
      } else if (type === PERF_RECORD.LOST) {
        sink.lost(Number(dv.getBigUint64(at + 16, le)), r.cpu);
      }
      tail += size;
      Atomics.store(r.meta, PERF_MMAP.DATA_TAIL / 8, BigInt(tail));
    }
    return n;
  }

  close(): void {
    for (const r of this.rings) {
      r.meta = new BigUint64Array(0);
      r.data = new Uint8Array(0);
      r.view = new DataView(new ArrayBuffer(0));
      munmap(r.addr, this.mapLen);
    }
    this.rings.length = 0;
    for (const fd of this.fds) closeFd(fd);
    this.fds.length = 0;
  }
}
