/** C-like display names of schema types, for messages and templates. */
import type { TypeNode } from '../schema/types.js';

export function typeName(n: TypeNode): string {
  switch (n.kind) {
    case 'int':
      return n.name || `${n.signed ? 's' : 'u'}${n.size * 8}`;
    case 'float':
      return n.name || `float${n.size * 8}`;
    case 'enum':
    case 'struct':
    case 'union':
      return `${n.kind} ${n.name || '(anonymous)'}`;
    case 'pointer':
      return n.name || `${n.target} *`;
    case 'bytes':
      return n.name ? `${n.name} (${n.size} opaque bytes)` : `${n.size} opaque bytes`;
    case 'array': {
      let dims = '';
      let t: TypeNode = n;
      while (t.kind === 'array') { dims += `[${t.length}]`; t = t.element; }
      return `${typeName(t)}${dims}`;
    }
  }
}
