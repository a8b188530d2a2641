/**
 * The desired state of one map, already encoded: keys and values in packed byte tables (per-CPU
 * values as the kernel's whole per-CPU buffer, padding zero), duplicate keys refused, global-data
 * variables as byte patches. Everything is validated here, before any map is touched.
 */
import type { ByteOrder } from '../bytes.js';
import type { MapSchema } from '../schema/types.js';
import { compileCodec } from '../codec/compile.js';
import { mapCodecs } from '../codec/map-codecs.js';
import type { Codec } from '../codec/types.js';
import { BpfmapError, ERROR_CODE, ValueError, isBpfmapError, isValueError } from '../errors.js';
import { possibleCpus, perCpuStride } from '../map/index.js';
import { ByteTable, IntList } from './byte-table.js';
import { KeyIndex } from './key-index.js';
import { lpmIdentity } from '../map/lpm.js';
import { cpuLabel, perCpuList } from '../map/per-cpu.js';
import { stringifyJson } from '../text/json.js';
import { compileFast, type FastNode } from './fast-json.js';

/** Map types apply can write: entries with a key, values that read back as written. */
const APPLICABLE: ReadonlySet<string> = new Set(['hash', 'lru_hash', 'percpu_hash', 'lru_percpu_hash', 'array',
  'percpu_array', 'lpm_trie']);

