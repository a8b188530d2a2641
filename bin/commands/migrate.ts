import { readFileSync } from 'node:fs';
import { loadSource, migrateMaps, commitMigration, rollbackMigration, DEFAULT_PIN_ROOT, DEFAULT_JOURNAL_DIR, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { parseYaml } from '../../src/text/yaml-lazy.js';
import { migrationRecoveryText } from '../../src/migrate/journal.js';
import type { ObjectFile, MapMigration, SwapResult } from '../../src/index.js';
import { print, table } from '../output.js';
import { LOCK, UsageError, existingPinRoot, lockOptions, type GlobalArgs, type LockArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { notice, oneLine } from '../report.js';
import { runToTheEnd } from '../signals.js';
import { parseRename } from './diff.js';

interface Args extends GlobalArgs, LockArgs {
  journal?: string;
  objects: string[];
  'pin-root'?: string;
  rename?: string[];
  defaults?: string;
  'allow-lossy'?: boolean;
  'dry-run'?: boolean;
  commit?: boolean;
  rollback?: boolean;
}

function objectOf(path: string): ObjectFile {
  const src = loadSource(path);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${path}: migrate needs a BPF object file (for its BTF), not a ${src.kind}`);
  return src.object;
}

/** `--defaults FILE`: YAML or JSON, `{ MAP: { 'rules[].priority': 5 } }`; integers exact. */
export function readDefaults(path: string): Record<string, Record<string, bigint>> {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'), { intAsBigInt: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const io = typeof code === 'string' && /^E[A-Z]+$/.test(code); // errno; YAML errors have codes too
    throw new BpfmapError(io ? ERROR_CODE.IO : ERROR_CODE.VALUE_INVALID, `--defaults ${path}: ${io ? code : (e as Error).message}`);
  }
  const bad = (what: string) => new BpfmapError(ERROR_CODE.VALUE_INVALID, `--defaults ${path}: ${what}`);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw bad("expected a mapping of map names to { 'field.path': integer }");
  const out: Record<string, Record<string, bigint>> = {};
  for (const [map, fields] of Object.entries(doc as Record<string, unknown>)) {
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw bad(`${map}: expected a mapping of field paths to integers`);
    out[map] = {};
    for (const [f, v] of Object.entries(fields as Record<string, unknown>)) {
      if (typeof v !== 'bigint') throw bad(`${map}.${f}: expected an integer, got ${JSON.stringify(v)}`);
      out[map]![f] = v;
    }
  }
  return out;
}

export function runMigrate(a: Args): MapMigration[] | SwapResult[] {
  const objs = a.objects ?? [];
  const pinRoot = a['pin-root'];
  existingPinRoot(pinRoot);
  const common = {
    ...(pinRoot !== undefined ? { pinRoot } : {}),
    ...lockOptions(a),
    journalDir: a.journal ?? DEFAULT_JOURNAL_DIR,
    onRecover: (r: Parameters<typeof migrationRecoveryText>[0]) => { notice(oneLine(migrationRecoveryText(r))); },
  };
  if (a.commit || a.rollback) {
    if (objs.length < 1 || objs.length > 2) throw new UsageError('migrate --commit|--rollback [OLD] NEW: name the new object');
    const obj = objectOf(objs[objs.length - 1]!);
    return a.commit ? commitMigration(obj, common) : rollbackMigration(obj, common);
  }
  if (objs.length !== 2) throw new UsageError('migrate OLD NEW: name the running version\'s object and the new one');
  return migrateMaps(objectOf(objs[0]!), objectOf(objs[1]!), {
    ...common,
    rename: parseRename(a.rename),
    ...(a.defaults !== undefined ? { defaults: readDefaults(a.defaults) } : {}),
    allowLossy: a['allow-lossy'] === true,
    dryRun: a['dry-run'] === true,
  });
}

function text(r: MapMigration[] | SwapResult[]): string {
  if (r.length > 0 && 'done' in r[0]!) {
    return table(['NAME', 'PIN', 'DONE'], (r as SwapResult[]).map((x) => [x.name, x.pinPath, x.done ? 'yes' : 'no (no _old pin)']));
  }
  const rows = r as MapMigration[];
  let out = table(['NAME', 'STATUS', 'VERDICT', 'ENTRIES', 'OLD ID', 'NEW ID'], rows.map((x) => [x.name, x.status, x.verdict, String(x.entries), String(x.oldId), String(x.newId)]));
  for (const x of rows) {
    if (x.status === 'unchanged') continue;
    out += `${x.name}:\n`;
    for (const f of x.added) out += `  added      ${f}\n`;
    for (const f of x.dropped) out += `  dropped    ${f}\n`;
    for (const f of x.converted) out += `  converted  ${f}\n`;
    for (const l of x.losses) out += `  LOSS       key ${l.key}${l.cpu !== undefined ? ` cpu ${l.cpu}` : ''}: ${l.path}: ${l.reason}\n`;
    if (x.lossCount > x.losses.length) out += `  LOSS       ... and ${x.lossCount - x.losses.length} more\n`;
  }
  return out;
}

export const migrateCommand = defineCommand({
  command: 'migrate',
  describe: 'move the entries of the maps pinned by OLD into maps of NEW\'s layout, field by field, then swap the pins (the old map stays pinned as NAME_old until --commit; --rollback swaps back)',
  positionals: {
    objects: { describe: 'OLD NEW objects (NEW alone with --commit / --rollback)', required: true, variadic: true },
  },
  options: {
    ...LOCK,
    'pin-root': { type: 'string', describe: `where the maps are pinned (default ${DEFAULT_PIN_ROOT})` },
    rename: { type: 'string', array: true, nargs: 1, describe: 'OLD=NEW: a field renamed in the new version (fields only: pins keep their names)' },
    defaults: { type: 'string', describe: "YAML/JSON file of values for fields NEW adds: { MAP: { 'rules[].priority': 5 } } (default 0)" },
    'allow-lossy': { type: 'boolean', describe: 'go ahead when values do not fit (clamped, 0 or dropped); each loss is listed' },
    'dry-run': { type: 'boolean', describe: 'print the plan (entries, fields added, dropped, converted, losses); change nothing' },
    commit: { type: 'boolean', describe: 'remove the NAME_old pins of the last migration' },
    rollback: { type: 'boolean', describe: 'put the NAME_old pins back onto their names' },
    journal: { type: 'string', describe: `directory of the crash journal (default ${DEFAULT_JOURNAL_DIR}); a migration killed before its end is undone by the next migrate, --commit, --rollback or bpfmap recover` },
  },
  examples: [
    ['$0 migrate fixtures/firewall.bpfel.o fixtures/firewall-v2.bpfel.o --pin-root /sys/fs/bpf/fw --dry-run', 'the plan for the firewall v2'],
    ['$0 migrate fixtures/firewall.bpfel.o fixtures/firewall-v2.bpfel.o --pin-root /sys/fs/bpf/fw', 'migrate and swap'],
    ['$0 migrate fixtures/firewall-v2.bpfel.o --pin-root /sys/fs/bpf/fw --rollback', 'back to the v1 maps'],
  ],
  conflicts: [['commit', 'rollback'], ['dry-run', 'commit'], ['dry-run', 'rollback']],
  handler: async (a) => {
    // A migration is synchronous: a signal that comes meanwhile is taken in only after it ended
    // (every pin swapped, or none: see bin/signals.ts); SIGKILL is what the journal is for.
    const r: MapMigration[] | SwapResult[] = await runToTheEnd(() => runMigrate(a), (sig) => `${sig}: received while migrating; the migration ran to its end first (every pin swapped, or none)`);
    print(a.json ? r : text(r), a.json);
  },
});
