/** A BPF object file: its ELF, its BTF (DATASECs fixed up) and the schema of every map it defines. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { sectionOf, unusable, type MapResult } from './map-result.js';
import { fileContents, parseElf, STT, type ElfFile } from '../elf/index.js';
import type { ObjectSchema, UnusableMap } from '../schema/types.js';
import { Btf } from '../btf/btf.js';
import { fixupDatasecs } from './fixup.js';
import { parseBtfMaps } from './btf-maps.js';
import { BTF_KIND as K } from '../btf/kinds.js';
import type { MapSchema } from '../schema/types.js';
import { parseLegacyMaps } from './legacy-maps.js';
import { libbpfObjectName, parseGlobalData } from './global-data.js';

export interface BpfObject {
  readonly schema: ObjectSchema;
  readonly btf: Btf | null;
  readonly elf: ElfFile;
}

/** Parses an object from memory; `name` is its file name (used for messages and libbpf's map names). */
export function loadObject(bytes: Uint8Array, name = ''): BpfObject {
  const elf = parseElf(bytes, name);
  const btfSec = elf.section('.BTF');
  const btf = btfSec ? new Btf(fixupDatasecs(fileContents(elf, btfSec, 'the BTF bytes'), elf)) : null;
  const objName = libbpfObjectName(name);
  // In ELF order: map definitions (`maps`, `.maps`) by the index of their section, then as the
  // section lists them; then global data, which parseGlobalData already lists by section index
  // (libbpf also creates the maps the program defines before its global data maps).
  const sectionIndex = new Map(elf.sections.map((s, i) => [s.name, i] as const));
  const at = (section: string) => sectionIndex.get(section) ?? Number.MAX_SAFE_INTEGER;
  const byElfOrder = (list: MapResult[]) => list.map((r, i) => ({ r, i }))
    .sort((a, b) => at(sectionOf(a.r)) - at(sectionOf(b.r)) || a.i - b.i)
    .map((x) => x.r);
  const results = [
    ...byElfOrder([...parseLegacyMaps(elf, btf), ...btfMaps(elf, btf, name)]),
    ...parseGlobalData(elf, btf, objName),
  ];
  const maps: MapSchema[] = [];
  const unusable: UnusableMap[] = [];
  for (const r of results) {
    if (r.map) maps.push(r.map); else unusable.push(r.unusable);
  }
  const schema: ObjectSchema = { object: name, byteOrder: elf.byteOrder, maps, ...(unusable.length ? { unusable } : {}) };
  return { elf, btf, schema };
}

/** `.maps` needs BTF (and its DATASEC): without, every map symbol of the section is reported unusable. */
function btfMaps(elf: ElfFile, btf: Btf | null, name: string): MapResult[] {
  const sec = elf.section('.maps');
  if (btf && (!sec || btf.findByName('.maps', K.DATASEC))) return parseBtfMaps(btf);
  if (!sec) return [];
  const reason = btf
    ? `${name || 'object'}: section '.maps' has no DATASEC '.maps' in the object's BTF`
    : `${name || 'object'}: section '.maps' needs BTF, but the object has no '.BTF' section`;
  const syms = elf.symbols.filter((s) => s.shndx === sec.index && s.type !== STT.SECTION && s.type !== STT.FILE && s.name !== '');
  if (syms.length === 0) return [unusable('.maps', '.maps', ERROR_CODE.MAP_DEF_INVALID, reason)];
  return syms.map((s) => unusable(s.name, '.maps', ERROR_CODE.MAP_DEF_INVALID, `map '${s.name}': ${reason}`));
}

export function loadObjectFile(path: string): BpfObject {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new BpfmapError(ERROR_CODE.IO, `${path}: cannot read the object file (${code ?? String(e)})`, { cause: e });
  }
  return loadObject(bytes, basename(path));
}
