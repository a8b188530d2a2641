/**
 * What the first positional argument of most commands names: a BPF object (ELF), a raw BTF file, or a
 * schema document saved with `bpfmap schema --json`. Detected by content, not by file name.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { BpfmapError, ERROR_CODE, type ErrorCode } from '../errors.js';
import { loadObject } from './object.js';
import { loadBtf, isRawBtf } from '../btf/index.js';
import { isElf } from '../elf/index.js';
import type { Btf } from '../btf/index.js';
import type { BpfObject } from './object.js';
import type { MapSchema, ObjectSchema } from '../schema/types.js';
import { parseJson } from '../text/json.js';
import { reviveSchema } from '../schema/revive.js';

export interface Source {
  /** The file as given. */
  readonly path: string;
  readonly kind: 'object' | 'btf' | 'schema';
  /** Map schema (empty map list for raw BTF). */
  readonly schema: ObjectSchema;
  /** The type graph, when the source has BTF (objects and raw BTF). */
  readonly btf: Btf | null;
  readonly object: BpfObject | null;
}

/**
 * A file's bytes, with the error codes of what went wrong: no such file (NOT_FOUND), permission
 * (PERMISSION), a directory (VALUE_INVALID, saying `expected`), anything else (IO).
 */
export function readInputFile(path: string, expected = 'a BPF object file'): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new BpfmapError(ERROR_CODE.PERMISSION, `${path}: permission denied`);
    if (code === 'EISDIR') throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${path}: is a directory, expected ${expected}`);
    throw new BpfmapError(ERROR_CODE.IO, `${path}: cannot read (${code ?? String(e)})`);
  }
}

/** Loads an object, raw BTF or saved schema from bytes (name is used for messages and the schema). */
export function loadSourceBytes(bytes: Uint8Array, path: string): Source {
  if (bytes.length === 0) throw new BpfmapError(ERROR_CODE.ELF_MALFORMED, `${path}: empty file (0 bytes); expected an ELF64 BPF object file`);
  if (isElf(bytes)) {
    const object = loadObject(bytes, basename(path));
    return { path, kind: 'object', schema: object.schema, btf: object.btf, object };
  }
  if (isRawBtf(bytes)) {
    const btf = loadBtf(bytes);
    return { path, kind: 'btf', schema: { object: basename(path), byteOrder: btf.byteOrder, maps: [] }, btf, object: null };
  }
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b /* { */) {
    const text = new TextDecoder().decode(bytes);
    let doc: unknown;
    try {
      doc = parseJson(text);
    } catch (e) {
      throw new BpfmapError(ERROR_CODE.SCHEMA_INVALID, `${path}: not a valid schema document: ${(e as Error).message}`);
    }
    return { path, kind: 'schema', schema: reviveSchema(doc, path), btf: null, object: null };
  }
  throw new BpfmapError(ERROR_CODE.ELF_MALFORMED,
    `${path}: not a BPF object (no ELF magic), raw BTF or schema JSON; expected an ELF64 BPF object file`);
}

export function loadSource(path: string): Source {
  return loadSourceBytes(readInputFile(path), path);
}

/**
 * Finds a map by its exact name in the object. The kernel's 15-character name (`ingress_node_fi`) is
 * accepted only when exactly one map has it; otherwise AMBIGUOUS, listing the candidates. The error
 * for an unknown name lists the maps there are.
 */
export function findMap(schema: ObjectSchema, name: string): MapSchema {
  const exact = schema.maps.find((x) => x.name === name);
  if (exact) return exact;
  const bad = schema.unusable?.find((x) => x.name === name);
  if (bad) throw new BpfmapError(bad.code as ErrorCode, bad.reason);
  const byKernel = schema.maps.filter((x) => x.kernelName === name);
  if (byKernel.length === 1) return byKernel[0]!;
  if (byKernel.length > 1) {
    throw new BpfmapError(ERROR_CODE.AMBIGUOUS,
      `map '${name}': is the kernel's 15-character name of ${byKernel.length} maps in ${schema.object || 'the object'}: ${byKernel.map((x) => x.name).join(', ')}; name one of them in full`);
  }
  const names = schema.maps.map((x) => x.name);
  throw new BpfmapError(ERROR_CODE.MAP_NOT_FOUND,
    `map '${name}' is not in ${schema.object || 'the object'}; maps are ${names.length ? names.join(', ') : '(none)'}`);
}
