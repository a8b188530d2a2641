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
  /** A string on the command line (checked by target.ts, so `--id abc` is named in the error). */
  id?: number | string;
  name?: string;
  force?: boolean;
  types?: string;
  'key-type'?: string;
  'value-type'?: string;
  /** --ifindex-field PATH (repeatable): fields that take interface names besides those named *ifindex. */
  'ifindex-field'?: string[];
}

/** OBJ and MAP positionals are optional for kernel commands: `--pin PATH` alone works on the map's own BTF. */
export function withTarget<T>(y: Argv<T>): Argv<T & TargetArgs> {
  return y
    .positional('object', { type: 'string', describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file; or bpftool\'s handle word: pinned, id, name (then MAP is the path, id or name)' })
    .positional('map', { type: 'string', describe: 'map name as in the object (e.g. .bss for global data)' })
    .option('pin', { type: 'string', describe: 'open the map pinned at this bpffs path (also: bpfmap CMD pinned PATH)' })
    .option('pin-root', { type: 'string', describe: 'maps are pinned at DIR/<map name> (as `bpfmap create --pin-root DIR` makes them)' })
    .option('id', { type: 'string', describe: 'open the loaded map with this id (also: bpfmap CMD id N)' })
    .option('name', { type: 'string', describe: 'open the one loaded map with this kernel name, 15 characters kept (also: bpfmap CMD name NAME); several are refused, listing them' })
    .option('force', { type: 'boolean', describe: 'operate even when the live map does not match the object' })
    .option('types', { type: 'string', describe: 'a live map without an object: the object or saved schema that has the types of --key-type / --value-type' })
    .option('key-type', { type: 'string', describe: 'a live map without an object: type its keys with this type of --types FILE (for maps without BTF)' })
    .option('value-type', { type: 'string', describe: 'a live map without an object: type its values with this type of --types FILE' }) as unknown as Argv<T & TargetArgs>;
}

/** --ifindex-field PATH, repeatable: declare key/value fields interface indexes (they take interface names). */
export function withIfindexFields<T>(y: Argv<T>): Argv<T & { 'ifindex-field'?: string[] }> {
  return y.option('ifindex-field', {
    type: 'string', array: true, requiresArg: true,
    describe: 'this integer field holds an interface index and also takes an interface name, as fields named *ifindex do (key.dev, value.rules.out_dev; repeatable)',
  }) as unknown as Argv<T & { 'ifindex-field'?: string[] }>;
}

export interface ValueArgs {
  key?: string;
  value?: string;
  file?: string;
}

export interface DecodeArgs {
  numeric?: boolean;
  /** Kept so that older command lines still run: readable addresses are the default now. */
  'pretty-addresses'?: boolean;
  full?: boolean;
}

export function withDecodeOptions<T>(y: Argv<T>): Argv<T & DecodeArgs> {
  return y
    .option('numeric', { type: 'boolean', describe: 'print plain numbers for scripts: addresses as bytes/integers, LPM keys without CIDR, per-CPU values as a list (default: 10.0.0.0/24, fe80::1, aa:bb:.., {cpu0: .., cpu1: ..})' })
    .option('pretty-addresses', { type: 'boolean', hidden: true, describe: 'the default now; see --numeric' })
    .option('full', { type: 'boolean', describe: 'print every array element, also the all-zero ones (default: struct arrays show only non-zero slots, by index)' }) as unknown as Argv<T & DecodeArgs>;
}

/** Readable by default (addresses as text, per-CPU values labelled by CPU); --numeric for plain numbers. */
export function decodeOptions(a: DecodeArgs): { prettyAddresses: boolean; labelCpus: boolean; compact: boolean } {
  const readable = a.numeric !== true;
  return { prettyAddresses: readable, labelCpus: readable, compact: a.full !== true };
}

export interface PerCpuArgs {
  sum?: boolean;
  /** A string on the command line, checked by perCpuOptions so that `--cpu abc` is named in the error. */
  cpu?: string | number;
}

/** --sum / --cpu checked against the map: both at once, --cpu on a map that is not per-CPU, or a CPU
 * that is not possible are usage errors (exit 2). */
export function perCpuOptions(a: PerCpuArgs, live: { readonly perCpu: boolean; readonly subject: string; readonly info: { readonly typeName: string } },
  possible: () => number): { sum?: boolean; cpu?: number } {
  if (a.cpu === undefined) return { sum: a.sum };
  if (a.sum) throw new UsageError('give either --cpu or --sum, not both');
  if (!live.perCpu) throw new UsageError(`--cpu: ${live.subject} is not a per-CPU map (it is ${live.info.typeName}); --cpu and --sum are for per-CPU maps`);
  const n = possible();
  const s = String(a.cpu);
  if (!/^\d+$/.test(s) || Number(s) >= n) throw new UsageError(`--cpu: expected a possible CPU 0..${n - 1}, got ${s}`);
  return { cpu: Number(s) };
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
