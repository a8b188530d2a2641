/**
 * The fast path: a plain invocation (`bpfmap lookup OBJ MAP --key K`) runs its command without
 * loading yargs, which alone costs ~40 ms of start-up. The options are not declared twice: each
 * command's own yargs builder is run against a recorder that notes its positionals and options, and
 * node's util.parseArgs parses with them. Anything unusual (help, version, an unknown or malformed
 * option, a missing argument) returns null and yargs handles it, with its messages.
 */
import { parseArgs } from 'node:util';
import type { CommandModule } from 'yargs';

interface OptSpec {
  type?: string;
  alias?: string | string[];
  choices?: readonly unknown[];
  default?: unknown;
  demandOption?: unknown;
  array?: boolean;
}

interface Recorded {
  positionals: { name: string; required: boolean; variadic: boolean }[];
  options: Map<string, OptSpec>;
}

function record(cmd: CommandModule): Recorded {
  const rec: Recorded = { positionals: [], options: new Map() };
  const words = String(cmd.command).split(/\s+/).slice(1);
  for (const w of words) {
    const m = /^([<[])([^\]>.]+)(\.\.\.)?[\]>]$/.exec(w);
    if (m) rec.positionals.push({ name: m[2]!, required: m[1] === '<', variadic: m[3] !== undefined });
  }
  const proxy: Record<string, unknown> = {};
  const chain = () => proxy;
  for (const k of ['positional', 'example', 'epilog', 'usage', 'check', 'conflicts', 'implies', 'group', 'middleware', 'strict', 'hide']) proxy[k] = chain;
  proxy.option = (name: string, spec: OptSpec) => { rec.options.set(name, spec ?? {}); return proxy; };
  proxy.options = (o: Record<string, OptSpec>) => { for (const [k, v] of Object.entries(o)) rec.options.set(k, v); return proxy; };
  proxy.alias = () => { throw new Error('alias() not supported on the fast path'); };
  const b = cmd.builder;
  if (typeof b === 'function') (b as (y: unknown) => unknown)(proxy);
  else if (b && typeof b === 'object') (proxy.options as (o: Record<string, OptSpec>) => unknown)(b as Record<string, OptSpec>);
  return rec;
}

const GLOBAL: Record<string, OptSpec> = { json: { type: 'boolean' }, verbose: { type: 'boolean' } };

/** Parsed arguments shaped like yargs' (kebab-case and camelCase keys), or null to let yargs decide. */
export function fastParse(argv: string[], commands: readonly CommandModule[]): { cmd: CommandModule; args: Record<string, unknown> } | null {
  const verb = argv[0];
  if (!verb || verb.startsWith('-')) return null;
  if (argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '--')) return null;
  const cmd = commands.find((c) => String(c.command).split(/\s+/)[0] === verb || (Array.isArray(c.aliases) && c.aliases.includes(verb)));
  if (!cmd) return null;
  let rec: Recorded;
  try {
    rec = record(cmd);
  } catch {
    return null;
  }
  const specs: Record<string, OptSpec> = { ...GLOBAL, ...Object.fromEntries(rec.options) };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    if (s.type !== 'string' && s.type !== 'boolean' && s.type !== 'number') return null;
    const o: { type: 'string' | 'boolean'; short?: string; multiple?: boolean } = { type: s.type === 'boolean' ? 'boolean' : 'string' };
    if (s.array === true) o.multiple = true; // one value per occurrence (declare such options with nargs: 1)
    const aliases = s.alias === undefined ? [] : Array.isArray(s.alias) ? s.alias : [s.alias];
    for (const al of aliases) {
      if (al.length !== 1) return null;
      o.short = al;
    }
    options[name] = o;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(1), options, allowPositionals: true, strict: true });
  } catch {
    return null;
  }
  const pos = parsed.positionals;
  const required = rec.positionals.filter((p) => p.required).length;
  if (pos.length < required || (pos.length > rec.positionals.length && !rec.positionals.some((p) => p.variadic))) return null;
  const args: Record<string, unknown> = { _: [verb], $0: 'bpfmap' };
  rec.positionals.forEach((p, i) => {
    args[p.name] = p.variadic ? pos.slice(i) : pos[i];
  });
  for (const [name, s] of Object.entries(specs)) {
    let v: unknown = (parsed.values as Record<string, unknown>)[name];
    if (v === undefined) v = s.default;
    if (v === undefined) {
      if (s.demandOption) return null;
      continue;
    }
    if (s.type === 'number') {
      if (typeof v !== 'number') {
        if (!/^-?\d+(\.\d+)?$/.test(String(v))) return null;
        v = Number(v);
      }
    }
    if (s.choices && !s.choices.includes(v)) return null;
    args[name] = v;
    const camel = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (camel !== name) args[camel] = v;
  }
  return { cmd, args };
}
