/** What the ring readers (ringbuf.ts, perf.ts) hand their records to. */

export interface RawSink {
  /** One record: `length` bytes at bytes[offset]; valid only during the call (the ring reuses them). */
  record(bytes: Uint8Array, offset: number, length: number, cpu: number): void;
  /** The kernel dropped `count` records on `cpu` (perf: PERF_RECORD_LOST). */
  lost(count: number, cpu: number): void;
}

export interface RingReader {
  /** The fds to watch with epoll. */
  readonly fds: readonly number[];
  /** Consumes up to `max` records; returns how many were handed to the sink (lost reports not counted). */
  drain(sink: RawSink, max: number): number;
  /** Unmaps the rings and closes what the reader opened. */
  close(): void;
}
