import { parseValueText } from '../../src/index.js';
import { print } from '../output.js';
import { LOCK, IFINDEX, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, type LockArgs, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withLockedMap } from '../target.js';

interface Args extends TargetArgs, LockArgs {
  key: string;
}

export async function runDelete(a: Args): Promise<Record<string, unknown>> {
  const key = parseValueText(a.key, 'key');
  return withLockedMap(a, (live) => {
    live.delete(key);
    return { map: live.schema.name, deleted: 1 };
  });
}

export const deleteCommand = defineCommand({
  command: 'delete',
  describe: 'delete one entry by key (LPM tries: exact prefix only)',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...IFINDEX, ...LOCK,
    key: { type: 'string', demandOption: 'give the key with --key', describe: 'the key as YAML flow or JSON' },
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ["$0 delete fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}'", 'remove the rules for a CIDR'],
  ],
  handler: async (a) => {
    const r = await runDelete(a);
    if (a.json) print(r, true);
  },
});
