/**
 * Shell completion: `bpfmap completion bash|zsh|fish` prints a script; the script calls the hidden
 * `bpfmap __complete WORD...` (the words after `bpfmap`, the last one being completed), which prints
 * one candidate a line: commands, the command's options, the map names of the object on the line,
 * paths under bpffs after --pin / --pin-root / --pin-dir / `pinned`, the fields of the map's value
 * after --set, and files elsewhere.
 */
import type { Argv, CommandModule } from 'yargs';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSource } from '../../src/index.js';
import type { TypeNode } from '../../src/index.js';
import { UsageError, type GlobalArgs } from '../options.js';

const SCRIPTS: Record<string, string> = {
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

interface CompletionArgs extends GlobalArgs { flavour: string }

export const completionCommand: CommandModule<GlobalArgs, CompletionArgs> = {
  command: 'completion <flavour>',
  describe: 'print a shell completion script (bash, zsh, fish): commands, options, map names, bpffs pins, fields after --set',
  builder: (y) =>
    y
      .positional('flavour', { type: 'string', demandOption: true, describe: 'bash, zsh or fish' })
      .example('source <($0 completion bash)', 'complete bpfmap in this bash')
      .example('$0 completion zsh > _bpfmap', 'for zsh: put _bpfmap in a directory of $fpath') as never,
  handler: (a) => {
    const s = SCRIPTS[a.flavour];
    if (s === undefined) throw new UsageError(`completion: expected bash, zsh or fish, got '${a.flavour}'`);
    process.stdout.write(s);
  },
};

interface CompleteArgs extends GlobalArgs { words?: string[] }

export const completeCommand: CommandModule<GlobalArgs, CompleteArgs> = {
  command: '__complete [words...]',
  describe: false,
  builder: (y) => y.strict(false).parserConfiguration({ 'unknown-options-as-args': true }) as never,
  handler: async (a) => {
    const words = (a.words ?? []).map(String);
    const out = await complete(words.length ? words : ['']);
    if (out.length) process.stdout.write(out.join('\n') + '\n');
  },
};

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
  const opts = await options(cmd);
  if (cur.startsWith('-')) return opts.filter((o) => o.startsWith(cur));
  const positionals = words.slice(1, -1).filter((w, i, all) => !w.startsWith('-') && !(i > 0 && takesValue(all[i - 1]!)));
  const usage = String(cmd.command ?? '');
  if (positionals.length === 1 && /\[map\]|<map>/.test(usage) && !['pinned', 'id', 'name'].includes(positionals[0]!)) return mapNames(positionals[0]!, cur);
  if (verb(cmd) === 'create' && positionals.length >= 1) return mapNames(positionals[0]!, cur);
  return paths(cur);
}

function verb(c: CommandModule): string { return String(c.command ?? '').split(' ')[0]!; }
function aliases(c: CommandModule): string[] { return c.aliases === undefined ? [] : ([] as string[]).concat(c.aliases); }
function takesValue(w: string): boolean { return w.startsWith('-') && !w.includes('=') && !BOOLEAN.has(w); }
let BOOLEAN = new Set<string>();

/** The command's options as `--name`, from its own builder (help and version included). */
async function options(cmd: CommandModule): Promise<string[]> {
  const { loadYargs } = await import('../main.js');
  const yargs = await loadYargs();
  let y: Argv = yargs([]).option('json', { type: 'boolean' }).option('verbose', { type: 'boolean' }) as unknown as Argv;
  if (typeof cmd.builder === 'function') y = (cmd.builder as (y: Argv) => Argv)(y);
  const o = (y as unknown as { getOptions(): { key: Record<string, boolean>; boolean: string[]; hiddenOptions: string[] } }).getOptions();
  BOOLEAN = new Set(o.boolean.map((b) => `--${b}`));
  return Object.keys(o.key).filter((k) => k.length > 1 && !o.hiddenOptions.includes(k) && k !== 'version').map((k) => `--${k}`).sort();
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
