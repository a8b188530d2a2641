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

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, '; ');
}
