/**
 * The CLI: yargs wiring, and the one place that turns errors into `bpfmap: <message>` and exit codes.
 */
import type { Argv } from 'yargs';
import { createRequire } from 'node:module';
import { EXIT } from './exit-codes.js';
import type { Command } from './spec.js';
import { UsageError } from './options.js';
import { noticesAsJson, reportError } from './report.js';
import { fastParse } from './fast.js';
import { YARGS_STRINGS, GLOBAL_OPTIONS, labelNumberOptions, toYargs, usageWords } from './spec.js';

const EPILOG = `Exit codes: 0 ok, 1 internal error, 2 usage, 3 not found (key, map, pin) or I/O (full disk),
4 permission, 5 invalid input (object, BTF, value, schema/map mismatch, input not known to be complete),
6 the kernel refused or does not support the operation, another bpfmap holds the map's lock (--lock-timeout), or the entry changed meanwhile (edit, set),
7 rollback partial (keys another writer changed were left alone),
10/11 diff: some map must be migrated / is incompatible,
129/130/143 apply stopped by SIGHUP/SIGINT/SIGTERM (the message says whether it completed first).`;

declare const __BPFMAP_START_MODULE__: string | undefined;

/** The CLI's starter (bin/start.cjs), in the CLI bundle; undefined in the unbundled build. */
function starter(): { run(bundle: string): void; load(bundle: string): unknown } | undefined {
  return typeof __BPFMAP_START_MODULE__ === 'string' ? createRequire(import.meta.url)(__BPFMAP_START_MODULE__) as ReturnType<typeof starter> : undefined;
}

/**
 * yargs, only for help, errors and unusual command lines. The CLI bundle loads a pre-bundled
 * CommonJS copy (dist/cli/yargs.cjs, see scripts/build.mjs) through its starter; the unbundled build
 * imports the package.
 */
export async function loadYargs(): Promise<typeof import('yargs').default> {
  const start = starter();
  if (start) return (start.load('yargs.cjs') as { default: typeof import('yargs').default }).default;
  return (await import('yargs')).default;
}

/**
 * Runs the bundle that holds every command (dist/cli/main.cjs), through the CLI's starter (bin/start.cjs).
 * A group bundle (bin/bpfmap-offline.ts, bin/bpfmap-elements.ts) hands it the command lines its fast
 * path leaves to yargs, so that help and usage errors are those of the whole CLI.
 */
export function runWholeCli(): void {
  const start = starter();
  if (!start) throw new Error('a command group runs only from the CLI bundle (dist/cli/bpfmap.js)');
  start.run('main.cjs');
}

/**
 * A global flag's value as yargs will read it (for the form of an error that may come before or
 * without yargs): `--json`, `--json=true|false`, `--json true|false`, `--no-json`; the last one given,
 * up to `--`.
 */
export function flagOf(argv: readonly string[], name: string): boolean {
  let on = false;
  for (let i = 0; i < argv.length && argv[i] !== '--'; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) on = argv[i + 1] === 'false' ? false : true;
    else if (a === `--${name}=true`) on = true;
    else if (a === `--${name}=false` || a === `--no-${name}`) on = false;
  }
  return on;
}

/**
 * Runs one command line with these commands; the exit code. With `whole`, a command line the fast
 * path does not take is handed to it (and undefined returned: the whole CLI sets the exit code).
 */
export async function main(argv: string[], commands: readonly Command[], whole?: () => void): Promise<number | undefined> {
  const verbose = flagOf(argv, 'verbose');
  const json = flagOf(argv, 'json');
  noticesAsJson(json);
  try {
    const fast = fastParse(argv, commands);
    if (fast) {
      await fast.cmd.run(fast.args);
      return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
    }
  } catch (e) {
    return reportError(e, verbose, json);
  }
  if (whole) {
    whole();
    return undefined;
  }
  const yargs = await loadYargs();
  let parser: Argv = yargs(argv)
    .scriptName('bpfmap')
    .usage('bpfmap <command> [options]\n\nProgram eBPF maps with typed values, using nothing but the BPF object file.')
    .option('json', { ...GLOBAL_OPTIONS.json, global: true })
    .option('verbose', { ...GLOBAL_OPTIONS.verbose, global: true })
    .updateStrings(YARGS_STRINGS)
    .example('$0 maps fixtures/firewall.bpfel.o', 'the maps of an object')
    .example("$0 encode fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'", 'typed key -> bytes, offline')
    .example('$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_statistics_map --sum', 'a live map, per-CPU values summed')
    .example('$0 <command> --help', 'options and examples of one command')
    .epilog(EPILOG)
    .strict()
    .demandCommand(1, 'name a command; see bpfmap --help')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(usageWords(msg ?? 'invalid usage', argv, commands));
    });
  for (const c of commands) parser = parser.command(toYargs(c, argv));
  // yargs prints help through console.log; its number options are strings to yargs (see toYargs), so
  // their label is put right there, for the command whose help it is.
  const log = console.log;
  if (argv.includes('--help') || argv.includes('-h')) {
    const cmd = commands.find((c) => c.name === argv[0] || c.aliases.includes(argv[0] ?? ''));
    console.log = (...a: unknown[]) => log(...a.map((x) => (typeof x === 'string' && cmd ? labelNumberOptions(x, cmd) : x)));
  }
  try {
    await parser.parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    // yargs throws a parse error (a number option's coerce refusing its text) as its own YError.
    if ((e as { name?: string })?.name === 'YError') return reportError(new UsageError((e as Error).message), verbose, json);
    return reportError(e, verbose, json);
  } finally {
    console.log = log;
  }
}
