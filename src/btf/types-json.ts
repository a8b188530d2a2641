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
// Writer state for one writeTypesJsonBytes call (module-level so that each kind has its own small
// function: small functions optimise quickly and a rare kind cannot deoptimise the common ones).
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
let slack = SLACK;
let sink: (chunk: Uint8Array) => void = () => {};
let strs: Uint8Array = new Uint8Array(0);
let view: DataView = new DataView(new ArrayBuffer(0));
let le = true;

function flush(): void {
  if (pos > 0) sink(out.subarray(0, pos));
  out = new Uint8Array(CHUNK + slack);
  pos = 0;
}

function header(id: number, kind: number, o: number): void {
  if (pos > CHUNK) flush();
  const buf = out;
  let p = pos;
  p = putLit(buf, p, id === 1 ? L.id0 : L.id); p = putInt(buf, p, id);
  p = putLit(buf, p, L.kind); p = putLit(buf, p, KIND_LITS[kind]!); p = putLit(buf, p, L.name);
  pos = putCstr(buf, p, strs, view.getUint32(o, le), true);
}

function intRec(o: number, st: number): void {
  const buf = out;
  let p = pos;
  const x = view.getUint32(o + 12, le);
  p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.bitsOffset); p = putInt(buf, p, (x >>> 16) & 0xff);
  p = putLit(buf, p, L.nrBits); p = putInt(buf, p, x & 0xff);
  p = putLit(buf, p, L.encoding); p = putLit(buf, p, ENC_LITS[(x >>> 24) & 0x0f]!);
  pos = putLit(buf, p, L.qEnd);
}

function refRec(st: number): void {
  const buf = out;
  let p = putLit(buf, pos, L.typeId);
  p = putInt(buf, p, st);
  pos = putLit(buf, p, L.end);
}

function arrayRec(o: number): void {
  const buf = out;
  let p = pos;
  p = putLit(buf, p, L.typeId); p = putInt(buf, p, view.getUint32(o + 12, le));
  p = putLit(buf, p, L.indexTypeId); p = putInt(buf, p, view.getUint32(o + 16, le));
  p = putLit(buf, p, L.nrElems); p = putInt(buf, p, view.getUint32(o + 20, le));
  pos = putLit(buf, p, L.end);
}

function structRec(o: number, st: number, vlen: number, kflag: number): void {
  let buf = out;
  let p = pos;
  p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.members);
  const v = view;
  for (let i = 0, q = o + 12; i < vlen; i++, q += 12) {
    if (p > CHUNK) { pos = p; flush(); buf = out; p = 0; }
    const off = v.getUint32(q + 8, le);
    p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, v.getUint32(q, le), true);
    p = putLit(buf, p, L.typeId); p = putInt(buf, p, v.getUint32(q + 4, le));
    p = putLit(buf, p, L.bitsOffset); p = putInt(buf, p, kflag ? off & 0xffffff : off);
    if (kflag && off >>> 24) { p = putLit(buf, p, L.bitfieldSize); p = putInt(buf, p, off >>> 24); }
    p = putLit(buf, p, L.end);
  }
  pos = putLit(buf, p, L.arrEnd);
}

function enumRec(o: number, st: number, vlen: number, kflag: number): void {
  let buf = out;
  let p = pos;
  p = putLit(buf, p, kflag ? L.signed : L.unsigned); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen);
  p = putLit(buf, p, L.values);
  const v = view;
  for (let i = 0, q = o + 12; i < vlen; i++, q += 8) {
    if (p > CHUNK) { pos = p; flush(); buf = out; p = 0; }
    p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, v.getUint32(q, le), false); p = putLit(buf, p, L.val);
    p = putInt(buf, p, kflag ? v.getInt32(q + 4, le) : v.getUint32(q + 4, le));
    p = putLit(buf, p, L.end);
  }
  pos = putLit(buf, p, L.arrEnd);
}

function enum64Rec(o: number, st: number, vlen: number, kflag: number): void {
  let buf = out;
  let p = pos;
  p = putLit(buf, p, kflag ? L.signed : L.unsigned); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen);
  p = putLit(buf, p, L.values);
  const v = view;
  for (let i = 0, q = o + 12; i < vlen; i++, q += 12) {
    if (p > CHUNK) { pos = p; flush(); buf = out; p = 0; }
    p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, v.getUint32(q, le), false); p = putLit(buf, p, L.val);
    const lo = v.getUint32(q + 4, le);
    const hi = v.getUint32(q + 8, le);
    if (hi === 0) p = putInt(buf, p, lo);
    else if (kflag && hi === 0xffffffff && lo >= 0x80000000) p = putInt(buf, p, lo - 0x100000000);
    else {
      const u = (BigInt(hi) << 32n) | BigInt(lo);
      p = putAscii(buf, p, String(kflag ? BigInt.asIntN(64, u) : u));
    }
    p = putLit(buf, p, L.end);
  }
  pos = putLit(buf, p, L.arrEnd);
}

