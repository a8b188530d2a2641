/**
 * `bpfmap template`: a YAML skeleton of a map's key and value with every field set to zero, each
 * commented with its C type, offset and size. The skeleton encodes (to zeros) as it is, except an
 * LPM trie key: its prefix length line is a comment (a `prefixLen: 0` left in would contradict the
 * CIDR filled in below it), so the key is refused until its address or prefix length is filled in.
 */
import type { MapSchema, TypeNode } from '../schema/types.js';
import { flattenFields } from './record-codec.js';
import { isCharArray } from './array-codec.js';
import { addressShape } from './address-field.js';
import { typeName } from './type-name.js';
import { lpmPrefixField } from './lpm.js';

function zeroScalar(t: TypeNode): string {
  switch (t.kind) {
    case 'int': return t.encoding === 'bool' ? 'false' : '0';
    case 'float': return '0.0';
    case 'enum': {
      const z = t.values.find((v) => v.value === 0 || v.value === 0n);
      return z && /^[A-Za-z_][\w]*$/.test(z.name) ? z.name : '0';
    }
    case 'bytes': return `'${'00'.repeat(t.size)}'`;
    default: return '0';
  }
}

function enumNote(t: TypeNode): string {
  if (t.kind !== 'enum') return '';
  const shown = t.values.slice(0, 12).map((v) => `${v.name}=${v.value}`);
  if (t.values.length > 12) shown.push('...');
  return ` (${shown.join(', ')})`;
}

function emit(t: TypeNode, key: string, pad: string, offset: number, note: string, out: string[]): void {
  const where = `${note}, offset ${offset}, size ${t.size}`;
  if (t.kind === 'struct' || t.kind === 'union') {
    const entries = flattenFields(t).filter((e) => e.shown);
    const unionNote = t.kind === 'union'
      ? `; name exactly one of ${flattenFields(t).map((e) => e.name).join(', ')}` : '';
    if (entries.length === 0) { out.push(`${pad}${key}: {}  # ${typeName(t)}${where}`); return; }
    const addr = addressShape(t)?.kinds;
    out.push(`${pad}${key}:  # ${typeName(t)}${where}${unionNote}${addr ? `; or ${addr} in place of the object` : ''}`);
    for (const e of entries) {
      const f = e.field;
      const bits = f.bitSize !== undefined ? ` : ${f.bitSize} (bitfield at bit ${f.bitOffset ?? 0})` : '';
      emit(f.type, e.name, `${pad}  `, offset + e.offset, bits, out);
    }
    return;
  }
  if (t.kind === 'array') {
    const head = `${typeName(t)}${where}`;
    if (isCharArray(t)) { out.push(`${pad}${key}: ''  # ${head} (a string or a list of numbers)`); return; }
    const el = t.element;
    if ((el.kind === 'struct' || el.kind === 'union') && t.length > 0 && el.size > 0) {
      out.push(`${pad}${key}:  # ${head}: a list, or an index map of elements 0..${t.length - 1}`);
      emit(el, '0', `${pad}  `, offset, '', out);
      return;
    }
    const addr = addressShape(t)?.kinds;
    out.push(`${pad}${key}: []  # ${head}: a list of up to ${t.length}${addr ? `, or ${addr}` : ''}`);
    return;
  }
  const shape = addressShape(t);
  const intAddr = shape?.pretty ? shape.kinds : '';
  const be = (t.kind === 'int' && t.byteOrder === 'big' ? ' network byte order' : '') + (intAddr ? `, or ${intAddr}` : '');
  out.push(`${pad}${key}: ${zeroScalar(t)}  # ${typeName(t)}${enumNote(t)}${where}${be}`);
}

function section(name: 'key' | 'value', t: TypeNode | null, size: number, out: string[], lpm = false): void {
  if (t === null) {
    if (size > 0) out.push(`${name}: '${'00'.repeat(size)}'  # ${size} opaque bytes (hex)`);
    return;
  }
  const at = out.length;
  emit(t, name, '', 0, '', out);
  const prefix = lpm ? lpmPrefixField(t) : null;
  // The prefix length is the key's first field: its line follows the key's own line.
  if (prefix !== null && out[at + 1]?.startsWith(`  ${prefix}: `)) {
    out[at + 1] = `  # ${out[at + 1]!.slice(2)}; set it only when no address below is CIDR (bits after ${prefix} that must match, 0..${(size - 4) * 8})`;
  }
}

export function templateYaml(map: MapSchema): string {
  const out: string[] = [
    `# map ${map.name} (${map.type}): key ${map.keySize} bytes, value ${map.valueSize} bytes`,
    '# every field is zero; a field left out is zero too',
  ];
  if (map.type === 'lpm_trie') {
    out.push('# LPM trie: write the address as CIDR (10.0.0.0/8) and the prefix length is computed, or set the prefix length; a key with neither is refused');
  }
  section('key', map.key, map.keySize, out, map.type === 'lpm_trie');
  section('value', map.value, map.valueSize, out);
  return `${out.join('\n')}\n`;
}
