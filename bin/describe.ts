/** Short, C-like labels for schema types, for tables and messages. */
import type { MapSchema, TypeNode } from '../src/index.js';

export function typeLabel(t: TypeNode | null): string {
  if (!t) return '-';
  switch (t.kind) {
    case 'struct':
    case 'union':
      return `${t.kind} ${t.name || '{...}'}`;
    case 'enum':
      return `enum ${t.name || '{...}'}`;
    case 'array': {
      if (t.name) return t.name;
      let dims = '';
      let e: TypeNode = t;
      while (e.kind === 'array' && !e.name) { dims += `[${e.length}]`; e = e.element; }
      return `${typeLabel(e)}${dims}`;
    }
    case 'pointer':
      return t.name || `${t.target} *`;
    case 'bytes':
      return t.name ? t.name : `bytes[${t.size}]`;
    default:
      return t.name || `${t.kind}${t.size * 8}`;
  }
}

export function mapRow(m: MapSchema): string[] {
  const kv = m.key || m.value ? `${typeLabel(m.key)} -> ${typeLabel(m.value)}` : '-';
  return [
    m.name,
    m.type,
    kv,
    `${m.keySize}/${m.valueSize}`,
    String(m.maxEntries),
    m.flags.length ? m.flags.join(',') : '-',
    m.pinPath ?? '-',
  ];
}
