/**
 * Legacy maps: the `maps` section holds one `struct bpf_map_def` (type, key_size, value_size,
 * max_entries, map_flags as u32, possibly more bytes) per map symbol. Key and value types come from
 * a `____btf_map_<name>` struct (BPF_ANNOTATE_KV_PAIR) when the BTF has one, else opaque bytes.
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { Reader } from '../bytes.js';
import { STT, type ElfFile } from '../elf/index.js';
import type { MapSchema } from './schema-types.js';
import type { Btf } from './btf.js';
import { BTF_KIND as K } from './kinds.js';
import { buildMapSchema, bytesNode } from './map-schema.js';
import { KEYLESS_MAP_TYPES, NO_KV_MAP_TYPES } from './map-constants.js';

const DEF_MIN = 20;

function fail(message: string): never {
  throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, message);
}

export function parseLegacyMaps(elf: ElfFile, btf: Btf | null): MapSchema[] {
  const sec = elf.section('maps');
  if (!sec) return [];
  const syms = elf.symbols
    .filter((s) => s.shndx === sec.index && s.type !== STT.SECTION && s.name !== '')
    .sort((a, b) => a.value - b.value || a.index - b.index);
  if (syms.length === 0) return [];
  if (sec.size % syms.length !== 0) fail(`section 'maps': size ${sec.size} is not a multiple of its ${syms.length} map symbols`);
  const defSize = sec.size / syms.length;
  if (defSize < DEF_MIN) fail(`section 'maps': expected at least ${DEF_MIN} bytes per map definition, got ${defSize}`);
  const r = new Reader(elf.data(sec), elf.byteOrder, `section 'maps'`);
  return syms.map((s) => {
    const at = s.value;
    if (at % defSize !== 0 || at + defSize > sec.size) fail(`map '${s.name}': definition at offset ${at} is not one of the ${defSize}-byte slots of section 'maps'`);
    const type = r.u32(at, `map '${s.name}' type`);
    const keySize = r.u32(at + 4, `map '${s.name}' key_size`);
    const valueSize = r.u32(at + 8, `map '${s.name}' value_size`);
    const maxEntries = r.u32(at + 12, `map '${s.name}' max_entries`);
    const mapFlags = r.u32(at + 16, `map '${s.name}' map_flags`);
    let keyTypeId = 0;
    let valueTypeId = 0;
    const kv = btf?.findByName(`____btf_map_${s.name}`, K.STRUCT);
    if (btf && kv) {
      for (const m of kv.members) {
        if (m.name === 'key') keyTypeId = m.typeId;
        if (m.name === 'value') valueTypeId = m.typeId;
      }
      if (keyTypeId && btf.sizeOf(keyTypeId) !== keySize) fail(`map '${s.name}': key_size: expected ${btf.sizeOf(keyTypeId)} (struct ${kv.name}), got ${keySize}`);
      if (valueTypeId && btf.sizeOf(valueTypeId) !== valueSize) fail(`map '${s.name}': value_size: expected ${btf.sizeOf(valueTypeId)} (struct ${kv.name}), got ${valueSize}`);
    }
    const noKv = NO_KV_MAP_TYPES.has(type);
    const key = keyTypeId && btf ? btf.typeNode(keyTypeId) : keySize > 0 && !noKv && !KEYLESS_MAP_TYPES.has(type) ? bytesNode(keySize) : null;
    const value = valueTypeId && btf ? btf.typeNode(valueTypeId) : valueSize > 0 && !noKv ? bytesNode(valueSize) : null;
    return buildMapSchema({
      name: s.name, section: 'maps', type, keySize, valueSize, maxEntries, mapFlags, pinning: 'none',
      key, value, btfKeyTypeId: keyTypeId, btfValueTypeId: valueTypeId,
    });
  });
}
