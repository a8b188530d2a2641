/**
 * Partial updates: change some fields of one entry (`rules[3].action=2`) by read-modify-write.
 * The entry is read, decoded, patched, encoded, and written only if the entry still holds the bytes
 * that were read (read again right before the write; on a difference the patch is applied again to
 * the new bytes, up to MAX_ROUNDS times). Callers that share the map with other bpfmap writers hold
 * the map's lock around it (withMapLock), which makes the read and the write one step for them; the
 * re-read covers writers that take no lock (a program, another tool) up to the write itself.
 */
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import type { LiveMap } from './live-map.js';

/** One assignment: the field path as segments (`['rules', 3, 'action']`) and its typed value. */
export interface FieldAssignment {
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

const MAX_ROUNDS = 10;

/** `rules[3].action` -> ['rules', 3, 'action']; `cpu0.allow_stats.packets` for one CPU of a per-CPU value. */
export function parseFieldPath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  let i = 0;
  const s = text.trim();
  while (i < s.length) {
    if (s[i] === '[') {
      const m = /^\[(\d+)\]/.exec(s.slice(i));
      if (!m) throw new ValueError(text, 'expected an array index like [3]');
      if (/^0\d/.test(m[1]!)) throw new ValueError(text, leadingZeroIndex(m[1]!));
      out.push(Number(m[1]));
      i += m[0].length;
    } else {
      if (out.length > 0) {
        if (s[i] !== '.') throw new ValueError(text, `expected '.' or '[' at character ${i + 1}`);
        i++;
      }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
      if (!m) throw new ValueError(text, `expected a field name at character ${i + 1}`);
      out.push(m[0]);
      i += m[0].length;
    }
  }
  if (out.length === 0) throw new ValueError(text, 'expected a field path like rules[3].action');
  return out;
}

/** An index written with a leading zero: C reads 010 as 8, most tools as 10; neither is guessed. */
function leadingZeroIndex(digits: string): string {
  const octal = /^[0-7]+$/.test(digits) ? ` (C reads it as octal, ${parseInt(digits, 8)})` : '';
  return `expected an index without a leading zero, got ${digits}${octal}: write ${Number(digits)}${octal ? ` or ${parseInt(digits, 8)}` : ''}`;
}

function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);

/**
 * The value a field gets: a struct given as an object, or an array given as an index map
 * (`{3: {action: 2}}`), changes only the members and elements it names, as the option promises; a
 * list for an array of structs is refused (it would zero every element it does not list); other
 * values (numbers, strings, byte lists) replace the field.
 */
function merge(old: unknown, given: unknown, at: readonly (string | number)[]): unknown {
  const where = `value${typeof at[0] === 'number' ? '' : '.'}${pathText(at)}`;
  if (isRecord(given) && isRecord(old)) {
    for (const [k, v] of Object.entries(given)) {
      if (!Object.hasOwn(old, k)) throw new ValueError(`${where}.${k}`, `unknown field; fields are ${Object.keys(old).join(', ')}`);
      old[k] = merge(old[k], v, [...at, k]);
    }
    return old;
  }
  if (isRecord(given) && Array.isArray(old)) {
    for (const [k, v] of Object.entries(given)) {
      if (!/^\d+$/.test(k) || Number(k) >= old.length) throw new ValueError(`${where}[${k}]`, `expected an index 0..${old.length - 1}`);
      if (/^0\d/.test(k)) throw new ValueError(`${where}[${k}]`, leadingZeroIndex(k));
      old[Number(k)] = merge(old[Number(k)], v, [...at, Number(k)]);
    }
    return old;
  }
  if (Array.isArray(given) && Array.isArray(old) && old.some((e) => isRecord(e) || Array.isArray(e))) {
    throw new ValueError(where, `expected an index map of the elements to change ({3: {...}}), got a list: a list would set all ${old.length} ` +
      'elements, zeroing those it leaves out (write the whole entry with `value` for that)');
  }
  return given;
}

/** Sets `value` at `path` inside the decoded value `root`; every step must exist. `at` is the path so far. */
function assign(root: unknown, path: readonly (string | number)[], value: unknown, at: readonly (string | number)[] = []): unknown {
  if (path.length === 0) return merge(root, value, at);
  const [head, ...rest] = path;
  const here = [...at, head!];
  const where = `value${typeof here[0] === 'number' ? '' : '.'}${pathText(here)}`;
  if (typeof head === 'number') {
    if (!Array.isArray(root)) throw new ValueError(where, 'expected a field name here, not an index: this is not an array');
    if (head >= root.length) throw new ValueError(where, `expected an index 0..${root.length - 1}`);
    root[head] = assign(root[head], rest, value, here);
    return root;
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root) || root instanceof Uint8Array || !Object.hasOwn(root, head!)) {
    const fields = typeof root === 'object' && root !== null && !Array.isArray(root) && !(root instanceof Uint8Array) ? Object.keys(root).join(', ') : '';
    throw new ValueError(where, fields ? `unknown field; fields are ${fields}` : 'expected no field name here: this is not a struct');
  }
  const rec = root as Record<string, unknown>;
  rec[head!] = assign(rec[head!], rest, value, here);
  return root;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Changes the given fields of the entry under `key` (which must exist; LPM tries: exactly this
 * prefix) and writes it back if it did not change meanwhile. Per-CPU maps: a path starting with
 * `cpuN` changes that CPU's value, any other path every CPU's. Returns how many read rounds it took.
 */
export function updateFields(live: LiveMap, key: unknown, sets: readonly FieldAssignment[]): { rounds: number } {
  const k = live.encodeKey(key);
  if (live.info.typeName === 'lpm_trie') live.lookupLpm(key, { exact: true }); // KEY_NOT_FOUND unless this very prefix
  let before = live.lookupRaw(k);
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    let value = live.decodeValue(before, { prettyAddresses: true, labelCpus: true });
    for (const s of sets) {
      if (live.perCpu && !(typeof s.path[0] === 'string' && /^cpu\d+$/.test(s.path[0]))) {
        for (const cpu of Object.keys(value as object)) value = assign(value, [cpu, ...s.path], s.value);
      } else {
        value = assign(value, s.path, s.value);
      }
    }
    const after = live.encodeValue(value);
    const now = live.lookupRaw(k);
    if (sameBytes(now, before)) {
      live.updateRaw(k, after, 'exist');
      return { rounds: round };
    }
    before = now;
  }
  throw new BpfmapError(ERROR_CODE.CONFLICT, `${live.subject}: the entry changed ${MAX_ROUNDS} times while its fields were being set; nothing written`);
}
