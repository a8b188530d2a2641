import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseValueText, parseDocument, isBpfmapError, BpfmapError, ERROR_CODE, stringifyJson, withMapLock } from '../../src/index.js';
import type { LiveMap } from '../../src/index.js';
import { toYaml, print } from '../output.js';
import { LOCK, IFINDEX, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, lockOptions, UsageError, type LockArgs, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withWritableMap } from '../target.js';
import { notice } from '../report.js';
import { signalExitCode, trapSignals, type SignalTrap } from '../signals.js';

interface Args extends TargetArgs, LockArgs {
  key?: string;
  flags?: 'any' | 'noexist' | 'exist';
}

const MAX_ROUNDS = 20;

/** $VISUAL or $EDITOR split into program and arguments: never run through a shell. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const e = (env.VISUAL || env.EDITOR || 'vi').trim();
  return e.split(/\s+/).filter(Boolean);
}

/** The buffer shows what `dump` prints: addresses as text, LPM keys as CIDR, per-CPU values by CPU. */
const READABLE = { compact: true, prettyAddresses: true, labelCpus: true } as const;

function currentDocument(live: LiveMap, key: unknown): { text: string; existed: boolean } {
  const k = live.encodeKey(key);
  const shownKey = k === null ? null : live.decodeKey(k, READABLE);
  let value: unknown;
  let existed = true;
  try {
    value = live.lookup(key, { ...READABLE, exact: true });
  } catch (e) {
    if (!isBpfmapError(e) || e.code !== ERROR_CODE.KEY_NOT_FOUND) throw e;
    existed = false;
    value = live.decodeValue(new Uint8Array(live.rawValueSize), READABLE);
  }
  const head = existed
    ? `# ${live.schema.name}: the current entry. Save to write it; leave it unchanged to cancel.\n`
    : `# ${live.schema.name}: no entry under this key yet; fill in the value (all zero now). Save to write it; leave it unchanged to cancel.\n`;
  return { text: head + toYaml({ key: shownKey, value }), existed };
}

export async function runEdit(a: Args): Promise<Record<string, unknown>> {
  // The write (one entry, or a move: write the new key, delete the old) is synchronous: with the stop
  // signals caught from just before it, a signal that comes meanwhile is taken in after it ended.
  let trap: SignalTrap | null = null;
  try {
    return await editEntry(a, () => { trap ??= trapSignals(); });
  } finally {
    const t = trap as SignalTrap | null;
    if (t) {
      const sig = await t.settle();
      t.dispose();
      if (sig !== null) {
        notice(`${sig}: received while writing; the edit ran to its end first (the entry written, or moved whole)`);
        process.exitCode = signalExitCode(sig);
      }
    }
  }
}

