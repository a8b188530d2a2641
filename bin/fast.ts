/**
 * The fast path: a plain invocation (`bpfmap lookup OBJ MAP --key K`) runs its command without
 * loading yargs, which alone costs ~40 ms of start-up. It reads the command's declared table
 * (bin/spec.ts), the one yargs reads too, and node's util.parseArgs parses with it. Number options,
 * declared conflicts and implications are checked here with the functions yargs' side uses, so the
 * errors are the same. Anything unusual (help, version, an unknown or malformed option, a missing
 * argument, a value not among the choices) returns null and yargs handles it, with its messages.
 */
import { parseArgs } from 'node:util';
import { GLOBAL_OPTIONS, checkImplies, conflictMessage, parseNumberOption, type Command, type OptionDecl } from './spec.js';
import { UsageError } from './options.js';

type ParseOption = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

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
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(1), options, allowPositionals: true, strict: true });
  } catch {
    return null;
  }
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
  const values = parsed.values as Record<string, unknown>;
  for (const [name, s] of Object.entries(specs)) {
    let v: unknown = values[name];
    if (v === undefined) v = s.default;
    if (v === undefined) {
      if (s.demandOption !== undefined) return null;
      continue;
    }
    if (s.type === 'number' && v !== s.default) v = Array.isArray(v) ? v.map((x) => parseNumberOption(name, s, x)) : parseNumberOption(name, s, v);
    if (s.choices && !(Array.isArray(v) ? v : [v]).every((x) => s.choices!.includes(String(x)))) return null;
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
