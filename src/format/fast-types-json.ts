/**
 * `types --json`: one entry per type id in id order, with the fields of `bpftool btf dump -j`
 * (id, kind, name, size, members, values, array info, ...). `writeTypesJson` streams the text in chunks
 * straight from the raw records (fast enough for vmlinux); `typesJson` builds the same as objects.
 */
import { BTF_INT, BTF_KIND as K, kindName } from '../btf/kinds.js';
import { linkageName } from '../btf/types.js';
import { sampleDecoded, type Btf } from '../btf/btf.js';
import { lit, putAscii, putInt, putLit, putName, putUint } from './json-bytes.js';

/**
 * Output is handed over in chunks of about this size (one buffer, reused). 256 KiB rather than 4 MiB:
 * the buffer's pages are touched once each, and a page fault costs about 12 us on a VM. `types
 * --json` of vmlinux, interleaved whole-process medians of 21 runs, 2026-12-06: 190-207 -> 185-196 ms.
 */
const CHUNK = 1 << 18;
/** Bytes free past CHUNK for the fixed text of one record or member (names come on top). */
const SLACK = 1 << 12;

// The closing `}` of a type is written by whatever comes next (`},{"id":` or the final `}]}`), and a
// name's quotes belong to the literals around it, so that most records are a few literal copies.
// Plain constants rather than fields of one object: the writer's optimised code is smaller and V8
// compiles it sooner.
const L_open = lit('{"types":[');
const L_id0 = lit('{"id":');
const L_id = lit('},{"id":');
const L_close = lit('}]}\n');
const L_closeEmpty = lit(']}\n');
const L_anon = lit('(anon)');
const L_size = lit('","size":');
const L_bitsOffset = lit(',"bits_offset":');
const L_nrBits = lit(',"nr_bits":');
const L_encoding = lit(',"encoding":"');
const L_typeId = lit('","type_id":');
const L_indexTypeId = lit(',"index_type_id":');
const L_nrElems = lit(',"nr_elems":');
const L_vlen = lit(',"vlen":');
const L_members = lit(',"members":[');
const L_values = lit(',"values":[');
const L_params = lit(',"params":[');
const L_vars = lit(',"vars":[');
const L_elem0 = lit('{"name":"');
const L_elem = lit('},{"name":"');
const L_elemTypeId = lit('","type_id":');
const L_bitfieldSize = lit(',"bitfield_size":');
const L_elemsEnd = lit('}]');
const L_noElems = lit(']');
const L_val = lit('","val":');
const L_signed = lit('","encoding":"SIGNED","size":');
const L_unsigned = lit('","encoding":"UNSIGNED","size":');
const L_fwdStruct = lit('","fwd_kind":"struct"');
const L_fwdUnion = lit('","fwd_kind":"union"');
const L_linkage = lit(',"linkage":"');
const L_ret = lit('","ret_type_id":');
const L_var0 = lit('{"type_id":');
const L_var = lit('},{"type_id":');
const L_offset = lit(',"offset":');
const L_varSize = lit(',"size":');
const L_componentIdx = lit(',"component_idx":');
const L_kindNumber = lit('","kind_number":');
// The per-kind tables are made on the first write, not when the module loads: every command's bundle
// holds this module, and a CPU profile of `lookup` showed their making at 3.9 ms (profiler-inflated;
// on their own within the noise of whole-process timings; scripts/build.mjs has the measured pair of
// this change and the whitespace-free bundles together).
/** `,"kind":"STRUCT","name":"` for each kind. */
let KIND_LITS: number[] = [];
/** An INT's encoding and the closing quote. */
let ENC_LITS: number[] = [];
let LINK_LITS: number[] = [];

