/** Shared option tables (spread into the commands' tables, bin/spec.ts) and the argument shapes the commands use. */
import { statSync } from 'node:fs';
import { BpfmapError, ERROR_CODE, isBpfmapError } from '../src/index.js';
import { readInputFile } from '../src/object/source.js';
import type { OptionTable, PositionalTable } from './spec.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The text of a file an option names (`--config PATH`), with the codes readInputFile gives (no such
 * file 3, permission 4, a directory 5); the message names the option.
 */
export function readOptionFile(flag: string, path: string): string {
  try {
    return Buffer.from(readInputFile(path, 'a file')).toString('utf8');
  } catch (e) {
    throw isBpfmapError(e) ? new BpfmapError(e.code, `${flag} ${e.message}`) : e;
  }
}

/**
 * A --pin-root that a command reads maps from must be there: a command that finds each map missing
 * under a directory that does not exist would otherwise report nothing to do and exit 0.
 */
export function existingPinRoot(dir: string | undefined): void {
  if (dir === undefined) return;
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BpfmapError(code === 'EACCES' || code === 'EPERM' ? ERROR_CODE.PERMISSION : ERROR_CODE.NOT_FOUND, `--pin-root ${dir}: ${code === 'ENOENT' ? 'no such directory' : `cannot look at it (${code ?? String(e)})`}`);
  }
  if (!isDir) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `--pin-root ${dir}: not a directory`);
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
  name?: string;
  force?: boolean;
  types?: string;
  'key-type'?: string;
  'value-type'?: string;
  /** --ifindex-field PATH (repeatable): fields that take interface names besides those named *ifindex. */
  'ifindex-field'?: string[];
}

const PIN_DESCRIBE = 'open the map pinned at this bpffs path (also: bpfmap CMD pinned PATH)';

/** OBJ and MAP positionals are optional for kernel commands: `--pin PATH` alone works on the map's own BTF. */
export const TARGET_POSITIONALS = {
  object: { describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file; or bpftool\'s handle word: pinned, id, name (then MAP is the path, id or name)' },
  map: { describe: 'map name as in the object (e.g. .bss for global data)' },
} as const satisfies PositionalTable;

/** The options that name a live map (with TARGET_POSITIONALS and TARGET_CONFLICTS). */
export const TARGET = {
  pin: { type: 'string', describe: PIN_DESCRIBE },
  'pin-root': { type: 'string', describe: 'maps are pinned at DIR/<map name> (as `bpfmap create --pin-root DIR` makes them)' },
  id: { type: 'number', integer: true, min: 0, max: 0xffffffff, expect: 'a map id (an integer 0..4294967295)', describe: 'open the loaded map with this id (also: bpfmap CMD id N)' },
  name: { type: 'string', describe: 'open the one loaded map with this kernel name, 15 characters kept (also: bpfmap CMD name NAME); several are refused, listing them' },
  force: { type: 'boolean', describe: 'operate even when the live map does not match the object' },
  types: { type: 'string', describe: 'a live map without an object: the object or saved schema that has the types of --key-type / --value-type' },
  'key-type': { type: 'string', describe: 'a live map without an object: type its keys with this type of --types FILE (for maps without BTF)' },
  'value-type': { type: 'string', describe: 'a live map without an object: type its values with this type of --types FILE' },
} as const satisfies OptionTable;

/** One way to name the map: --pin, --id or --name; --pin-root is for the maps of an object. */
export const TARGET_CONFLICTS = [['pin', 'id'], ['pin', 'name'], ['id', 'name'], ['pin', 'pin-root']] as const;

/** --ifindex-field PATH, repeatable: declare key/value fields interface indexes (they take interface names). */
export const IFINDEX = {
  'ifindex-field': {
    type: 'string', array: true, requiresArg: true,
    describe: 'this integer field holds an interface index and also takes an interface name, as fields named *ifindex do (key.dev, value.rules.out_dev; repeatable)',
  },
} as const satisfies OptionTable;

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

export const DECODE = {
  numeric: { type: 'boolean', describe: 'print plain numbers for scripts: addresses as bytes/integers, LPM keys without CIDR, per-CPU values as a list (default: 10.0.0.0/24, fe80::1, aa:bb:.., {cpu0: .., cpu1: ..})' },
  'pretty-addresses': { type: 'boolean', hidden: true, describe: 'the default now; see --numeric' },
  full: { type: 'boolean', describe: 'print every array element, also the all-zero ones (default: struct arrays show only non-zero slots, by index)' },
} as const satisfies OptionTable;

/** Readable by default (addresses as text, per-CPU values labelled by CPU); --numeric for plain numbers. */
export function decodeOptions(a: DecodeArgs): { prettyAddresses: boolean; labelCpus: boolean; compact: boolean } {
  const readable = a.numeric !== true;
  return { prettyAddresses: readable, labelCpus: readable, compact: a.full !== true };
}

export interface PerCpuArgs {
  sum?: boolean;
  cpu?: number;
}

/** --sum / --cpu N of per-CPU maps; given together they are refused (PER_CPU_CONFLICTS). */
export const PER_CPU = {
  sum: { type: 'boolean', describe: 'per-CPU maps: add the CPUs\' values field by field' },
  cpu: { type: 'number', integer: true, min: 0, expect: 'a CPU (an integer >= 0)', describe: 'per-CPU maps: only this CPU\'s values' },
} as const satisfies OptionTable;

export const PER_CPU_CONFLICTS = [['cpu', 'sum']] as const;

/** --sum / --cpu checked against the map: --cpu on a map that is not per-CPU, or a CPU that is not
 * possible, are usage errors (exit 2); both at once is refused by the declaration (PER_CPU_CONFLICTS). */
export function perCpuOptions(a: PerCpuArgs, live: { readonly perCpu: boolean; readonly subject: string; readonly info: { readonly typeName: string } },
  possible: () => number): { sum?: boolean; cpu?: number } {
  if (a.cpu === undefined) return { sum: a.sum };
  if (!live.perCpu) throw new UsageError(`--cpu: ${live.subject} is not a per-CPU map (it is ${live.info.typeName}); --cpu and --sum are for per-CPU maps`);
  const n = possible();
  if (a.cpu >= n) throw new UsageError(`--cpu: expected a possible CPU 0..${n - 1}, got ${a.cpu}`);
  return { cpu: a.cpu };
}

export interface LockArgs {
  'lock-timeout'?: number;
}

/** --lock-timeout for commands that write: how long to wait for another writer of the same map. */
export const LOCK = {
  'lock-timeout': { type: 'number', min: 0, expect: 'seconds >= 0', describe: 'seconds to wait while another bpfmap writes the same map (default 5); then exit 6 naming its pid' },
} as const satisfies OptionTable;

/** The library's lock options from --lock-timeout (and BPFMAP_LOCK_DIR: where the lock files live). */
export function lockOptions(a: LockArgs): { lockTimeoutMs?: number; lockDir?: string } {
  const out: { lockTimeoutMs?: number; lockDir?: string } = {};
  const dir = process.env.BPFMAP_LOCK_DIR;
  if (dir) out.lockDir = dir;
  const s = a['lock-timeout'];
  if (s === undefined) return out;
  out.lockTimeoutMs = s * 1000;
  return out;
}
