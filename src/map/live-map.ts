/**
 * A live map: an fd, the kernel's info, the schema it was checked against, raw byte operations and
 * typed operations through the codec. close() releases the fd; every other method needs it open.
 */
import type { ByteOrder } from '../bytes.js';
import type { MapSchema } from '../btf/schema-types.js';
import { compileCodec } from '../codec/compile.js';
import type { Codec, DecodeOptions } from '../codec/types.js';
import { BpfmapError, ERROR_CODE } from '../errors.js';
import {
  BPF_UPDATE, closeFd, mapDeleteElem, mapGetNextKey, mapLookupAndDeleteElem, mapLookupBatch, mapLookupElem,
  mapUpdateElem, possibleCpus, mapUpdateBatch, mapDeleteBatch,
} from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { bloomContains } from './bloom.js';
import { joinPerCpu, splitPerCpu, sumPerCpu } from './per-cpu.js';

export type UpdateFlag = 'any' | 'noexist' | 'exist';

const FLAG: Record<UpdateFlag, number> = { any: BPF_UPDATE.ANY, noexist: BPF_UPDATE.NOEXIST, exist: BPF_UPDATE.EXIST };
const NO_CRUD: ReadonlySet<string> = new Set(['ringbuf', 'user_ringbuf', 'perf_event_array']);
const NULL_KEY: ReadonlySet<string> = new Set(['queue', 'stack', 'bloom_filter']);
const NO_BATCH: ReadonlySet<string> = new Set(['lpm_trie', 'queue', 'stack', 'bloom_filter', 'array_of_maps',
  'hash_of_maps', 'prog_array']);

export interface LookupOptions extends DecodeOptions {
  /** Per-CPU maps: add the CPUs' values field by field. */
  sum?: boolean;
  /** Per-CPU maps: only this CPU's value. */
  cpu?: number;
}

export interface Entry {
  key: unknown;
  value: unknown;
}

export class LiveMap {
  readonly info: MapInfo;
  readonly schema: MapSchema;
  /** How the map was named in messages: `map '/sys/fs/bpf/x'`. */
  readonly subject: string;
  readonly byteOrder: ByteOrder;
  private fdValue: number;
  private codecs: { key: Codec | null; value: Codec } | undefined;

  constructor(fd: number, info: MapInfo, schema: MapSchema, subject: string, byteOrder: ByteOrder) {
    this.fdValue = fd;
    this.info = info;
    this.schema = schema;
    this.subject = subject;
    this.byteOrder = byteOrder;
  }

  get fd(): number {
    if (this.fdValue < 0) throw new BpfmapError(ERROR_CODE.USAGE, `${this.subject}: used after close()`);
    return this.fdValue;
  }

  close(): void {
    closeFd(this.fdValue);
    this.fdValue = -1;
  }

  get perCpu(): boolean {
    return this.schema.perCpu;
  }

  get nCpus(): number {
    return this.perCpu ? possibleCpus() : 1;
  }

