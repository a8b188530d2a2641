/**
 * The object's BTF as the kernel takes it (BTF_LOAD): libbpf's handling of externs, on a copy.
 * clang leaves `__kconfig` and `__ksym` externs in DATASECs `.kconfig` and `.ksyms` with extern
 * linkage, which the kernel refuses ("Linkage not supported"). libbpf, before it loads the BTF:
 * - `.ksyms`: every variable becomes an allocated 4-byte int at offset 4*i (the first 32-bit INT of
 *   the BTF); every function a global FUNC whose slot points at one appended VAR `dummy_ksym`, whose
 *   name also fills the function's unnamed parameters; the DATASEC is 4*n bytes.
 * - `.kconfig`: every variable becomes allocated, laid out by alignment (largest first), then size
 *   (smallest first), then name, each at the next offset its alignment allows; the DATASEC is the end.
 * Then each DATASEC's entries are sorted by offset. The parsed BTF keeps clang's records (as bpftool
 * shows them); only the bytes given to the kernel change. Type ids stay: the one new type is last.
 */
import { parseHeader } from '../btf/header.js';
import { parseRawTypes, type RawTypes } from '../btf/raw-types.js';
import { StringTable } from '../btf/strings.js';
import { BTF_KIND as K, BTF_LINKAGE, MAX_DEPTH } from '../btf/kinds.js';

const DUMMY = 'dummy_ksym';

/** The BTF bytes for BTF_LOAD: `btf` itself when it has no `.ksyms` or `.kconfig` to rewrite. */
export function kernelBtfBytes(btf: Uint8Array): Uint8Array {
  const h = parseHeader(btf);
  const probe = parseRawTypes(btf, h);
  const strings = new StringTable(btf.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen));
  const nameOf = (id: number) => (strings.isValid(probe.nameOff(id)) ? strings.get(probe.nameOff(id)) : '');
  let ksyms = 0, kconfig = 0;
  for (let id = 1; id < probe.count; id++) {
    if (probe.kinds[id] !== K.DATASEC) continue;
    const name = nameOf(id);
    if (name === '.ksyms') ksyms = id;
    else if (name === '.kconfig') kconfig = id;
  }
  if (ksyms === 0 && kconfig === 0) return btf;

  const le = h.byteOrder === 'little';
  const hasFunc = ksyms !== 0 && entries(probe, ksyms).some((e) => probe.kinds[e.type] === K.FUNC);
  // The copy: header, types (+ one VAR when a function needs it), strings (+ its name), layout.
  const extraTypes = hasFunc ? 16 : 0;
  const extraStr = hasFunc ? DUMMY.length + 1 : 0;
  const typeLen = h.typeLen + extraTypes;
  const strLen = h.strLen + extraStr;
  const out = new Uint8Array(h.hdrLen + typeLen + strLen + h.layoutLen);
  out.set(btf.subarray(0, h.hdrLen));
  out.set(btf.subarray(h.hdrLen + h.typeOff, h.hdrLen + h.typeOff + h.typeLen), h.hdrLen);
  out.set(btf.subarray(h.hdrLen + h.strOff, h.hdrLen + h.strOff + h.strLen), h.hdrLen + typeLen);
  if (h.layoutLen > 0) out.set(btf.subarray(h.hdrLen + h.layoutOff, h.hdrLen + h.layoutOff + h.layoutLen), h.hdrLen + typeLen + strLen);
  const hv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  hv.setUint32(8, 0, le);
  hv.setUint32(12, typeLen, le);
  hv.setUint32(16, typeLen, le);
  hv.setUint32(20, strLen, le);
  if (h.hdrLen >= 32) hv.setUint32(24, h.layoutLen > 0 ? typeLen + strLen : 0, le);

  let dummyId = 0, dummyName = 0;
  if (hasFunc) {
    dummyId = probe.count;
    dummyName = h.strLen;
    out.set(new TextEncoder().encode(`${DUMMY}\0`), h.hdrLen + typeLen + h.strLen);
    const at = h.hdrLen + h.typeLen;
    hv.setUint32(at, dummyName, le);
    hv.setUint32(at + 4, K.VAR << 24, le);
    hv.setUint32(at + 8, firstInt32(probe), le);
    hv.setUint32(at + 12, BTF_LINKAGE.GLOBAL, le);
  }
  const raw = parseRawTypes(out, parseHeader(out));
  const v = raw.view;
  const put = (id: number, at: number, x: number) => v.setUint32(raw.offs[id]! + at, x, le);

  if (ksyms !== 0) {
    const int32 = firstInt32(raw);
    const list = entries(raw, ksyms);
    list.forEach((e, i) => {
      if (raw.kinds[e.type] === K.FUNC) {
        const proto = raw.sizeType(e.type);
        if (proto < raw.count && raw.kinds[proto] === K.FUNC_PROTO) {
          for (let j = 0; j < raw.vlen(proto); j++) {
            if (raw.u32(proto, j * 8) === 0 && raw.u32(proto, j * 8 + 4) !== 0) put(proto, 12 + j * 8, dummyName);
          }
        }
        put(e.type, 4, (raw.info(e.type) & ~0xffff) | BTF_LINKAGE.GLOBAL);
        e.type = dummyId;
      } else if (raw.kinds[e.type] === K.VAR) {
        put(e.type, 12, BTF_LINKAGE.GLOBAL);
        put(e.type, 8, int32);
      }
      e.offset = 4 * i;
      e.size = 4;
    });
    writeEntries(raw, ksyms, list.length * 4, le, list);
  }
  if (kconfig !== 0) {
    const list = entries(raw, kconfig);
    const vars = list.map((e) => {
      const t = raw.kinds[e.type] === K.VAR ? raw.sizeType(e.type) : 0;
      return { e, name: raw.kinds[e.type] === K.VAR ? nameOf(e.type) : '', size: sizeOf(raw, t), align: alignOf(raw, t) };
    });
    // A variable whose size or alignment cannot be told is left as it is: libbpf refuses the object.
    if (vars.every((x) => x.size > 0 && x.align > 0)) {
      const order = [...vars].sort((a, b) => b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      let off = 0;
      for (const x of order) {
        x.e.offset = Math.ceil(off / x.align) * x.align;
        off = x.e.offset + x.size;
        put(x.e.type, 12, BTF_LINKAGE.GLOBAL);
      }
      writeEntries(raw, kconfig, off, le, list);
    }
  }
  return out;
}

