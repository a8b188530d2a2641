/**
 * One declared table per command: positionals, options (type, array, choices, default, ...),
 * conflicts, implications, examples and the handler, whose argument type is inferred from the table.
 * yargs reads the table through toYargs (help, strict, choices, conflicts); the fast path (fast.ts)
 * reads the same table directly. Number options are checked by parseNumberOption on both paths, so
 * `--id abc` is a usage error naming --id.
 */
import type { Argv, CommandModule, Options, PositionalOptions } from 'yargs';
import { UsageError, type GlobalArgs } from './options.js';

export interface OptionDecl {
  readonly type: 'string' | 'boolean' | 'number';
  readonly describe?: string;
  /** Repeatable (`--set a=1 --set b=2`); yargs also takes several values after one flag (`--set a=1 b=2`),
   * which the fast path hands to yargs, unless nargs is 1 (the option precedes positionals). */
  readonly array?: boolean;
  readonly nargs?: 1;
  readonly choices?: readonly string[];
  readonly default?: string | boolean | number;
  readonly hidden?: boolean;
  readonly requiresArg?: boolean;
  /** A one-letter alias (`-f`). */
  readonly alias?: string;
  /** Required, with this message when missing. */
  readonly demandOption?: string;
  /** Numbers: whole numbers only, and the bounds. */
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  /** Numbers: what the error says is expected (default from integer/min/max: `an integer >= 0`). */
  readonly expect?: string;
}

export interface PositionalDecl {
  readonly describe?: string;
  readonly required?: boolean;
  /** The rest of the words (`[maps...]`). */
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
}

export type OptionTable = Readonly<Record<string, OptionDecl>>;
export type PositionalTable = Readonly<Record<string, PositionalDecl>>;

type Scalar<O> = O extends { readonly choices: readonly (infer C)[] } ? C
  : O extends { readonly type: 'number' } ? number
  : O extends { readonly type: 'boolean' } ? boolean
  : string;
type OptionValue<O> = O extends { readonly array: true } ? Scalar<O>[] : Scalar<O>;
type Given<O> = O extends { readonly default: string | boolean | number } ? true : O extends { readonly demandOption: string } ? true : false;
type Simplify<T> = { [K in keyof T]: T[K] };

/** The handler's view of the options: kebab-case keys, as declared. */
export type OptionArgs<T extends OptionTable> = Simplify<
  { -readonly [K in keyof T as Given<T[K]> extends true ? K : never]: OptionValue<T[K]> } &
  { -readonly [K in keyof T as Given<T[K]> extends true ? never : K]?: OptionValue<T[K]> }>;

type PositionalValue<P> = P extends { readonly variadic: true } ? string[]
  : P extends { readonly choices: readonly (infer C)[] } ? C : string;
export type PositionalArgs<T extends PositionalTable> = Simplify<
  { -readonly [K in keyof T as T[K] extends { readonly required: true } ? K : never]: PositionalValue<T[K]> } &
  { -readonly [K in keyof T as T[K] extends { readonly required: true } ? never : K]?: PositionalValue<T[K]> }>;

export type ArgsOf<P extends PositionalTable, O extends OptionTable> = GlobalArgs & PositionalArgs<P> & OptionArgs<O>;

export interface CommandSpec<P extends PositionalTable, O extends OptionTable> {
  /** The verb; the usage line is made from it and the positionals. */
  readonly command: string;
  readonly aliases?: readonly string[];
  /** false: a hidden command. */
  readonly describe: string | false;
  readonly positionals?: P;
  readonly options?: O;
  /** Pairs that may not be given together: `give either --a or --b, not both` (exit 2). */
  readonly conflicts?: readonly (readonly [keyof O & string, keyof O & string])[];
  /** [a, b]: --a needs --b (exit 2: `--a needs --b`). */
  readonly implies?: readonly (readonly [keyof O & string, keyof O & string])[];
  readonly examples?: readonly (readonly [string, string])[];
  readonly epilog?: string;
  /** Every word after the verb is a positional, options too (the shell completion's __complete). */
  readonly passThrough?: boolean;
  readonly handler: (a: ArgsOf<P, O>) => void | Promise<void>;
}

