import { loadSource, writeSnapshot, restoreSnapshot, DEFAULT_PIN_ROOT, DEFAULT_JOURNAL_DIR, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { ObjectFile as BpfObject, RestoreResult } from '../../src/index.js';
import { print, table } from '../output.js';
import { LOCK, existingPinRoot, lockOptions, type GlobalArgs, type LockArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { runToTheEnd } from '../signals.js';
import { stdoutSink } from '../sink.js';
import { parseRename } from './diff.js';
import { readDefaults } from './migrate.js';

function objectOf(path: string, verb: string): BpfObject {
  const src = loadSource(path);
  if (!src.object) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${path}: ${verb} needs a BPF object file (for its BTF), not a ${src.kind}`);
  return src.object;
}

export const snapshotCommand = defineCommand({
  command: 'snapshot',
  describe: 'print every entry of the maps pinned under PIN-ROOT as NDJSON, the schema they were read with in the first line (apply input for the same object; restore input for another version)',
  positionals: {
    object: { describe: 'BPF object file whose maps to take (default: every map pinned in PIN-ROOT, typed by its BTF in the kernel)' },
  },
  options: {
    'pin-root': { type: 'string', describe: `where the maps are pinned (default ${DEFAULT_PIN_ROOT})` },
  },
  examples: [
    ['$0 snapshot fixtures/firewall.bpfel.o --pin-root /sys/fs/bpf/fw > snap.ndjson', 'the firewall maps, with their schema'],
    ['$0 snapshot --pin-root /sys/fs/bpf/fw > all.ndjson', 'every map pinned there'],
  ],
  handler: (a) => {
    existingPinRoot(a['pin-root']);
    const sink = stdoutSink();
    writeSnapshot(a.object === undefined ? null : objectOf(a.object, 'snapshot'), { ...(a['pin-root'] !== undefined ? { pinRoot: a['pin-root'] } : {}) }, sink.write);
    sink.end();
  },
});

interface RestoreArgs extends GlobalArgs, LockArgs {
  snapshot: string;
  into?: string;
  'pin-root'?: string;
  rename?: string[];
  defaults?: string;
  'allow-lossy'?: boolean;
  journal?: string;
}

export function runRestore(a: RestoreArgs): RestoreResult {
  if (a.into === undefined) throw new BpfmapError(ERROR_CODE.USAGE, 'restore SNAPSHOT --into OBJ: name the object whose maps to restore into');
  return restoreSnapshot(a.snapshot, objectOf(a.into, 'restore'), {
    ...(a['pin-root'] !== undefined ? { pinRoot: a['pin-root'] } : {}),
    ...lockOptions(a),
    rename: parseRename(a.rename),
    ...(a.defaults !== undefined ? { defaults: readDefaults(a.defaults) } : {}),
    allowLossy: a['allow-lossy'] === true,
    journalDir: a.journal === 'off' ? undefined : a.journal ?? DEFAULT_JOURNAL_DIR,
  });
}

export const restoreCommand = defineCommand({
  command: 'restore',
  describe: 'write a snapshot into the maps of an object (another version too: fields by name, as migrate converts them); missing maps are created; each map then holds exactly the snapshot\'s entries',
  positionals: {
    snapshot: { describe: 'a file `bpfmap snapshot` wrote (- for stdin)', required: true },
  },
  options: {
    ...LOCK,
    into: { type: 'string', describe: 'the BPF object whose maps to restore into' },
    'pin-root': { type: 'string', describe: `where the maps are pinned (default ${DEFAULT_PIN_ROOT})` },
    rename: { type: 'string', array: true, nargs: 1, describe: 'OLD=NEW: a field renamed in the new version' },
    defaults: { type: 'string', describe: "YAML/JSON file of values for fields the object adds: { MAP: { 'rules[].priority': 5 } } (default 0)" },
    'allow-lossy': { type: 'boolean', describe: 'go ahead when values do not fit (clamped, 0 or dropped); each loss is listed' },
    journal: { type: 'string', describe: `directory of the apply crash journal (default ${DEFAULT_JOURNAL_DIR}); off: none` },
  },
  examples: [
    ['$0 restore snap.ndjson --into fixtures/firewall-v2.bpfel.o --pin-root /sys/fs/bpf/fw2', 'the v1 snapshot into v2 maps'],
  ],
  handler: async (a) => {
    // A restore is synchronous (create, then one apply: all or nothing): a signal that comes meanwhile
    // is taken in only after it ended, as for apply and migrate (see bin/signals.ts).
    const r: RestoreResult = await runToTheEnd(() => runRestore(a), (sig) => `${sig}: received while restoring; the restore ran to its end first (every map holds the snapshot, or none changed)`);
    if (a.json) { print(r, true); return; }
    let out = table(['NAME', 'ENTRIES', 'ADDED', 'CHANGED', 'DELETED'], r.maps.map((m) => {
      const s = r.apply.maps.find((x) => x.map === m.name);
      return [m.name, String(m.entries), String(s?.added ?? 0), String(s?.changed ?? 0), String(s?.deleted ?? 0)];
    }));
    for (const m of r.maps) {
      for (const f of m.added) out += `${m.name}: added      ${f}\n`;
      for (const f of m.dropped) out += `${m.name}: dropped    ${f}\n`;
      for (const l of m.losses) out += `${m.name}: LOSS       key ${l.key}${l.cpu !== undefined ? ` cpu ${l.cpu}` : ''}: ${l.path}: ${l.reason}\n`;
    }
    print(out, false);
  },
});