function makeTables(): void {
  if (KIND_LITS.length > 0) return;
  KIND_LITS = Array.from({ length: 128 }, (_, k) => lit(`,"kind":"${kindName(k)}","name":"`));
  ENC_LITS = Array.from({ length: 16 }, (_, e) => lit(`${intEncoding(e)}"`));
  LINK_LITS = [0, 1, 2].map((x) => lit(`${linkageName(x)}"`));
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
 * in chunks of about 256 KiB (the fast path: hand the chunks to writeSync / a stream as they come).
 * Measured gain (2026-12-05, vmlinux's 126,689 types, 17.6 MB, median of 7 in process, load average
 * 3.3): 51.6 ms, against 1,555 ms for the same JSON made from typesJson's objects by the exact JSON
 * writer; the `types --json` target (<= 1.1x bpftool, whole process) needs it.
 * The chunks are views of one buffer that is reused: `write` must use or copy each one before it
 * returns.
 */
export function writeTypesJsonBytes(btf: Btf, write: (chunk: Uint8Array) => void): void {
  if (!primed && btf.raw.count > PRIME_ABOVE) {
    // Every path on a small sample (flushing after each record) before the big run: see btf/fast-prime.ts.
    // More than once, as V8 only starts to record type feedback once a function has run for a while,
    // and with two sinks, so that the optimised code calls `write` generically instead of betting on
    // one of them.
    primed = true;
    const sample = sampleDecoded();
    const sinks = [(): void => {}, (chunk: Uint8Array): Uint8Array => chunk];
    for (let i = 0; i < 4; i++) writeJson(sample, sinks[i & 1]!, 0);
  }
  writeJson(btf, write, CHUNK);
}

let primed = false;
/** Types above which the writer is primed first (gain measured with the decoder's: see btf/fast-prime.ts). */
const PRIME_ABOVE = 4096;

/** A parameter or member up to its type id: `{"name":"...","type_id":N` (`},{` before all but the first). */
function putElem(d: DataView, p: number, j: number, sv: DataView, no: number, strEnd: number, strs: Uint8Array, typeId: number): number {
  p = putLit(d, p, j ? L_elem : L_elem0);
  p = strs[no] === 0 ? putLit(d, p, L_anon) : putName(d, p, sv, no, strEnd, strs);
  p = putLit(d, p, L_elemTypeId);
  return putUint(d, p, typeId);
}

function writeJson(btf: Btf, write: (chunk: Uint8Array) => void, chunk: number): void {
  makeTables();
  const raw = btf.raw;
  const w = raw.words;
  const offs = raw.offs;
  const kinds = raw.kinds;
  const n = raw.count;
  const strs = btf.strings.bytes;
  const strEnd = strs.byteLength;
  const sv = new DataView(strs.buffer, strs.byteOffset, strs.byteLength);
  // Past CHUNK there is always room for the fixed text of a record or member plus the longest name,
  // escaped (pages of it that are never written are never touched).
  const out = new Uint8Array(chunk + SLACK + 6 * strEnd);
  const d = new DataView(out.buffer);
  let p = putLit(d, 0, L_open);
  const first = btf.firstId;
  for (let id = first; id < n; id++) {
    if (p > chunk) { write(out.subarray(0, p)); p = 0; }
    const i = offs[id]! >>> 2;
    const kind = kinds[id]!;
    const info = w[i + 1]!;
    const vlen = info & 0xffffff;
    const kflag = info >>> 31;
    const st = w[i + 2]!;
    p = putLit(d, p, id > first ? L_id : L_id0);
    p = putUint(d, p, id);
    p = putLit(d, p, KIND_LITS[kind]!);
    let no = w[i]!;
    if (strs[no] === 0) p = putLit(d, p, L_anon);
    else p = putName(d, p, sv, no, strEnd, strs);
    switch (kind) {
      case K.FUNC:
        p = putLit(d, p, L_typeId); p = putUint(d, p, st); p = putLit(d, p, L_linkage);
        p = vlen < 3 ? putLit(d, p, LINK_LITS[vlen]!) : putAscii(d, p, `${linkageName(vlen)}"`);
        break;
      case K.FUNC_PROTO:
        p = putLit(d, p, L_ret); p = putUint(d, p, st); p = putLit(d, p, L_vlen); p = putUint(d, p, vlen); p = putLit(d, p, L_params);
        for (let j = 0, q = i + 3; j < vlen; j++, q += 2) {
          if (p > chunk) { write(out.subarray(0, p)); p = 0; }
          p = putElem(d, p, j, sv, w[q]!, strEnd, strs, w[q + 1]!);
        }
        p = putLit(d, p, vlen ? L_elemsEnd : L_noElems);
        break;
      case K.PTR: case K.TYPEDEF: case K.VOLATILE: case K.CONST: case K.RESTRICT: case K.TYPE_TAG:
        p = putLit(d, p, L_typeId); p = putUint(d, p, st);
        break;
      case K.STRUCT: case K.UNION:
        p = putLit(d, p, L_size); p = putUint(d, p, st); p = putLit(d, p, L_vlen); p = putUint(d, p, vlen); p = putLit(d, p, L_members);
        for (let j = 0, q = i + 3; j < vlen; j++, q += 3) {
          if (p > chunk) { write(out.subarray(0, p)); p = 0; }
          p = putElem(d, p, j, sv, w[q]!, strEnd, strs, w[q + 1]!);
          const off = w[q + 2]!;
          p = putLit(d, p, L_bitsOffset); p = putUint(d, p, kflag ? off & 0xffffff : off);
          if (kflag && off >>> 24) { p = putLit(d, p, L_bitfieldSize); p = putUint(d, p, off >>> 24); }
        }
        p = putLit(d, p, vlen ? L_elemsEnd : L_noElems);
        break;
      case K.ARRAY:
        p = putLit(d, p, L_typeId); p = putUint(d, p, w[i + 3]!);
        p = putLit(d, p, L_indexTypeId); p = putUint(d, p, w[i + 4]!);
        p = putLit(d, p, L_nrElems); p = putUint(d, p, w[i + 5]!);
        break;
      case K.ENUM: case K.ENUM64: {
        p = putLit(d, p, kflag ? L_signed : L_unsigned); p = putUint(d, p, st); p = putLit(d, p, L_vlen); p = putUint(d, p, vlen);
        p = putLit(d, p, L_values);
        const step = kind === K.ENUM ? 2 : 3;
        for (let j = 0, q = i + 3; j < vlen; j++, q += step) {
          if (p > chunk) { write(out.subarray(0, p)); p = 0; }
          p = putLit(d, p, j ? L_elem : L_elem0);
          no = w[q]!;
          if (strs[no] !== 0) p = putName(d, p, sv, no, strEnd, strs);
          p = putLit(d, p, L_val);
          p = step === 2 ? putInt(d, p, kflag ? w[q + 1]! | 0 : w[q + 1]!) : putEnum64(d, p, w[q + 1]!, w[q + 2]!, kflag);
        }
        p = putLit(d, p, vlen ? L_elemsEnd : L_noElems);
        break;
      }
      case K.DATASEC:
        // As the other lists, written in chunks: a section's variables are unbounded (a .kconfig of
        // thousands of them overran the buffer).
        p = putLit(d, p, L_size); p = putUint(d, p, st); p = putLit(d, p, L_vlen); p = putUint(d, p, vlen); p = putLit(d, p, L_vars);
        for (let j = 0, q = i + 3; j < vlen; j++, q += 3) {
          if (p > chunk) { write(out.subarray(0, p)); p = 0; }
          p = putLit(d, p, j ? L_var : L_var0); p = putUint(d, p, w[q]!);
          p = putLit(d, p, L_offset); p = putUint(d, p, w[q + 1]!);
          p = putLit(d, p, L_varSize); p = putUint(d, p, w[q + 2]!);
        }
        p = putLit(d, p, vlen ? L_elemsEnd : L_noElems);
        break;
      default:
        p = otherKind(d, p, w, i, kind, st, vlen, kflag);
    }
  }
  p = putLit(d, p, n > 1 ? L_close : L_closeEmpty);
  write(out.subarray(0, p));
}

function putEnum64(d: DataView, p: number, lo: number, hi: number, kflag: number): number {
  if (hi === 0) return putUint(d, p, lo);
  if (kflag && hi === 0xffffffff && lo >= 0x80000000) return putInt(d, p, lo - 0x100000000);
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return putAscii(d, p, String(kflag ? BigInt.asIntN(64, u) : u));
}

/** The kinds vmlinux has few of (kept out of the main loop's function). */
function otherKind(d: DataView, p: number, w: Uint32Array, i: number, kind: number, st: number, vlen: number, kflag: number): number {
  switch (kind) {
    case K.INT: {
      const x = w[i + 3]!;
      p = putLit(d, p, L_size); p = putUint(d, p, st); p = putLit(d, p, L_bitsOffset); p = putUint(d, p, (x >>> 16) & 0xff);
      p = putLit(d, p, L_nrBits); p = putUint(d, p, x & 0xff);
      p = putLit(d, p, L_encoding); return putLit(d, p, ENC_LITS[(x >>> 24) & 0x0f]!);
    }
    case K.VAR: {
      const x = w[i + 3]!;
      p = putLit(d, p, L_typeId); p = putUint(d, p, st); p = putLit(d, p, L_linkage);
      return x < 3 ? putLit(d, p, LINK_LITS[x]!) : putAscii(d, p, `${linkageName(x)}"`);
    }
    case K.FWD:
      return putLit(d, p, kflag ? L_fwdUnion : L_fwdStruct);
    case K.FLOAT:
      p = putLit(d, p, L_size); return putUint(d, p, st);
    case K.DECL_TAG:
      p = putLit(d, p, L_typeId); p = putUint(d, p, st); p = putLit(d, p, L_componentIdx);
      return putInt(d, p, w[i + 3]! | 0);
    default:
      p = putLit(d, p, L_kindNumber); p = putUint(d, p, kind); p = putLit(d, p, L_vlen); return putUint(d, p, vlen);
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

/**
 * The same entries as objects (enum64 values beyond 2^53 as bigint): every listed type, or only
 * `ids` (which may name types of a split BTF's base).
 */
export function typesJson(btf: Btf, ids?: readonly number[]): { types: TypeJson[] } {
  const types: TypeJson[] = [];
  const anon = (s: string): string => s || '(anon)';
  const all = ids ?? Array.from({ length: btf.typeCount - btf.firstId + 1 }, (_, i) => btf.firstId + i);
  for (const id of all) {
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
