/**
 * Legacy maps: the `maps` section holds one definition per map symbol, starting with the five u32
 * fields of `struct bpf_map_def` (type, key_size, value_size, max_entries, map_flags). Key and value
 * types come from a `____btf_map_<name>` struct (BPF_ANNOTATE_KV_PAIR) when the BTF has one, else
 * opaque bytes.
 *
 * Each definition is as long as its symbol says (st_size): one section can mix layouts (a 20-byte
 * `struct bpf_map_def` next to iproute2's 36-byte `struct bpf_elf_map`, or several objects linked
 * together), so slots of equal size (what libbpf before 1.0 and cilium/ebpf assume) would misread it.
 * Only when no symbol has a size is the section divided equally among its symbols. Bytes after
 * map_flags must be zero (libbpf refuses them otherwise), except in iproute2's 36-byte layout, whose
 * `pinning` field says where tc pins the map.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { Reader } from '../bytes.js';
import { fileContents, STT, type ElfFile, type ElfSymbol } from '../elf/index.js';
import type { MapSchema } from '../schema/types.js';
import type { Btf } from '../btf/btf.js';
import { BTF_KIND as K } from '../btf/kinds.js';
import { buildMapSchema, bytesNode } from './map-schema.js';
import { KEYLESS_MAP_TYPES, NO_KV_MAP_TYPES } from '../uapi/map-constants.js';
import { attempt, unusable, type MapResult } from './map-result.js';
import { typeNode } from '../schema/from-btf.js';

/** sizeof(struct bpf_map_def): the five u32 fields every legacy layout starts with. */
const DEF_MIN = 20;
/** sizeof(struct bpf_elf_map), iproute2's layout: bpf_map_def + id, pinning, inner_id, inner_idx. */
const IPROUTE2_DEF = 36;
/** iproute2's PIN_GLOBAL_NS: tc pins the map at /sys/fs/bpf/tc/globals/<name>. */
const PIN_GLOBAL_NS = 2;
export const IPROUTE2_GLOBALS = '/sys/fs/bpf/tc/globals';

function fail(message: string): never {
  throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, message);
}

interface Extent { sym: ElfSymbol; at: number; size: number }

/** Where each symbol's definition lies: st_size, or (no sizes at all) equal slots. */
function extents(syms: readonly ElfSymbol[], secSize: number): Extent[] | string {
  if (syms.every((s) => s.size === 0)) {
    if (secSize % syms.length !== 0) {
      return `section 'maps': its symbols have no sizes and its ${secSize} bytes do not divide into ${syms.length} equal definitions`;
    }
    const size = secSize / syms.length;
    return syms.map((sym) => ({ sym, at: sym.value, size }));
  }
  // Some symbols sized, some not (hand-written assembly): an unsized one runs to the next symbol.
  return syms.map((sym, i) => {
    const next = i + 1 < syms.length ? syms[i + 1]!.value : secSize;
    return { sym, at: sym.value, size: sym.size > 0 ? sym.size : Math.max(0, next - sym.value) };
  });
}

export function parseLegacyMaps(elf: ElfFile, btf: Btf | null): MapResult[] {
  const sec = elf.section('maps');
  if (!sec) return [];
  const syms = elf.symbols
    .filter((s) => s.shndx === sec.index && s.type !== STT.SECTION && s.type !== STT.FILE && s.name !== '')
    .sort((a, b) => a.value - b.value || a.index - b.index);
  if (syms.length === 0) return [];
  const ext = extents(syms, sec.size);
  if (typeof ext === 'string') return syms.map((s) => unusable(s.name, 'maps', ERROR_CODE.MAP_DEF_INVALID, `map '${s.name}': ${ext}`));
  const r = new Reader(fileContents(elf, sec, 'the map definitions'), elf.byteOrder, `section 'maps'`);
  return ext.map((e, i) => attempt(e.sym.name, 'maps', () => {
    const prev = i > 0 ? ext[i - 1]! : undefined;
    if (e.at + e.size > sec.size) fail(`map '${e.sym.name}': definition at offset ${e.at} (${e.size} bytes) runs past the end of section 'maps' (${sec.size} bytes)`);
    if (prev && prev.at + prev.size > e.at) fail(`map '${e.sym.name}': definition at offset ${e.at} overlaps map '${prev.sym.name}' (offset ${prev.at}, ${prev.size} bytes)`);
    if (e.size < DEF_MIN) fail(`map '${e.sym.name}': definition is ${e.size} bytes, expected at least ${DEF_MIN} (struct bpf_map_def: type, key_size, value_size, max_entries, map_flags)`);
    return parseDef(r, e, btf);
  }));
}

