/** The codec: typed values <-> the exact bytes of a map's key or value. Imports nothing of syscall. */
export type { Codec, DecodeOptions } from './types.js';
export { compileCodec, type CodecOptions } from './compile.js';
export { mapCodecs, type MapCodecs } from './map-codecs.js';
export { parseInteger } from './integer.js';
export { parseValueText, parseDocument } from './parse-value.js';
export { fromSeedTemplate, isSeedTemplate, type SeedValues } from './seed-template.js';
export { templateYaml } from './template.js';
export { typeName } from './type-name.js';
export { lpmHostQuery } from './lpm.js';
export { markIfindexFields, markObjectIfindexFields } from './ifindex-fields.js';
