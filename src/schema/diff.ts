/**
 * diffMaps / diffObjects: what a new version of an object changes in each map, field by field, from
 * the two schemas alone (pure: no kernel). Per map one verdict:
 *
 * - identical: same map type, sizes, flags, max entries, and the same types (names included);
 * - compatible: the same bytes mean the same thing (only type names differ, e.g. a typedef, or fields
 *   renamed through `rename`);
 * - migratable: the entries can be copied field by field by name into a map of the new definition
 *   (fields added, removed, moved, resized; arrays grown or shrunk; max entries or flags changed);
 * - incompatible: the map type changed, the key changed (a key's bytes are what entries are found by),
 *   a field changed kind (a number became a struct), or the map holds no entries that can be copied;
 *   with the reason;
 * - added / removed: the map is only in the new / only in the old version.
 */
import type { Field, MapSchema, TypeNode } from './types.js';

export type MapVerdict = 'identical' | 'compatible' | 'migratable' | 'incompatible' | 'added' | 'removed';

export type ChangeKind =
  | 'added' | 'removed' | 'moved' | 'renamed' | 'resized' | 'signedness' | 'grown' | 'shrunk'
  | 'enum-values' | 'retyped' | 'max-entries' | 'flags' | 'type-name';

export interface Change {
  /** `value.rules[].priority`, `max_entries`, `flags`. */
  readonly path: string;
  readonly change: ChangeKind;
  /** What it was and what it becomes, for people (`offset 5`, `u32`, `100 elements`). */
  readonly from?: string;
  readonly to?: string;
  /** The change can lose data for some values (a narrower int, a shorter array, an enum value gone). */
  readonly lossy?: boolean;
}

export interface MapDiff {
  readonly name: string;
  readonly verdict: MapVerdict;
  readonly changes: readonly Change[];
  /** Why the map is incompatible. */
  readonly reason?: string;
}

export interface ObjectDiff {
  /** The worst verdict over all maps (identical < compatible < migratable (added, removed) < incompatible). */
  readonly verdict: 'identical' | 'compatible' | 'migratable' | 'incompatible';
  readonly maps: readonly MapDiff[];
}

export interface DiffOptions {
  /** `old=new` field names (`priority=weight`) and map names: a renamed field or map is matched by its old name. */
  readonly rename?: Readonly<Record<string, string>>;
}

const MAX_DEPTH = 32;

/** Map types whose entries cannot be read and written back by user space. */
const NO_COPY: ReadonlySet<string> = new Set(['ringbuf', 'user_ringbuf', 'perf_event_array', 'prog_array', 'array_of_maps',
  'hash_of_maps', 'stack_trace', 'cgroup_array', 'devmap', 'devmap_hash', 'cpumap', 'xskmap', 'sockmap', 'sockhash',
  'struct_ops', 'arena', 'queue', 'stack', 'bloom_filter', 'cgroup_storage', 'percpu_cgroup_storage', 'sk_storage', 'inode_storage', 'task_storage', 'cgrp_storage']);

function typeLabel(t: TypeNode): string {
  switch (t.kind) {
    case 'int': return `${t.signed ? 's' : 'u'}${t.size * 8}${t.name ? ` (${t.name})` : ''}`;
    case 'enum': return `enum${t.name ? ` ${t.name}` : ''} (${t.size} bytes)`;
    case 'array': return `${t.length} x ${typeLabel(t.element)}`;
    default: return `${t.kind}${t.name ? ` ${t.name}` : ''} (${t.size} bytes)`;
  }
}

/**
 * Whether two types lay out the same bytes with the same meaning: same kinds, sizes, offsets, bit
 * positions, signedness, byte order, array lengths, enum values, and the same field names at the same
 * places (two u32 fields swapped have the same sizes but not the same meaning). Only type names
 * (struct tags, typedefs) and fields renamed through `rename` may differ. Opaque bytes (no BTF) match
 * anything of their size: there is nothing to compare.
 */
export function sameBytes(a: TypeNode, b: TypeNode, rename: Readonly<Record<string, string>> = {}, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (a.size !== b.size) return false;
  if (a.kind === 'bytes' || b.kind === 'bytes') return true;
  if (a.kind === 'pointer' || b.kind === 'pointer') return a.kind === b.kind;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'int': {
      const x = b as typeof a;
      return a.signed === x.signed && a.byteOrder === x.byteOrder && a.bits === x.bits && a.encoding === x.encoding;
    }
    case 'float': return true;
    case 'enum': {
      const x = b as typeof a;
      return a.signed === x.signed && a.values.length === x.values.length &&
        a.values.every((v, i) => v.value === x.values[i]!.value && v.name === x.values[i]!.name);
    }
    case 'array': {
      const x = b as typeof a;
      return a.length === x.length && sameBytes(a.element, x.element, rename, depth + 1);
    }
    case 'struct':
    case 'union': {
      const x = b as typeof a;
      return a.fields.length === x.fields.length && a.fields.every((f, i) => {
        const g = x.fields[i]!;
        return (f.name === g.name || rename[f.name] === g.name) && f.offset === g.offset && (f.bitOffset ?? 0) === (g.bitOffset ?? 0) &&
          (f.bitSize ?? 0) === (g.bitSize ?? 0) && sameBytes(f.type, g.type, rename, depth + 1);
      });
    }
  }
  return false;
}