function parseDef(r: Reader, e: Extent, btf: Btf | null): MapSchema {
  const { at, size } = e;
  const name = e.sym.name;
  const type = r.u32(at, `map '${name}' type`);
  const keySize = r.u32(at + 4, `map '${name}' key_size`);
  const valueSize = r.u32(at + 8, `map '${name}' value_size`);
  const maxEntries = r.u32(at + 12, `map '${name}' max_entries`);
  const mapFlags = r.u32(at + 16, `map '${name}' map_flags`);
  let pinPath: string | null = null;
  if (size === IPROUTE2_DEF) {
    // struct bpf_elf_map: after map_flags come id (20), pinning (24), inner_id (28), inner_idx (32).
    const pinning = r.u32(at + 24, `map '${name}' pinning`);
    if (pinning === PIN_GLOBAL_NS) pinPath = `${IPROUTE2_GLOBALS}/${name}`;
    else if (pinning !== 0) {
      fail(`map '${name}': pinning: expected 0 (none) or 2 (PIN_GLOBAL_NS, ${IPROUTE2_GLOBALS}), got ${pinning} (tc pins it under a per-object or custom directory bpfmap cannot name)`);
    }
    const innerId = r.u32(at + 28, `map '${name}' inner_id`);
    const innerIdx = r.u32(at + 32, `map '${name}' inner_idx`);
    if (innerId !== 0 || innerIdx !== 0) {
      fail(`map '${name}': inner_id/inner_idx: expected 0 (iproute2 map-in-map is not supported), got ${innerId}/${innerIdx}`);
    }
  } else {
    // Read as the u32 fields every known layout has there (trailing bytes one by one), so that both
    // byte orders name the same field.
    for (let o = DEF_MIN; o < size; o += o + 4 <= size ? 4 : 1) {
      const v = o + 4 <= size ? r.u32(at + o, `map '${name}' definition`) : r.u8(at + o, `map '${name}' definition`);
      if (v !== 0) {
        fail(`map '${name}': its ${size}-byte definition has a non-zero value (${v}) at offset ${o}, after map_flags: fields bpfmap does not know (libbpf refuses them too)`);
      }
    }
  }
  let keyTypeId = 0;
  let valueTypeId = 0;
  const kv = btf?.findByName(`____btf_map_${name}`, K.STRUCT);
  if (btf && kv) {
    for (const m of kv.members) {
      if (m.name === 'key') keyTypeId = m.typeId;
      if (m.name === 'value') valueTypeId = m.typeId;
    }
    if (keyTypeId && btf.sizeOf(keyTypeId) !== keySize) fail(`map '${name}': key_size: expected ${btf.sizeOf(keyTypeId)} (struct ${kv.name}), got ${keySize}`);
    if (valueTypeId && btf.sizeOf(valueTypeId) !== valueSize) fail(`map '${name}': value_size: expected ${btf.sizeOf(valueTypeId)} (struct ${kv.name}), got ${valueSize}`);
  }
  const noKv = NO_KV_MAP_TYPES.has(type);
  const key = keyTypeId && btf ? typeNode(btf, keyTypeId) : keySize > 0 && !noKv && !KEYLESS_MAP_TYPES.has(type) ? bytesNode(keySize) : null;
  const value = valueTypeId && btf ? typeNode(btf, valueTypeId) : valueSize > 0 && !noKv ? bytesNode(valueSize) : null;
  const schema = buildMapSchema({
    name, section: 'maps', type, keySize, valueSize, maxEntries, mapFlags, pinning: 'none',
    key, value, btfKeyTypeId: keyTypeId, btfValueTypeId: valueTypeId,
  });
  return pinPath ? { ...schema, pinPath } : schema;
}
