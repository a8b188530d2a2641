/** Failing inputs as regression fixtures: test/fuzz/regressions/<sha1 prefix>.bin plus a .txt note. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REGRESSIONS_DIR = new URL('./regressions/', import.meta.url).pathname;

export function sha1Prefix(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex').slice(0, 16);
}

/** Writes the input and its note unless that input is already recorded; returns the .bin path. */
export function saveRegression(bytes: Uint8Array, note: string, dir = REGRESSIONS_DIR): string {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, sha1Prefix(bytes));
  if (!existsSync(`${base}.bin`)) {
    writeFileSync(`${base}.bin`, bytes);
    // Stack traces name files relative to the repository: no path of the machine that ran the fuzzer.
    const root = fileURLToPath(new URL('../../', import.meta.url));
    writeFileSync(`${base}.txt`, `${note.split(root).join('').trim()}\n`);
  }
  return `${base}.bin`;
}

export interface Regression {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly note: string;
}

export function listRegressions(dir = REGRESSIONS_DIR): Regression[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.endsWith('.bin')).sort().map((n) => {
    const txt = join(dir, n.replace(/\.bin$/, '.txt'));
    return { name: n, bytes: new Uint8Array(readFileSync(join(dir, n))), note: existsSync(txt) ? readFileSync(txt, 'utf8') : '' };
  });
}
