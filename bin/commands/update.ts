import type { CommandModule } from 'yargs';
import { print } from '../output.js';
import { withTarget, UsageError, type TargetArgs } from '../options.js';
import { withWritableMap } from '../target.js';
import { readEntryInput } from './codec-args.js';

interface Args extends TargetArgs {
  key?: string;
  value?: string;
  file?: string;
  flags?: 'any' | 'noexist' | 'exist';
}

export async function runUpdate(a: Args): Promise<Record<string, unknown>> {
  return withWritableMap(a, (live) => {
    const input = readEntryInput(a, live.schema);
    if (!input.hasValue) throw new UsageError('give the value with --value or -f FILE');
    if (!input.hasKey && live.schema.keySize > 0 && live.schema.type !== 'array') {
      throw new UsageError('give the key with --key or in -f FILE');
    }
    const key = input.hasKey ? input.key : live.schema.keySize > 0 ? 0 : undefined;
    live.update(key, input.value, { flags: a.flags ?? 'any' });
    return { map: live.schema.name, updated: 1 };
  });
}

export const updateCommand: CommandModule<object, Args> = {
  command: 'update [object] [map]',
  describe: 'write one entry (typed key and value); the value is checked completely before anything reaches the kernel',
  builder: (y) =>
    withTarget(y)
      .option('key', { type: 'string', describe: 'the key as YAML flow or JSON' })
      .option('value', { type: 'string', describe: 'the value as YAML flow or JSON; per-CPU maps: one value for every CPU, or a list with one per CPU; map-in-map: a pin path or id:N' })
      .option('file', { alias: 'f', type: 'string', describe: 'YAML/JSON document {key: ..., value: ...}; - for stdin' })
      .option('flags', { choices: ['any', 'noexist', 'exist'] as const, default: 'any' as const, describe: 'any: create or replace; noexist: create only; exist: replace only' })
      .example("$0 update fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}' --value '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}}}'", 'deny ICMP echo from 10.10.10.0/24 on ifindex 6')
      .example('$0 update fixtures/firewall.bpfel.o ingress_node_firewall_table_map -f rule.yaml --flags noexist', 'from a file (see bpfmap template), only if new') as never,
  handler: async (a) => {
    const r = await runUpdate(a);
    if (a.json) print(r, true);
  },
};
