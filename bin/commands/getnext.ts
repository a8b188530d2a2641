import { parseValueText } from '../../src/index.js';
import { print } from '../output.js';
import { DECODE, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, decodeOptions, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';

interface Args extends TargetArgs {
  key?: string;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  full?: boolean;
}

export async function runGetNext(a: Args): Promise<Record<string, unknown>> {
  const key = a.key === undefined ? undefined : parseValueText(a.key, 'key');
  return withMap(a, (live) => ({ key: key ?? null, next: live.getNext(key, decodeOptions(a)) }));
}

export const getnextCommand = defineCommand({
  command: 'getnext',
  describe: 'the key after --key (the first key without it); next is null at the end',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...DECODE,
    key: { type: 'string', describe: 'the current key as YAML flow or JSON' },
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 getnext fixtures/firewall.bpfel.o ingress_node_firewall_table_map', 'the first key'],
  ],
  handler: async (a) => print(await runGetNext(a), a.json),
});
