/** events: stream typed records from a ring buffer or a perf event array. */
import { loadSource, readEvents, typeNode, BpfmapError, ERROR_CODE, type EventItem, type TypeNode, type Source } from '../../src/index.js';
import { DECODE, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, UsageError, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';
import { stdoutSink, writeAllSync } from '../sink.js';
import { yamlListItem } from '../fast-yaml.js';
import { notice } from '../report.js';

interface Args extends TargetArgs {
  type?: string;
  'tail-type'?: string;
  count?: number;
  timeout?: number;
  filter?: string[];
  'perf-pages'?: number;
  'pretty-addresses'?: boolean;
  full?: boolean;
}

/** A named struct/union (or any sized type) of the object's BTF, for --type and --tail-type. */
function namedType(src: Source | undefined, name: string, flag: string): TypeNode {
  if (!src?.btf) throw new UsageError(`${flag} ${name}: needs a BPF object (or raw BTF) as the first argument`);
  const t = src.btf.findByName(name);
  if (!t) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `${flag} ${name}: no type of that name in ${src.path}`);
  return typeNode(src.btf, t.id);
}

/** What is printed for an item: the item without its `kind` (a lost report is the line with `lost`). */
function shown(x: EventItem): Record<string, unknown> {
  const { kind: _kind, ...rest } = x;
  return rest;
}

export interface EventsSummary {
  records: number;
  lost: number;
}

export async function runEvents(a: Args): Promise<EventsSummary> {
  // A malformed option is a usage error naming it, before any map is opened.
  for (const f of a.filter ?? []) if (f.indexOf('=') <= 0) throw new UsageError(`--filter ${f}: expected field=value (e.g. hdr.ruleId=7)`);
  const src = a.object === undefined ? undefined : loadSource(a.object);
  const type = a.type === undefined ? undefined : namedType(src, a.type, '--type');
  const tailType = a['tail-type'] === undefined ? undefined : namedType(src, a['tail-type'], '--tail-type');
  return withMap(a, async (live) => {
    const sink = stdoutSink();
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      const stream = readEvents(live, {
        type, tailType,
        byteOrder: src?.schema.byteOrder,
        count: a.count,
        timeoutMs: a.timeout === undefined ? undefined : a.timeout * 1000,
        filter: a.filter,
        // Readable output shows addresses as addresses; JSON keeps numbers unless asked.
        decode: { prettyAddresses: a.json ? a['pretty-addresses'] === true : true, compact: a.full !== true },
        perfPages: a['perf-pages'],
        signal: ac.signal,
        onWait: () => sink.end(),
      });
      if (a.json) {
        // Whole chunks of NDJSON lines, written as they come (the fast path when the types allow).
        for await (const chunk of stream.ndjson()) writeAllSync(chunk);
      } else {
        for await (const batch of stream.batches()) {
          for (const x of batch) sink.write(yamlListItem(shown(x)));
        }
      }
      sink.end();
      return { records: stream.records, lost: stream.lost };
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

export const eventsCommand = defineCommand({
  command: 'events',
  describe: 'stream typed records from a ringbuf or perf_event_array map (Ctrl-C stops)',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...DECODE,
    type: { type: 'string', describe: 'decode each record as this struct of the object (default: the map\'s value type)' },
    'tail-type': { type: 'string', describe: 'decode the bytes past --type as this struct (default: hex)' },
    count: { type: 'number', integer: true, min: 1, expect: 'a whole number >= 1', describe: 'stop after N records' },
    timeout: { type: 'number', min: 0, expect: 'seconds >= 0', describe: 'stop after S seconds' },
    filter: { type: 'string', array: true, describe: "print only records whose field equals the value: 'field.path=value' (repeatable, all must hold)" },
    'perf-pages': { type: 'number', integer: true, min: 1, describe: 'perf event arrays: data pages per CPU ring (a power of two, default 8)' },
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 events fixtures/events.bpfel.o rb_events --pin /sys/fs/bpf/demo/rb_events --type event --count 10', 'ten records of a ring buffer, decoded as struct event'],
    ['$0 events fixtures/events.bpfel.o perf_events --pin /sys/fs/bpf/demo/perf_events --type event --tail-type pkt_head --json --timeout 5', 'NDJSON from a perf event array for 5 s'],
  ],
  handler: async (a) => {
    const r = await runEvents(a);
    notice(`events: ${r.records} record${r.records === 1 ? '' : 's'}, ${r.lost} lost`, { records: r.records, lost: r.lost });
  },
});
