/** Reading typed key/value input from --key/--value/-f, shared by encode, update and friends. */
import { readFileSync } from 'node:fs';
import { parseValueText, parseDocument, BpfmapError, ERROR_CODE } from '../../src/index.js';
import type { MapSchema } from '../../src/index.js';
import { readInputFile } from '../../src/object/source.js';

export interface EntryInput {
  key?: unknown;
  value?: unknown;
  hasKey: boolean;
  hasValue: boolean;
}

export function readTextFile(path: string): string {
  if (path !== '-') return Buffer.from(readInputFile(path, 'a YAML or JSON document')).toString('utf8');
  try {
    return readFileSync(0, 'utf8');
  } catch (e) {
    throw new BpfmapError(ERROR_CODE.IO, `stdin: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** --key/--value texts win over the same part of a -f document. */
export function readEntryInput(a: { key?: string; value?: string; file?: string }, map?: MapSchema): EntryInput {
  let doc: Record<string, unknown> = {};
  if (a.file !== undefined) {
    const parsed = parseDocument(readTextFile(a.file), a.file, map);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.file}: expected a document with 'key' and/or 'value'`);
    }
    doc = parsed as Record<string, unknown>;
    for (const k of Object.keys(doc)) {
      if (k !== 'key' && k !== 'value') throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `${a.file}: unknown top-level field '${k}'; expected key and value`);
    }
  }
  const out: EntryInput = { hasKey: false, hasValue: false };
  if (a.key !== undefined) { out.key = parseValueText(a.key, 'key'); out.hasKey = true; }
  else if (Object.hasOwn(doc, 'key')) { out.key = doc.key; out.hasKey = true; }
  if (a.value !== undefined) { out.value = parseValueText(a.value, 'value'); out.hasValue = true; }
  else if (Object.hasOwn(doc, 'value')) { out.value = doc.value; out.hasValue = true; }
  return out;
}
