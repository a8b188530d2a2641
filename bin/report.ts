/** The one place errors become `bpfmap: <message>` on stderr and an exit code. */
import { isBpfmapError, exitCodeFor, EXIT } from '../src/index.js';
import { UsageError } from './options.js';

export function reportError(e: unknown, verbose: boolean): number {
  if (isBpfmapError(e)) {
    process.stderr.write(`bpfmap: ${oneLine(e.message)}\n`);
    if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
    return exitCodeFor(e.code);
  }
  if (e instanceof UsageError || (e as { name?: string })?.name === 'UsageError') {
    process.stderr.write(`bpfmap: ${oneLine((e as Error).message)}\nrun 'bpfmap --help' for usage\n`);
    return EXIT.USAGE;
  }
  const err = e as Error;
  process.stderr.write(`bpfmap: internal error: ${oneLine(err?.message ?? String(e))} (this is a bug; rerun with --verbose for details)\n`);
  if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.INTERNAL;
}

/**
 * One line, with every control character that came in with the input (ESC, CR, NUL, DEL, C1, bidi
 * overrides, line separators) escaped: a message can never move the cursor, recolour or rewrite the
 * terminal, or forge a second line.
 */
export function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ').replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
