/**
 * `types --json`: one entry per type id in id order, with the fields of `bpftool btf dump -j`
 * (id, kind, name, size, members, values, array info, ...). `writeTypesJson` streams the text in chunks
 * straight from the raw records (fast enough for vmlinux); `typesJson` builds the same as objects.
 */
import { BTF_INT, BTF_KIND as K, kindName } from './kinds.js';
import { linkageName } from './types.js';
import type { Btf } from './btf.js';
import { lit, putAscii, putCstr, putInt, putLit } from './json-bytes.js';

const CHUNK = 1 << 20;
/** Bytes free past CHUNK for the fixed text of one record or member (names come on top). */
const SLACK = 1 << 12;

const L = {
  open: lit('{"types":['), id0: lit('{"id":'), id: lit(',{"id":'), kind: lit(',"kind":"'), name: lit('","name":'),
  size: lit(',"size":'), bitsOffset: lit(',"bits_offset":'), nrBits: lit(',"nr_bits":'), encoding: lit(',"encoding":"'),
  qEnd: lit('"}'), typeId: lit(',"type_id":'), end: lit('}'), indexTypeId: lit(',"index_type_id":'), nrElems: lit(',"nr_elems":'),
  vlen: lit(',"vlen":'), members: lit(',"members":['), mName0: lit('{"name":'), mName: lit(',{"name":'),
  bitfieldSize: lit(',"bitfield_size":'), arrEnd: lit(']}'), signed: lit(',"encoding":"SIGNED","size":'),
  unsigned: lit(',"encoding":"UNSIGNED","size":'), values: lit(',"values":['), val: lit(',"val":'),
  fwdStruct: lit(',"fwd_kind":"struct"}'), fwdUnion: lit(',"fwd_kind":"union"}'), linkage: lit(',"linkage":"'),
  ret: lit(',"ret_type_id":'), params: lit(',"params":['), vars: lit(',"vars":['), var0: lit('{"type_id":'),
  var: lit(',{"type_id":'), offset: lit(',"offset":'), componentIdx: lit(',"component_idx":'), kindNumber: lit(',"kind_number":'),
  close: lit(']}\n'),
};
const KIND_LITS = Array.from({ length: 128 }, (_, k) => lit(kindName(k)));
const ENC_LITS = Array.from({ length: 16 }, (_, e) => lit(intEncoding(e)));
const LINK_LITS = [0, 1, 2].map((x) => lit(linkageName(x)));
function linkageLit(x: number): number {
  return LINK_LITS[x] ?? lit(linkageName(x));
}

function intEncoding(enc: number): string {
  if (enc === 0) return '(none)';
  if (enc === BTF_INT.SIGNED) return 'SIGNED';
  if (enc === BTF_INT.CHAR) return 'CHAR';
  if (enc === BTF_INT.BOOL) return 'BOOL';
  return 'UNKN';
}

/**
 * Streams `{"types":[...]}` plus a newline, as `bpftool -j btf dump file` prints it, as UTF-8 bytes
 * in chunks of about 1 MiB (the fast path: hand the chunks to writeSync / a stream as they come).
 */
