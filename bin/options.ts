/** Shared flags (withX helpers) and the argument shapes the commands use. */
import type { Argv } from 'yargs';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface GlobalArgs {
  json?: boolean;
  verbose?: boolean;
}

export interface TargetArgs extends GlobalArgs {
  object?: string;
  map?: string;
  pin?: string;
  'pin-root'?: string;
  id?: number;
  force?: boolean;
}

/** OBJ and MAP positionals are optional for kernel commands: `--pin PATH` alone works on the map's own BTF. */
export function withTarget<T>(y: Argv<T>): Argv<T & TargetArgs> {
  return y
    .positional('object', { type: 'string', describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file' })
    .positional('map', { type: 'string', describe: 'map name as in the object (e.g. .bss for global data)' })
    .option('pin', { type: 'string', describe: 'open the map pinned at this bpffs path' })
    .option('pin-root', { type: 'string', describe: 'maps are pinned at DIR/<map name> (as `bpfmap create --pin-root DIR` makes them)' })
    .option('id', { type: 'number', describe: 'open the loaded map with this id' })
    .option('force', { type: 'boolean', describe: 'operate even when the live map does not match the object' }) as unknown as Argv<T & TargetArgs>;
}

export interface ValueArgs {
  key?: string;
  value?: string;
  file?: string;
}

export function withDecodeOptions<T>(y: Argv<T>): Argv<T & { 'pretty-addresses'?: boolean; full?: boolean }> {
  return y
    .option('pretty-addresses', { type: 'boolean', describe: 'print address-like fields as 10.0.0.1 / fe80::1 / aa:bb:.. instead of numbers' })
    .option('full', { type: 'boolean', describe: 'print every array element, also the all-zero ones (default: struct arrays show only non-zero slots, by index)' }) as unknown as Argv<T & { 'pretty-addresses'?: boolean; full?: boolean }>;
}

export function decodeOptions(a: { 'pretty-addresses'?: boolean; full?: boolean }): { prettyAddresses: boolean; compact: boolean } {
  return { prettyAddresses: a['pretty-addresses'] === true, compact: a.full !== true };
}

export interface LockArgs {
  'lock-timeout'?: number;
}

/** --lock-timeout for commands that write: how long to wait for another writer of the same map. */
export function withLock<T>(y: Argv<T>): Argv<T & LockArgs> {
  return y.option('lock-timeout', { type: 'number', describe: 'seconds to wait while another bpfmap writes the same map (default 5); then exit 6 naming its pid' }) as unknown as Argv<T & LockArgs>;
}

/** The library's lock options from --lock-timeout (and BPFMAP_LOCK_DIR: where the lock files live). */
export function lockOptions(a: LockArgs): { lockTimeoutMs?: number; lockDir?: string } {
  const out: { lockTimeoutMs?: number; lockDir?: string } = {};
  const dir = process.env.BPFMAP_LOCK_DIR;
  if (dir) out.lockDir = dir;
  const s = a['lock-timeout'];
  if (s === undefined) return out;
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`--lock-timeout: expected seconds >= 0, got ${String(s)}`);
  out.lockTimeoutMs = s * 1000;
  return out;
}