/** The type names and renamed fields of two types with the same bytes (sameBytes), as changes. */
function nameChanges(old: TypeNode, cur: TypeNode, path: string, out: Change[], depth: number): void {
  if (depth > MAX_DEPTH || old.kind === 'bytes' || cur.kind === 'bytes') return;
  if (old.name !== cur.name) out.push({ path, change: 'type-name', from: old.name || '(anonymous)', to: cur.name || '(anonymous)' });
  if (old.kind === 'array' && cur.kind === 'array') nameChanges(old.element, cur.element, `${path}[]`, out, depth + 1);
  if ((old.kind === 'struct' || old.kind === 'union') && (cur.kind === 'struct' || cur.kind === 'union')) {
    old.fields.forEach((f, i) => {
      const g = cur.fields[i]!;
      const at = `${path}.${g.name || `#${i}`}`;
      if (f.name !== g.name) out.push({ path: at, change: 'renamed', from: f.name || '(anonymous)', to: g.name || '(anonymous)' });
      nameChanges(f.type, g.type, at, out, depth + 1);
    });
  }
}

/** Same bytes and the same names everywhere. */
function identicalTypes(a: TypeNode | null, b: TypeNode | null, depth = 0): boolean {
  if (a === null || b === null) return a === b;
  if (depth > MAX_DEPTH) return true;
  if (a.kind === 'bytes' || b.kind === 'bytes') return a.kind === b.kind && a.size === b.size;
  if (a.name !== b.name || !sameBytes(a, b)) return false;
  if (a.kind === 'array' && b.kind === 'array') return identicalTypes(a.element, b.element, depth + 1);
  if ((a.kind === 'struct' || a.kind === 'union') && (b.kind === 'struct' || b.kind === 'union')) {
    return a.fields.every((f, i) => f.name === b.fields[i]!.name && identicalTypes(f.type, b.fields[i]!.type, depth + 1));
  }
  return true;
}

/** The old field a new field takes its value from: the same name, or the name `rename` maps to it. */
export function oldFieldFor(old: readonly Field[], f: Field, index: number, rename: Readonly<Record<string, string>>): Field | undefined {
  // Anonymous members: matched by their position among the anonymous members.
  if (f.name === '') return old.filter((x) => x.name === '')[index];
  const from = Object.entries(rename).find(([, to]) => to === f.name)?.[0];
  return old.find((x) => x.name === (from ?? f.name));
}

function anonIndex(fields: readonly Field[], i: number): number {
  let n = 0;
  for (let j = 0; j < i; j++) if (fields[j]!.name === '') n++;
  return n;
}

/**
 * The field-by-field changes from `old` to `cur` at `path`, appended to `out`. Returns a reason when a
 * value cannot be converted (a field changed kind), else null.
 */
