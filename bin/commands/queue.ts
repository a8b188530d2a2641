/** push, pop and peek: queues, stacks and bloom filters (maps without keys). */
import { parseValueText, loadSource, pushEvents, typeNode, BpfmapError, ERROR_CODE } from '../../src/index.js';
import { print } from '../output.js';
import { DECODE, TARGET, TARGET_CONFLICTS, TARGET_POSITIONALS, decodeOptions, UsageError, type TargetArgs } from '../options.js';
import { defineCommand } from '../spec.js';
import { withMap } from '../target.js';

interface Args extends TargetArgs {
  value?: string;
  type?: string;
  'pretty-addresses'?: boolean;
  numeric?: boolean;
  full?: boolean;
}

export async function runPush(a: Args): Promise<Record<string, unknown>> {
  if (a.value === undefined) throw new UsageError('give the value with --value');
  const value = parseValueText(a.value, 'value');
  return withMap(a, (live) => {
    if (live.info.typeName === 'user_ringbuf') return pushUserRingbuf(a, live, value);
    live.push(value);
    return { map: live.schema.name, pushed: 1 };
  });
}

/** A user ring buffer: the value (or a list of them, when the type is not an array) as records of --type. */
function pushUserRingbuf(a: Args, live: Parameters<Parameters<typeof withMap>[1]>[0], value: unknown): Record<string, unknown> {
  const src = a.object === undefined ? undefined : loadSource(a.object);
  let type = live.schema.value;
  if (a.type !== undefined) {
    if (!src?.btf) throw new UsageError(`--type ${a.type}: needs a BPF object (or raw BTF) as the first argument`);
    const t = src.btf.findByName(a.type);
    if (!t) throw new BpfmapError(ERROR_CODE.NOT_FOUND, `--type ${a.type}: no type of that name in ${src.path}`);
    type = typeNode(src.btf, t.id);
  }
  if (!type) throw new UsageError('a user ring buffer declares no value type: give --type NAME (a struct of the object)');
  const values = Array.isArray(value) && type.kind !== 'array' ? value : [value];
  return { map: live.schema.name, pushed: pushEvents(live, values, { type, byteOrder: src?.schema.byteOrder }) };
}

export async function runPop(a: Args): Promise<Record<string, unknown>> {
  return withMap(a, (live) => ({ value: live.pop(decodeOptions(a)) }));
}

export async function runPeek(a: Args): Promise<Record<string, unknown>> {
  const value = a.value === undefined ? undefined : parseValueText(a.value, 'value');
  return withMap(a, (live) => {
    if (live.schema.type === 'bloom_filter') {
      if (value === undefined) throw new UsageError('a bloom filter answers membership: give --value');
      return { value, present: live.peek(value) };
    }
    return { value: live.peek(undefined, decodeOptions(a)) };
  });
}

const VALUE = { value: { type: 'string', describe: 'the value as YAML flow or JSON' } } as const;

export const pushCommand = defineCommand({
  command: 'push',
  describe: 'queue/stack: add a value; bloom filter: add a member; user ring buffer: write records',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET,
    ...VALUE,
    type: { type: 'string', describe: 'user ring buffer: the struct of the object each record is (a list as --value pushes several, all or nothing)' },
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ["$0 push fixtures/events.bpfel.o user_rb --pin-root /sys/fs/bpf/demo --type event --value '[{seq: 1, kind: EVENT_PERF}, {seq: 2}]'", 'two records to a user ring buffer'],
    ["$0 push fixtures/coverage.bpfel.o queue --pin-root /sys/fs/bpf/demo --value '{family: 2, proto: 6, v4: 198.18.0.1, sport: 80}'", 'enqueue a flow key'],
  ],
  handler: async (a) => {
    const r = await runPush(a);
    if (a.json) print(r, true);
  },
});

export const popCommand = defineCommand({
  command: 'pop',
  describe: 'queue/stack: remove and print the next value (exit 3 when empty)',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...DECODE,
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 pop fixtures/coverage.bpfel.o stack --pin-root /sys/fs/bpf/demo', 'take the top of the stack'],
  ],
  handler: async (a) => print(await runPop(a), a.json),
});

export const peekCommand = defineCommand({
  command: 'peek',
  describe: 'queue/stack: print the next value without removing it; bloom filter: is --value (maybe) a member',
  positionals: TARGET_POSITIONALS,
  options: {
    ...TARGET, ...DECODE,
    ...VALUE,
  },
  conflicts: TARGET_CONFLICTS,
  examples: [
    ['$0 peek fixtures/coverage.bpfel.o bloom --pin-root /sys/fs/bpf/demo --value 42', 'membership test'],
  ],
  handler: async (a) => print(await runPeek(a), a.json),
});
