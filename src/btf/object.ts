/** A BPF object file: its ELF, its BTF (DATASECs fixed up) and the schema of every map it defines. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { parseElf, type ElfFile } from '../elf/index.js';
import type { ObjectSchema } from './schema-types.js';
import { Btf } from './btf.js';
import { fixupDatasecs } from './fixup.js';
import { parseBtfMaps } from './btf-maps.js';
import type { MapSchema } from './schema-types.js';
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
  const btf = btfSec ? new Btf(fixupDatasecs(elf.data(btfSec), elf)) : null;
  const objName = libbpfObjectName(name);
  // In ELF order: map definitions (`maps`, `.maps`) by the index of their section, then as the
  // section lists them; then global data, which parseGlobalData already lists by section index
  // (libbpf also creates the maps the program defines before its global data maps).
  const sectionIndex = new Map(elf.sections.map((s, i) => [s.name, i] as const));
  const at = (section: string) => sectionIndex.get(section) ?? Number.MAX_SAFE_INTEGER;
  const byElfOrder = (list: MapSchema[]) => list.map((m, i) => ({ m, i }))
    .sort((a, b) => at(a.m.section) - at(b.m.section) || a.i - b.i)
    .map((x) => x.m);
  const maps = [
    ...byElfOrder([...parseLegacyMaps(elf, btf), ...(btf ? parseBtfMaps(btf) : [])]),
    ...parseGlobalData(elf, btf, objName),
  ];
  if (!btf && elf.section('.maps')) {
    throw new BpfmapError(ERROR_CODE.MAP_DEF_INVALID, `${name || 'object'}: section '.maps' needs BTF, but the object has no '.BTF' section`);
  }
  return { elf, btf, schema: { object: name, byteOrder: elf.byteOrder, maps } };
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
