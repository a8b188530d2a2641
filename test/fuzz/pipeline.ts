/**
 * The offline pipeline the CLI runs on a file, applied to one input: detect and load it
 * (object / raw BTF / schema JSON), then for every map build the codecs, encode the map's zero
 * template (`bpfmap template`) and decode zero bytes, print the schema as JSON, and format the BTF as
 * C and as types JSON. Every refusal must be a BpfmapError; anything else is thrown to the caller.
 */
import { loadSourceBytes } from '../../src/object/source.js';
import { mapCodecs, parseDocument, templateYaml } from '../../src/codec/index.js';
import { formatTypesC, typesJson } from '../../src/format/index.js';
import type { MapSchema } from '../../src/schema/types.js';
import { stringifyJson } from '../../src/text/json.js';
import { isBpfmapError } from '../../src/errors.js';

export interface PipelineResult {
  /** 'object' | 'btf' | 'schema' when the input loaded, else the error code of the refusal. */
  readonly outcome: string;
  /** Error codes of later steps that refused (per map, types) although the input loaded. */
  readonly stepCodes: readonly string[];
  readonly maps: number;
  /** Sum of the key and value sizes the codecs handled (decoded values are proportional to it). */
  readonly valueBytes: number;
}

/** Thrown for outcomes that are bugs: a wrong result rather than a crash. */
export class PipelineBug extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineBug';
  }
}

function step(codes: string[], fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    codes.push(e.code);
  }
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.byteLength; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * Templates above this size are not parsed back: the yaml package reads about 10,000 entries/s, so a
 * wide struct's template would spend the whole time budget in YAML (linear, not a hang).
 */
const TEMPLATE_PARSE_LIMIT = 32 * 1024;

/** Returns the bytes of key and value it encoded and decoded. */
function exerciseMap(map: MapSchema, order: 'little' | 'big'): number {
  const codecs = mapCodecs(map, order);
  const text = templateYaml(map);
  const doc = text.length <= TEMPLATE_PARSE_LIMIT
    ? parseDocument(text, `template of ${map.name}`, map) as Record<string, unknown> | null : null;
  for (const part of ['key', 'value'] as const) {
    const codec = codecs[part];
    const given = doc && typeof doc === 'object' ? doc[part] : undefined;
    // An LPM key template must be filled in (it states no prefix): refused, not a bug.
    if (given !== undefined && !(part === 'key' && map.type === 'lpm_trie')) {
      const bytes = codec.encode(given, part);
      if (bytes.byteLength !== codec.size) throw new PipelineBug(`map '${map.name}' ${part}: encoded ${bytes.byteLength} bytes, expected ${codec.size}`);
      if (!allZero(bytes)) throw new PipelineBug(`map '${map.name}' ${part}: the zero template does not encode to zeros`);
    }
    const zero = codec.decode(new Uint8Array(codec.size));
    // Values above 64 KiB (up to the codec's 4 MiB cap) are decoded once only: turning megabytes into
    // JS values is linear but not free, and the budget is per input.
    if (codec.size > 64 * 1024) continue;
    codec.decode(new Uint8Array(codec.size), 0, { prettyAddresses: true, compact: true });
    if (codec.size > 0) {
      const again = codec.encode(zero, part);
      if (again.byteLength !== codec.size || !allZero(again)) throw new PipelineBug(`map '${map.name}' ${part}: decoded zeros do not encode back to zeros`);
    }
  }
  return codecs.key.size + codecs.value.size;
}

export function runPipeline(bytes: Uint8Array, name = 'fuzz.o'): PipelineResult {
  let src;
  try {
    src = loadSourceBytes(bytes, name);
  } catch (e) {
    if (!isBpfmapError(e)) throw e;
    return { outcome: e.code, stepCodes: [], maps: 0, valueBytes: 0 };
  }
  const codes: string[] = [];
  const order = src.schema.byteOrder;
  step(codes, () => { stringifyJson({ object: src.schema.object, byteOrder: order, maps: src.schema.maps }, 2); });
  let valueBytes = 0;
  for (const map of src.schema.maps) {
    step(codes, () => { valueBytes += exerciseMap(map, order); });
    if (map.inner) step(codes, () => { valueBytes += exerciseMap(map.inner!, order); });
  }
  const btf = src.btf;
  if (btf) {
    step(codes, () => { formatTypesC(btf); });
    step(codes, () => { typesJson(btf); });
  }
  return { outcome: src.kind, stepCodes: codes, maps: src.schema.maps.length, valueBytes };
}