/** A command table with its types erased: what main.ts, fast.ts and the completion read. */
export interface Command {
  readonly name: string;
  readonly aliases: readonly string[];
  /** The yargs usage line: `lookup [object] [map]`. */
  readonly usage: string;
  readonly describe: string | false;
  readonly positionals: readonly (PositionalDecl & { readonly name: string })[];
  readonly options: OptionTable;
  readonly conflicts: readonly (readonly [string, string])[];
  readonly implies: readonly (readonly [string, string])[];
  readonly examples: readonly (readonly [string, string])[];
  readonly epilog?: string;
  readonly passThrough: boolean;
  /** The handler (method syntax: any args object of the command's shape is accepted). */
  run(a: Record<string, unknown>): void | Promise<void>;
}

/** The options every command has (declared once on the top-level parser). */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean', describe: 'machine-readable JSON output' },
  verbose: { type: 'boolean', describe: 'print stack traces of errors' },
} as const satisfies OptionTable;

export function defineCommand<const P extends PositionalTable = Record<never, PositionalDecl>, const O extends OptionTable = Record<never, OptionDecl>>(spec: CommandSpec<P, O>): Command {
  const positionals = Object.entries(spec.positionals ?? {}).map(([name, d]) => ({ ...d, name }));
  const words = positionals.map((p) => (p.required ? `<${p.name}${p.variadic ? '...' : ''}>` : `[${p.name}${p.variadic ? '...' : ''}]`));
  return {
    name: spec.command,
    aliases: spec.aliases ?? [],
    usage: [spec.command, ...words].join(' '),
    describe: spec.describe,
    positionals,
    options: spec.options ?? {},
    conflicts: spec.conflicts ?? [],
    implies: spec.implies ?? [],
    examples: spec.examples ?? [],
    epilog: spec.epilog,
    passThrough: spec.passThrough === true,
    run: spec.handler,
  };
}

/** What a number option expects, for its error message. */
function expectation(d: OptionDecl): string {
  if (d.expect !== undefined) return d.expect;
  const what = d.integer ? 'an integer' : 'a number';
  if (d.min !== undefined && d.max !== undefined) return `${what} ${d.min}..${d.max}`;
  if (d.min !== undefined) return `${what} >= ${d.min}`;
  if (d.max !== undefined) return `${what} <= ${d.max}`;
  return what;
}

/** A number option's text as a number, else a usage error naming the option: `--id: expected ..., got abc`. */
export function parseNumberOption(name: string, d: OptionDecl, raw: unknown): number {
  const s = String(raw).trim();
  const n = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
  const ok = Number.isFinite(n) && (!d.integer || Number.isInteger(n)) && (d.min === undefined || n >= d.min) && (d.max === undefined || n <= d.max);
  if (!ok) throw new UsageError(`--${name}: expected ${expectation(d)}, got ${s === '' ? "''" : s}`);
  return n;
}

/** yargs' wording of a declared conflict and of a refused choice, made ours (main.ts passes it to updateStrings). */
export const YARGS_STRINGS = {
  'Arguments %s and %s are mutually exclusive': 'give either --%s or --%s, not both',
  'Invalid values:': 'invalid value',
  'Argument: %s, Given: %s, Choices: %s': '%s: got %s, expected one of %s',
};

/**
 * yargs' own messages for an unknown word and a missing positional, in the CLI's words: the option
 * with its dashes (`Unknown argument: bogus` for `--bogus`), a stray word quoted, the missing
 * positionals by name. Other messages are returned as they are.
 */
