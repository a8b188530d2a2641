import { loadSource, diffObjects, liveSchemas, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { ObjectDiff, MapSchema } from '../../src/index.js';
import { print } from '../output.js';
import { UsageError, type GlobalArgs } from '../options.js';
import { defineCommand } from '../spec.js';

/** Exit codes of `diff` (beside the usual 2..6 for errors): documented in the README. */
export const DIFF_EXIT = { SAME: 0, MIGRATABLE: 10, INCOMPATIBLE: 11 } as const;

interface Args extends GlobalArgs {
  objects: string[];
  'pin-root'?: string;
  rename?: string[];
}

/** `old=new` pairs (field or map names) into the library's rename option. */
export function parseRename(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of list ?? []) {
    const m = /^([^=\s]+)=([^=\s]+)$/.exec(s);
    if (!m) throw new UsageError(`--rename '${s}': expected OLD=NEW, e.g. hits=packets`);
    if (Object.prototype.hasOwnProperty.call(out, m[1]!)) throw new UsageError(`--rename: '${m[1]}' is given twice`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function schemasOf(path: string): { maps: readonly MapSchema[]; name: string } {
  const src = loadSource(path);
  return { maps: src.schema.maps, name: path };
}

export function runDiff(a: Args): ObjectDiff {
  const rename = parseRename(a.rename);
  const objs = a.objects ?? [];
  if (a['pin-root'] !== undefined) {
    if (objs.length !== 1) throw new UsageError('diff --pin-root DIR NEW: name exactly one object (the new version); the old one is what is pinned under DIR');
    const cur = schemasOf(objs[0]!).maps;
    return diffObjects(liveSchemas(cur, a['pin-root']), cur, { rename });
  }
  if (objs.length !== 2) throw new UsageError('diff OLD NEW: name two objects, or one object and --pin-root DIR for the live maps');
  const [old, cur] = [schemasOf(objs[0]!), schemasOf(objs[1]!)];
  if (old.maps.length === 0 && cur.maps.length === 0) throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND, `${objs[0]}, ${objs[1]}: neither defines a map`);
  return diffObjects(old.maps, cur.maps, { rename });
}

export function diffText(d: ObjectDiff): string {
  const lines: string[] = [];
  for (const m of d.maps) {
    lines.push(`${m.name}: ${m.verdict}${m.reason ? ` (${m.reason})` : ''}`);
    const w = Math.max(0, ...m.changes.map((c) => c.path.length));
    const k = Math.max(0, ...m.changes.map((c) => c.change.length));
    for (const c of m.changes) {
      const what = c.from !== undefined && c.to !== undefined ? `${c.from} -> ${c.to}` : c.from ?? c.to ?? '';
      lines.push(`  ${c.path.padEnd(w)}  ${c.change.padEnd(k)}  ${what}${c.lossy ? '  (may lose data)' : ''}`.trimEnd());
    }
  }
  lines.push(`verdict: ${d.verdict}`);
  return lines.join('\n') + '\n';
}

export const diffCommand = defineCommand({
  command: 'diff',
  describe: 'compare the maps of two versions of an object (or an object and the live maps under --pin-root): identical, compatible, migratable (field by field), incompatible; exit 0 / 10 (migrate) / 11 (incompatible)',
  positionals: {
    objects: { describe: 'OLD NEW objects, or NEW alone with --pin-root', required: true, variadic: true },
  },
  options: {
    'pin-root': { type: 'string', describe: 'compare NEW with the maps pinned at DIR/<name> (the running version)' },
    rename: { type: 'string', array: true, nargs: 1, describe: 'OLD=NEW: a field or map renamed in the new version' },
  },
  examples: [
    ['$0 diff fixtures/firewall.bpfel.o fixtures/firewall-v2.bpfel.o', 'what the firewall v2 changes, field by field'],
    ['$0 diff fixtures/firewall-v2.bpfel.o --pin-root /sys/fs/bpf/fw --json', 'the live maps against the new version'],
  ],
  epilog: 'Exit codes: 0 every map identical or compatible (same bytes); 10 some map must be migrated (or is added or removed); 11 some map is incompatible; 1..7 errors as for every command.',
  handler: (a) => {
    const d = runDiff(a);
    print(a.json ? d : diffText(d), a.json);
    process.exitCode = d.verdict === 'incompatible' ? DIFF_EXIT.INCOMPATIBLE : d.verdict === 'migratable' ? DIFF_EXIT.MIGRATABLE : DIFF_EXIT.SAME;
  },
});
