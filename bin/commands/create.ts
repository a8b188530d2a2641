import { loadSource, createMaps, DEFAULT_PIN_ROOT, BpfmapError, ERROR_CODE, isBpfmapError } from '../../src/index.js';
import { ensureBpffs } from '../target.js';
import type { CreateResult } from '../../src/index.js';
import { print, table } from '../output.js';
import { UsageError, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { runToTheEnd } from '../signals.js';

interface Args extends GlobalArgs {
  object: string;
  maps?: string[];
  'pin-root'?: string;
  'max-entries'?: string[];
}

/** `NAME=N` pairs (N decimal or 0x hex) into the library's maxEntries option. */
export function parseMaxEntries(list: readonly string[] | undefined): Record<string, number> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, number> = {};
  for (const s of list) {
    const eq = s.lastIndexOf('=');
    const name = s.slice(0, eq), n = s.slice(eq + 1).trim();
    if (eq <= 0 || !/^(?:[0-9]+|0x[0-9a-fA-F]+)$/.test(n)) throw new UsageError(`--max-entries '${s}': expected NAME=N, e.g. events=1024`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UsageError(`--max-entries: '${name}' is given twice`);
    out[name] = Number(n);
  }
  return out;
}

export function runCreate(a: Args): CreateResult[] {
  const src = loadSource(a.object);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.object}: create needs a BPF object file (for its BTF), not a ${src.kind}`);
  const maxEntries = parseMaxEntries(a['max-entries']);
  ensureBpffs([a['pin-root']]);
  try {
    return createMaps(src.object, { names: a.maps, pinRoot: a['pin-root'], ...(maxEntries ? { maxEntries } : {}) });
  } catch (e) {
    // The library names its option (maxEntries); say it the way it is typed here.
    if (isBpfmapError(e)) {
      e.message = e.message
        .replace(/maxEntries: \{ (.*?) \}/, (_m, list: string) => list.split(', ').map((x) => `--max-entries ${x.replace(/^'(.*)': N$/, '$1=N')}`).join(' '))
        .replace(/\bmaxEntries\.([^:]+):/, '--max-entries $1:');
    }
    throw e;
  }
}

export const createCommand = defineCommand({
  command: 'create',
  describe: 'create the maps of an object (with their BTF) as libbpf would and pin them at PIN-ROOT/<name>; compatible existing pins are reused; all or nothing',
  positionals: {
    object: { describe: 'BPF object file', required: true },
    maps: { describe: 'only these maps (default: all)', variadic: true },
  },
  options: {
    'pin-root': { type: 'string', describe: `bpffs directory to pin in, created when missing (default ${DEFAULT_PIN_ROOT}, where libbpf looks for maps pinned by name)` },
    'max-entries': { type: 'string', array: true, nargs: 1, describe: 'NAME=N: the size of map NAME (needed when the object says 0, as objects sized at load time do; overrides it otherwise)' },
  },
  examples: [
    ['$0 create fixtures/firewall.bpfel.o --pin-root /sys/fs/bpf/fw', 'pre-provision the firewall maps under a private root'],
    ['$0 create fixtures/firewall.bpfel.o ingress_node_firewall_table_map', 'one map, at /sys/fs/bpf/<name> for libbpf to reuse'],
    ['$0 create fixtures/loader-maps.bpfel.o rb_typed sized_at_load --pin-root /sys/fs/bpf/lm --max-entries sized_at_load=1024', 'a map the object leaves to its loader to size'],
  ],
  handler: async (a) => {
    // Creating and pinning is synchronous: with the stop signals caught, a signal that comes
    // meanwhile is taken in only after the maps are all made (or, on an error, all removed again).
    const r: CreateResult[] = await runToTheEnd(() => runCreate(a), (sig) => `${sig}: received while creating; create ran to its end first (all of its maps, or none)`);
    if (a.json) print(r, true);
    else print(table(['NAME', 'STATUS', 'ID', 'BTF', 'PIN', 'NOTE'], r.map((x) => [x.name, x.status, String(x.id), x.btf ? 'yes' : 'no', x.pinPath ?? '-', x.note ?? ''])), false);
  },
});