  private crud(op: string): void {
    if (NO_CRUD.has(this.info.typeName)) {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
        `${this.subject}: ${op}: a ${this.info.typeName} map has no element operations (its data is read by a consumer, not looked up)`);
    }
  }

  private rawKey(key: Uint8Array | null): Uint8Array | null {
    if (NULL_KEY.has(this.info.typeName)) return null;
    if (key === null || key.byteLength !== this.info.keySize) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${this.subject}: key: expected ${this.info.keySize} bytes, got ${key?.byteLength ?? 'none'}`);
    }
    return key;
  }

  /** Kernel value buffer size (per-CPU: round_up(value_size, 8) * possible CPUs). */
  get rawValueSize(): number {
    return this.perCpu ? Math.ceil(this.info.valueSize / 8) * 8 * possibleCpus() : this.info.valueSize;
  }

  // ---- raw bytes ----

  /** The kernel's value bytes (per-CPU: the whole per-CPU buffer). */
  lookupRaw(key: Uint8Array | null): Uint8Array {
    this.crud('lookup');
    return mapLookupElem(this.fd, this.rawKey(key), this.rawValueSize, 0, this.subject);
  }

  updateRaw(key: Uint8Array | null, value: Uint8Array, flags: UpdateFlag = 'any'): void {
    this.crud('update');
    mapUpdateElem(this.fd, this.rawKey(key), value, FLAG[flags], this.subject);
  }

  deleteRaw(key: Uint8Array): void {
    this.crud('delete');
    mapDeleteElem(this.fd, this.rawKey(key), this.subject);
  }

  getNextKeyRaw(key: Uint8Array | null): Uint8Array | null {
    this.crud('getnext');
    return mapGetNextKey(this.fd, key, this.info.keySize, this.subject);
  }

  // ---- typed ----

  private getCodecs(): { key: Codec | null; value: Codec } {
    if (!this.codecs) {
      const s = this.schema;
      this.codecs = {
        key: s.key === null || s.keySize === 0 ? null
          : compileCodec(s.key, { byteOrder: this.byteOrder, size: s.keySize, root: 'key', lpmKey: s.type === 'lpm_trie' }),
        value: compileCodec(s.value, { byteOrder: this.byteOrder, size: s.valueSize, root: 'value' }),
      };
    }
    return this.codecs;
  }

  encodeKey(key: unknown): Uint8Array | null {
    const c = this.getCodecs().key;
    return c === null ? null : c.encode(key, 'key');
  }

  decodeKey(bytes: Uint8Array, opts?: DecodeOptions): unknown {
    const c = this.getCodecs().key;
    return c === null ? null : c.decode(bytes, 0, opts);
  }

  /** Encodes one value, or for per-CPU maps one value or a list with one per CPU. */
  encodeValue(value: unknown): Uint8Array {
    const c = this.getCodecs().value;
    if (!this.perCpu) return c.encode(value, 'value');
    const n = possibleCpus();
    const list = Array.isArray(value) && value.length === n && this.schema.value?.kind !== 'array'
      ? value.map((v, i) => c.encode(v, `value[${i}]`)) : [c.encode(value, 'value')];
    return joinPerCpu(list, this.info.valueSize, n, `${this.subject}: value`);
  }

  /** Decodes the kernel's value bytes; per-CPU maps give a list (or its sum, or one CPU's value). */
  decodeValue(bytes: Uint8Array, opts: LookupOptions = {}): unknown {
    const c = this.getCodecs().value;
    if (!this.perCpu) return c.decode(bytes, 0, opts);
    const parts = splitPerCpu(bytes, this.info.valueSize, possibleCpus());
    if (opts.cpu !== undefined) {
      if (!Number.isInteger(opts.cpu) || opts.cpu < 0 || opts.cpu >= parts.length) {
        throw new BpfmapError(ERROR_CODE.VALUE_RANGE, `${this.subject}: cpu: expected 0..${parts.length - 1}, got ${opts.cpu}`);
      }
      return c.decode(parts[opts.cpu]!, 0, opts);
    }
    const values = parts.map((p) => c.decode(p, 0, opts));
    return opts.sum ? sumPerCpu(values, this.schema.value) : values;
  }

  lookup(key: unknown, opts: LookupOptions = {}): unknown {
    return this.decodeValue(this.lookupRaw(this.encodeKey(key)), opts);
  }

  update(key: unknown, value: unknown, opts: { flags?: UpdateFlag } = {}): void {
    this.updateRaw(this.encodeKey(key), this.encodeValue(value), opts.flags ?? 'any');
  }

  delete(key: unknown): void {
    const k = this.encodeKey(key);
    if (k === null) throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: delete: a ${this.info.typeName} has no keys; use pop`);
    this.deleteRaw(k);
  }

  /** The key after `key` (the first with none); null at the end. */
  getNext(key?: unknown, opts?: DecodeOptions): unknown {
    const k = key === undefined ? null : this.encodeKey(key);
    const next = this.getNextKeyRaw(k);
    return next === null ? null : this.decodeKey(next, opts);
  }

  // ---- queue, stack, bloom filter ----

  private nullKeyOnly(op: string): void {
    if (!NULL_KEY.has(this.info.typeName)) {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: ${op}: expected a queue, stack or bloom filter, got ${this.info.typeName}`);
    }
  }

  push(value: unknown, opts: { flags?: UpdateFlag } = {}): void {
    this.nullKeyOnly('push');
    this.updateRaw(null, this.encodeValue(value), opts.flags ?? 'any');
  }

  /** queue/stack: the next value without removing it. Bloom filter: true when `value` may be in the set. */
  peek(value?: unknown, opts?: DecodeOptions): unknown {
    this.nullKeyOnly('peek');
    if (this.info.typeName === 'bloom_filter') {
      return bloomContains(this.fd, this.encodeValue(value), this.subject);
    }
    return this.decodeValue(mapLookupElem(this.fd, null, this.info.valueSize, 0, this.subject), opts);
  }

  pop(opts?: DecodeOptions): unknown {
    this.nullKeyOnly('pop');
    if (this.info.typeName === 'bloom_filter') {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: pop: a bloom filter cannot remove values`);
    }
    return this.decodeValue(mapLookupAndDeleteElem(this.fd, null, this.info.valueSize, 0, this.subject), opts);
  }

  // ---- batches ----

  /** Writes many entries: one MAP_UPDATE_BATCH when the map type supports it, else one by one. */
  updateBatch(keys: readonly unknown[], values: readonly unknown[], opts: { flags?: UpdateFlag } = {}): number {
    if (keys.length !== values.length) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${this.subject}: updateBatch: expected as many values as keys, got ${values.length} for ${keys.length}`);
    }
    const ks = keys.map((k) => this.encodeKey(k)!);
    const vs = values.map((v) => this.encodeValue(v));
    if (!NO_BATCH.has(this.info.typeName) && ks.length > 0) {
      try {
        return mapUpdateBatch(this.fd, concat(ks), concat(vs), ks.length, FLAG[opts.flags ?? 'any'], this.subject);
      } catch (e) {
        const c = (e as { code?: string }).code;
        if (c !== ERROR_CODE.NOT_SUPPORTED && c !== ERROR_CODE.SYSCALL) throw e;
      }
    }
    for (let i = 0; i < ks.length; i++) this.updateRaw(ks[i]!, vs[i]!, opts.flags ?? 'any');
    return ks.length;
  }

  /** Deletes many keys: MAP_DELETE_BATCH when supported, else one by one. */
  deleteBatch(keys: readonly unknown[]): number {
    const ks = keys.map((k) => this.encodeKey(k)!);
    if (!NO_BATCH.has(this.info.typeName) && ks.length > 0) {
      try {
        return mapDeleteBatch(this.fd, concat(ks), ks.length, this.subject);
      } catch (e) {
        const c = (e as { code?: string }).code;
        if (c !== ERROR_CODE.NOT_SUPPORTED && c !== ERROR_CODE.SYSCALL) throw e;
      }
    }
    for (const k of ks) this.deleteRaw(k);
    return ks.length;
  }

  // ---- iteration ----

  /** Raw entries, streamed in batches (MAP_LOOKUP_BATCH), or key by key where batches are unsupported. */
  *entriesRaw(batchSize = 4096): Generator<{ key: Uint8Array; value: Uint8Array }> {
    this.crud('dump');
    const ks = this.info.keySize, vs = this.rawValueSize;
    let useBatch = !NO_BATCH.has(this.info.typeName);
    if (useBatch) {
      let cursor: Uint8Array | null = null;
      let first = true;
      for (;;) {
        let r;
        try {
          r = mapLookupBatch(this.fd, cursor, batchSize, ks, vs, this.subject);
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (first && (code === ERROR_CODE.NOT_SUPPORTED || code === ERROR_CODE.SYSCALL)) { useBatch = false; break; }
          throw e;
        }
        first = false;
        for (let i = 0; i < r.count; i++) {
          yield { key: r.keys.subarray(i * ks, (i + 1) * ks), value: r.values.subarray(i * vs, (i + 1) * vs) };
        }
        if (r.next === null) return;
        cursor = r.next;
      }
    }
    let key: Uint8Array | null = null;
    for (;;) {
      const next = mapGetNextKey(this.fd, key, ks, this.subject);
      if (next === null) return;
      let value: Uint8Array;
      try {
        value = mapLookupElem(this.fd, next, vs, 0, this.subject);
      } catch (e) {
        if ((e as { code?: string }).code === ERROR_CODE.KEY_NOT_FOUND) { key = next; continue; } // deleted meanwhile
        throw e;
      }
      yield { key: next, value };
      key = next;
    }
  }

  /** Typed entries, streamed. */
  *entries(opts: LookupOptions = {}): Generator<Entry> {
    for (const e of this.entriesRaw()) yield { key: this.decodeKey(e.key, opts), value: this.decodeValue(e.value, opts) };
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
