/**
 * Per-node values in a state file: `${NAME}` is replaced by the environment variable NAME before the
 * file is parsed (in a DaemonSet, NODE_NAME from `fieldRef: spec.nodeName`). The syntax is strict:
 * - `${NAME}`: NAME is [A-Za-z_][A-Za-z0-9_]*; the variable must be set (an empty value is a value);
 * - `$${` is a literal `${`;
 * - any other `${` (no closing brace, a default such as `${X:-y}`, a bad name) is an error;
 * - a `$` not followed by `{` stays as it is.
 * The value is inserted as text: quote the reference in YAML where the value could read as another type.
 */
import { ValueError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Line and column (1-based) of an offset, for messages. */
function place(text: string, at: number): string {
  let line = 1, start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return `${line}:${at - start + 1}`;
}

/** `text` with every `${NAME}` replaced from `env`; throws naming the file, line and column. */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>, source: string): string {
  if (!text.includes('${')) return text;
  let out = '';
  let from = 0;
  for (let i = text.indexOf('${'); i !== -1; i = text.indexOf('${', from)) {
    if (i > 0 && text[i - 1] === '$') {
      // `$${`: a literal `${` (the first `$` is dropped).
      out += text.slice(from, i - 1) + '${';
      from = i + 2;
      continue;
    }
    const end = text.indexOf('}', i + 2);
    const nl = text.indexOf('\n', i + 2);
    const where = `${source}:${place(text, i)}`;
    if (end === -1 || (nl !== -1 && nl < end)) {
      throw new ValueError(where, 'expected ${NAME} with a closing } on the same line (write $${ for a literal ${)');
    }
    const name = text.slice(i + 2, end);
    if (!NAME.test(name)) {
      throw new ValueError(where, `\${${name}}: expected \${NAME}, NAME of letters, digits and _ not starting with a digit; defaults and other shell forms are not supported`);
    }
    const value = env[name];
    if (value === undefined) {
      throw new ValueError(where, `\${${name}}: the environment variable ${name} is not set; set it for the agent (in a DaemonSet: env with valueFrom fieldRef)`);
    }
    out += text.slice(from, i) + value;
    from = end + 1;
  }
  return out + text.slice(from);
}
