/**
 * Global data (.data, .bss, .rodata, .data.<name>): one array entry at key 0 whose value is the
 * section's variables at their offsets. Variables are read and written by name: read the entry, patch
 * only the named variables with their own codecs, write the entry back.
 */
import type { Field, MapSchema } from '../schema/types.js';
import { compileCodec } from '../codec/index.js';
import { takesIfname } from '../codec/ifname.js';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import { stringifyJson } from '../text/json.js';
import { frozenError } from './frozen.js';
import type { LiveMap } from './live-map.js';
import { withMapLock, type LockOptions } from './lock.js';

function variables(live: LiveMap): readonly Field[] {
  const v = live.schema.value;
  if (!v || v.kind !== 'struct' || live.info.typeName !== 'array') {
    throw new BpfmapError(ERROR_CODE.VALUE_INVALID,
      `${live.subject}: expected a global data map (.data, .bss, .rodata) with BTF, got ${live.info.typeName} with ${v ? `a ${v.kind} value` : 'no value type'}`);
  }
  return v.fields.filter((f) => f.name !== '');
}

function field(fields: readonly Field[], name: string, map: MapSchema): Field {
  const f = fields.find((x) => x.name === name);
  if (!f) {
    throw new ValueError(name, `no such variable in '${map.name}'; expected one of: ${fields.map((x) => x.name).join(', ') || '(none)'}`);
  }
  return f;
}

function codecOf(live: LiveMap, f: Field) {
  return compileCodec(f.type, { byteOrder: live.byteOrder, size: f.type.size, root: 'value', ifname: takesIfname(f) });
}

/** The named variables (all when `names` is omitted), decoded. */
export function getVariables(live: LiveMap, names?: readonly string[]): Record<string, unknown> {
  const fields = variables(live);
  const pick = names && names.length > 0 ? names.map((n) => field(fields, n, live.schema)) : fields;
  const raw = live.lookupRaw(new Uint8Array(4));
  const out: Record<string, unknown> = {};
  for (const f of pick) out[f.name] = codecOf(live, f).decode(raw, f.offset);
  return out;
}

/**
 * Sets variables by name: reads the entry, encodes each assignment at its variable's offset, writes
 * the entry back. Every name is checked before anything is written. A frozen map (.rodata of a loaded
 * program, or after MAP_FREEZE) is refused with a PERMISSION error that says so.
 * Compare-and-swap: the write happens under the map's lock (see lock.ts), after reading the entry
 * again; when it no longer holds what was read first (another writer changed a variable meanwhile),
 * nothing is written and a CONFLICT error names the variables that changed, old and new.
 */
export function setVariables(live: LiveMap, assignments: Readonly<Record<string, unknown>>, opts: LockOptions = {}): void {
  const fields = variables(live);
  const names = Object.keys(assignments);
  const targets = names.map((n) => field(fields, n, live.schema));
  const key = new Uint8Array(4); // key 0 in either byte order
  const read = live.lookupRaw(key);
  const raw = read.slice();
  for (const f of targets) codecOf(live, f).encodeInto(assignments[f.name], raw, f.offset, f.name);
  withMapLock(live.info.id, live.subject, opts, () => {
    const now = live.lookupRaw(key);
    if (!equalBytes(now, 0, read, 0, read.byteLength)) throw changedError(live, fields, read, now);
    try {
      live.updateRaw(key, raw);
    } catch (e) {
      const code = (e as { code?: string }).code;
      // The read above worked, so EPERM on the write is the map refusing writes, not missing privileges.
      if (code === ERROR_CODE.PERMISSION && !(e as Error).message.includes('is frozen')) throw frozenError(live.schema.name, e);
      throw e;
    }
  });
}

/** CONFLICT: which variables another writer changed between the read and the write, old -> new. */
function changedError(live: LiveMap, fields: readonly Field[], before: Uint8Array, now: Uint8Array): BpfmapError {
  const lines: string[] = [];
  for (const f of fields) {
    const c = codecOf(live, f);
    const a = stringifyJson(c.decode(before, f.offset)), b = stringifyJson(c.decode(now, f.offset));
    if (a !== b) lines.push(`  ${f.name}: ${a} -> ${b}`);
  }
  const what = lines.length > 0 ? lines.join('\n') : '  (bytes outside the named variables)';
  return new BpfmapError(ERROR_CODE.CONFLICT,
    `${live.subject}: changed by another writer since it was read; nothing written. Changed:\n${what}\nread the variables again and retry`);
}
