/**
 * The object-first entry point, as in cilium/ebpf: open an object file, pick a map by name, open it
 * live, use it.
 *
 *   const fw = await BpfObject.open('firewall.bpfel.o');
 *   const rules = fw.map('ingress_node_firewall_table_map').open({ pinRoot: '/sys/fs/bpf/fw' });
 *   rules.update({ ingress_ifindex: 2, ip_data: '198.18.0.0/24' }, { rules: [{ ruleId: 1, action: 2 }] });
 *
 * A thin layer over loadObjectFile, findMap and openMap. `BpfObject<Maps>` with the `Maps` table that
 * `bpfmap gen ts` writes types each map's keys and values; without it they are `unknown`.
 */
import type { ByteOrder } from '../bytes.js';
import type { ElfFile } from '../elf/index.js';
import type { Btf } from '../btf/btf.js';
import { loadObject, loadObjectFile, type BpfObject as ObjectFile } from '../object/object.js';
import type { MapSchema, ObjectSchema } from '../schema/types.js';
import type { DecodeOptions } from '../codec/index.js';
import { findMap } from '../object/source.js';
import type { LiveMap, LookupOptions, UpdateFlag } from './live-map.js';
import { openMap, type OpenMapOptions } from './open.js';

/** The types of one map's keys and values (a row of the `Maps` table `bpfmap gen ts` writes). */
export interface MapTypes {
  /** A key as lookups, dumps and getNext return it. */
  key: unknown;
  /** A key as update, lookup and delete take it. */
  keyInput: unknown;
  /** One value as decoded (per-CPU maps: one CPU's). */
  value: unknown;
  /** One value as encode takes it. */
  valueInput: unknown;
  /** What lookup returns without options: the value, or for per-CPU maps one per CPU. */
  lookup: unknown;
  /** What update takes: the value, or for per-CPU maps also one per CPU. */
  update: unknown;
}

/** Map names to their types (the default: any name, untyped). */
export type ObjectMaps = Record<string, MapTypes>;

/** A table of map names to their types: an interface like the generated `Maps`, or ObjectMaps. */
export type MapTable<M> = { [K in keyof M]: MapTypes };

/** Options that change the decoded shape (address text, index maps, CPU labels): the result is then `unknown`. */
type Reshaping = { prettyAddresses: true } | { compact: true } | { labelCpus: true };
/** Options that give one value of a per-CPU map: its sum over the CPUs or one CPU's. */
type OneCpu = { sum: true } | { cpu: number };
/** Lookup options that keep the default shape. */
interface PlainLookup extends LookupOptions { prettyAddresses?: false; compact?: false; labelCpus?: false; sum?: false; cpu?: undefined }

type Typed = 'lookup' | 'lookupLpm' | 'update' | 'delete' | 'getNext' | 'push' | 'peek' | 'pop' | 'updateBatch' |
  'deleteBatch' | 'entries';

/**
 * A LiveMap whose element operations are typed by T (the same object at run time). Options that
 * reshape decoded values (prettyAddresses, compact, labelCpus) give `unknown`.
 */
export interface TypedMap<T extends MapTypes = MapTypes> extends Omit<LiveMap, Typed> {
  lookup(key: T['keyInput'], opts: LookupOptions & Reshaping): unknown;
  lookup(key: T['keyInput'], opts: LookupOptions & OneCpu): T['value'];
  lookup(key: T['keyInput'], opts?: PlainLookup): T['lookup'];
  lookupLpm(key: T['keyInput'], opts: LookupOptions & Reshaping): { key: unknown; value: unknown; prefixLen: number; exact: boolean };
  lookupLpm(key: T['keyInput'], opts?: PlainLookup): { key: T['key']; value: T['lookup']; prefixLen: number; exact: boolean };
  update(key: T['keyInput'], value: T['update'], opts?: { flags?: UpdateFlag }): void;
  delete(key: T['keyInput']): void;
  getNext(key?: T['keyInput'], opts?: DecodeOptions): T['key'] | null;
  push(value: T['valueInput'], opts?: { flags?: UpdateFlag }): void;
  peek(value?: T['valueInput'], opts?: DecodeOptions): T['value'] | boolean;
  pop(opts?: DecodeOptions): T['value'];
  updateBatch(keys: readonly T['keyInput'][], values: readonly T['update'][], opts?: { flags?: UpdateFlag }): number;
  deleteBatch(keys: readonly T['keyInput'][]): number;
  entries(opts: LookupOptions & Reshaping): Generator<{ key: unknown; value: unknown }>;
  entries(opts: LookupOptions & OneCpu): Generator<{ key: T['key']; value: T['value'] }>;
  entries(opts?: PlainLookup): Generator<{ key: T['key']; value: T['lookup'] }>;
}

/** Where to find the live map: its pin, the pin root it was created under, its id or kernel name (else discovery). */
export type MapOpenOptions = Omit<OpenMapOptions, 'map' | 'byteOrder'>;

/** One map of an object: its schema, and `open` to reach the live map. */
export class ObjectMap<T extends MapTypes = MapTypes> {
  constructor(readonly schema: MapSchema, readonly byteOrder: ByteOrder) {}

  get name(): string {
    return this.schema.name;
  }

  /** Opens the live map (checked against the schema unless `force`); the caller closes it. */
  open(opts: MapOpenOptions = {}): TypedMap<T> {
    return openMap({ ...opts, map: this.schema, byteOrder: this.byteOrder }) as unknown as TypedMap<T>;
  }
}

/** A BPF object file and its maps. */
export class BpfObject<M extends MapTable<M> = ObjectMaps> implements ObjectFile {
  readonly schema: ObjectSchema;
  readonly btf: Btf | null;
  readonly elf: ElfFile;

  private constructor(o: ObjectFile) {
    this.schema = o.schema;
    this.btf = o.btf;
    this.elf = o.elf;
  }

  /** Reads and parses an object file. */
  static async open<M extends MapTable<M> = ObjectMaps>(path: string): Promise<BpfObject<M>> {
    return new BpfObject<M>(loadObjectFile(path));
  }

  /** Parses an object from memory; `name` is its file name (messages, libbpf's global data names). */
  static load<M extends MapTable<M> = ObjectMaps>(bytes: Uint8Array, name = ''): BpfObject<M> {
    return new BpfObject<M>(loadObject(bytes, name));
  }

  /** The names of the maps bpfmap can use. */
  get mapNames(): string[] {
    return this.schema.maps.map((m) => m.name);
  }

  /** The map with this name in the object (or its kernel name, when that names one map). */
  map<N extends keyof M & string>(name: N): ObjectMap<M[N]> {
    return new ObjectMap<M[N]>(findMap(this.schema, name), this.schema.byteOrder);
  }
}
