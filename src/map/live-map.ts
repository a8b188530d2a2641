/**
 * A live map: an fd, the kernel's info, the schema it was checked against, raw byte operations and
 * typed operations through the codec. close() releases the fd; every other method needs it open.
 */
import { equalBytes, type ByteOrder } from '../bytes.js';
import type { MapSchema } from '../schema/types.js';
import { lpmHostQuery, mapCodecs } from '../codec/index.js';
import type { Codec, DecodeOptions } from '../codec/index.js';
import { BpfmapError, ERROR_CODE, ValueError } from '../errors.js';
import { stringifyJson } from '../text/json.js';
import {
  BPF_F, BPF_UPDATE, closeFd, mapDeleteElem, mapGetNextKey, mapLookupAndDeleteElem, mapLookupBatch, mapLookupElem,
  mapUpdateElem, perCpuStride, perCpuValueSize, possibleCpus,
} from '../syscall/index.js';
import type { MapInfo } from '../syscall/index.js';
import { BatchWriter, type EntrySource, type KeySource, type WriteOptions } from './batch-writer.js';
import { bloomContains } from './bloom.js';
import { frozenError } from './frozen.js';
import { describeInner, fdValue, FD_MAP_TYPES, innerRefused, withInnerFd } from './inner.js';
import { lpmIdentity, lpmLongestMatch, lpmPrefixLen } from './lpm.js';
import { cpuLabel, joinPerCpu, labelPerCpu, perCpuList, sumPerCpu } from './per-cpu.js';

export type UpdateFlag = 'any' | 'noexist' | 'exist';

const FLAG: Record<UpdateFlag, number> = { any: BPF_UPDATE.ANY, noexist: BPF_UPDATE.NOEXIST, exist: BPF_UPDATE.EXIST };
const NO_CRUD: ReadonlySet<string> = new Set(['ringbuf', 'user_ringbuf', 'perf_event_array']);
const NULL_KEY: ReadonlySet<string> = new Set(['queue', 'stack', 'bloom_filter']);
/** Map types whose key is a u32 index 0..max_entries-1 (the kernel reads it in host order). */
const INDEXED: ReadonlySet<string> = new Set(['array', 'percpu_array', 'prog_array', 'perf_event_array', 'cgroup_array',
  'array_of_maps', 'devmap', 'cpumap', 'xskmap', 'sockmap', 'reuseport_sockarray']);
const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// LPM tries do batch lookup/update/delete through the kernel's generic batch ops (not lookup-and-delete).
const NO_BATCH: ReadonlySet<string> = new Set(['queue', 'stack', 'bloom_filter', 'array_of_maps',
  'hash_of_maps', 'prog_array']);
/** Arrays whose entries cannot be deleted: every index always exists (the kernel answers EINVAL). */
const NO_DELETE: ReadonlySet<string> = new Set(['array', 'percpu_array']);

export interface LookupOptions extends DecodeOptions {
  /** Per-CPU maps: add the CPUs' values field by field. */
  sum?: boolean;
  /** Per-CPU maps: only this CPU's value. */
  cpu?: number;
  /** LPM tries: only an entry stored under exactly this prefix (the kernel's lookup is longest-prefix). */
  exact?: boolean;
  /** Per-CPU maps: the values as an object labelled by CPU (`{cpu0: …, cpu1: …}`) instead of a list. */
  labelCpus?: boolean;
}

/** An LPM trie lookup: the value, the stored key that matched, and whether it is the query's own prefix. */
export interface LpmLookup {
  /** The stored key whose prefix matched (decoded). */
  key: unknown;
  value: unknown;
  /** Prefix length of the stored key that matched. */
  prefixLen: number;
  /** true when the stored prefix is the query's; false for a covering shorter prefix. */
  exact: boolean;
}

export interface Entry {
  key: unknown;
  value: unknown;
}

/** The bpf() reads LiveMap.batches makes. */
export type ReadCall = 'lookupBatch' | 'getNextKey' | 'lookupElem';