export function writeTypesJsonBytes(btf: Btf, write: (chunk: Uint8Array) => void): void {
  const raw = btf.raw;
  const strs = btf.strings.bytes;
  const v = raw.view;
  const le = raw.littleEndian;
  const offs = raw.offs;
  const kinds = raw.kinds;
  // Past CHUNK there is always room for the fixed text of a record or member plus the longest name.
  const slack = SLACK + btf.strings.maxLength * 6;
  let buf = new Uint8Array(CHUNK + slack);
  let p = 0;
  /** Hands over what is written when past the chunk size, or when `need` more bytes would not fit. */
  const flush = (): void => {
    if (p > 0) write(buf.subarray(0, p));
    buf = new Uint8Array(CHUNK + slack);
    p = 0;
  };
  p = putLit(buf, p, L.open);
  for (let id = 1; id < raw.count; id++) {
    if (p > CHUNK) flush();
    const o = offs[id]!;
    const kind = kinds[id]!;
    const info = v.getUint32(o + 4, le);
    const vlen = info & 0xffffff;
    const kflag = info >>> 31;
    const st = v.getUint32(o + 8, le);
    p = putLit(buf, p, id === 1 ? L.id0 : L.id); p = putInt(buf, p, id);
    p = putLit(buf, p, L.kind); p = putLit(buf, p, KIND_LITS[kind]!); p = putLit(buf, p, L.name);
    p = putCstr(buf, p, strs, v.getUint32(o, le), true);
    switch (kind) {
      case K.INT: {
        const x = v.getUint32(o + 12, le);
        p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.bitsOffset); p = putInt(buf, p, (x >>> 16) & 0xff);
        p = putLit(buf, p, L.nrBits); p = putInt(buf, p, x & 0xff);
        p = putLit(buf, p, L.encoding); p = putLit(buf, p, ENC_LITS[(x >>> 24) & 0x0f]!); p = putLit(buf, p, L.qEnd);
        break;
      }
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.end);
        break;
      case K.ARRAY:
        p = putLit(buf, p, L.typeId); p = putInt(buf, p, v.getUint32(o + 12, le));
        p = putLit(buf, p, L.indexTypeId); p = putInt(buf, p, v.getUint32(o + 16, le));
        p = putLit(buf, p, L.nrElems); p = putInt(buf, p, v.getUint32(o + 20, le)); p = putLit(buf, p, L.end);
        break;
      case K.STRUCT: case K.UNION: {
        p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.members);
        for (let i = 0, q = o + 12; i < vlen; i++, q += 12) {
          const nameOff = v.getUint32(q, le);
          if (p > CHUNK) flush();
          const off = v.getUint32(q + 8, le);
          p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, nameOff, true);
          p = putLit(buf, p, L.typeId); p = putInt(buf, p, v.getUint32(q + 4, le));
          p = putLit(buf, p, L.bitsOffset); p = putInt(buf, p, kflag ? off & 0xffffff : off);
          if (kflag && off >>> 24) { p = putLit(buf, p, L.bitfieldSize); p = putInt(buf, p, off >>> 24); }
          p = putLit(buf, p, L.end);
        }
        p = putLit(buf, p, L.arrEnd);
        break;
      }
      case K.ENUM: case K.ENUM64: {
        p = putLit(buf, p, kflag ? L.signed : L.unsigned); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen);
        p = putLit(buf, p, L.values);
        const step = kind === K.ENUM ? 8 : 12;
        for (let i = 0, q = o + 12; i < vlen; i++, q += step) {
          const nameOff = v.getUint32(q, le);
          if (p > CHUNK) flush();
          p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, nameOff, false); p = putLit(buf, p, L.val);
          if (kind === K.ENUM) p = putInt(buf, p, kflag ? v.getInt32(q + 4, le) : v.getUint32(q + 4, le));
          else {
            const lo = v.getUint32(q + 4, le);
            const hi = v.getUint32(q + 8, le);
            if (hi === 0) p = putInt(buf, p, lo);
            else if (kflag && hi === 0xffffffff && lo >= 0x80000000) p = putInt(buf, p, lo - 0x100000000);
            else {
              const u = (BigInt(hi) << 32n) | BigInt(lo);
              p = putAscii(buf, p, String(kflag ? BigInt.asIntN(64, u) : u));
            }
          }
          p = putLit(buf, p, L.end);
        }
        p = putLit(buf, p, L.arrEnd);
        break;
      }
      case K.FWD:
        p = putLit(buf, p, kflag ? L.fwdUnion : L.fwdStruct);
        break;
      case K.FUNC:
        p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.linkage);
        p = putLit(buf, p, linkageLit(vlen)); p = putLit(buf, p, L.qEnd);
        break;
      case K.FUNC_PROTO: {
        p = putLit(buf, p, L.ret); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.params);
        for (let i = 0, q = o + 12; i < vlen; i++, q += 8) {
          const nameOff = v.getUint32(q, le);
          if (p > CHUNK) flush();
          p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, nameOff, true);
          p = putLit(buf, p, L.typeId); p = putInt(buf, p, v.getUint32(q + 4, le)); p = putLit(buf, p, L.end);
        }
        p = putLit(buf, p, L.arrEnd);
        break;
      }
      case K.VAR:
        p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.linkage);
        p = putLit(buf, p, linkageLit(v.getUint32(o + 12, le))); p = putLit(buf, p, L.qEnd);
        break;
      case K.DATASEC: {
        p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.vars);
        for (let i = 0, q = o + 12; i < vlen; i++, q += 12) {
          if (p > CHUNK) flush();
          p = putLit(buf, p, i ? L.var : L.var0); p = putInt(buf, p, v.getUint32(q, le));
          p = putLit(buf, p, L.offset); p = putInt(buf, p, v.getUint32(q + 4, le));
          p = putLit(buf, p, L.size); p = putInt(buf, p, v.getUint32(q + 8, le)); p = putLit(buf, p, L.end);
        }
        p = putLit(buf, p, L.arrEnd);
        break;
      }
      case K.FLOAT:
        p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.end);
        break;
      case K.DECL_TAG:
        p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.componentIdx);
        p = putInt(buf, p, v.getInt32(o + 12, le)); p = putLit(buf, p, L.end);
        break;
      default:
        p = putLit(buf, p, L.kindNumber); p = putInt(buf, p, kind); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.end);
    }
  }
  p = putLit(buf, p, L.close);
  if (p > 0) write(buf.subarray(0, p));
}

/** The same text as `writeTypesJsonBytes`, handed over as string chunks. */
export function writeTypesJson(btf: Btf, write: (chunk: string) => void): void {
  const decoder = new TextDecoder();
  writeTypesJsonBytes(btf, (chunk) => { write(decoder.decode(chunk, { stream: true })); });
  const rest = decoder.decode();
  if (rest) write(rest);
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
