import { parseValueText, possibleCpus } from '../../src/index.js';
import { print } from '../output.js';
import { TARGET, TARGET_POSITIONALS, TARGET_CONFLICTS, IFINDEX, DECODE, PER_CPU, PER_CPU_CONFLICTS, decodeOptions, perCpuOptions, UsageError, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';

interface Args extends TargetArgs {
  key?: string;
  exact?: boolean;
  sum?: boolean;
  cpu?: number;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  full?: boolean;
}

export async function runLookup(a: Args): Promise<Record<string, unknown>> {
  return withMap(a, (live) => {
    if (a.key === undefined && live.info.keySize > 0) throw new UsageError('give the key with --key');
    const key = a.key === undefined ? undefined : parseValueText(a.key, 'key');
    const opts = { ...decodeOptions(a), ...perCpuOptions(a, live, possibleCpus), exact: a.exact };
    const k = live.encodeQueryKey(key);
    const asked = k === null ? null : live.decodeKey(k, opts);
    if (live.schema.type === 'lpm_trie') {
      // The kernel matches the longest covering prefix: say which stored prefix answered.
      const r = live.lookupLpm(key, opts);
      return { key: asked, match: r.exact ? 'exact' : 'prefix', matchedKey: r.key, value: r.value };
    }
    return { key: asked, value: live.lookup(key, opts) };
  });
}

export const lookupCommand = defineCommand({
  command: 'lookup',
  describe: 'read one entry by key (LPM tries: longest-prefix match, or --exact)',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...IFINDEX, ...DECODE,
    key: { type: 'string', describe: 'the key as YAML flow or JSON; a number for integer keys' },
    exact: { type: 'boolean', describe: 'LPM trie: only an exact match, not a covering shorter prefix' },
    ...PER_CPU,
  },
  conflicts: [...TARGET_CONFLICTS, ...PER_CPU_CONFLICTS],
  examples: [
    ["$0 lookup fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.7}'", 'which rules apply to 10.10.10.7 on ifindex 6'],
    ['$0 lookup fixtures/firewall.bpfel.o ingress_node_firewall_statistics_map --key 1 --sum --json', 'counters of rule 1 over all CPUs'],
    ['$0 lookup --pin /sys/fs/bpf/my_map --key 7', "a pinned map, typed by the map's own BTF"],
  ],
  handler: async (a) => print(await runLookup(a), a.json),
});
