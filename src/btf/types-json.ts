/**
 * `types --json`: one entry per type id in id order, with the fields of `bpftool btf dump -j`
 * (id, kind, name, size, members, values, array info, ...). `writeTypesJson` streams the text in chunks
 * straight from the raw records (fast enough for vmlinux); `typesJson` builds the same as objects.
 */
import { BTF_INT, BTF_KIND as K, kindName } from './kinds.js';
import { linkageName } from './types.js';
import type { Btf } from './btf.js';

const CHUNK = 1 << 16;

function intEncoding(enc: number): string {
  if (enc === 0) return '(none)';
  if (enc === BTF_INT.SIGNED) return 'SIGNED';
  if (enc === BTF_INT.CHAR) return 'CHAR';
  if (enc === BTF_INT.BOOL) return 'BOOL';
  return 'UNKN';
}

const SAFE_NAME = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

function q(s: string): string {
  return SAFE_NAME.test(s) ? `"${s}"` : JSON.stringify(s);
}

function qn(s: string): string {
  return s === '' ? '"(anon)"' : q(s);
}

/** Streams `{"types":[...]}` plus a newline, as `bpftool -j btf dump file` prints it. */
export function writeTypesJson(btf: Btf, write: (chunk: string) => void): void {
  const raw = btf.raw;
  const str = btf.strings;
  const v = raw.view;
  const le = raw.littleEndian;
  const offs = raw.offs;
  const kinds = raw.kinds;
  let out = '{"types":[';
  for (let id = 1; id < raw.count; id++) {
    const o = offs[id]!;
    const kind = kinds[id]!;
    const info = v.getUint32(o + 4, le);
    const vlen = info & 0xffffff;
    const kflag = info >>> 31;
    const st = v.getUint32(o + 8, le);
    let e = `${id === 1 ? '' : ','}{"id":${id},"kind":"${kindName(kind)}","name":${qn(str.get(v.getUint32(o, le)))}`;
    switch (kind) {
      case K.INT: {
        const x = v.getUint32(o + 12, le);
        e += `,"size":${st},"bits_offset":${(x >>> 16) & 0xff},"nr_bits":${x & 0xff},"encoding":"${intEncoding((x >>> 24) & 0x0f)}"}`;
        break;
      }
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        e += `,"type_id":${st}}`;
        break;
      case K.ARRAY:
        e += `,"type_id":${v.getUint32(o + 12, le)},"index_type_id":${v.getUint32(o + 16, le)},"nr_elems":${v.getUint32(o + 20, le)}}`;
        break;
      case K.STRUCT: case K.UNION: {
        e += `,"size":${st},"vlen":${vlen},"members":[`;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 12) {
          const off = v.getUint32(p + 8, le);
          e += `${i ? ',' : ''}{"name":${qn(str.get(v.getUint32(p, le)))},"type_id":${v.getUint32(p + 4, le)},"bits_offset":${kflag ? off & 0xffffff : off}`;
          e += kflag && off >>> 24 ? `,"bitfield_size":${off >>> 24}}` : '}';
        }
        e += ']}';
        break;
      }
      case K.ENUM: {
        e += `,"encoding":"${kflag ? 'SIGNED' : 'UNSIGNED'}","size":${st},"vlen":${vlen},"values":[`;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 8) {
          const val = kflag ? v.getInt32(p + 4, le) : v.getUint32(p + 4, le);
          e += `${i ? ',' : ''}{"name":${qn(str.get(v.getUint32(p, le)))},"val":${val}}`;
        }
        e += ']}';
        break;
      }
      case K.ENUM64: {
        e += `,"encoding":"${kflag ? 'SIGNED' : 'UNSIGNED'}","size":${st},"vlen":${vlen},"values":[`;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 12) {
          const lo = v.getUint32(p + 4, le);
          const hi = v.getUint32(p + 8, le);
          let val: string;
          if (hi === 0) val = String(lo);
          else if (kflag && hi === 0xffffffff && lo >= 0x80000000) val = String(lo - 0x100000000);
          else {
            const u = (BigInt(hi) << 32n) | BigInt(lo);
            val = String(kflag ? BigInt.asIntN(64, u) : u);
          }
          e += `${i ? ',' : ''}{"name":${qn(str.get(v.getUint32(p, le)))},"val":${val}}`;
        }
        e += ']}';
        break;
      }
      case K.FWD:
        e += `,"fwd_kind":"${kflag ? 'union' : 'struct'}"}`;
        break;
      case K.FUNC:
        e += `,"type_id":${st},"linkage":"${linkageName(vlen)}"}`;
        break;
      case K.FUNC_PROTO: {
        e += `,"ret_type_id":${st},"vlen":${vlen},"params":[`;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 8) {
          e += `${i ? ',' : ''}{"name":${qn(str.get(v.getUint32(p, le)))},"type_id":${v.getUint32(p + 4, le)}}`;
        }
        e += ']}';
        break;
      }
      case K.VAR:
        e += `,"type_id":${st},"linkage":"${linkageName(v.getUint32(o + 12, le))}"}`;
        break;
      case K.DATASEC: {
        e += `,"size":${st},"vlen":${vlen},"vars":[`;
        for (let i = 0, p = o + 12; i < vlen; i++, p += 12) {
          e += `${i ? ',' : ''}{"type_id":${v.getUint32(p, le)},"offset":${v.getUint32(p + 4, le)},"size":${v.getUint32(p + 8, le)}}`;
        }
        e += ']}';
        break;
      }
      case K.FLOAT:
        e += `,"size":${st}}`;
        break;
      case K.DECL_TAG:
        e += `,"type_id":${st},"component_idx":${v.getInt32(o + 12, le)}}`;
        break;
      default:
        e += `,"kind_number":${kind},"vlen":${vlen}}`;
    }
    out += e;
    if (out.length > CHUNK) {
      write(out);
      out = '';
    }
  }
  write(`${out}]}\n`);
}

