/**
 * A readable stream (stdin as a pipe, socket or terminal) as a source of bytes for the asynchronous
 * state reader. The stream reads with epoll on the main thread. A read(2) on libuv's thread pool, as
 * files are read, would block a pool thread until the writer sends more or closes; process.exit()
 * joins the pool's threads, so a command stopped by a signal while stdin was held open never exited.
 */
import type { Readable } from 'node:stream';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import type { AsyncByteSource } from './ndjson.js';

export interface StreamSource extends AsyncByteSource {
  /** Stops reading and lets the stream go (it no longer keeps the process alive). */
  close(): void;
}

export function streamSource(stream: Readable, source: string): StreamSource {
  const chunks: Buffer[] = [];
  let ended = false;
  let failed: Error | null = null;
  let wake: (() => void) | null = null;
  const notify = (): void => { const w = wake; wake = null; w?.(); };
  const onData = (c: Buffer | string): void => {
    chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    stream.pause(); // one chunk ahead at most: the reader sets the pace
    notify();
  };
  const onEnd = (): void => { ended = true; notify(); };
  const onError = (e: Error): void => {
    const code = (e as NodeJS.ErrnoException).code;
    failed = new BpfmapError(ERROR_CODE.IO, `${source}: cannot read (${code ?? e.message})`);
    notify();
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.pause();
  const close = (): void => {
    if (ended) return;
    ended = true;
    // The error listener stays: an 'error' with no listener would end the process.
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.pause();
    notify();
  };
  return {
    size: 0,
    async read(buf, off, len) {
      while (chunks.length === 0 && !ended && !failed) {
        await new Promise<void>((r) => { wake = r; stream.resume(); });
      }
      if (failed) throw failed;
      let n = 0;
      while (n < len && chunks.length > 0) {
        const c = chunks[0]!;
        const take = Math.min(len - n, c.byteLength);
        buf.set(c.subarray(0, take), off + n);
        n += take;
        if (take === c.byteLength) chunks.shift();
        else chunks[0] = c.subarray(take);
      }
      return n;
    },
    cancel: close,
    close,
  };
}
