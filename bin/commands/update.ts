import { print } from '../output.js';
import { LOCK, IFINDEX, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, UsageError, type LockArgs, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withLockedMap } from '../target.js';
import { readEntryInput } from './codec-args.js';
import { parseFieldPath, parseValueText, updateFields, type FieldAssignment } from '../../src/index.js';

interface Args extends TargetArgs, LockArgs {
  key?: string;
  value?: string;
  file?: string;
  flags?: 'any' | 'noexist' | 'exist';
  set?: string[];
}

/** `--set PATH=VALUE`: the field path and its value (YAML flow or JSON), parsed before the map is opened. */
function fieldAssignments(list: readonly string[]): FieldAssignment[] {
  return list.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set '${s}': expected FIELD=VALUE, e.g. 'rules[3].action=2'`);
    const path = s.slice(0, eq).trim();
    return { path: parseFieldPath(path), value: parseValueText(s.slice(eq + 1), `value.${path}`) };
  });
}

export async function runUpdate(a: Args): Promise<Record<string, unknown>> {
  if (a.set !== undefined && a.set.length > 0) {
    if (a.key === undefined) throw new UsageError('give the key of the entry to change with --key');
    const sets = fieldAssignments(a.set);
    const keyText = a.key;
    return withLockedMap(a, (live) => {
      const r = updateFields(live, parseValueText(keyText, 'key'), sets);
      return { map: live.schema.name, updated: 1, fields: a.set!.length, rounds: r.rounds };
    });
  }
  return withLockedMap(a, (live) => {
    const input = readEntryInput(a, live.schema);
    if (!input.hasValue) throw new UsageError('give the value with --value or -f FILE');
    // Index 0 goes without saying only where it is the one entry (global data, a 1-entry array).
    if (!input.hasKey && live.schema.keySize > 0 && !(live.schema.type === 'array' && live.info.maxEntries === 1)) {
      throw new UsageError('give the key with --key or in -f FILE');
    }
    const key = input.hasKey ? input.key : live.schema.keySize > 0 ? 0 : undefined;
    live.update(key, input.value, { flags: a.flags ?? 'any' });
    return { map: live.schema.name, updated: 1 };
  });
}

export const updateCommand = defineCommand({
  command: 'update',
  describe: 'write one entry (typed key and value); the value is checked completely before anything reaches the kernel',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...IFINDEX, ...LOCK,
    key: { type: 'string', describe: 'the key as YAML flow or JSON' },
    value: { type: 'string', describe: 'the value as YAML flow or JSON; per-CPU maps: one value for every CPU, or a list with one per CPU; map-in-map: a pin path or id:N' },
    file: { alias: 'f', type: 'string', describe: 'YAML/JSON document {key: ..., value: ...}; - for stdin' },
    set: { type: 'string', array: true, describe: "change only these fields of the existing entry, FIELD=VALUE (repeatable): read, patch, write back if unchanged meanwhile, under the map's lock" },
    flags: { type: 'string', choices: ['any', 'noexist', 'exist'], default: 'any', describe: 'any: create or replace; noexist: create only; exist: replace only' },
  },
  conflicts: [...TARGET_CONFLICTS, ['set', 'value'], ['set', 'file']],
  examples: [
    ["$0 update fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}' --value '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}}}'", 'deny ICMP echo from 10.10.10.0/24 on ifindex 6'],
    ["$0 update fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}' --set 'rules[0].action=2'", 'change one field of an existing entry'],
    ['$0 update fixtures/firewall.bpfel.o ingress_node_firewall_table_map -f rule.yaml --flags noexist', 'from a file (see bpfmap template), only if new'],
    ["$0 update fixtures/addresses.bpfel.o dev_redirect --pin-root /sys/fs/bpf/addr --key '{dev: lo, queue: 0}' --value '{out_dev: lo, weight: 1}' --ifindex-field key.dev --ifindex-field value.out_dev", 'fields not named *ifindex that hold interface indexes, given by interface name'],
  ],
  handler: async (a) => {
    const r = await runUpdate(a);
    if (a.json) print(r, true);
  },
});
