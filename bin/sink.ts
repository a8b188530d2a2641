/** Buffers text and writes it synchronously to stdout in ~1 MiB blocks (fast for big outputs). */
import { writeSync } from 'node:fs';

export function stdoutSink(): { write: (s: string) => void; end: () => void } {
  let parts: string[] = [];
  let size = 0;
  const flush = () => {
    if (!parts.length) return;
    const buf = Buffer.from(parts.join(''));
    parts = [];
    size = 0;
    writeAllSync(buf);
  };
  return {
    write: (s) => {
      parts.push(s);
      size += s.length;
      if (size > 1 << 20) flush();
    },
    end: flush,
  };
}

/** Writes bytes to stdout synchronously, looping on partial writes; a closed pipe ends the process quietly. */
export function writeAllSync(buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EPIPE') process.exit(0);
      throw e;
    }
  }
}
