/**
 * Shell completion: `bpfmap completion bash|zsh|fish` prints a script; the script calls the hidden
 * `bpfmap __complete WORD...` (the words after `bpfmap`, the last one being completed), which prints
 * one candidate a line: commands, the command's options, the map names of the object on the line,
 * paths under bpffs after --pin / --pin-root / --pin-dir / `pinned`, the fields of the map's value
 * after --set, and files elsewhere.
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSource } from '../../src/index.js';
import type { TypeNode } from '../../src/index.js';
import { defineCommand, GLOBAL_OPTIONS, type Command, type OptionTable } from '../spec.js';
import { UsageError } from '../options.js';

const SCRIPTS: Record<'bash' | 'zsh' | 'fish', string> = {
  bash: `# bpfmap completion for bash: source <(bpfmap completion bash)
_bpfmap() {
  local IFS=$'\\n'
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  COMPREPLY=( $(bpfmap __complete "\${COMP_WORDS[@]:1:COMP_CWORD-1}" "$cur" 2>/dev/null) )
  [[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == */ ]] && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _bpfmap bpfmap
`,
  zsh: `#compdef bpfmap
# bpfmap completion for zsh: source <(bpfmap completion zsh)
_bpfmap() {
  local -a c
  c=("\${(@f)$(bpfmap __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -Q -S '' -- "\${c[@]}"
}
compdef _bpfmap bpfmap
`,
  fish: `# bpfmap completion for fish: bpfmap completion fish | source
complete -c bpfmap -f -a '(bpfmap __complete (commandline -opc)[2..-1] (commandline -ct) 2>/dev/null)'
`,
};


export const completionCommand = defineCommand({
  command: 'completion',
  describe: 'print a shell completion script (bash, zsh, fish): commands, options, map names, bpffs pins, fields after --set',
  positionals: { flavour: { describe: 'bash, zsh or fish', required: true, choices: ['bash', 'zsh', 'fish'] } },
  examples: [
    ['source <($0 completion bash)', 'complete bpfmap in this bash'],
    ['$0 completion zsh > _bpfmap', 'for zsh: put _bpfmap in a directory of $fpath'],
  ],
  handler: (a) => {
    if (a.json) throw new UsageError('--json: completion writes a shell script, which has no JSON form');
    process.stdout.write(SCRIPTS[a.flavour]);
  },
});

export const completeCommand = defineCommand({
  command: '__complete',
  describe: false,
  positionals: { words: { variadic: true } },
  passThrough: true,
  handler: async (a) => {
    const words = (a.words ?? []).map(String);
    const out = await complete(words.length ? words : ['']);
    if (out.length) process.stdout.write(out.join('\n') + '\n');
  },
});

const PIN_OPTIONS = new Set(['--pin', '--pin-root', '--pin-dir', 'pinned']);

/** The candidates for the last of `words` (the words after `bpfmap`). */
export async function complete(words: string[]): Promise<string[]> {
  const cur = words.at(-1)!;
  const prev = words.length > 1 ? words.at(-2)! : '';
  const { commands } = await import('./index.js');
  const names = commands.flatMap((c) => [verb(c), ...aliases(c)]).filter((n) => n !== '__complete');
  if (words.length === 1) return names.filter((n) => n.startsWith(cur)).sort();
  const cmd = commands.find((c) => verb(c) === words[0] || aliases(c).includes(words[0]!));
  if (!cmd) return [];
  if (PIN_OPTIONS.has(prev)) return paths(cur.startsWith('/') ? cur : '/sys/fs/bpf/');
  if (prev === '--set') return setFields(words, cur);
  const opts = options(cmd);
  if (cur.startsWith('-')) return opts.filter((o) => o.startsWith(cur));
  const positionals = words.slice(1, -1).filter((w, i, all) => !w.startsWith('-') && !(i > 0 && takesValue(all[i - 1]!)));
  const usage = cmd.usage;
  if (positionals.length === 1 && /\[map\]|<map>/.test(usage) && !['pinned', 'id', 'name'].includes(positionals[0]!)) return mapNames(positionals[0]!, cur);
  if (verb(cmd) === 'create' && positionals.length >= 1) return mapNames(positionals[0]!, cur);
  return paths(cur);
}

function verb(c: Command): string { return c.name; }
function aliases(c: Command): readonly string[] { return c.aliases; }
function takesValue(w: string): boolean { return w.startsWith('-') && !w.includes('=') && !BOOLEAN.has(w); }
let BOOLEAN = new Set<string>();

/** The command's options as `--name`, from its declared table (hidden ones left out; --help too). */
function options(cmd: Command): string[] {
  const all: OptionTable = { ...GLOBAL_OPTIONS, help: { type: 'boolean' }, ...cmd.options };
  BOOLEAN = new Set(Object.entries(all).filter(([, d]) => d.type === 'boolean').map(([k]) => `--${k}`));
  return Object.entries(all).filter(([k, d]) => k.length > 1 && d.hidden !== true).map(([k]) => `--${k}`).sort();
}

function mapNames(object: string, cur: string): string[] {
  try {
    return loadSource(object).schema.maps.map((m) => m.name).filter((n) => n.startsWith(cur));
  } catch {
    return [];
  }
}

/** Entries of the directory `cur` names (or is in) that start with its last part; directories end in `/`. */
function paths(cur: string): string[] {
  const dir = cur === '' ? '.' : cur.endsWith('/') ? cur : dirname(cur);
  const base = cur.endsWith('/') ? '' : cur.slice(cur.lastIndexOf('/') + 1);
  const prefix = cur.endsWith('/') ? cur : cur.includes('/') ? cur.slice(0, cur.lastIndexOf('/') + 1) : '';
  let names: string[];
  try { names = readdirSync(dir); } catch { return []; }
  return names.filter((n) => n.startsWith(base) && (base.startsWith('.') || !n.startsWith('.'))).sort().map((n) => {
    let isDir = false;
    try { isDir = statSync(join(dir, n)).isDirectory(); } catch { /* gone */ }
    return `${prefix}${n}${isDir ? '/' : ''}`;
  });
}

/** After --set: the field paths of the value of the map on the line, one level at a time. */
function setFields(words: string[], cur: string): string[] {
  const pos = words.slice(1, -2).filter((w) => !w.startsWith('-'));
  if (pos.length < 2) return [];
  let node: TypeNode | null | undefined;
  try { node = loadSource(pos[0]!).schema.maps.find((m) => m.name === pos[1])?.value; } catch { return []; }
  if (!node) return [];
  // Walk the complete part of the path: `a.b[3].` -> the node of a.b[3].
  const done = cur.slice(0, Math.max(cur.lastIndexOf('.'), cur.lastIndexOf(']')) + 1);
  for (const step of done.match(/[^.[\]]+|\[\d*\]/g) ?? []) {
    if (node.kind === 'array' && step.startsWith('[')) node = node.element;
    else if (node.kind === 'struct' || node.kind === 'union') node = node.fields.find((f) => f.name === step)?.type;
    else return [];
    if (!node) return [];
  }
  const sep = done === '' || done.endsWith('.') ? '' : '.';
  let out: string[] = [];
  if (node.kind === 'struct' || node.kind === 'union') {
    out = node.fields.filter((f) => f.name !== '').map((f) => `${done}${sep}${f.name}${childSuffix(f.type)}`);
  } else if (node.kind === 'array' && !done.endsWith(']')) {
    out = [`${done}[`];
  } else {
    out = [`${done}=`];
  }
  return out.filter((c) => c.startsWith(cur));
}

function childSuffix(t: TypeNode): string {
  if (t.kind === 'array' && t.element.kind !== 'int') return '[';
  if (t.kind === 'struct' || t.kind === 'union') return '.';
  return '=';
}
