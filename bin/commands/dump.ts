import type { CommandModule } from 'yargs';
import { ndjsonLine } from '../../src/index.js';
import { print } from '../output.js';
import { withTarget, withDecodeOptions, decodeOptions, type TargetArgs } from '../options.js';
import { withMap } from '../target.js';
import { stdoutSink } from '../sink.js';

interface Args extends TargetArgs {
  ndjson?: boolean;
  sum?: boolean;
  cpu?: number;
  'pretty-addresses'?: boolean;
  full?: boolean;
}

export async function runDump(a: Args): Promise<unknown[] | undefined> {
  return withMap(a, (live) => {
    const opts = { ...decodeOptions(a), sum: a.sum, cpu: a.cpu };
    if (a.ndjson) {
      // Streamed: one line per entry, written in blocks; memory does not grow with the map.
      const sink = stdoutSink();
      const name = live.schema.name;
      for (const e of live.entries(opts)) sink.write(ndjsonLine(name, e.key, e.value));
      sink.end();
      return undefined;
    }
    const out: unknown[] = [];
    for (const e of live.entries(opts)) out.push({ key: e.key, value: e.value });
    return out;
  });
}

export const dumpCommand: CommandModule<object, Args> = {
  command: 'dump [object] [map]',
  describe: 'print every entry (streamed in batches); --ndjson output is valid `apply` input',
  builder: (y) =>
    withDecodeOptions(withTarget(y))
      .option('ndjson', { type: 'boolean', describe: 'one {"map","key","value"} JSON object per line, streamed' })
      .option('sum', { type: 'boolean', describe: 'per-CPU maps: add the CPUs\' values field by field' })
      .option('cpu', { type: 'number', describe: 'per-CPU maps: only this CPU\'s values' })
      .example('$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_statistics_map --sum', 'per-rule counters summed over CPUs')
      .example('$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_table_map --ndjson > rules.ndjson', 'save the rules; `bpfmap apply fixtures/firewall.bpfel.o -f rules.ndjson` restores them')
      .example('$0 dump --pin /sys/fs/bpf/my_map --json', "any pinned map, typed by its own BTF") as never,
  handler: async (a) => {
    const r = await runDump(a);
    if (r !== undefined) print(r, a.json);
  },
};