export function usageWords(message: string, argv: readonly string[], commands: readonly Command[]): string {
  // The command is the first word that is no option (`bpfmap --json bogus`).
  const first = argv.find((a) => !a.startsWith('-'));
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  if (unknown) {
    const kebab = (w: string) => w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const seen = new Set<string>();
    const options: string[] = [];
    const stray: string[] = [];
    let command: string | undefined;
    let dashValue = false;
    for (const w of unknown[1]!.split(', ')) {
      const long = [`--${w}`, `--no-${w}`, `--${kebab(w)}`].find((o) => argv.some((a) => a === o || a.startsWith(`${o}=`)));
      const group = w.length === 1 ? argv.find((a) => /^-[^-]/.test(a) && a.includes(w)) : undefined;
      const name = long ?? (group !== undefined ? `-${w}` : undefined);
      if (name !== undefined) {
        if (long !== undefined && long === `--${kebab(w)}` && kebab(w) !== w && seen.has(long)) continue; // yargs' camel-case twin
        if (!seen.has(name)) { seen.add(name); options.push(name); }
        if (group !== undefined && /^-\d/.test(group)) dashValue = true;
      } else if (w === first && !commands.some((c) => c.name === w || c.aliases.includes(w))) {
        command = `'${w}'`;
      } else stray.push(`'${w}'`);
    }
    const parts: string[] = command !== undefined ? [`unknown command ${command}`] : [];
    if (options.length) parts.push(`unknown option${options.length > 1 ? 's' : ''} ${options.join(', ')}`);
    if (stray.length) parts.push(`unexpected argument${stray.length > 1 ? 's' : ''} ${stray.join(', ')}`);
    if (dashValue) parts.push("a value that starts with '-' is written --option=VALUE");
    return parts.join('; ');
  }
  const guess = /^Did you mean (\S+)\?$/.exec(message);
  if (guess) return `unknown command '${first}'; did you mean ${guess[1]}?`;
  const missing = /^Not enough non-option arguments: got (\d+), need at least (\d+)$/.exec(message);
  const cmd = commands.find((c) => c.name === first || c.aliases.includes(first ?? ''));
  if (missing && cmd) {
    const got = Number(missing[1]);
    const names = cmd.positionals.filter((p) => p.required).slice(got).map((p) => `<${p.name}>${p.describe ? ` (${p.describe})` : ''}`);
    if (names.length) return `missing ${names.join(', ')}: bpfmap ${cmd.usage.replace(/^\S+/, cmd.name)}`;
  }
  return message;
}

export function conflictMessage(a: string, b: string): string {
  return `give either --${a} or --${b}, not both`;
}

/**
 * A usage error for a value option given more than once where one value is declared (yargs makes an
 * array of them; which one was meant is not guessed), or null. A repeated boolean flag is one flag.
 */
export function repeatedOption(cmd: Command, args: Record<string, unknown>): UsageError | null {
  for (const [name, d] of Object.entries(cmd.options)) {
    const v = args[name];
    if (d.array !== true && d.type !== 'boolean' && Array.isArray(v)) return new UsageError(`--${name}: expected once, given ${v.length} times`);
  }
  return null;
}

/** A positional that is also an option (`schema OBJ MAP --map NAME`), given both ways with two values. */
export function givenTwiceMessage(name: string, positional: string, option: string): string {
  return `give the ${name} once: '${positional}' or --${name} ${option}, not both`;
}

/**
 * The value of option `name` as written on the command line (`--name V`, `--name=V`; the last one,
 * up to `--`), or undefined: yargs keeps only the positional's when both are given.
 */
function writtenOption(argv: readonly string[], name: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i]!;
    if (a === `--${name}` && i + 1 < argv.length) v = argv[++i];
    else if (a.startsWith(`--${name}=`)) v = a.slice(name.length + 3);
  }
  return v;
}

export function impliesMessage(a: string, b: string): string {
  return `--${a} needs --${b}`;
}

