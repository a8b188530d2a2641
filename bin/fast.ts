/**
 * The fast path: a plain invocation (`bpfmap lookup OBJ MAP --key K`) runs its command without
 * loading yargs, which alone costs ~40 ms of start-up. It reads the command's declared table
 * (bin/spec.ts), the one yargs reads too, and splitArgs below parses with it. Number options,
 * declared conflicts and implications are checked here with the functions yargs' side uses, so the
 * errors are the same. Anything unusual (help, version, an unknown or malformed option, a missing
 * argument, a value not among the choices) returns null and yargs handles it, with its messages.
 */
import { GLOBAL_OPTIONS, checkImplies, conflictMessage, givenTwiceMessage, parseNumberOption, type Command, type OptionDecl } from './spec.js';
import { UsageError } from './options.js';

type ParseOption = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/**
 * Splits a command line's arguments into option values and positionals by the options' table, or
 * null for anything it does not take: an undeclared option, a value given to a boolean (`--json=x`,
 * or `--json true`, which yargs reads as the flag's value), a missing value or one that looks like an
 * option (`--key -1`: write `--key=-1`), a repeated option not declared multiple, a group of short
 * options (`-fv`). What it does take it splits as node's util.parseArgs in strict mode does
 * (test/cli-options.test.ts holds the two to each other on generated command lines); null hands the
 * line to yargs, whose answer stands.
 *
 * Why not util.parseArgs itself: loading and running it took 1.5-2.0 ms of every command on the
 * fast path (its module is compiled on first use; 2026-12-07, six runs of a lookup's arguments),
 * where this function runs from the bundle's code cache. A whole lookup of an LPM entry, time to exit
 * measured in the process, 80 alternating pairs against parseArgs: -2.2 ms (standard error 0.7).
 */
export function splitArgs(args: readonly string[], options: Record<string, ParseOption>): { values: Record<string, string | boolean | (string | boolean)[]>; positionals: string[] } | null {
  const byShort = new Map<string, string>();
  for (const [name, o] of Object.entries(options)) if (o.short !== undefined) byShort.set(o.short, name);
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      if (!Object.hasOwn(options, name)) return null;
    } else if (arg.length === 2 && arg[0] === '-') {
      name = byShort.get(arg[1]!);
      if (name === undefined) return null;
    } else if (arg.length > 2 && arg[0] === '-') {
      return null; // a group of short options or a short option with its value attached
    } else {
      positionals.push(arg);
      continue;
    }
    const o = options[name]!;
    let v: string | boolean;
    if (o.type === 'boolean') {
      // yargs reads `--json true` / `--json false` as the flag's value, parseArgs as a positional.
      if (inline !== undefined || args[i + 1] === 'true' || args[i + 1] === 'false') return null;
      v = true;
    } else if (inline !== undefined) {
      v = inline;
    } else {
      const next = args[i + 1];
      if (next === undefined || (next.length > 1 && next[0] === '-')) return null;
      v = next;
      i++;
    }
    const had = values[name];
    if (o.multiple) values[name] = [...((had as (string | boolean)[] | undefined) ?? []), v];
    else if (had !== undefined) return null;
    else values[name] = v;
  }
  return { values, positionals };
}

/**
 * Parsed arguments shaped like yargs' (kebab-case and camelCase keys), or null to let yargs decide.
 * Throws a UsageError for a malformed number or a declared conflict or implication.
 */
export function fastParse(argv: string[], commands: readonly Command[]): { cmd: Command; args: Record<string, unknown> } | null {
  const verb = argv[0];
  if (!verb || verb.startsWith('-')) return null;
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '--')) return null;
  const cmd = commands.find((c) => c.name === verb || c.aliases.includes(verb));
  if (!cmd || cmd.passThrough) return null;
  const specs: Record<string, OptionDecl> = { ...GLOBAL_OPTIONS, ...cmd.options };
  const options: Record<string, ParseOption> = {};
  for (const [name, s] of Object.entries(specs)) {
    const o: ParseOption = { type: s.type === 'boolean' ? 'boolean' : 'string' };
    if (s.array === true) o.multiple = true; // one value per occurrence (more after one flag: extra positionals, so yargs)
    if (s.alias !== undefined) o.short = s.alias;
    options[name] = o;
  }
  const parsed = splitArgs(argv.slice(1), options);
  if (parsed === null) return null;
  const pos = parsed.positionals;
  const declared = cmd.positionals;
  const required = declared.filter((p) => p.required).length;
  if (pos.length < required || (pos.length > declared.length && !declared.some((p) => p.variadic))) return null;
  const args: Record<string, unknown> = { _: [verb], $0: 'bpfmap' };
  for (const [i, p] of declared.entries()) {
    const v = p.variadic ? pos.slice(i) : pos[i];
    if (p.choices && typeof v === 'string' && !p.choices.includes(v)) return null;
    args[p.name] = v;
  }
  const values: Record<string, unknown> = parsed.values;
  for (const [name, s] of Object.entries(specs)) {
    let v: unknown = values[name];
    if (v === undefined) v = s.default;
    if (v === undefined) {
      if (s.demandOption !== undefined) return null;
      continue;
    }
    if (s.type === 'number' && v !== s.default) v = Array.isArray(v) ? v.map((x) => parseNumberOption(name, s, x)) : parseNumberOption(name, s, v);
    if (s.choices && !(Array.isArray(v) ? v : [v]).every((x) => s.choices!.includes(String(x)))) return null;
    // An option that is also a positional (`schema OBJ MAP --map NAME`), given both ways: one of them.
    const positional = values[name] !== undefined && declared.some((p) => p.name === name) ? args[name] : undefined;
    if (typeof positional === 'string' && typeof v === 'string' && positional !== v) throw new UsageError(givenTwiceMessage(name, positional, v));
    args[name] = v;
    if (s.alias !== undefined) args[s.alias] = v;
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (camel !== name) args[camel] = v;
  }
  for (const [a, b] of cmd.conflicts) {
    if (args[a] !== undefined && args[b] !== undefined) throw new UsageError(conflictMessage(a, b));
  }
  checkImplies(cmd, args);
  return { cmd, args };
}
