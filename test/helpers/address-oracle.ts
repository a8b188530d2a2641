/**
 * Runs test/oracle/addresses.c (compiled with gcc): the bytes C gives the structs of
 * fixtures/src/address-types.h filled with inet_pton / ether_aton, by case name, and their sizes.
 * `skip` says why there are none (no gcc).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export interface AddressOracle { skip: string; bytes: Map<string, string>; sizes: Map<string, number> }

export function addressOracle(): AddressOracle {
  const bytes = new Map<string, string>();
  const sizes = new Map<string, number>();
  try {
    execFileSync('gcc', ['--version'], { stdio: 'ignore' });
  } catch {
    return { skip: 'gcc is not installed', bytes, sizes };
  }
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-addr-oracle-'));
  let out: string;
  try {
    const exe = join(dir, 'addresses');
    execFileSync('gcc', ['-O1', '-Wall', '-Werror', '-I', join(ROOT, 'fixtures/src'), join(ROOT, 'test/oracle/addresses.c'), '-o', exe]);
    out = execFileSync(exe, { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const line of out.split('\n')) {
    const p = line.split(' ');
    if (p[0] === 'bytes') bytes.set(p[1]!, p[2]!);
    if (p[0] === 'size') sizes.set(p.slice(1, -1).join(' '), Number(p.at(-1)));
  }
  return { skip: '', bytes, sizes };
}