export class LiveMap {
  readonly info: MapInfo;
  readonly schema: MapSchema;
  /** How the map was named in messages: `map '/sys/fs/bpf/x'`. */
  readonly subject: string;
  readonly byteOrder: ByteOrder;
  private fdValue: number;
  private codecs: { key: Codec | null; value: Codec } | undefined;
  private readonly fdMap: boolean;
  private writer: BatchWriter | undefined;

  constructor(fd: number, info: MapInfo, schema: MapSchema, subject: string, byteOrder: ByteOrder) {
    this.fdValue = fd;
    this.info = info;
    this.schema = schema;
    this.subject = subject;
    this.byteOrder = byteOrder;
    this.fdMap = FD_MAP_TYPES.has(info.typeName);
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

  /** Queues, stacks and bloom filters have no keys to walk. */
  private keyed(op: string): void {
    if (NULL_KEY.has(this.info.typeName)) {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
        `${this.subject}: ${op}: a ${this.info.typeName} has no keys; ${this.info.typeName === 'bloom_filter' ? 'test a value with peek' : 'use peek or pop'}`);
    }
  }

  private rawKey(key: Uint8Array | null): Uint8Array | null {
    if (NULL_KEY.has(this.info.typeName)) return null;
    if (key === null || key.byteLength !== this.info.keySize) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${this.subject}: key: expected ${this.info.keySize} bytes, got ${key?.byteLength ?? 'none'}`);
    }
    return key;
  }

  /**
   * A value to write must be exactly the kernel's value buffer: the kernel reads that many bytes, and
   * past a shorter value it would read what an earlier call left in the buffer (a schema forced onto
   * a map with a larger value).
   */
  private rawValue(value: Uint8Array): Uint8Array {
    if (value.byteLength !== this.rawValueSize) {
      throw new ValueError('value', `expected ${this.rawValueSize} bytes (the live map's value size${this.perCpu ? ', for every possible CPU' : ''}), got ${value.byteLength}` +
        (value.byteLength === (this.perCpu ? perCpuValueSize(this.schema.valueSize) : this.schema.valueSize) ? ` (the object's '${this.schema.name}' has value size ${this.schema.valueSize}; the map does not match it)` : ''));
    }
    return value;
  }

  /** Kernel value buffer size (per-CPU: round_up(value_size, 8) * possible CPUs). */
  get rawValueSize(): number {
    return this.perCpu ? perCpuValueSize(this.info.valueSize) : this.info.valueSize;
  }

  // ---- raw bytes ----

  /** The kernel's value bytes (per-CPU: the whole per-CPU buffer). */
  lookupRaw(key: Uint8Array | null): Uint8Array {
    this.crud('lookup');
    return mapLookupElem(this.fd, this.rawKey(key), this.rawValueSize, 0, this.subject);
  }

  updateRaw(key: Uint8Array | null, value: Uint8Array, flags: UpdateFlag = 'any'): void {
    this.crud('update');
    this.rawValue(value);
    try {
      mapUpdateElem(this.fd, this.rawKey(key), value, FLAG[flags], this.subject);
    } catch (e) {
      // .rodata of a loaded program: RDONLY_PROG and frozen by the loader, so user space gets EPERM.
      const code = (e as { code?: string }).code;
      if ((code === ERROR_CODE.PERMISSION && (this.info.mapFlags & BPF_F.RDONLY_PROG) !== 0) ||
          (code === ERROR_CODE.MAP_FROZEN && this.schema.name.includes('.rodata'))) {
        throw frozenError(this.schema.name, e);
      }
      throw e;
    }
  }

  deleteRaw(key: Uint8Array): void {
    this.crud('delete');
    mapDeleteElem(this.fd, this.rawKey(key), this.subject);
  }

  getNextKeyRaw(key: Uint8Array | null): Uint8Array | null {
    this.crud('getnext');
    this.keyed('getnext');
    return mapGetNextKey(this.fd, key, this.info.keySize, this.subject);
  }

  // ---- typed ----

  private getCodecs(): { key: Codec | null; value: Codec } {
    if (!this.codecs) {
      const s = this.schema;
      const c = mapCodecs(s, this.byteOrder);
      this.codecs = { key: s.key === null || s.keySize === 0 ? null : c.key, value: c.value };
    }
    return this.codecs;
  }

  /**
   * A key to look up by: as encodeKey, except that on an LPM trie a bare address with no prefix
   * length asks about that one host (writes refuse it: host or network is not guessed).
   */
  encodeQueryKey(key: unknown): Uint8Array | null {
    return this.encodeKey(this.info.typeName === 'lpm_trie' ? lpmHostQuery(this.schema.key, key) : key);
  }

  encodeKey(key: unknown): Uint8Array | null {
    const c = this.getCodecs().key;
    if (c === null) return null;
    const k = c.encode(key, 'key');
    // An index past the array is a value error before the kernel (which answers E2BIG or ENOENT).
    const max = this.info.maxEntries;
    if (k.byteLength === 4 && INDEXED.has(this.info.typeName)) {
      const i = new DataView(k.buffer, k.byteOffset, 4).getUint32(0, HOST_LITTLE);
      if (i >= max) {
        throw new ValueError('key', `expected an index 0..${max - 1} (the map's max_entries is ${max}), got ${i}`, ERROR_CODE.VALUE_RANGE);
      }
    }
    return k;
  }

  decodeKey(bytes: Uint8Array, opts?: DecodeOptions): unknown {
    const c = this.getCodecs().key;
    return c === null ? null : c.decode(bytes, 0, opts);
  }

  /**
   * Whether two encoded keys name the same entry: equal bytes, or for an LPM trie the same prefix
   * (bits past the prefix length do not count, as in the kernel).
   */
  sameEntry(a: Uint8Array, b: Uint8Array): boolean {
    if (a.byteLength !== b.byteLength) return false;
    const [x, y] = this.info.typeName === 'lpm_trie' && a.byteLength >= 4 ? [lpmIdentity(a), lpmIdentity(b)] : [a, b];
    return equalBytes(x, 0, y, 0, x.byteLength);
  }

  /** Encodes one value, or for per-CPU maps one value or a list with one per CPU. */
  encodeValue(value: unknown): Uint8Array {
    const c = this.getCodecs().value;
    if (!this.perCpu) return c.encode(value, 'value');
    const n = possibleCpus();
    const given = perCpuList(value, n, this.schema.value?.kind === 'array', `${this.subject}: value`);
    if (given !== null && given.length !== n) {
      throw new ValueError('value', `expected one value or a list of ${n} (one per possible CPU), got a list of ${given.length}`);
    }
    const list = given !== null && given.length === n
      ? given.map((v, i) => c.encode(v, Array.isArray(value) ? `value[${i}]` : `value.${cpuLabel(i)}`)) : [c.encode(value, 'value')];
    return joinPerCpu(list, this.info.valueSize, n, `${this.subject}: value`);
  }

  /** Decodes the kernel's value bytes; per-CPU maps give a list (or its sum, or one CPU's value). */
  decodeValue(bytes: Uint8Array, opts: LookupOptions = {}): unknown {
    if (this.fdMap) return describeInner(bytes, this.info.typeName);
    return this.valueDecoder(opts)(bytes, 0);
  }

  /**
   * Decodes the raw value at `off` of a buffer (not map-in-map). The options are checked once, so
   * entries() pays for them per dump, not per entry; per-CPU values are decoded in place at each CPU's
   * stride, without copying them out.
   */
  private valueDecoder(opts: LookupOptions): (buf: Uint8Array, off: number) => unknown {
    const c = this.getCodecs().value;
    if (!this.perCpu) return (buf, off) => c.decode(buf, off, opts);
    const n = possibleCpus();
    const stride = perCpuStride(this.info.valueSize);
    const cpu = opts.cpu;
    if (cpu !== undefined) {
      if (!Number.isInteger(cpu) || cpu < 0 || cpu >= n) {
        throw new BpfmapError(ERROR_CODE.VALUE_RANGE, `${this.subject}: cpu: expected 0..${n - 1}, got ${cpu}`);
      }
      return (buf, off) => c.decode(buf, off + cpu * stride, opts);
    }
    const node = opts.sum ? this.schema.value : undefined;
    return (buf, off) => {
      const values: unknown[] = new Array(n);
      for (let i = 0; i < n; i++) values[i] = c.decode(buf, off + i * stride, opts);
      return node !== undefined ? sumPerCpu(values, node) : opts.labelCpus ? labelPerCpu(values) : values;
    };
  }

  /**
   * The value under `key`. LPM tries: the longest covering prefix's value, as the kernel matches;
   * with `exact` only the entry stored under this very prefix (KEY_NOT_FOUND otherwise).
   * Map-in-map and prog arrays: the inner object's `{ id, name }`.
   */
  lookup(key: unknown, opts: LookupOptions = {}): unknown {
    if (NULL_KEY.has(this.info.typeName)) {
      // A bloom filter's lookup tests the value buffer (zeros here), and a queue's peeks: a key would be ignored.
      if (this.info.typeName === 'bloom_filter') this.keyed('lookup');
      if (key !== undefined && key !== null) {
        throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: lookup: a ${this.info.typeName} has no keys; use peek`);
      }
    }
    if (opts.exact && this.info.typeName === 'lpm_trie') return this.lookupLpm(key, opts).value;
    return this.decodeValue(this.lookupRaw(this.encodeQueryKey(key)), opts);
  }

  /**
   * LPM tries: the kernel's longest-prefix lookup, plus which stored prefix matched and whether it is
   * the query's own (`exact`), found with at most one GET_NEXT_KEY per prefix bit whatever the number
   * of entries (see lpm.ts). `{ exact: true }` refuses a covering shorter prefix with KEY_NOT_FOUND.
   */
  lookupLpm(key: unknown, opts: LookupOptions = {}): LpmLookup {
    if (this.info.typeName !== 'lpm_trie') {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: lookupLpm: expected an lpm_trie, got ${this.info.typeName}`);
    }
    const k = this.encodeQueryKey(key)!;
    const raw = this.lookupRaw(k); // KEY_NOT_FOUND when no prefix covers the key
    const match = lpmLongestMatch(this.fd, k, this.subject);
    const want = lpmPrefixLen(k);
    const exact = match !== null && match.prefixLen === want;
    if (opts.exact && !exact) {
      const found = match === null ? '' : `; the longest stored prefix covering it is ${stringifyJson(this.decodeKey(match.key, opts))}`;
      throw new BpfmapError(ERROR_CODE.KEY_NOT_FOUND,
        `${this.subject}: key ${stringifyJson(this.decodeKey(k, opts))}: no entry with exactly this prefix${found}`);
    }
    // The value comes from the kernel's own lookup; the probe only names the stored prefix.
    return {
      key: match === null ? this.decodeKey(k, opts) : this.decodeKey(match.key, opts),
      value: this.decodeValue(raw, opts),
      prefixLen: match?.prefixLen ?? want,
      exact,
    };
  }

  /**
   * Writes `value` under `key`. Map-in-map and prog arrays take an inner reference: a pin path,
   * `id:N`, `{ id }`, `{ pin }` or `{ fd }`; the inner object is opened, its fd written, then closed.
   */
  update(key: unknown, value: unknown, opts: { flags?: UpdateFlag } = {}): void {
    const k = this.encodeKey(key);
    if (this.fdMap) {
      withInnerFd(value, this.info.typeName, 'value', (fd) => {
        try {
          this.updateRaw(k, fdValue(fd), opts.flags ?? 'any');
        } catch (e) {
          throw innerRefused(e, fd, value, this.schema, 'value');
        }
      });
      return;
    }
    this.updateRaw(k, this.encodeValue(value), opts.flags ?? 'any');
  }

  delete(key: unknown): void {
    const k = this.encodeKey(key);
    if (k === null) throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED, `${this.subject}: delete: a ${this.info.typeName} has no keys; use pop`);
    if (NO_DELETE.has(this.info.typeName)) {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
        `${this.subject}: delete: a ${this.info.typeName} map cannot delete entries (every index always exists); write a zero value instead`);
    }
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
      return bloomContains(this.fd, this.rawValue(this.encodeValue(value)), this.subject);
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

  /** The map's batch writer (batch-writer.ts): it remembers when the kernel has no batch write for the map. */
  private batchWriter(): BatchWriter {
    if (!this.writer) {
      const live = this;
      this.writer = new BatchWriter({
        get fd() { return live.fd; },
        subject: this.subject,
        keySize: this.info.keySize,
        rawValueSize: this.rawValueSize,
        // A map of fds takes fds in a batch write, not the references its values are (inner.ts).
        batchUpdates: !NO_BATCH.has(this.info.typeName) && !this.fdMap,
        batchDeletes: !NO_BATCH.has(this.info.typeName),
        updateElem: (key, value, flags) => this.updateRaw(key, value, flags),
        deleteElem: (key) => this.deleteRaw(key),
      });
    }
    return this.writer;
  }

  /**
   * Writes `src.count` raw entries (keys at key size, values at the raw value size): MAP_UPDATE_BATCH
   * in chunks where the kernel has it for the map, else one by one (batch-writer.ts). On an error its
   * `done` tells how many entries went in.
   */
  writeEntries(src: EntrySource, opts: WriteOptions = {}): void {
    this.batchWriter().update(src, opts);
  }

  /** Deletes `src.count` raw keys: MAP_DELETE_BATCH in chunks where supported, else one by one. */
  deleteEntries(src: KeySource, opts: WriteOptions = {}): void {
    this.batchWriter().delete(src, opts);
  }

  /**
   * Writes many entries: MAP_UPDATE_BATCH when the map type supports it (and flags are `any`), else
   * one by one. All or nothing: when a write fails part-way (map full, a `noexist` key that exists),
   * the entries written before it are put back as they were, and the error says so.
   */
  updateBatch(keys: readonly unknown[], values: readonly unknown[], opts: { flags?: UpdateFlag } = {}): number {
    if (keys.length !== values.length) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${this.subject}: updateBatch: expected as many values as keys, got ${values.length} for ${keys.length}`);
    }
    if (this.fdMap) { // inner references are opened (and closed) one at a time
      for (let i = 0; i < keys.length; i++) this.update(keys[i], values[i], opts);
      return keys.length;
    }
    const ks = keys.map((k) => this.encodeKey(k)!);
    const vs = values.map((v) => this.rawValue(this.encodeValue(v)));
    // What the keys hold now: a write that fails part-way puts these back, so that a failed bulk
    // write leaves the map as it was.
    const old = ks.map((k) => this.storedRaw(k));
    try {
      this.writeEntries({ count: ks.length, key: (i) => ks[i]!, value: (i) => vs[i]! }, { flags: opts.flags ?? 'any' });
    } catch (e) {
      throw this.putBack(e, ks, vs, old);
    }
    return ks.length;
  }

  /** The raw value stored under exactly this key, or null (an LPM trie: under this very prefix). */
  private storedRaw(k: Uint8Array): Uint8Array | null {
    let v: Uint8Array;
    try {
      v = this.lookupRaw(k);
    } catch (e) {
      if ((e as { code?: string }).code === ERROR_CODE.KEY_NOT_FOUND) return null;
      throw e;
    }
    if (this.info.typeName === 'lpm_trie' && lpmLongestMatch(this.fd, k, this.subject)?.prefixLen !== lpmPrefixLen(k)) return null;
    return v;
  }

  /**
   * After updateBatch failed with `e` once `e.done` entries were written: each key written gets its
   * old value back (or is deleted again), unless it no longer holds what was written (another
   * writer changed it meanwhile) or the kernel refuses: those are left alone, and named. Returns the
   * error to throw: `e`'s code, saying what was put back, or ROLLBACK_PARTIAL naming the keys left.
   */
  private putBack(e: unknown, ks: readonly Uint8Array[], vs: readonly Uint8Array[], old: readonly (Uint8Array | null)[]): unknown {
    const done = Math.min((e as { done?: number }).done ?? 0, ks.length);
    if (done === 0) return e;
    const seen = new Set<string>();
    const left: number[] = [];
    for (let i = done - 1; i >= 0; i--) {
      const id = Buffer.from(this.info.typeName === 'lpm_trie' ? lpmIdentity(ks[i]!) : ks[i]!).toString('hex');
      if (seen.has(id)) continue;
      seen.add(id);
      try {
        const now = this.storedRaw(ks[i]!);
        if (now === null || now.byteLength !== vs[i]!.byteLength || !equalBytes(now, 0, vs[i]!, 0, now.byteLength)) { left.push(i); continue; }
        const was = old[i];
        if (was) this.updateRaw(ks[i]!, was);
        else this.deleteRaw(ks[i]!);
      } catch {
        left.push(i); // the kernel refused to put it back: named below with the others left
      }
    }
    const code = e instanceof BpfmapError ? e.code : ERROR_CODE.INTERNAL;
    const message = e instanceof Error ? e.message : String(e);
    if (left.length === 0) {
      return new BpfmapError(code, `${message} (updateBatch: entry ${done} of ${ks.length} failed; the ${done} written before it were put back, the map is as it was)`, { cause: e });
    }
    const named = left.slice(0, 5).map((i) => stringifyJson(this.decodeKey(ks[i]!))).join(', ');
    return new BpfmapError(ERROR_CODE.ROLLBACK_PARTIAL,
      `${message} (updateBatch: entry ${done} of ${ks.length} failed; ${left.length} of the ${done} written before it could not be put back (changed by another writer meanwhile, or refused by the kernel) and were left as they are: ${named}${left.length > 5 ? ', ...' : ''})`, { cause: e });
  }

  /** Writes `count` raw entries packed at key size and raw value size: one MAP_UPDATE_BATCH where supported, else one by one. */
  updateBatchRaw(keys: Uint8Array, values: Uint8Array, count: number): number {
    this.crud('update');
    const ks = this.info.keySize, vs = this.rawValueSize;
    // Short buffers would leave the kernel reading what an earlier write left in the copy buffers.
    if (!Number.isSafeInteger(count) || count < 0 || keys.byteLength < count * ks || values.byteLength < count * vs) {
      throw new ValueError('entries', `expected at least ${count} keys of ${ks} bytes and ${count} values of ${vs} bytes (the live map's sizes), got ${keys.byteLength} and ${values.byteLength} bytes`);
    }
    this.writeEntries({
      count,
      key: (i) => keys.subarray(i * ks, (i + 1) * ks),
      value: (i) => values.subarray(i * vs, (i + 1) * vs),
      gather: (start, n, ko, vo) => { ko.set(keys.subarray(start * ks, (start + n) * ks)); vo.set(values.subarray(start * vs, (start + n) * vs)); },
    });
    return count;
  }

  /** Deletes many keys: MAP_DELETE_BATCH when supported, else one by one. */
  deleteBatch(keys: readonly unknown[]): number {
    const ks = keys.map((k) => this.encodeKey(k)!);
    this.deleteEntries({ count: ks.length, key: (i) => ks[i]! });
    return ks.length;
  }

  // ---- iteration ----

  /**
   * The map's entries in chunks: `count` keys packed at keySize and values at the raw value size.
   * MAP_LOOKUP_BATCH (`batchSize` per call) where the map type supports it, else key by key
   * (GET_NEXT_KEY + LOOKUP) in chunks of one. `onCall` hears of every bpf() call made, failed ones
   * included (apply counts them).
   */
  *batches(batchSize = 8192, onCall?: (call: ReadCall) => void): Generator<{ count: number; keys: Uint8Array; values: Uint8Array }> {
    this.crud('dump');
    this.keyed('dump');
    const ks = this.info.keySize, vs = this.rawValueSize;
    // GET_NEXT_KEY from a key deleted meanwhile starts over at the first key (hashes, LPM tries; the
    // kernel's batch lookup of an LPM trie walks the same way from its cursor): the keys already given
    // are remembered and not given again. Arrays never start over; hash batches go by bucket.
    const seen = INDEXED.has(this.info.typeName) ? null : new Set<string>();
    const fresh = (k: Uint8Array): boolean => {
      if (seen === null) return true;
      const id = Buffer.from(k).toString('latin1');
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    };
    if (!NO_BATCH.has(this.info.typeName)) {
      const lpm = this.info.typeName === 'lpm_trie';
      let cursor: Uint8Array | null = null;
      let first = true;
      let size = batchSize;
      for (;;) {
        let r;
        try {
          onCall?.('lookupBatch');
          r = mapLookupBatch(this.fd, cursor, size, ks, vs, this.subject);
        } catch (e) {
          const err = e as { code?: string; errnoName?: string };
          // ENOSPC: a hash bucket holds more entries than fit in the batch; retry with a larger one.
          if (err.errnoName === 'ENOSPC' && size < 1 << 20) { size *= 2; continue; }
          if (first && (err.code === ERROR_CODE.NOT_SUPPORTED || err.code === ERROR_CODE.SYSCALL)) break;
          throw e;
        }
        first = false;
        if (lpm && r.count > 0) r = onlyFresh(r, ks, vs, fresh);
        if (r.count > 0) yield { count: r.count, keys: r.keys, values: r.values };
        if (r.next === null) return;
        cursor = r.next;
      }
    }
    let key: Uint8Array | null = null;
    for (;;) {
      onCall?.('getNextKey');
      const next = mapGetNextKey(this.fd, key, ks, this.subject);
      if (next === null) return;
      let value: Uint8Array;
      try {
        onCall?.('lookupElem');
        value = mapLookupElem(this.fd, next, vs, 0, this.subject);
      } catch (e) {
        if ((e as { code?: string }).code === ERROR_CODE.KEY_NOT_FOUND) { key = next; continue; } // deleted, or an empty fd slot
        throw e;
      }
      if (fresh(next)) yield { count: 1, keys: next, values: value };
      key = next;
    }
  }

  /** Raw entries, streamed (views into each batch's buffers). */
  *entriesRaw(batchSize = 8192): Generator<{ key: Uint8Array; value: Uint8Array }> {
    const ks = this.info.keySize, vs = this.rawValueSize;
    for (const b of this.batches(batchSize)) {
      for (let i = 0; i < b.count; i++) {
        yield { key: b.keys.subarray(i * ks, (i + 1) * ks), value: b.values.subarray(i * vs, (i + 1) * vs) };
      }
    }
  }

  /** Typed entries, streamed: decoded straight from each batch's buffers (no per-entry copies). */
  *entries(opts: LookupOptions = {}): Generator<Entry> {
    const ks = this.info.keySize, vs = this.rawValueSize;
    const kc = this.getCodecs().key;
    const dec = this.fdMap ? null : this.valueDecoder(opts);
    for (const b of this.batches()) {
      for (let i = 0; i < b.count; i++) {
        const key = kc === null ? null : kc.decode(b.keys, i * ks, opts);
        const value = dec !== null ? dec(b.values, i * vs) : describeInner(b.values.subarray(i * vs, (i + 1) * vs), this.info.typeName);
        yield { key, value };
      }
    }
  }
}

/** A batch without the entries whose keys `fresh` has seen before (the batch itself when it has none). */
function onlyFresh(r: { count: number; keys: Uint8Array; values: Uint8Array; next: Uint8Array | null }, ks: number, vs: number,
  fresh: (k: Uint8Array) => boolean): { count: number; keys: Uint8Array; values: Uint8Array; next: Uint8Array | null } {
  let n = 0;
  for (let i = 0; i < r.count; i++) {
    if (!fresh(r.keys.subarray(i * ks, (i + 1) * ks))) continue;
    if (n !== i) { r.keys.copyWithin(n * ks, i * ks, (i + 1) * ks); r.values.copyWithin(n * vs, i * vs, (i + 1) * vs); }
    n++;
  }
  return n === r.count ? r : { count: n, keys: r.keys.subarray(0, n * ks), values: r.values.subarray(0, n * vs), next: r.next };
}