function linkRec(st: number, linkage: number): void {
  const buf = out;
  let p = pos;
  p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.linkage);
  p = putLit(buf, p, linkageLit(linkage));
  pos = putLit(buf, p, L.qEnd);
}

function protoRec(o: number, st: number, vlen: number): void {
  let buf = out;
  let p = pos;
  p = putLit(buf, p, L.ret); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.params);
  const v = view;
  for (let i = 0, q = o + 12; i < vlen; i++, q += 8) {
    if (p > CHUNK) { pos = p; flush(); buf = out; p = 0; }
    p = putLit(buf, p, i ? L.mName : L.mName0); p = putCstr(buf, p, strs, v.getUint32(q, le), true);
    p = putLit(buf, p, L.typeId); p = putInt(buf, p, v.getUint32(q + 4, le));
    p = putLit(buf, p, L.end);
  }
  pos = putLit(buf, p, L.arrEnd);
}

function datasecRec(o: number, st: number, vlen: number): void {
  let buf = out;
  let p = pos;
  p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.vars);
  const v = view;
  for (let i = 0, q = o + 12; i < vlen; i++, q += 12) {
    if (p > CHUNK) { pos = p; flush(); buf = out; p = 0; }
    p = putLit(buf, p, i ? L.var : L.var0); p = putInt(buf, p, v.getUint32(q, le));
    p = putLit(buf, p, L.offset); p = putInt(buf, p, v.getUint32(q + 4, le));
    p = putLit(buf, p, L.size); p = putInt(buf, p, v.getUint32(q + 8, le)); p = putLit(buf, p, L.end);
  }
  pos = putLit(buf, p, L.arrEnd);
}

function otherRec(kind: number, o: number, st: number, vlen: number, kflag: number): void {
  const buf = out;
  let p = pos;
  switch (kind) {
    case K.FWD:
      p = putLit(buf, p, kflag ? L.fwdUnion : L.fwdStruct);
      break;
    case K.FLOAT:
      p = putLit(buf, p, L.size); p = putInt(buf, p, st); p = putLit(buf, p, L.end);
      break;
    case K.DECL_TAG:
      p = putLit(buf, p, L.typeId); p = putInt(buf, p, st); p = putLit(buf, p, L.componentIdx);
      p = putInt(buf, p, view.getInt32(o + 12, le)); p = putLit(buf, p, L.end);
      break;
    default:
      p = putLit(buf, p, L.kindNumber); p = putInt(buf, p, kind); p = putLit(buf, p, L.vlen); p = putInt(buf, p, vlen); p = putLit(buf, p, L.end);
  }
  pos = p;
}

export function writeTypesJsonBytes(btf: Btf, write: (chunk: Uint8Array) => void): void {
  const raw = btf.raw;
  // Past CHUNK there is always room for the fixed text of a record or member plus the longest name.
  slack = SLACK + btf.strings.maxLength * 6;
  out = new Uint8Array(CHUNK + slack);
  pos = 0;
  sink = write;
  strs = btf.strings.bytes;
  view = raw.view;
  le = raw.littleEndian;
  const v = view;
  const offs = raw.offs;
  const kinds = raw.kinds;
  try {
    pos = putLit(out, pos, L.open);
    for (let id = 1; id < raw.count; id++) {
      const o = offs[id]!;
      const kind = kinds[id]!;
      const info = v.getUint32(o + 4, le);
      const vlen = info & 0xffffff;
      const kflag = info >>> 31;
      const st = v.getUint32(o + 8, le);
      header(id, kind, o);
      switch (kind) {
        case K.INT: intRec(o, st); break;
        case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG: refRec(st); break;
        case K.ARRAY: arrayRec(o); break;
        case K.STRUCT: case K.UNION: structRec(o, st, vlen, kflag); break;
        case K.ENUM: enumRec(o, st, vlen, kflag); break;
        case K.ENUM64: enum64Rec(o, st, vlen, kflag); break;
        case K.FUNC: linkRec(st, vlen); break;
        case K.VAR: linkRec(st, v.getUint32(o + 12, le)); break;
        case K.FUNC_PROTO: protoRec(o, st, vlen); break;
        case K.DATASEC: datasecRec(o, st, vlen); break;
        default: otherRec(kind, o, st, vlen, kflag);
      }
    }
    pos = putLit(out, pos, L.close);
    if (pos > 0) sink(out.subarray(0, pos));
  } finally {
    out = new Uint8Array(0);
    pos = 0;
    sink = () => {};
    strs = new Uint8Array(0);
  }
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