async function editEntry(a: Args, beforeWrite: () => void): Promise<Record<string, unknown>> {
  if (a.key === undefined) throw new UsageError('give the key of the entry to edit with --key');
  const key = parseValueText(a.key, 'key');
  // Loaded here, not with the module: node:child_process costs every other command ~2 ms of start-up.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  const locks = lockOptions(a);
  return withWritableMap(a, (live) => {
    const dir = mkdtempSync(join(tmpdir(), 'bpfmap-edit-'));
    const file = join(dir, 'entry.yaml');
    try {
      // The entry as the editor shows it: the write is a compare-and-swap against it.
      const first = currentDocument(live, key);
      let shown = first.text;
      let existed = first.existed;
      let original = shown;
      let text = original;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        writeFileSync(file, text, { mode: 0o600 });
        const [prog, ...args] = editorCommand();
        const r = spawnSync(prog!, [...args, file], { stdio: 'inherit', shell: false });
        if (r.error) throw new BpfmapError(ERROR_CODE.IO, `editor '${prog}': cannot start (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); set VISUAL or EDITOR`);
        if (r.status !== 0) throw new BpfmapError(ERROR_CODE.IO, `editor '${prog}' exited with ${r.status ?? r.signal}; nothing written`);
        let edited: string;
        try {
          edited = readFileSync(file, 'utf8');
        } catch (e) {
          // The editor deleted (or moved away) its file: nothing to write, and not a bug.
          throw new BpfmapError(ERROR_CODE.IO, `editor '${prog}' removed the file it was editing (${(e as NodeJS.ErrnoException).code ?? String(e)}); nothing written`);
        }
        const body = stripErrorHeader(edited);
        let fatal: BpfmapError | null = null;
        if (body === stripErrorHeader(original)) return { map: live.schema.name, written: 0, note: 'unchanged; nothing written' };
        try {
          const doc = parseDocument(body, 'entry.yaml', live.schema) as Record<string, unknown> | null;
          if (typeof doc !== 'object' || doc === null || !Object.hasOwn(doc, 'value')) {
            throw new BpfmapError(ERROR_CODE.VALUE_INVALID, "entry.yaml: expected a document with 'key' and 'value'");
          }
          const k = Object.hasOwn(doc, 'key') ? doc.key : key;
          // Encode both completely before the one write.
          const kb = live.encodeKey(k);
          live.encodeValue(doc.value);
          const moved = keyMove(live, key, kb, existed);
          // Under the map's lock: read the entry again; write only if it is still what was shown.
          const fresh = withMapLock(live.info.id, live.subject, locks, () => {
            const now = currentDocument(live, key);
            if (now.text !== shown) return now;
            beforeWrite();
            if (!moved) {
              live.update(k, doc.value, { flags: a.flags ?? 'any' });
              return null;
            }
            try {
              live.update(k, doc.value, { flags: 'noexist' });
            } catch (e) {
              if (!isBpfmapError(e) || e.code !== ERROR_CODE.KEY_EXISTS) throw e;
              throw new BpfmapError(ERROR_CODE.KEY_EXISTS, `entry.yaml: key: ${moved.to} already has an entry; moving ${moved.from} onto it would ` +
                'replace that entry: edit that entry instead, or delete it first');
            }
            // The new prefix was written first (a failed write leaves the old entry in place); the old
            // one goes now, and a failure here is not an input error to re-edit.
            try {
              live.delete(key);
            } catch (e) {
              if (!isBpfmapError(e)) throw e;
              fatal = new BpfmapError(e.code, `${e.message}; the entry was written under ${moved.to}, and the one under ${moved.from} is still there`);
              throw fatal;
            }
            return null;
          });
          if (fresh === null) {
            if (!moved) return { map: live.schema.name, written: 1 };
            return { map: live.schema.name, written: 1, deleted: 1, moved,
              note: `the key changed: moved the entry from ${moved.from} to ${moved.to} (the old entry is deleted)` };
          }
          const changes = changedLines(shown, fresh.text);
          if (process.stdin.isTTY !== true) {
            throw new BpfmapError(ERROR_CODE.CONFLICT, `${live.subject}: the entry changed while it was being edited; nothing written. Changed:\n${changes}\nrun bpfmap edit again`);
          }
          notice(`${live.subject}: the entry changed while it was being edited; nothing written. Changed:\n${changes}\nreopening the editor with the current entry`);
          shown = fresh.text;
          existed = fresh.existed;
          original = `# CHANGED by another writer while you edited (nothing was written):\n${changes.replace(/^/gm, '#')}\n` +
            `# your edit, not written:\n${body.replace(/^/gm, '#   ')}\n${fresh.text}`;
          text = original;
        } catch (e) {
          // A changed entry (non-interactive), another writer's lock or a half-done move ends the edit; the rest is the input's fault.
          if (!isBpfmapError(e) || e === fatal || e.code === ERROR_CODE.CONFLICT || e.code === ERROR_CODE.LOCKED) throw e;
          text = `# ERROR: ${e.message.replace(/\n/g, ' ')}\n# fix it and save again, or restore the text unchanged to cancel\n${body}`;
        }
      }
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `gave up after ${MAX_ROUNDS} invalid edits; nothing written`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Maps whose entries cannot be deleted (every index always exists): a key change cannot move. */
const FIXED_INDEX = new Set(['array', 'percpu_array']);

/**
 * An entry whose key was edited to another key is moved, never left behind as a second entry (a
 * copy): returns the two keys (as text) when that is the case, null when the key names the same
 * entry (LPM: the same prefix; host bits alone do not make another entry) or there was no entry
 * yet. The new entry is written with `noexist`: a move onto a key that already has an entry is
 * refused, as it would replace that entry too. In an array every index exists and none can be
 * deleted: a changed index is refused (edit that index instead).
 */
function keyMove(live: LiveMap, key: unknown, newKey: Uint8Array | null, existed: boolean): { from: string; to: string } | null {
  if (!existed || newKey === null) return null;
  const oldKey = live.encodeKey(key)!;
  if (live.sameEntry(oldKey, newKey)) return null;
  if (FIXED_INDEX.has(live.info.typeName)) {
    throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `entry.yaml: key: this ${live.info.typeName} cannot move an entry to another index ` +
      '(every index exists and none can be deleted): keep the key, and edit the other index with its own bpfmap edit');
  }
  const text = (b: Uint8Array) => stringifyJson(live.decodeKey(b, { prettyAddresses: true }));
  return { from: text(oldKey), to: text(newKey) };
}

/** The lines of the entry document that differ: `- old` and `+ new`. */
function changedLines(before: string, after: string): string {
  const a = before.split('\n').filter((l) => !l.startsWith('#') && l !== '');
  const b = after.split('\n').filter((l) => !l.startsWith('#') && l !== '');
  const out: string[] = [];
  for (const l of a) if (!b.includes(l)) out.push(`  - ${l}`);
  for (const l of b) if (!a.includes(l)) out.push(`  + ${l}`);
  return out.length > 0 ? out.join('\n') : '  (the entry was written again with the same value)';
}

function stripErrorHeader(text: string): string {
  return text.replace(/^(# ERROR: .*\n# fix it and save again.*\n)+/, '');
}

export const editCommand = defineCommand({
  command: 'edit',
  describe: 'edit one entry in $VISUAL/$EDITOR as YAML; invalid input re-opens the editor with the error on top, nothing is written unless valid',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...IFINDEX, ...LOCK,
    key: { type: 'string', describe: 'the key of the entry (YAML flow or JSON)' },
    flags: { type: 'string', choices: ['any', 'noexist', 'exist'], default: 'any', describe: 'update flags for the write' },
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ["EDITOR=nano $0 edit fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'", 'edit the rules of one CIDR'],
  ],
  handler: async (a) => {
    const r = await runEdit(a);
    if (a.json) print(r, true);
    else if (r.note) notice(String(r.note));
  },
});
