import { setVariables, parseValueText, loadSource, findMap } from '../../src/index.js';
import { print } from '../output.js';
import { LOCK, IFINDEX, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, lockOptions, UsageError, type LockArgs, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withWritableMap } from '../target.js';
import { globalMaps, splitVar } from './globals.js';

interface Args extends TargetArgs, LockArgs {
  object: string;
  assignments: string[];
}

function hasVariable(object: string, map: string, name: string): boolean {
  const v = findMap(loadSource(object).schema, map).value;
  return v?.kind === 'struct' && v.fields.some((f) => f.name === name);
}

/** `VAR=VALUE ...`: every value is parsed and encoded before anything is written. */
export async function runSet(a: Args): Promise<Record<string, string[]>> {
  const parsed = a.assignments.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`'${s}': expected VAR=VALUE`);
    return { ...splitVar(s.slice(0, eq)), value: parseValueText(s.slice(eq + 1), s.slice(0, eq)), text: s };
  });
  const locks = lockOptions(a);
  const groups = globalMaps(a.object, a.map, parsed);
  // One variable given twice (also as `name` and `.section.name`): which value was meant is not guessed.
  for (const [map, names] of groups) {
    for (const n of names) {
      const same = parsed.filter((p) => p.name === n && (p.section === undefined || p.section === map));
      if (same.length > 1) throw new UsageError(`${n}: given ${same.length === 2 ? 'twice' : `${same.length} times`} (${same.map((p) => p.text).join(', ')}); give each variable once`);
    }
  }
  // --ifindex-field VAR[.FIELD...]: the variable (or a field of it) takes interface names; each path
  // goes to the global-data map that has the variable.
  const marks = new Map<string, string[]>();
  for (const path of a['ifindex-field'] ?? []) {
    const v = path.split('.')[0]!.replace(/\[\]$/, '');
    const holder = [...groups.keys()].find((m) => groups.get(m)!.includes(v) || (groups.get(m)!.length === 0 && hasVariable(a.object, m, v)));
    if (holder === undefined) throw new UsageError(`--ifindex-field ${path}: '${v}' is not a variable being set (${[...groups.values()].flat().join(', ')})`);
    marks.set(holder, [...(marks.get(holder) ?? []), `value.${path}`]);
  }
  const done: Record<string, string[]> = {};
  for (const [map, names] of groups) {
    const values: Record<string, unknown> = {};
    for (const n of names) values[n] = parsed.find((p) => p.name === n && (p.section === undefined || p.section === map))!.value;
    await withWritableMap({ ...a, map, 'ifindex-field': marks.get(map) ?? [] }, (live) => setVariables(live, values, locks));
    done[map] = names;
  }
  return done;
}

export const setCommand = defineCommand({
  command: 'set',
  describe: 'change global variables of a loaded program by name (read, patch, write the one entry)',
  positionals: {
    object: { ...TARGET_POSITIONALS.object, required: true },
    assignments: { describe: 'VAR=VALUE, VALUE as YAML/JSON (e.g. enabled=1 limits={max: 10})', required: true, variadic: true },
  },
  options: {
    ...TARGET, ...IFINDEX, ...LOCK,
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 set fixtures/coverage.bpfel.o --pin-root /sys/fs/bpf/cov data_counter=5 config_mode=2', 'two variables'],
  ],
  handler: async (a) => {
    const r = await runSet(a);
    if (a.json) print({ set: r }, true);
  },
});
