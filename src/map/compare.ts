/**
 * Differences between what the object says (MapSchema) and what the kernel has (MapInfo, and the
 * key/value types decoded from the kernel's BTF). Pure functions: every difference, as one line each.
 */
import type { MapSchema, TypeNode } from '../schema/types.js';
import type { MapInfo } from '../syscall/info.js';
import { loaderDef } from './loader-def.js';

const MAX_DEPTH = 32;

/**
 * Type, key size, value size, max entries, flags, against the map as a loader creates it (loader-def.ts:
 * a ring buffer declared with key/value types has key and value size 0). `maxEntries` is the size the
 * caller set instead of the object's.
 */
export function compareInfo(schema: MapSchema, info: MapInfo, maxEntries?: number): string[] {
  const d: string[] = [];
  const want = loaderDef(schema, maxEntries);
  if (schema.typeId !== info.type) d.push(`type: expected ${schema.type}, got ${info.typeName}`);
  if (want.keySize !== info.keySize) d.push(`key size: expected ${want.keySize}, got ${info.keySize}`);
  if (want.valueSize !== info.valueSize) d.push(`value size: expected ${want.valueSize}, got ${info.valueSize}`);
  // Perf event arrays and global data are sized by the loader; max_entries 0 means "fill in".
  if ((maxEntries ?? schema.maxEntries) !== 0 && want.maxEntries !== info.maxEntries) {
    d.push(`max entries: expected ${want.maxEntries}, got ${info.maxEntries}`);
  }
  // The kernel may add flags of its own (e.g. RDONLY_PROG for .rodata, MMAPABLE); compare the object's bits.
  if ((info.mapFlags & schema.mapFlags) !== schema.mapFlags) {
    d.push(`flags: expected 0x${schema.mapFlags.toString(16)}, got 0x${info.mapFlags.toString(16)}`);
  }
  return d;
}

/** Names, sizes, kinds, field names and offsets, recursively; `path` names the place (`key`, `value.rules`). */
export function compareTypes(want: TypeNode, got: TypeNode, path: string, out: string[] = [], depth = 0): string[] {
  if (depth > MAX_DEPTH) return out;
  if (want.kind === 'bytes' || got.kind === 'bytes') {
    if (want.size !== got.size) out.push(`${path}: expected ${want.size} bytes, got ${got.size}`);
    return out;
  }
  if (want.kind !== got.kind) {
    out.push(`${path}: expected ${want.kind} ${want.name || '(anonymous)'}, got ${got.kind} ${got.name || '(anonymous)'}`);
    return out;
  }
  if (want.name !== got.name) out.push(`${path}: expected type name '${want.name}', got '${got.name}'`);
  if (want.size !== got.size) out.push(`${path}: expected size ${want.size}, got ${got.size}`);
  if (want.kind === 'array' && got.kind === 'array') {
    if (want.length !== got.length) out.push(`${path}: expected ${want.length} elements, got ${got.length}`);
    compareTypes(want.element, got.element, `${path}[]`, out, depth + 1);
  } else if ((want.kind === 'struct' || want.kind === 'union') && (got.kind === 'struct' || got.kind === 'union')) {
    const n = Math.max(want.fields.length, got.fields.length);
    for (let i = 0; i < n; i++) {
      const w = want.fields[i], g = got.fields[i];
      const at = `${path}.${w?.name || g?.name || `#${i}`}`;
      if (!w) { out.push(`${at}: not in the object, but in the kernel's type`); continue; }
      if (!g) { out.push(`${at}: missing from the kernel's type`); continue; }
      if (w.name !== g.name) out.push(`${path}.#${i}: expected field '${w.name}', got '${g.name}'`);
      if (w.offset !== g.offset || (w.bitOffset ?? 0) !== (g.bitOffset ?? 0)) {
        out.push(`${at}: expected offset ${w.offset}${w.bitOffset ? `+${w.bitOffset} bits` : ''}, got ${g.offset}${g.bitOffset ? `+${g.bitOffset} bits` : ''}`);
      }
      if ((w.bitSize ?? 0) !== (g.bitSize ?? 0)) out.push(`${at}: expected ${w.bitSize ?? 'no'} bit size, got ${g.bitSize ?? 'none'}`);
      compareTypes(w.type, g.type, at, out, depth + 1);
    }
  } else if (want.kind === 'int' && got.kind === 'int') {
    if (want.signed !== got.signed) out.push(`${path}: expected ${want.signed ? 'signed' : 'unsigned'}, got ${got.signed ? 'signed' : 'unsigned'}`);
  }
  return out;
}
