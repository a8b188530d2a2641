/**
 * A progress line on stderr for operations that run longer than a second, only when stderr is a
 * terminal (never in logs or pipes). Rewritten in place with \r, at most ten times a second.
 */
export interface Progress {
  update(label: string, done: number, total?: number): void;
  end(): void;
}

export function progressLine(stream: NodeJS.WriteStream = process.stderr, delayMs = 1000): Progress {
  const start = Date.now();
  let last = 0;
  let shown = false;
  const tty = stream.isTTY === true;
  return {
    update(label, done, total) {
      if (!tty) return;
      const now = Date.now();
      if (now - start < delayMs || now - last < 100) return;
      last = now;
      shown = true;
      const pct = total ? ` (${Math.floor((done / total) * 100)}%)` : '';
      stream.write(`\r\x1b[K${label}: ${done}${total ? `/${total}` : ''}${pct}`);
    },
    end() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
