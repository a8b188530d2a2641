/**
 * The one place errors become `bpfmap: <message>` on stderr and an exit code; under --json, one JSON
 * object `{"code","message","path"}` on one line of stderr instead (`path` where the error has one:
 * the value's field, the file), with the same exit code.
 */
import { isBpfmapError, stringifyJson } from '../src/index.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { UsageError } from './options.js';
import { writeStderr } from './sink.js';

/**
 * The library's messages name the option fields a caller passes (`pin`, `pinRoot`, `force`, in
 * backquotes); on the command line those are flags.
 */
const FLAG_OF: Record<string, string> = { pin: '--pin', pinRoot: '--pin-root', id: '--id', force: '--force', value: '--value', perfPages: '--perf-pages' };

/** A library message in the CLI's words: each backquoted option field becomes its flag. */
export function cliMessage(message: string): string {
  return message.replace(/`(\w+)`/g, (all, name: string) => FLAG_OF[name] ?? all);
}

/** The error as the JSON object printed under --json. */
export function errorJson(e: unknown): { code: string; message: string; path?: string; errno?: string } {
  const x = e as { code?: unknown; message?: unknown; path?: unknown; errnoName?: unknown };
  const code = isBpfmapError(e) ? e.code : (x as { name?: string })?.name === 'UsageError' ? 'USAGE' : 'INTERNAL';
  const out: { code: string; message: string; path?: string; errno?: string } = { code, message: cliMessage(String(x?.message ?? e)) };
  if (typeof x?.path === 'string' && x.path !== '') out.path = x.path;
  if (typeof x?.errnoName === 'string' && x.errnoName !== '') out.errno = x.errnoName;
  return out;
}

let noticeJson = false;
/** Notices are printed as JSON from here on (main sets it for a command line with --json). */
export function noticesAsJson(on: boolean): void {
  noticeJson = on;
}

/**
 * A notice on stderr, not an error (a signal taken in, a recovery, a count): `bpfmap: <text>`; under
 * --json one JSON object `{"notice": text, ...fields}` on one line, so that every line a --json run
 * writes is JSON.
 */
export function notice(text: string, fields: Record<string, unknown> = {}): void {
  writeStderr(noticeJson ? `${stringifyJson({ notice: text, ...fields })}\n` : `bpfmap: ${text}\n`);
}

export function reportError(e: unknown, verbose: boolean, json = false): number {
  if (json) {
    const o = errorJson(e);
    // --verbose: the stack is a member of the one object (every line a --json run writes is JSON).
    const stack = verbose ? (e as Error)?.stack : undefined;
    writeStderr(`${stringifyJson(typeof stack === 'string' ? { ...o, stack } : o)}\n`);
    return o.code === 'USAGE' ? EXIT.USAGE : o.code === 'INTERNAL' && !isBpfmapError(e) ? EXIT.INTERNAL : exitCodeFor(o.code);
  }
  if (isBpfmapError(e)) {
    writeStderr(`bpfmap: ${oneLine(cliMessage(e.message))}\n`);
    if (verbose && e.stack) writeStderr(`${e.stack}\n`);
    return exitCodeFor(e.code);
  }
  if (e instanceof UsageError || (e as { name?: string })?.name === 'UsageError') {
    writeStderr(`bpfmap: ${oneLine((e as Error).message)}\nrun 'bpfmap --help' for usage\n`);
    return EXIT.USAGE;
  }
  const err = e as Error;
  writeStderr(`bpfmap: internal error: ${oneLine(err?.message ?? String(e))} (this is a bug; rerun with --verbose for details)\n`);
  if (verbose && err?.stack) writeStderr(`${err.stack}\n`);
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
