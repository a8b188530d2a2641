/** The key and value codecs of a map, cached per MapSchema object. */
import type { ByteOrder } from '../bytes.js';
import type { MapSchema } from '../schema/types.js';
import { compileCodec } from './compile.js';
import type { Codec } from './types.js';

export interface MapCodecs {
  readonly key: Codec;
  readonly value: Codec;
}

const cache = new WeakMap<MapSchema, Partial<Record<ByteOrder, MapCodecs>>>();

export function mapCodecs(map: MapSchema, byteOrder: ByteOrder): MapCodecs {
  let byOrder = cache.get(map);
  const hit = byOrder?.[byteOrder];
  if (hit) return hit;
  const codecs: MapCodecs = {
    key: compileCodec(map.key, { byteOrder, size: map.keySize, root: 'key', lpmKey: map.type === 'lpm_trie' }),
    value: compileCodec(map.value, { byteOrder, size: map.valueSize, root: 'value' }),
  };
  if (!byOrder) cache.set(map, (byOrder = {}));
  byOrder[byteOrder] = codecs;
  return codecs;
}
