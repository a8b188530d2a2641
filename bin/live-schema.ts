/**
 * `maps`, `schema` and `template` on a live map: bpftool's handles in place of OBJ MAP (`pinned PATH`,
 * `id N`, `name NAME`) give the map's schema as the kernel's BTF types it (bytes without BTF).
 */
import { endianness } from 'node:os';
import { loadSource, findMap, openMap } from '../src/index.js';
import type { MapSchema, ObjectSchema } from '../src/index.js';
import { resolveHandles, ensureBpffs } from './target.js';

/** The schema of OBJ, or of the live map the handle names; `map` is then that map's name. */
export function schemaOf(object: string, map: string | undefined): { schema: ObjectSchema; map: MapSchema | undefined } {
  const a = resolveHandles({ object, map });
  if (a.object !== undefined) {
    const schema = loadSource(object).schema;
    return { schema, map: map === undefined ? undefined : findMap(schema, map) };
  }
  const id = a.id as number | undefined;
  if (a.pin !== undefined) ensureBpffs([a.pin]);
  const live = openMap({ pin: a.pin, id, name: a.name });
  try {
    const schema: ObjectSchema = { object: live.subject, byteOrder: endianness() === 'LE' ? 'little' : 'big', maps: [live.schema] };
    return { schema, map: live.schema };
  } finally {
    live.close();
  }
}