export interface VariablePatch {
  readonly name: string;
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export class DesiredMap {
  readonly map: MapSchema;
  readonly keys: ByteTable;
  readonly values: ByteTable;
  /** Where each entry came from (line number, or entry index for documents), for messages. */
  readonly origins = new IntList();
  private indexed: KeyIndex | null = null;
  /** Kernel value buffer size: valueSize, or round_up(valueSize, 8) * possible CPUs for per-CPU maps. */
  readonly rawValueSize: number;
  readonly nCpus: number;
  prune = false;
  readonly variables: VariablePatch[] = [];
  private readonly key: Codec;
  private readonly value: Codec;
  private readonly source: string;
  readonly byteOrder: ByteOrder;

  constructor(map: MapSchema, byteOrder: ByteOrder, source: string, capacity = 1024) {
    if (!APPLICABLE.has(map.type)) {
      throw new BpfmapError(ERROR_CODE.NOT_SUPPORTED,
        `${source}: map '${map.name}': apply supports hash, lru_hash, percpu_hash, lru_percpu_hash, array, percpu_array and lpm_trie maps, got ${map.type}`);
    }
    this.map = map;
    this.source = source;
    this.nCpus = map.perCpu ? possibleCpus() : 1;
    this.rawValueSize = map.perCpu ? perCpuStride(map.valueSize) * this.nCpus : map.valueSize;
    this.keys = new ByteTable(map.keySize, capacity);
    this.values = new ByteTable(this.rawValueSize, capacity);
    const c = mapCodecs(map, byteOrder);
    this.key = c.key;
    this.value = c.value;
    this.byteOrder = byteOrder;
  }

  get count(): number {
    return this.keys.count;
  }

  /** Encodes and adds one entry; `where` names it in errors (`state.yaml: maps.x.entries[3]`). */
  add(key: unknown, value: unknown, origin: number, where: string): void {
    const ko = this.keys.append();
    const vo = this.values.append();
    try {
      if (key === undefined) throw new ValueError('key', 'expected a key, got nothing');
      if (value === undefined) throw new ValueError('value', 'expected a value, got nothing');
      this.key.encodeInto(key, this.keys.bytes, ko, 'key');
      this.encodeValue(value, vo);
    } catch (e) {
      this.keys.pop(); this.values.pop();
      throw rewhere(e, where);
    }
    this.indexed = null;
    this.origins.push(origin);
  }

  /**
   * The index of the desired keys, built once all entries are in (sized for them: no rehashing);
   * a key given twice is refused here, naming both places. LPM trie keys are indexed by their
   * identity (bits past the prefix length cleared, as the kernel compares them): two keys naming
   * one prefix are a duplicate, and a live key finds the desired one whatever its host bits.
   */
  get index(): KeyIndex {
    if (this.indexed) return this.indexed;
    const n = this.keys.count;
    let table = this.keys;
    if (this.lpm) {
      table = new ByteTable(this.keys.recordSize, n);
      for (let i = 0; i < n; i++) lpmIdentity(this.keys.at(i), table.bytes, table.append());
    }
    const ix = new KeyIndex(table, n);
    const d = ix.addAll(n);
    if (d && this.lpm) {
      const show = (i: number) => stringifyJson(this.key.decode(this.keys.at(i), 0, { prettyAddresses: true }));
      throw new ValueError(`${this.source}: ${this.originText(d.at)}`,
        `key: ${show(d.at)} names the same prefix as ${show(d.dup)} of ${this.originText(d.dup)} (bits past the prefix length do not count: ` +
        'the kernel holds one entry for both); each prefix may appear once');
    }
    if (d) {
      throw new ValueError(`${this.source}: ${this.originText(d.at)}`, `key: duplicates the key of ${this.originText(d.dup)}; each key may appear once`);
    }
    this.indexed = ix;
    return ix;
  }

  /** The desired entry whose key is the one at bytes[off] (for LPM tries: names its prefix), or -1. */
  find(bytes: Uint8Array, off: number): number {
    const ix = this.index;
    if (!this.lpm) return ix.find(bytes, off);
    const ks = this.keys.recordSize;
    this.probe ??= new Uint8Array(ks);
    lpmIdentity(bytes.subarray(off, off + ks), this.probe);
    return ix.find(this.probe, 0);
  }
  private probe: Uint8Array | null = null;

  /** LPM trie: keys are compared by prefix (see index). */
  private get lpm(): boolean {
    return this.map.type === 'lpm_trie';
  }

  /** The NDJSON fast reader's plan for this map's key and value, or null (general path only). */
  get fast(): { key: FastNode; value: FastNode } | null {
    if (this.fastPlan === undefined) {
      const key = this.map.perCpu || this.map.type === 'lpm_trie' ? null : compileFast(this.map.key, this.byteOrder);
      const value = key ? compileFast(this.map.value, this.byteOrder) : null;
      this.fastPlan = key && value && this.map.key!.size === this.map.keySize && this.map.value!.size === this.map.valueSize ? { key, value } : null;
    }
    return this.fastPlan;
  }
  private fastPlan: { key: FastNode; value: FastNode } | null | undefined = undefined;

  /** Makes room for `n` entries in all (one allocation instead of doubling up to them). */
  reserve(n: number): void {
    this.keys.reserve(n);
    this.values.reserve(n);
    this.origins.reserve(n);
  }

  /** Fast reader: a zeroed key and value slot at the end of the tables (the last record). */
  openSlot(): void {
    this.keys.append();
    this.values.append();
  }
  /** Fast reader: the last slot holds a complete entry from `origin`. */
  commitSlot(origin: number): void {
    this.origins.push(origin);
    this.indexed = null;
  }
  /** Fast reader gave up: the last slot is removed. */
  dropSlot(): void {
    this.keys.pop();
    this.values.pop();
  }

  /** Adds an entry already in kernel bytes (global-data variables on top of the live value). */
  addRaw(key: Uint8Array, value: Uint8Array, origin: number): void {
    this.keys.push(key);
    this.values.push(value);
    this.origins.push(origin);
    this.indexed = null;
  }

  /**
   * A copy to plan on: planning adds the live entry of a global-data map (variables patch it) to the
   * map it plans, so the parsed state is planned through a copy and can be applied again later
   * (apply --watch re-applies its last good state) with the live value of that time.
   */
  copy(): DesiredMap {
    const c = new DesiredMap(this.map, this.byteOrder, this.source, this.count + 1);
    for (let i = 0; i < this.count; i++) c.addRaw(this.keys.at(i), this.values.at(i), this.origins.get(i));
    c.prune = this.prune;
    c.variables.push(...this.variables);
    return c;
  }

  originText(i: number): string {
    const o = this.origins.get(i);
    if (o === 0) return `${this.map.name} variables`;
    return o > 0 ? `line ${o}` : `maps.${this.map.name}.entries[${-o - 1}]`;
  }

  private encodeValue(value: unknown, vo: number): void {
    const out = this.values.bytes;
    if (!this.map.perCpu) { this.value.encodeInto(value, out, vo, 'value'); return; }
    const stride = perCpuStride(this.map.valueSize);
    const list = perCpuList(value, this.nCpus, this.map.value?.kind === 'array', 'value');
    if (list !== null && list.length !== this.nCpus) {
      throw new ValueError('value', `expected one value or a list of ${this.nCpus} (one per possible CPU), got a list of ${list.length}`);
    }
    for (let c = 0; c < this.nCpus; c++) {
      const v = list !== null ? list[c] : value;
      this.value.encodeInto(v, out, vo + c * stride, list === null ? 'value' : Array.isArray(value) ? `value[${c}]` : `value.${cpuLabel(c)}`);
    }
  }

  /** Global-data variables (`{name: value}`) of a `.data` / `.bss` / `.rodata` map, encoded now. */
  setVariables(vars: unknown, where: string): void {
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
      throw new ValueError(where, `expected a mapping of variable names to values, got ${Array.isArray(vars) ? 'a list' : typeof vars}`);
    }
    const node = this.map.value;
    if (this.map.type !== 'array' || this.map.maxEntries !== 1 || !node || node.kind !== 'struct') {
      throw new ValueError(where, `expected a global-data map (.data, .bss, .rodata) with typed variables, got a ${this.map.type} map`);
    }
    for (const [name, v] of Object.entries(vars as Record<string, unknown>)) {
      const f = node.fields.find((x) => x.name === name);
      if (!f) {
        throw new ValueError(`${where}.${name}`, `no such variable in ${this.map.name}; variables are ${node.fields.map((x) => x.name).join(', ') || '(none)'}`);
      }
      const codec = compileCodec(f.type, { byteOrder: this.byteOrder, size: f.type.size, root: 'value' });
      let bytes: Uint8Array;
      try {
        bytes = codec.encode(v, name);
      } catch (e) {
        throw rewhere(e, where);
      }
      const prev = this.variables.findIndex((x) => x.name === name);
      if (prev >= 0) this.variables.splice(prev, 1);
      this.variables.push({ name, offset: f.offset, bytes });
    }
  }
}

/** The same error with `where` in front of its message (codes and classes kept). */
export function rewhere(e: unknown, where: string): unknown {
  if (!isBpfmapError(e)) return e;
  if (isValueError(e)) return new ValueError(`${where}: ${e.path}`.replace(/: $/, ''), e.message.slice(e.path ? e.path.length + 2 : 0), e.code);
  return new BpfmapError(e.code, `${where}: ${e.message}`);
}
