/**
 * Global data sections (.data, .rodata, .bss, .data.*, .rodata.*, .bss.*) as single-entry array maps,
 * the way libbpf creates them: key u32, value = the section's variables at their offsets (a struct named
 * after the section), BTF value type = the DATASEC, map_flags rdonly_prog for .rodata* and mmapable when
 * a variable is not static (libbpf's map_is_mmapable, where a global with hidden or internal visibility,
 * `__hidden`, counts as static). The kernel name follows libbpf: `<obj name up to 8 chars><section>` for
 * .data, .rodata, .bss; the section name alone for custom `.data.*` / `.rodata.*` / `.bss.*`; 15 chars at
 * most, and any character other than [A-Za-z0-9_.] replaced by '_'.
 */
import type { ElfFile, Section } from '../elf/index.js';
import { attempt, type MapResult } from './map-result.js';
import { SHT, STT, STV } from '../elf/index.js';
import type { MapSchema, TypeNode } from '../schema/types.js';
import type { Btf } from '../btf/btf.js';
import { BTF_KIND as K } from '../btf/kinds.js';
import { BPF_MAP_TYPE } from '../uapi/map-constants.js';
import { buildMapSchema, bytesNode, KERNEL_NAME_LEN, U32_NODE } from './map-schema.js';
import { typeNode } from '../schema/from-btf.js';

const F_RDONLY_PROG = 1 << 7;
const F_MMAPABLE = 1 << 10;

function isGlobalDataSection(name: string): boolean {
  return name === '.data' || name === '.rodata' || name === '.bss' || name.startsWith('.data.') || name.startsWith('.rodata.') ||
    name.startsWith('.bss.');
}

/** libbpf's object name: the file's base name up to the first '.', at most 15 characters. */
export function libbpfObjectName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.indexOf('.');
  return (dot < 0 ? base : base.slice(0, dot)).slice(0, KERNEL_NAME_LEN);
}

/** libbpf's kernel name of a global-data map (internal_map_name). */
export function internalMapName(objName: string, section: string): string {
  const sfxLen = Math.min(Math.max(7, section.length), KERNEL_NAME_LEN);
  const custom = section.indexOf('.', 1) >= 0;
  const pfxLen = custom ? 0 : Math.min(KERNEL_NAME_LEN - sfxLen, objName.length);
  return (objName.slice(0, pfxLen) + section.slice(0, sfxLen)).replace(/[^A-Za-z0-9_.]/g, '_');
}

export function parseGlobalData(elf: ElfFile, btf: Btf | null, objName: string): MapResult[] {
  const out: MapResult[] = [];
  for (const sec of elf.sections) {
    if (!isGlobalDataSection(sec.name) || sec.size === 0) continue;
    if (sec.type !== SHT.PROGBITS && sec.type !== SHT.NOBITS) continue;
    out.push(attempt(sec.name, sec.name, () => globalDataMap(elf, sec, btf, objName)));
  }
  return out;
}

/**
 * Whether a DATASEC entry makes libbpf's map mmapable: a variable that is not static, unless its
 * symbol in the section has hidden or internal visibility (`__hidden`), which libbpf turns into static.
 */
function exposedVar(elf: ElfFile, sec: Section, btf: Btf, typeId: number): boolean {
  if (btf.kind(typeId) !== K.VAR || btf.type(typeId).linkage === 'static') return false;
  const name = btf.name(typeId);
  const sym = elf.symbols.find((s) => s.name === name && s.shndx === sec.index && s.type !== STT.SECTION);
  const visibility = sym ? sym.other & 3 : STV.DEFAULT;
  return visibility !== STV.HIDDEN && visibility !== STV.INTERNAL;
}

function globalDataMap(elf: ElfFile, sec: Section, btf: Btf | null, objName: string): MapSchema {
  const ds = btf?.findByName(sec.name, K.DATASEC);
  let value: TypeNode = bytesNode(sec.size);
  let mmapable = false;
  if (btf && ds) {
    const node = typeNode(btf, ds.id);
    value = { ...node, size: sec.size } as TypeNode;
    mmapable = ds.vars.some((v) => exposedVar(elf, sec, btf, v.typeId));
  }
  const rodata = sec.name === '.rodata' || sec.name.startsWith('.rodata.');
  return buildMapSchema({
    name: sec.name,
    kernelName: internalMapName(objName, sec.name),
    section: sec.name,
    type: BPF_MAP_TYPE.ARRAY,
    keySize: 4,
    valueSize: sec.size,
    maxEntries: 1,
    mapFlags: (rodata ? F_RDONLY_PROG : 0) | (mmapable ? F_MMAPABLE : 0),
    pinning: 'none',
    key: U32_NODE,
    value,
    btfKeyTypeId: 0,
    btfValueTypeId: ds ? ds.id : 0,
  });
}
