/**
 * Unlinked objects: clang leaves every DATASEC size 0 and every VAR offset 0. Take the sizes from the
 * ELF section headers and the offsets from the `.symtab` symbol of each variable's name (st_value),
 * then sort each DATASEC's variables by offset, as libbpf does before BTF_LOAD. Works on a copy.
 */
import type { ElfFile } from '../elf/index.js';
import { BtfError } from '../errors.js';
import { STT } from '../elf/index.js';
import { parseHeader } from '../btf/header.js';
import { parseRawTypes } from '../btf/raw-types.js';
import { StringTable } from '../btf/strings.js';
import { BTF_KIND as K } from '../btf/kinds.js';

export function fixupDatasecs(btfBytes: Uint8Array, elf: ElfFile): Uint8Array {
  // A real copy: Buffer#slice would share memory and patch the caller's bytes.
  const out = new Uint8Array(btfBytes.byteLength);
  out.set(btfBytes);
  const h = parseHeader(out);
  const raw = parseRawTypes(out, h);
  const strings = new StringTable(out.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen));
  const v = raw.view;
  const le = raw.littleEndian;
  for (let id = 1; id < raw.count; id++) {
    if (raw.kinds[id] !== K.DATASEC) continue;
    const nameOff = raw.nameOff(id);
    if (nameOff >= strings.length) continue; // the references stage reports it
    const secName = strings.get(nameOff);
    const sec = elf.section(secName);
    if (!sec) continue; // e.g. .kconfig / .ksyms: externs, nothing in the ELF
    const base = raw.offs[id]!;
    if (v.getUint32(base + 8, le) === 0) v.setUint32(base + 8, sec.size, le);
    const vlen = raw.vlen(id);
    const entries: { type: number; offset: number; size: number }[] = [];
    for (let i = 0; i < vlen; i++) {
      const p = base + 12 + i * 12;
      const type = v.getUint32(p, le);
      let offset = v.getUint32(p + 4, le);
      const size = v.getUint32(p + 8, le);
      if (offset === 0 && type < raw.count && raw.kinds[type] === K.VAR) {
        const varName = strings.isValid(raw.nameOff(type)) ? strings.get(raw.nameOff(type)) : '';
        const sym = elf.symbols.find((s) => s.name === varName && s.shndx === sec.index && s.type !== STT.SECTION);
        if (sym) offset = sym.value;
      }
      if (offset + size > sec.size) {
        throw new BtfError(`BTF DATASEC '${secName}' var ${i}: expected offset ${offset} + size ${size} within the ${sec.size}-byte section`, id);
      }
      entries.push({ type, offset, size });
    }
    entries.sort((a, b) => a.offset - b.offset || a.type - b.type);
    entries.forEach((e, i) => {
      const p = base + 12 + i * 12;
      v.setUint32(p, e.type, le);
      v.setUint32(p + 4, e.offset, le);
      v.setUint32(p + 8, e.size, le);
    });
  }
  return out;
}