export type TypeJson = Record<string, unknown>;

/** The same entries as objects (enum64 values beyond 2^53 as bigint). */
export function typesJson(btf: Btf): { types: TypeJson[] } {
  const types: TypeJson[] = [];
  const anon = (s: string): string => s || '(anon)';
  for (let id = 1; id <= btf.typeCount; id++) {
    const t = btf.type(id);
    const e: TypeJson = { id, kind: kindName(t.btfKind), name: anon(t.name) };
    switch (t.btfKind) {
      case K.INT:
        Object.assign(e, { size: t.size, bits_offset: t.intOffset, nr_bits: t.intBits, encoding: intEncoding(t.intEncoding) });
        break;
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        e.type_id = t.targetId;
        break;
      case K.ARRAY:
        Object.assign(e, { type_id: t.targetId, index_type_id: t.indexTypeId, nr_elems: t.nelems });
        break;
      case K.STRUCT: case K.UNION:
        Object.assign(e, {
          size: t.size, vlen: t.vlen,
          members: t.members.map((m) => ({ name: anon(m.name), type_id: m.typeId, bits_offset: m.bitOffset, ...(m.bitfieldSize ? { bitfield_size: m.bitfieldSize } : {}) })),
        });
        break;
      case K.ENUM: case K.ENUM64:
        Object.assign(e, {
          encoding: t.kindFlag ? 'SIGNED' : 'UNSIGNED', size: t.size, vlen: t.vlen,
          values: t.values.map((x) => ({ name: x.name, val: typeof x.value === 'bigint' && x.value >= BigInt(Number.MIN_SAFE_INTEGER) && x.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(x.value) : x.value })),
        });
        break;
      case K.FWD:
        e.fwd_kind = t.fwdKind;
        break;
      case K.FUNC: case K.VAR:
        Object.assign(e, { type_id: t.targetId, linkage: t.linkage });
        break;
      case K.FUNC_PROTO:
        Object.assign(e, { ret_type_id: t.targetId, vlen: t.vlen, params: t.params.map((p) => ({ name: anon(p.name), type_id: p.typeId })) });
        break;
      case K.DATASEC:
        Object.assign(e, { size: t.size, vlen: t.vlen, vars: t.vars.map((x) => ({ type_id: x.typeId, offset: x.offset, size: x.size })) });
        break;
      case K.FLOAT:
        e.size = t.size;
        break;
      case K.DECL_TAG:
        Object.assign(e, { type_id: t.targetId, component_idx: t.componentIdx });
        break;
      default:
        Object.assign(e, { kind_number: t.btfKind, vlen: t.vlen });
    }
    types.push(e);
  }
  return { types };
}