export function diffTypes(old: TypeNode, cur: TypeNode, path: string, out: Change[], rename: Readonly<Record<string, string>> = {}, depth = 0): string | null {
  if (depth > MAX_DEPTH) return null;
  if (sameBytes(old, cur, rename)) {
    nameChanges(old, cur, path, out, depth);
    return null;
  }
  const numeric = (t: TypeNode) => t.kind === 'int' || t.kind === 'enum';
  if (numeric(old) && numeric(cur)) return diffNumbers(old, cur, path, out);
  if (old.kind !== cur.kind) {
    out.push({ path, change: 'retyped', from: typeLabel(old), to: typeLabel(cur) });
    return `${path}: was ${typeLabel(old)}, becomes ${typeLabel(cur)}: no field-by-field conversion`;
  }
  if (old.kind === 'array' && cur.kind === 'array') {
    if (old.length !== cur.length) {
      out.push({ path, change: cur.length > old.length ? 'grown' : 'shrunk', from: `${old.length} elements`, to: `${cur.length} elements`, ...(cur.length < old.length ? { lossy: true } : {}) });
    }
    return diffTypes(old.element, cur.element, `${path}[]`, out, rename, depth + 1);
  }
  if (old.kind === 'struct' && cur.kind === 'struct') {
    if (old.name !== cur.name) out.push({ path, change: 'type-name', from: old.name || '(anonymous)', to: cur.name || '(anonymous)' });
    if (old.size !== cur.size) out.push({ path, change: 'resized', from: `${old.size} bytes`, to: `${cur.size} bytes` });
    let reason: string | null = null;
    const used = new Set<Field>();
    cur.fields.forEach((f, i) => {
      const at = `${path}.${f.name || `#${i}`}`;
      const o = oldFieldFor(old.fields, f, anonIndex(cur.fields, i), rename);
      if (!o) { out.push({ path: at, change: 'added', to: `${typeLabel(f.type)} at offset ${f.offset}` }); return; }
      used.add(o);
      if (o.name !== f.name) out.push({ path: at, change: 'renamed', from: o.name, to: f.name });
      if (o.offset !== f.offset || (o.bitOffset ?? 0) !== (f.bitOffset ?? 0)) {
        out.push({ path: at, change: 'moved', from: `offset ${o.offset}${o.bitOffset ? `+${o.bitOffset} bits` : ''}`, to: `offset ${f.offset}${f.bitOffset ? `+${f.bitOffset} bits` : ''}` });
      }
      if ((o.bitSize ?? 0) !== (f.bitSize ?? 0)) {
        out.push({ path: at, change: 'resized', from: `${o.bitSize ?? o.type.size * 8} bits`, to: `${f.bitSize ?? f.type.size * 8} bits`, ...((f.bitSize ?? f.type.size * 8) < (o.bitSize ?? o.type.size * 8) ? { lossy: true } : {}) });
        reason ??= `${at}: a bitfield changed width: bitfields are copied only when their layout is unchanged`;
      }
      reason ??= diffTypes(o.type, f.type, at, out, rename, depth + 1);
    });
    old.fields.forEach((o, i) => {
      if (!used.has(o)) out.push({ path: `${path}.${o.name || `#${i}`}`, change: 'removed', from: `${typeLabel(o.type)} at offset ${o.offset}`, lossy: true });
    });
    return reason;
  }
  if (old.kind === 'float' && cur.kind === 'float') {
    out.push({ path, change: 'resized', from: typeLabel(old), to: typeLabel(cur) });
    return `${path}: a float changed size: not converted`;
  }
  out.push({ path, change: 'retyped', from: typeLabel(old), to: typeLabel(cur) });
  return `${path}: a ${old.kind} changed layout (${typeLabel(old)} -> ${typeLabel(cur)}): only structs, arrays, integers and enums are converted`;
}

function intRange(t: TypeNode): [bigint, bigint] {
  const bits = BigInt(t.kind === 'int' && t.bits ? t.bits : t.size * 8);
  const signed = (t.kind === 'int' || t.kind === 'enum') && t.signed;
  return signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
}

function diffNumbers(old: TypeNode, cur: TypeNode, path: string, out: Change[]): null {
  const [olo, ohi] = intRange(old), [nlo, nhi] = intRange(cur);
  const fits = nlo <= olo && ohi <= nhi;
  if (old.size !== cur.size || (old.kind === 'int' && cur.kind === 'int' && old.bits !== cur.bits)) {
    out.push({ path, change: 'resized', from: typeLabel(old), to: typeLabel(cur), ...(fits ? {} : { lossy: true }) });
  } else if (old.kind === 'int' && cur.kind === 'int' && old.signed !== cur.signed) {
    out.push({ path, change: 'signedness', from: typeLabel(old), to: typeLabel(cur), lossy: true });
  } else if (old.kind === 'int' && cur.kind === 'int' && old.byteOrder !== cur.byteOrder) {
    out.push({ path, change: 'retyped', from: `${typeLabel(old)} ${old.byteOrder ?? 'host'} order`, to: `${typeLabel(cur)} ${cur.byteOrder ?? 'host'} order` });
  } else if (old.kind !== cur.kind || old.name !== cur.name) {
    out.push({ path, change: 'type-name', from: typeLabel(old), to: typeLabel(cur) });
  }
  if (old.kind === 'enum' && cur.kind === 'enum') {
    const gone = old.values.filter((v) => !cur.values.some((w) => w.name === v.name));
    const moved = old.values.filter((v) => cur.values.some((w) => w.name === v.name && w.value !== v.value));
    if (gone.length > 0 || moved.length > 0) {
      out.push({
        path, change: 'enum-values',
        from: [...gone.map((v) => `${v.name} gone`), ...moved.map((v) => `${v.name}=${v.value}`)].join(', '),
        to: moved.map((v) => `${v.name}=${cur.values.find((w) => w.name === v.name)!.value}`).join(', ') || '-',
        ...(gone.length > 0 ? { lossy: true } : {}),
      });
    }
  }
  return null;
}

function flagsDiffer(old: MapSchema, cur: MapSchema): boolean {
  return old.mapFlags !== cur.mapFlags;
}

/** The changes of one map from its old to its new definition. */
export function diffMaps(old: MapSchema, cur: MapSchema, opts: DiffOptions = {}): MapDiff {
  const rename = opts.rename ?? {};
  const changes: Change[] = [];
  const name = cur.name;
  const bad = (reason: string): MapDiff => ({ name, verdict: 'incompatible', changes, reason });
  if (old.typeId !== cur.typeId) {
    changes.push({ path: 'type', change: 'retyped', from: old.type, to: cur.type });
    return bad(`map type: was ${old.type}, becomes ${cur.type}`);
  }
  if (old.maxEntries !== cur.maxEntries) {
    changes.push({ path: 'max_entries', change: 'max-entries', from: String(old.maxEntries), to: String(cur.maxEntries), ...(cur.maxEntries < old.maxEntries ? { lossy: true } : {}) });
  }
  if (flagsDiffer(old, cur)) changes.push({ path: 'flags', change: 'flags', from: `0x${old.mapFlags.toString(16)}`, to: `0x${cur.mapFlags.toString(16)}` });
  const keyChanges: Change[] = [];
  let keyReason: string | null = null;
  if (old.key && cur.key) {
    if (!sameBytes(old.key, cur.key, rename)) {
      diffTypes(old.key, cur.key, 'key', keyChanges, rename);
      keyReason = `key: the key's layout changed (${keyChanges.map((c) => `${c.path} ${c.change}`).join(', ') || `${old.keySize} -> ${cur.keySize} bytes`}): entries are found by their key bytes`;
    } else {
      diffTypes(old.key, cur.key, 'key', keyChanges, rename);
    }
  } else if ((old.key === null) !== (cur.key === null) || old.keySize !== cur.keySize) {
    keyReason = `key: was ${old.keySize} bytes, becomes ${cur.keySize} bytes`;
    keyChanges.push({ path: 'key', change: 'resized', from: `${old.keySize} bytes`, to: `${cur.keySize} bytes` });
  }
  changes.push(...keyChanges);
  let valueReason: string | null = null;
  if (old.value && cur.value) valueReason = diffTypes(old.value, cur.value, 'value', changes, rename);
  else if (old.valueSize !== cur.valueSize) {
    changes.push({ path: 'value', change: 'resized', from: `${old.valueSize} bytes`, to: `${cur.valueSize} bytes` });
    valueReason = `value: was ${old.valueSize} bytes, becomes ${cur.valueSize} bytes, with no layout to convert by`;
  }
  if (keyReason) return bad(keyReason);
  if (valueReason) return bad(valueReason);
  // Map-in-map: the inner maps' definition, compared the same way (migrate moves them with the outer map).
  const outer = old.inner !== undefined && cur.inner !== undefined;
  if (outer) {
    const d = diffMaps(old.inner!, cur.inner!, opts);
    changes.push(...d.changes.map((c) => ({ ...c, path: `inner.${c.path}` })));
    if (d.verdict === 'incompatible') return bad(`inner map: ${d.reason}`);
  }
  const layoutSame = changes.every((c) => c.change === 'type-name' || c.change === 'renamed');
  if (layoutSame && old.maxEntries === cur.maxEntries && !flagsDiffer(old, cur)) {
    const same = changes.length === 0 && identicalTypes(old.key, cur.key) && identicalTypes(old.value, cur.value);
    return { name, verdict: same ? 'identical' : 'compatible', changes };
  }
  if (NO_COPY.has(cur.type) && !outer) return bad(`a ${cur.type} map's entries cannot be copied by user space`);
  if (old.perCpu !== cur.perCpu) return bad('per-CPU changed');
  return { name, verdict: 'migratable', changes };
}

const RANK: Record<MapVerdict, number> = { identical: 0, compatible: 1, added: 2, removed: 2, migratable: 2, incompatible: 3 };

/** Every map of both versions, in the new object's order, then the maps only the old one has. */
export function diffObjects(old: readonly MapSchema[], cur: readonly MapSchema[], opts: DiffOptions = {}): ObjectDiff {
  const rename = opts.rename ?? {};
  const maps: MapDiff[] = [];
  const seen = new Set<MapSchema>();
  for (const m of cur) {
    const from = Object.entries(rename).find(([, to]) => to === m.name)?.[0] ?? m.name;
    const o = old.find((x) => x.name === from);
    if (!o) { maps.push({ name: m.name, verdict: 'added', changes: [] }); continue; }
    seen.add(o);
    const d = diffMaps(o, m, opts);
    maps.push(o.name !== m.name ? { ...d, changes: [{ path: 'name', change: 'renamed', from: o.name, to: m.name }, ...d.changes] } : d);
  }
  for (const o of old) if (!seen.has(o)) maps.push({ name: o.name, verdict: 'removed', changes: [] });
  const worst = maps.reduce((w, d) => Math.max(w, RANK[d.verdict]), 0);
  return { verdict: (['identical', 'compatible', 'migratable', 'incompatible'] as const)[worst]!, maps };
}
