/** Prints command results: YAML for people, JSON with --json. Never rounds 64-bit integers. */
import { stringifyJson } from '../src/index.js';
import { loadYaml } from '../src/text/yaml-lazy.js';
import { writeText } from './sink.js';
import { yamlDocument } from './fast-yaml.js';

export function print(data: unknown, json: boolean | undefined): void {
  if (json) {
    writeText(`${stringifyJson(data, 2)}\n`);
    return;
  }
  if (typeof data === 'string') {
    writeText(data.endsWith('\n') ? data : `${data}\n`);
    return;
  }
  writeText(yamlDocument(data) ?? toYaml(data));
}

export function toYaml(data: unknown): string {
  // A float's negative zero as -0.0: the yaml package writes -0, which YAML reads as the integer 0.
  const Y = loadYaml();
  const doc = new Y.Document(data, { aliasDuplicateObjects: false });
  Y.visit(doc, { Scalar(_, node) { if (Object.is(node.value, -0)) node.minFractionDigits = 1; } });
  return doc.toString({ lineWidth: 0 });
}

/** A plain-text table: columns padded to the widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
