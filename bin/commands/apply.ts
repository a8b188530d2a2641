import { loadSource, findMap, markObjectIfindexFields, applyState, DEFAULT_JOURNAL_DIR, planDiff, readStateFile, readStateFileAsync, watchState, liveMapIds, BpfmapError, ERROR_CODE, isBpfmapError } from '../../src/index.js';
import { recoverText } from '../../src/apply/recover.js';
import { progressLine } from '../progress.js';
import { writeCalls } from '../../src/apply/stats.js';
import type { ApplyResult, DesiredState, ObjectSchema } from '../../src/index.js';
import { watchLogger } from '../watch-log.js';
import { print } from '../output.js';
import { LOCK, UsageError, lockOptions, type GlobalArgs, type LockArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { ensureBpffs } from '../target.js';
import { stdoutSink, writeText } from '../sink.js';
import { notice, oneLine } from '../report.js';
import { signalExitCode, trapSignals, type SignalTrap } from '../signals.js';

interface Args extends GlobalArgs, LockArgs {
  object?: string;
  file?: string;
  prune?: boolean;
  'dry-run'?: boolean;
  watch?: boolean;
  pin?: string;
  'pin-root'?: string;
  force?: boolean;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  complete?: boolean;
  resync?: number;
  journal?: string;
  'ifindex-field'?: string[];
}

/** The library names option fields; the CLI's words for them. */
function cliWords(e: unknown): unknown {
  if (isBpfmapError(e) && e.code === ERROR_CODE.INPUT_INCOMPLETE) {
    return new BpfmapError(e.code, e.message.replace('pass complete: true', 'pass --complete'));
  }
  return e;
}

/** Reads the state, plans every map, applies (unless --dry-run); diff lines of a dry run go to `write`. */
export function runApply(a: Args, write?: (line: string) => void): ApplyResult {
  const run = prepare(a, write);
  try {
    return run.apply(run.read());
  } finally {
    run.end();
  }
}

/**
 * The same, reading an NDJSON state a block ahead on libuv's thread pool (a one-shot apply). With a
 * signal trap: a signal while the state is read ends the process at once (nothing written yet); the
 * plan and the writes are synchronous, so a signal during them is taken in after the apply ended.
 */
export async function runApplyAsync(a: Args, write?: (line: string) => void, trap?: SignalTrap): Promise<ApplyResult> {
  let reading = true;
  trap?.onSignal((sig) => {
    if (!reading) return;
    notice(`${sig}: stopped while reading the state, before writing anything: the maps are unchanged`);
    process.exit(signalExitCode(sig));
  });
  const run = prepare(a, write);
  try {
    let state: DesiredState;
    try { state = await readStateFileAsync(a.file!, run.schema, run.readOptions); } catch (e) { throw cliWords(e); }
    reading = false;
    return run.apply(state);
  } finally {
    reading = false;
    run.end();
  }
}

/** --ifindex-field MAP:PATH (repeatable): the object's schema with those fields declared interface indexes. */
function withIfindexFieldsOf(schema: ObjectSchema, given: readonly string[] | undefined): ObjectSchema {
  let out = schema;
  for (const g of given ?? []) {
    const colon = g.indexOf(':');
    if (colon <= 0) throw new UsageError(`--ifindex-field ${g}: expected MAP:PATH for apply (ingress_node_firewall_table_map:key.dev), as the state may name several maps`);
    out = markObjectIfindexFields(out, findMap(out, g.slice(0, colon)), [g.slice(colon + 1)]);
  }
  return out;
}

function prepare(a: Args, write?: (line: string) => void) {
  if (a.object === undefined) throw new UsageError('name the BPF object (or saved schema) the maps come from: bpfmap apply OBJ -f STATE');
  if (a.file === undefined) throw new UsageError('give the state file with -f STATE (YAML, JSON or NDJSON; - for stdin)');
  const loaded = loadSource(a.object);
  const src = { schema: withIfindexFieldsOf(loaded.schema, a['ifindex-field']) };
  ensureBpffs([a.pin, a['pin-root']]);
  const locks = lockOptions(a);
  const progress = progressLine();
  const readOptions = { prune: a.prune === true, complete: a.complete === true, onProgress: (b: number) => progress.update('reading state (bytes)', b) };
  return {
    schema: src.schema,
    readOptions,
    read: (): DesiredState => {
      try { return readStateFile(a.file!, src.schema, readOptions); } catch (e) { throw cliWords(e); }
    },
    apply: (state: DesiredState): ApplyResult => applyState(state, {
      pinRoot: a['pin-root'], pin: a.pin, force: a.force === true, dryRun: a['dry-run'] === true, ...locks,
      onPlan: (plans) => { if (a['dry-run'] && write) for (const p of plans) planDiff(p, write, { compact: true, prettyAddresses: a.numeric !== true }); },
      onProgress: (done, total) => progress.update('applying (entries)', done, total),
      journalDir: a.journal === 'off' ? undefined : a.journal ?? DEFAULT_JOURNAL_DIR,
      onRecover: (r) => { notice(oneLine(recoverText(r))); },
    }),
    end: () => progress.end(),
  };
}

function summaryText(r: ApplyResult): string {
  const lines = r.maps.map((m) => `${m.map}: ${m.added} added, ${m.changed} changed, ${m.deleted} deleted, ${m.unchanged} unchanged` +
    (m.kept ? `, ${m.kept} kept (not in the state; --prune deletes them)` : ''));
  const s = r.stats;
  const writes = writeCalls(s);
  lines.push(r.dryRun ? 'dry run: nothing written'
    : writes === 0 ? 'nothing to do: the maps already match the state'
      : `applied: ${s.entriesWritten} written, ${s.entriesDeleted} deleted in ${writes} write call${writes === 1 ? '' : 's'}`);
  return lines.join('\n') + '\n';
}

/** The summary; under --json one object, with a dry run's diff lines in `diff` (stdout holds only the JSON). */
function report(r: ApplyResult, json: boolean | undefined, diff: string[]): void {
  if (json) print({ dryRun: r.dryRun, maps: r.maps, stats: r.stats, ...(r.dryRun ? { diff } : {}) }, true);
  else writeText(summaryText(r));
}

export const applyCommand = defineCommand({
  command: 'apply',
  describe: 'make maps match a desired state (YAML, JSON or NDJSON): plan, prune, batch writes, all-or-nothing with rollback',
  positionals: {
    object: { describe: 'BPF object file (.o) or a saved `bpfmap schema --json` file' },
  },
  options: {
    ...LOCK,
    file: { alias: 'f', type: 'string', describe: 'the state: {maps: {NAME: {prune, entries: [{key, value}], variables}}} as YAML/JSON, or NDJSON {"map","key","value"} lines (bpfmap dump --ndjson); - for stdin' },
    prune: { type: 'boolean', describe: 'delete entries the state does not list (every map; or `prune: true` per map in the file)' },
    'dry-run': { type: 'boolean', describe: 'print the plan and the entries as a diff (+ added, ~ changed, - deleted; under --json, the lines are the result\'s diff); write nothing' },
    watch: { type: 'boolean', describe: 're-apply whenever the state file changes (a mounted ConfigMap); a broken file is reported and the maps keep their last good state' },
    pin: { type: 'string', describe: 'the pin path of the map, when the state names exactly one map' },
    'pin-root': { type: 'string', describe: 'maps are pinned at DIR/<map name>' },
    force: { type: 'boolean', describe: 'apply even when a live map does not match the object' },
    complete: { type: 'boolean', describe: 'the input is known to be whole: allow --prune of NDJSON that has no trailer line (dump --ndjson writes one), or of a block-style YAML document from a pipe that does not end with ...' },
    resync: { type: 'number', min: 0, expect: 'seconds >= 0', describe: 'with --watch: every SECONDS re-read the live maps and repair drift back to the last good state (default 60; 0: never)' },
    numeric: { type: 'boolean', describe: 'with --dry-run: plain numbers in the diff (default: addresses as 10.0.0.1 / fe80::1)' },
    'pretty-addresses': { type: 'boolean', hidden: true, describe: 'the default now; see --numeric' },
    'ifindex-field': { type: 'string', array: true, requiresArg: true, describe: 'MAP:PATH: this integer field of MAP holds an interface index and also takes an interface name (repeatable; a state document can say ifindexFields: {MAP: [PATH]})' },
    journal: { type: 'string', describe: `directory of the crash journal written before the first write (default ${DEFAULT_JOURNAL_DIR}); an unfinished one found there is rolled back first; off: no journal, no crash recovery` },
  },
  examples: [
    ['$0 apply fixtures/firewall.bpfel.o -f rules.yaml --dry-run', 'show what would change'],
    ['$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_table_map --ndjson > rules.ndjson && $0 apply fixtures/firewall.bpfel.o -f rules.ndjson', 'dump | apply: no change'],
    ['$0 apply fixtures/firewall.bpfel.o -f /etc/bpfmap/state.yaml --prune --watch', 'node agent: keep the maps equal to a mounted ConfigMap'],
  ],
  conflicts: [['watch', 'dry-run']],
  implies: [['resync', 'watch']],
  handler: async (a) => {
    // Caught from the start, before the first apply (see bin/signals.ts).
    const trap = trapSignals();
    try {
      if (!a.watch) await applyOnce(a, trap);
      else await applyWatch(a, trap);
    } finally {
      trap.dispose();
    }
  },
});

async function applyOnce(a: Args, trap: SignalTrap): Promise<void> {
  const sink = stdoutSink();
  const diff: string[] = [];
  let r: ApplyResult;
  try {
    r = await runApplyAsync(a, a.json ? (l) => { diff.push(l); } : (l) => sink.write(`${l}\n`), trap);
  } catch (e) {
    // A signal during a failed apply: the error says how its rollback went; its code is the exit code.
    await trap.settle();
    throw e;
  }
  sink.end();
  report(r, a.json, diff);
  const sig = await trap.settle();
  if (sig) {
    notice(`${sig}: received while applying; the apply completed first: the maps hold the new state`);
    process.exitCode = signalExitCode(sig);
  }
}

async function applyWatch(a: Args, trap: SignalTrap): Promise<void> {
  if (a.file === undefined || a.file === '-') throw new UsageError('--watch needs a state file (-f PATH), not stdin');
  const resync = a.resync ?? 60;
  const run = prepare(a, undefined);
  await new Promise<void>((resolve) => {
    let stopped = false;
    const stop = (sig: string) => {
      if (stopped) return;
      stopped = true;
      h.close();
      notice(`${sig}: stopped; no apply was cut short (each completed or rolled back): the maps hold the last applied state`);
      resolve();
    };
    // Signals during the first apply (inside watchState, synchronous) are taken in after it.
    const h = watchState(a.file!, {
      read: run.read,
      apply: (state) => { try { return run.apply(state); } finally { run.end(); } },
      mapIds: (state) => liveMapIds(state, { pin: a.pin, pinRoot: a['pin-root'] }),
      resyncMs: resync * 1000,
      onEvent: watchLogger(a.file!, a.json === true, a.verbose === true),
    });
    trap.onSignal(stop);
    if (trap.received) stop(trap.received);
  });
}
