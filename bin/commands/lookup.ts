import type { CommandModule } from 'yargs';
import { parseValueText, possibleCpus } from '../../src/index.js';
import { print } from '../output.js';
import { withTarget, withIfindexFields, withDecodeOptions, decodeOptions, perCpuOptions, UsageError, type TargetArgs } from '../options.js';
import { withMap } from '../target.js';

interface Args extends TargetArgs {
  key?: string;
  exact?: boolean;
  sum?: boolean;
  cpu?: string | number;
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

export const lookupCommand: CommandModule<object, Args> = {
  command: 'lookup [object] [map]',
  describe: 'read one entry by key (LPM tries: longest-prefix match, or --exact)',
  builder: (y) =>
    withDecodeOptions(withIfindexFields(withTarget(y)))
      .option('key', { type: 'string', describe: 'the key as YAML flow or JSON; a number for integer keys' })
      .option('exact', { type: 'boolean', describe: 'LPM trie: only an exact match, not a covering shorter prefix' })
      .option('sum', { type: 'boolean', describe: 'per-CPU maps: add the CPUs\' values field by field' })
      .option('cpu', { type: 'string', describe: 'per-CPU maps: only this CPU\'s value' })
      .example("$0 lookup fixtures/firewall.bpfel.o ingress_node_firewall_table_map --key '{ingress_ifindex: 6, ip_data: 10.10.10.7}'", 'which rules apply to 10.10.10.7 on ifindex 6')
      .example('$0 lookup fixtures/firewall.bpfel.o ingress_node_firewall_statistics_map --key 1 --sum --json', 'counters of rule 1 over all CPUs')
      .example('$0 lookup --pin /sys/fs/bpf/my_map --key 7', "a pinned map, typed by the map's own BTF") as never,
  handler: async (a) => print(await runLookup(a), a.json),
};