interface Entry { type: number; offset: number; size: number }

function entries(raw: RawTypes, id: number): Entry[] {
  const list: Entry[] = [];
  for (let i = 0; i < raw.vlen(id); i++) list.push({ type: raw.u32(id, i * 12), offset: raw.u32(id, i * 12 + 4), size: raw.u32(id, i * 12 + 8) });
  return list;
}

/** A DATASEC's size and entries, the entries sorted by offset as libbpf sorts them. */
function writeEntries(raw: RawTypes, id: number, size: number, le: boolean, list: Entry[]): void {
  const v = raw.view;
  const base = raw.offs[id]!;
  v.setUint32(base + 8, size, le);
  [...list].sort((a, b) => a.offset - b.offset).forEach((e, i) => {
    v.setUint32(base + 12 + i * 12, e.type, le);
    v.setUint32(base + 16 + i * 12, e.offset, le);
    v.setUint32(base + 20 + i * 12, e.size, le);
  });
}

/** The first INT of 32 bits, as libbpf picks it for `.ksyms` variables (0 when there is none). */
function firstInt32(raw: RawTypes): number {
  for (let id = 1; id < raw.count; id++) {
    if (raw.kinds[id] === K.INT && (raw.u32(id, 0) & 0xff) === 32) return id;
  }
  return 0;
}

/** Through typedefs and qualifiers to the type that has a size (0 when the chain is too long or leaves the BTF). */
function skipModifiers(raw: RawTypes, id: number): number {
  for (let depth = 0; depth < MAX_DEPTH && id > 0 && id < raw.count; depth++) {
    const k = raw.kinds[id];
    if (k !== K.TYPEDEF && k !== K.VOLATILE && k !== K.CONST && k !== K.RESTRICT && k !== K.TYPE_TAG) return id;
    id = raw.sizeType(id);
  }
  return 0;
}

/** The size of a `.kconfig` variable's type (bool, char, integers, the tristate enum, char arrays); 0 otherwise. */
function sizeOf(raw: RawTypes, id: number): number {
  const t = skipModifiers(raw, id);
  if (t === 0) return 0;
  const k = raw.kinds[t];
  if (k === K.INT || k === K.ENUM || k === K.ENUM64) return raw.sizeType(t);
  if (k === K.ARRAY) return raw.u32(t, 8) * sizeOf(raw, raw.u32(t, 0));
  return 0;
}

function alignOf(raw: RawTypes, id: number): number {
  const t = skipModifiers(raw, id);
  if (t === 0) return 0;
  const k = raw.kinds[t];
  if (k === K.INT || k === K.ENUM || k === K.ENUM64) return Math.min(raw.sizeType(t), 8);
  if (k === K.ARRAY) return alignOf(raw, raw.u32(t, 0));
  return 0;
}