/** The declared implications that args break, as a usage error (both paths; conflicts: yargs and fast.ts). */
export function checkImplies(cmd: Command, args: Readonly<Record<string, unknown>>): void {
  for (const [a, b] of cmd.implies) {
    if (args[a] !== undefined && args[a] !== false && (args[b] === undefined || args[b] === false)) throw new UsageError(impliesMessage(a, b));
  }
}

function yargsOption(name: string, d: OptionDecl): Options {
  const o: Options = { describe: d.describe };
  if (d.hidden) o.hidden = true;
  if (d.alias !== undefined) o.alias = d.alias;
  if (d.choices !== undefined) o.choices = [...d.choices];
  if (d.default !== undefined) o.default = d.default;
  if (d.demandOption !== undefined) o.demandOption = d.demandOption;
  if (d.requiresArg) o.requiresArg = true;
  if (d.array) o.array = true;
  if (d.nargs !== undefined) o.nargs = d.nargs;
  if (d.type === 'number') {
    // A string to yargs, so that the text is still there for the message (yargs makes `abc` NaN).
    o.type = 'string';
    o.coerce = (v: unknown) => (Array.isArray(v) ? v.map((x) => parseNumberOption(name, d, x)) : parseNumberOption(name, d, v));
  } else {
    o.type = d.type;
  }
  return o;
}

/**
 * A command's help as yargs wrote it, with `[number]` for its number options instead of the
 * `[string]` yargs gives them (same width, so the columns stay aligned). An option's label ends the
 * last line of its entry: the lines from its `--name` to the next entry or heading.
 */
export function labelNumberOptions(help: string, cmd: Command): string {
  let current: OptionDecl | undefined;
  return help.split('\n').map((line) => {
    const m = /^ {2}(?:-\w, | {4})--([\w-]+)/.exec(line);
    if (m) current = cmd.options[m[1]!];
    else if (/^ {0,2}\S/.test(line)) current = undefined;
    return current?.type === 'number' ? line.replace(/\[string\]/, '[number]') : line;
  }).join('\n');
}

/**
 * The table as a yargs command: yargs checks strictness, choices and conflicts, and writes the help.
 * `argv` (the command line) is for what yargs does not keep: an option also given as its positional.
 */
export function toYargs(cmd: Command, argv: readonly string[] = []): CommandModule {
  return {
    command: cmd.usage,
    aliases: [...cmd.aliases],
    describe: cmd.describe,
    builder: (y: Argv): Argv => {
      let b = y;
      for (const p of cmd.positionals) {
        const o: PositionalOptions = { type: 'string', describe: p.describe };
        if (p.required) o.demandOption = true;
        if (p.variadic) o.array = true;
        if (p.choices) o.choices = [...p.choices];
        b = b.positional(p.name, o);
      }
      for (const [name, d] of Object.entries(cmd.options)) b = b.option(name, yargsOption(name, d));
      for (const [a, c] of cmd.conflicts) b = b.conflicts(a, c);
      b = b.check((a) => {
        const repeated = repeatedOption(cmd, a);
        if (repeated) throw repeated;
        for (const p of cmd.positionals) {
          const written = Object.hasOwn(cmd.options, p.name) ? writtenOption(argv, p.name) : undefined;
          if (written !== undefined && typeof a[p.name] === 'string' && a[p.name] !== written) throw new UsageError(givenTwiceMessage(p.name, a[p.name] as string, written));
        }
        return true;
      });
      if (cmd.implies.length > 0) {
        b = b.check((argv) => {
          checkImplies(cmd, argv);
          return true;
        });
      }
      for (const [ex, what] of cmd.examples) b = b.example(ex, what);
      if (cmd.epilog !== undefined) b = b.epilog(cmd.epilog);
      if (cmd.passThrough) b = b.strict(false).parserConfiguration({ 'unknown-options-as-args': true });
      return b;
    },
    handler: (a) => cmd.run(a),
  };
}
