/** A BPF object file: its ELF, its BTF (DATASECs fixed up) and the schema of every map it defines. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import { parseElf, type ElfFile } from '../elf/index.js';
import type { ObjectSchema } from './schema-types.js';
import { Btf } from './btf.js';
import { fixupDatasecs } from './fixup.js';
import { parseBtfMaps } from './btf-maps.js';
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
  const maps = [
    ...parseLegacyMaps(elf, btf),
    ...(btf ? parseBtfMaps(btf) : []),
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
