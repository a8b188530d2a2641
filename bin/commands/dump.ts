import { possibleCpus } from '../../src/index.js';
import { ndjsonLine, ndjsonTrailer } from '../../src/text/json.js';
import { streamList } from '../stream-output.js';
import { DECODE, IFINDEX, PER_CPU, PER_CPU_CONFLICTS, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, decodeOptions, perCpuOptions, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';
import { stdoutSink } from '../sink.js';

interface Args extends TargetArgs {
  ndjson?: boolean;
  sum?: boolean;
  cpu?: number;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  full?: boolean;
}

/**
 * Streams every entry to stdout in the chosen format and returns how many: memory holds one batch of
 * the map, and output starts with the first batch. NDJSON ends with a trailer line counting the
 * entries, so that `apply` can tell a whole dump from one cut off.
 */
export async function runDump(a: Args): Promise<number> {
  return withMap(a, (live) => {
    const opts = { ...decodeOptions(a), ...perCpuOptions(a, live, possibleCpus) };
    if (a.ndjson) {
      const sink = stdoutSink();
      const name = live.schema.name;
      let n = 0;
      for (const e of live.entries(opts)) { sink.write(ndjsonLine(name, e.key, e.value)); n++; }
      sink.write(ndjsonTrailer({ [name]: n }));
      sink.end();
      return n;
    }
    return streamList(entryObjects(live.entries(opts)), a.json ? 'json' : 'yaml');
  });
}

function* entryObjects(entries: Iterable<{ key: unknown; value: unknown }>): Generator<unknown> {
  for (const e of entries) yield { key: e.key, value: e.value };
}

export const dumpCommand = defineCommand({
  command: 'dump',
  describe: 'print every entry (streamed in batches); --ndjson output is valid `apply` input',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...IFINDEX, ...DECODE,
    ndjson: { type: 'boolean', describe: 'one {"map","key","value"} JSON object per line, streamed, then a trailer line {"trailer":true,"entries":N,"maps":{...}} that apply checks' },
    ...PER_CPU,
  },
  conflicts: [...TARGET_CONFLICTS, ...PER_CPU_CONFLICTS],
  examples: [
    ['$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_statistics_map --sum', 'per-rule counters summed over CPUs'],
    ['$0 dump fixtures/firewall.bpfel.o ingress_node_firewall_table_map --ndjson > rules.ndjson', 'save the rules; `bpfmap apply fixtures/firewall.bpfel.o -f rules.ndjson` restores them'],
    ['$0 dump --pin /sys/fs/bpf/my_map --json', "any pinned map, typed by its own BTF"],
  ],
  handler: async (a) => {
    await runDump(a);
  },
});
