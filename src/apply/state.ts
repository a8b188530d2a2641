/** The desired state of every map a state file names, encoded (see DesiredMap). */
import type { ByteOrder } from '../bytes.js';
import type { ObjectSchema } from '../schema/types.js';
import { ValueError } from '../errors.js';
import { findMap } from '../object/source.js';
import { markObjectIfindexFields } from '../codec/ifindex-fields.js';
import { rewhere, DesiredMap } from './desired-state.js';

export class DesiredState {
  /** The object's schema; declareIfindexFields replaces a map of it before its entries are read. */
  schema: ObjectSchema;
  readonly byteOrder: ByteOrder;
  /** The state file as named in messages. */
  readonly source: string;
  /** In the order the file names them. */
  readonly maps = new Map<string, DesiredMap>();
  private last: { name: string; map: DesiredMap } | null = null;
  /** NDJSON records read by each path: the canonical-line matcher, the fast reader, the exact parser. */
  readonly lines = { matched: 0, fast: 0, exact: 0 };
  /**
   * NDJSON input: whether the last record read was a trailer whose counts matched (the stream is
   * whole), how many trailers were read, and each map's entry count at the last one. Documents
   * (YAML/JSON) are whole by construction: `document` is true for them.
   */
  readonly ndjson = { complete: false, trailers: 0, base: new Map<DesiredMap, number>() };
  /** True when the state came from a YAML/JSON document (not NDJSON) known to be whole (see parse-state's wholeDocument). */
  document = false;
  /** A YAML document from a pipe that a cut at a line boundary would leave valid (no `...` end marker). */
  openDocument = false;

  constructor(schema: ObjectSchema, source: string) {
    this.schema = schema;
    this.byteOrder = schema.byteOrder;
    this.source = source;
  }

  /** The desired map for a name of the object (object or kernel name), created on first use. */
  map(name: unknown, where: string, capacity?: number): DesiredMap {
    if (this.last && this.last.name === name) return this.last.map;
    if (typeof name !== 'string' || name === '') {
      throw new ValueError(where, `map: expected a map name, got ${name === '' ? 'an empty string' : typeof name}`);
    }
    let m: DesiredMap | undefined;
    const schema = (() => {
      try { return findMap(this.schema, name); } catch (e) { throw rewhere(e, where); }
    })();
    m = this.maps.get(schema.name);
    if (!m) {
      m = new DesiredMap(schema, this.byteOrder, this.source, capacity);
      this.maps.set(schema.name, m);
    }
    this.last = { name, map: m };
    return m;
  }

  /**
   * Declares fields of map `name` interface indexes (`ifindexFields: {MAP: [key.dev, ...]}` in a state
   * document): they then take interface names. Before any entry of that map is read.
   */
  declareIfindexFields(name: string, paths: unknown, where: string): void {
    if (!Array.isArray(paths) || paths.some((p) => typeof p !== 'string')) {
      throw new ValueError(where, `expected a list of field paths (key.dev, value.rules.out_dev), got ${Array.isArray(paths) ? 'a list with a non-string' : paths === null ? 'nothing' : typeof paths}`);
    }
    const map = (() => {
      try { return findMap(this.schema, name); } catch (e) { throw rewhere(e, where); }
    })();
    if (this.maps.has(map.name)) throw new ValueError(where, `map '${map.name}' already has entries; declare its ifindex fields first`);
    try {
      this.schema = markObjectIfindexFields(this.schema, map, paths as string[]);
    } catch (e) {
      throw new ValueError(where, e instanceof Error ? e.message : String(e));
    }
    this.last = null;
  }

  /** Total entries over all maps. */
  get count(): number {
    let n = 0;
    for (const m of this.maps.values()) n += m.count;
    return n;
  }
}
