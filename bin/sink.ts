/** Writes text to stdout synchronously in ~64 KiB blocks (fast for big outputs, bounded memory). */
import { writeSync } from 'node:fs';
import { BpfmapError, ERROR_CODE } from '../src/index.js';

const BLOCK = 1 << 16;

const waitCell = new Int32Array(new SharedArrayBuffer(4));
/**
 * Waits before writing again to a full non-blocking pipe (EAGAIN), without spinning: 0.05 ms at the
 * first EAGAIN of a run of them, doubling up to 1 ms. A reader that keeps up loses little (a 1 ms wait
 * from the first EAGAIN made a dump into `gzip -1` about twice as slow); one that stalls costs no CPU.
 */
function pause(waits: number): void {
  Atomics.wait(waitCell, 0, 0, Math.min(1, 0.05 * 2 ** waits));
}

export function stdoutSink(): { write: (s: string) => void; end: () => void } {
  let buf = '';
  const flush = () => {
    if (buf.length === 0) return;
    writeText(buf);
    buf = '';
  };
  return {
    write: (s) => {
      buf += s;
      if (buf.length > BLOCK) flush();
    },
    end: flush,
  };
}

/**
 * Writes all of buf to fd synchronously, looping on partial writes and waiting out a full
 * non-blocking pipe (EAGAIN); any other error is handed to onError (which throws, ends the process,
 * or returns to drop the rest).
 */
function writeAll(fd: number, buf: Uint8Array, onError: (e: NodeJS.ErrnoException) => void): void {
  let off = 0;
  let waits = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
      waits = 0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return onError(e as NodeJS.ErrnoException);
      pause(waits++);
    }
  }
}

/**
 * Writes text to stderr synchronously: a message is out before the process ends, however it ends
 * (bin/fast-exit.ts ends it with process.exit(), which drops what a process.stderr stream still
 * queues to a pipe). A closed or failing stderr is ignored, as console does.
 */
export function writeStderr(s: string): void {
  writeAll(2, Buffer.from(s), () => undefined);
}

/** Writes text to stdout synchronously (see writeAllSync). */
export function writeText(s: string): void {
  writeAllSync(Buffer.from(s));
}

/** Writes bytes to stdout synchronously, looping on partial writes; a closed pipe ends the process quietly. */
export function writeAllSync(buf: Uint8Array): void {
  writeAll(1, buf, (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    // A full disk (or any failed write) is the output's fault, not a bug: a typed error, exit 3.
    // Node's message is libuv's "CODE: description, syscall"; the syscall name is dropped.
    const why = e instanceof Error ? e.message.replace(/, write$/, '') : String(e);
    throw new BpfmapError(ERROR_CODE.IO, `stdout: cannot write (${why}); the output is incomplete`);
  });
}
