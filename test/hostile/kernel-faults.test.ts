/**
 * Kernel faults through the real CLI: every case asserts the exact one-line message (naming the map or
 * pin and the remedy), the exit code, an empty stdout, no stack trace, and that every map involved is
 * byte-identical afterwards (bpftool is the reader).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bpfmap, BIN, FW, ROOT, TABLE, type Run } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';

const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
const KEY24 = '{ingress_ifindex: 6, ip_data: 10.10.10.0/24}';
const RULES = '{rules: {0: {ruleId: 1, protocol: 1, icmpType: 8, action: 1}}}';

function bpftool(args: string[]): string {
  return execFileSync('bpftool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What is in the map: its entries, or (ring buffers have no dump) its description. */
function snapshot(pin: string): string {
  try { return bpftool(['-j', 'map', 'dump', 'pinned', pin]); } catch { return bpftool(['-j', 'map', 'show', 'pinned', pin]); }
}

/** hash u32 -> u64, 2 entries, key 1 = 0x11.. and key 2 = 0x22.. (full). */
function fullHash(dir: string): string {
  const p = join(dir, 'h');
  bpftool(['map', 'create', p, 'type', 'hash', 'key', '4', 'value', '8', 'entries', '2', 'name', 'h']);
  bpftool(['map', 'update', 'pinned', p, 'key', '1', '0', '0', '0', 'value', ...Array(8).fill('0x11')]);
  bpftool(['map', 'update', 'pinned', p, 'key', '2', '0', '0', '0', 'value', ...Array(8).fill('0x22')]);
  return p;
}

/** The firewall's maps under dir, with one rule in the table; returns the table's pin. */
function firewall(dir: string): string {
  const c = bpfmap(['create', FW, TABLE, '--pin-root', dir]);
  assert.is(c.code, 0, c.stderr);
  const u = bpfmap(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]);
  assert.is(u.code, 0, u.stderr);
  return join(dir, TABLE);
}

function create(dir: string, name: string, spec: string[]): string {
  const p = join(dir, name);
  bpftool(['map', 'create', p, ...spec]);
  return p;
}

function node(args: string[]): string[] {
  return [process.execPath, BIN, ...args];
}

function run(argv: string[]): Run {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: ROOT, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface Case {
  name: string;
  /** Makes the maps; returns the command line (argv, without a shell) and the pins to compare. */
  setup(dir: string): { argv: string[]; watch: string[] };
  code: number;
  /** The whole stderr, one line; `DIR` stands for the test's pin directory. */
  stderr: string;
}

const cases: Case[] = [
  {
    name: 'permission denied with every capability dropped (nobody)',
    setup: (dir) => {
      const p = fullHash(dir);
      chmodSync(dir, 0o755); // traversable; the pin keeps bpffs's 0600 for root
      return { argv: [...NOBODY, ...node(['update', '--pin', p, '--key', '"01000000"', '--value', '"0000000000000000"'])], watch: [p] };
    },
    code: 4,
    stderr: "bpfmap: 'DIR/h': permission denied (EACCES): run as root or grant CAP_BPF (and CAP_SYS_ADMIN for pinned objects)",
  },
  {
    name: 'pin missing',
    setup: (dir) => ({ argv: node(['lookup', '--pin', join(dir, 'nope'), '--key', '"01000000"']), watch: [fullHash(dir)] }),
    code: 3,
    stderr: "bpfmap: 'DIR/nope': no such entry (ENOENT): no pinned object at DIR/nope; is bpffs mounted and the program loaded?",
  },
  {
    name: 'bpffs not mounted (private mount namespace, tmpfs at /sys/fs/bpf)',
    setup: (dir) => {
      const t = firewall(dir);
      const cmd = ['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', '{}'];
      return { argv: ['unshare', '-m', 'sh', '-c', 'mount -t tmpfs none /sys/fs/bpf && exec "$@"', 'sh', ...node(cmd)], watch: [t] };
    },
    code: 3,
    stderr: `bpfmap: 'DIR/${TABLE}': no pinned object: /sys/fs/bpf is not on a bpf filesystem; is bpffs mounted? (mount -t bpf bpf /sys/fs/bpf)`,
  },
  {
    name: 'map full on update (E2BIG)',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['update', '--pin', p, '--key', '"03000000"', '--value', '"0303030303030303"']), watch: [p] };
    },
    code: 6,
    stderr: "bpfmap: map 'DIR/h': map is full (E2BIG): delete entries or create the map with a larger max_entries",
  },
  {
    name: 'key exists with --flags noexist',
    setup: (dir) => {
      const t = firewall(dir);
      return { argv: node(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', '{rules: [{ruleId: 5}]}', '--flags', 'noexist']), watch: [t] };
    },
    code: 6,
    stderr: `bpfmap: map 'DIR/${TABLE}': entry exists (EEXIST): the key is already in the map and flags noexist only creates; use flags any to replace it`,
  },
  {
    name: 'key missing with --flags exist',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['update', '--pin', p, '--key', '"07000000"', '--value', '"0707070707070707"', '--flags', 'exist']), watch: [p] };
    },
    code: 3,
    stderr: "bpfmap: map 'DIR/h': no such entry (ENOENT): the key is not in the map and flags exist only replaces; use flags any to create it",
  },
  {
    name: 'delete of a missing key',
    setup: (dir) => {
      const t = firewall(dir);
      return { argv: node(['delete', FW, TABLE, '--pin-root', dir, '--key', '{ingress_ifindex: 7, ip_data: 10.10.10.0/24}']), watch: [t] };
    },
    code: 3,
    stderr: `bpfmap: map 'DIR/${TABLE}': no such entry (ENOENT): the key is not in the map`,
  },
  {
    name: 'lookup of a missing key',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['lookup', '--pin', p, '--key', '"09000000"']), watch: [p] };
    },
    code: 3,
    stderr: "bpfmap: map 'DIR/h': no such entry (ENOENT): the key is not in the map",
  },
  {
    name: 'pop of an empty queue',
    setup: (dir) => {
      const q = create(dir, 'q', ['type', 'queue', 'key', '0', 'value', '4', 'entries', '2', 'name', 'q']);
      return { argv: node(['pop', '--pin', q]), watch: [q] };
    },
    code: 3,
    stderr: "bpfmap: map 'DIR/q': no such entry (ENOENT): the queue or stack is empty",
  },
  {
    name: 'peek of an empty stack',
    setup: (dir) => {
      const q = create(dir, 'st', ['type', 'stack', 'key', '0', 'value', '4', 'entries', '2', 'name', 'st']);
      return { argv: node(['peek', '--pin', q]), watch: [q] };
    },
    code: 3,
    stderr: "bpfmap: map 'DIR/st': no such entry (ENOENT): the queue or stack is empty",
  },
  {
    name: 'array index past max_entries: a value error before the kernel',
    setup: (dir) => {
      const a = create(dir, 'a', ['type', 'array', 'key', '4', 'value', '8', 'entries', '4', 'name', 'a']);
      return { argv: node(['update', '--pin', a, '--key', '4', '--value', '"0101010101010101"']), watch: [a] };
    },
    code: 5,
    stderr: "bpfmap: key: expected an index 0..3 (the map's max_entries is 4), got 4",
  },
  {
    name: 'array index past max_entries in a lookup',
    setup: (dir) => {
      const a = create(dir, 'a', ['type', 'percpu_array', 'key', '4', 'value', '8', 'entries', '2', 'name', 'a']);
      return { argv: node(['lookup', '--pin', a, '--key', '2']), watch: [a] };
    },
    code: 5,
    stderr: "bpfmap: key: expected an index 0..1 (the map's max_entries is 2), got 2",
  },
  {
    name: 'write to a frozen map: frozen, kernel-refused exit code',
    setup: (dir) => {
      const p = fullHash(dir);
      bpftool(['map', 'freeze', 'pinned', p]);
      return { argv: node(['update', '--pin', p, '--key', '"01000000"', '--value', '"0707070707070707"']), watch: [p] };
    },
    code: 6,
    stderr: "bpfmap: map 'DIR/h': is frozen (EPERM): user space can only read it (it was frozen with MAP_FREEZE, as loaders freeze .rodata)",
  },
  {
    name: 'delete from a frozen map',
    setup: (dir) => {
      const p = fullHash(dir);
      bpftool(['map', 'freeze', 'pinned', p]);
      return { argv: node(['delete', '--pin', p, '--key', '"01000000"']), watch: [p] };
    },
    code: 6,
    stderr: "bpfmap: map 'DIR/h': is frozen (EPERM): user space can only read it (it was frozen with MAP_FREEZE, as loaders freeze .rodata)",
  },
  ...(['regular file', 'FIFO', 'directory'] as const).map((kind): Case => ({
    name: `--pin at a ${kind}: not a BPF object`,
    setup: () => {
      const t = mkdtempSync(join(tmpdir(), 'bpfmap-notbpf-'));
      temps.push(t);
      const p = join(t, 'x');
      if (kind === 'regular file') writeFileSync(p, 'x');
      else if (kind === 'FIFO') execFileSync('mkfifo', [p]);
      else mkdirSync(p);
      return { argv: node(['dump', '--pin', p]), watch: [] };
    },
    code: 3,
    stderr: `bpfmap: 'TMP/x': not a BPF object (${kind === 'regular file' ? 'a regular file, not on a bpf filesystem' : kind === 'FIFO' ? 'a FIFO' : 'a directory'}); expected the path of a pinned map in bpffs`,
  })),
  {
    name: '--pin at a directory in bpffs: not a BPF object',
    setup: (dir) => {
      mkdirSync(join(dir, 'sub'));
      return { argv: node(['dump', '--pin', join(dir, 'sub')]), watch: [] };
    },
    code: 3,
    stderr: "bpfmap: 'DIR/sub': not a BPF object (a directory); expected the path of a pinned map in bpffs",
  },
  {
    name: 'map of another type at the pin: every difference listed',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['update', FW, TABLE, '--pin', p, '--key', KEY24, '--value', RULES]), watch: [p] };
    },
    code: 5,
    stderr: `bpfmap: map 'DIR/h': does not match '${TABLE}' of the object: type: expected lpm_trie, got hash; key size: expected 24, got 4; value size: expected 1200, got 8; max entries: expected 1024, got 2; flags: expected 0x1, got 0x0 (use --force to go ahead anyway)`,
  },
  {
    name: 'map with another value size at the pin',
    setup: (dir) => {
      const p = create(dir, TABLE, ['type', 'lpm_trie', 'key', '24', 'value', '8', 'entries', '1024', 'name', 'ingress_node_fi', 'flags', '1']);
      bpftool(['map', 'update', 'pinned', p, 'key', '56', ...Array(23).fill('0'), 'value', ...Array(8).fill('0x44')]);
      return { argv: node(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', RULES]), watch: [p] };
    },
    code: 5,
    stderr: `bpfmap: map 'DIR/${TABLE}': does not match '${TABLE}' of the object: value size: expected 1200, got 8 (use --force to go ahead anyway)`,
  },
  {
    name: 'ring buffer lookup: not supported',
    setup: (dir) => {
      const rb = create(dir, 'rb', ['type', 'ringbuf', 'key', '0', 'value', '0', 'entries', '4096', 'name', 'rb']);
      return { argv: node(['lookup', '--pin', rb, '--key', '"00000000"']), watch: [rb] };
    },
    code: 6,
    stderr: "bpfmap: map 'DIR/rb': lookup: a ringbuf map has no element operations (its data is read by a consumer, not looked up)",
  },
  {
    name: 'perf event array lookup: not supported',
    setup: (dir) => {
      const pe = create(dir, 'pe', ['type', 'perf_event_array', 'key', '4', 'value', '4', 'entries', '2', 'name', 'pe']);
      return { argv: node(['lookup', '--pin', pe, '--key', '"00000000"']), watch: [pe] };
    },
    code: 6,
    stderr: "bpfmap: map 'DIR/pe': lookup: a perf_event_array map has no element operations (its data is read by a consumer, not looked up)",
  },
  {
    name: 'wrong key size in raw hex for a map without BTF',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['update', '--pin', p, '--key', '"0100"', '--value', '"0000000000000000"']), watch: [p] };
    },
    code: 5,
    stderr: "bpfmap: key: expected a hex string of 4 bytes, got 2 bytes ('0100')",
  },
  {
    name: 'a number that is not the key size in hex digits (01000000 is the bytes: test/untyped-maps.test.ts)',
    setup: (dir) => {
      const p = fullHash(dir);
      return { argv: node(['delete', '--pin', p, '--key', '1000000']), watch: [p] };
    },
    code: 5,
    stderr: `bpfmap: key: expected a hex string of 4 bytes, got 1000000; write all 8 hex digits (00000000)`,
  },
  {
    name: '--id of a map that does not exist',
    setup: (dir) => ({ argv: node(['lookup', '--id', '2147483647', '--key', '"00000000"']), watch: [fullHash(dir)] }),
    code: 3,
    stderr: 'bpfmap: map id 2147483647: no such entry (ENOENT): no loaded object with this id',
  },
  {
    name: 'update with an invalid value never reaches the kernel',
    setup: (dir) => {
      const t = firewall(dir);
      return { argv: node(['update', FW, TABLE, '--pin-root', dir, '--key', KEY24, '--value', '{rules: {3: {ruleId: 4, dstPortEnd: 70000}}}']), watch: [t] };
    },
    code: 5,
    stderr: 'bpfmap: value.rules[3].dstPortEnd: expected u16 0..65535, got 70000',
  },
  {
    name: 'apply of a state too large for the map: rolled back',
    setup: (dir) => {
      const p = create(dir, 'small', ['type', 'lpm_trie', 'key', '24', 'value', '1200', 'entries', '3', 'name', 'ingress_node_fi', 'flags', '1']);
      const w = bpfmap(['update', FW, TABLE, '--pin', p, '--force', '--key', '{ingress_ifindex: 1, ip_data: 10.0.0.0/8}', '--value', '{rules: [{ruleId: 77}]}']);
      assert.is(w.code, 0, w.stderr);
      const lines = [1, 2, 3, 4, 5].map((i) => `      - {key: {ingress_ifindex: ${i}, ip_data: 10.0.0.0/8}, value: {rules: [{ruleId: ${i}}]}}`);
      const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-faults-'));
      temps.push(tmp);
      const file = join(tmp, 'state.yaml');
      writeFileSync(file, ['maps:', `  ${TABLE}:`, '    entries:', ...lines, ''].join('\n'));
      return { argv: node(['apply', FW, '--pin', p, '--force', '-f', file]), watch: [p] };
    },
    code: 6,
    stderr: `bpfmap: apply: map '${TABLE}': adding entry 3 of 4 (maps.${TABLE}.entries[3]): map 'DIR/small': no space left (ENOSPC): delete entries or create the map with a larger max_entries; rolled back: the 3 entries written before the failure were restored, the maps are as before`,
  },
];

const temps: string[] = [];

const Faults = suite('kernel faults through the CLI');
for (const c of cases) {
  Faults(`${c.name}: exit ${c.code}`, kernel(() => withPinDir((dir) => {
    try {
      const { argv, watch } = c.setup(dir);
      const before = watch.map(snapshot);
      const r = run(argv);
      assert.is(r.stderr, `${c.stderr.replaceAll('DIR', dir).replaceAll('TMP', temps[0] ?? 'TMP')}\n`);
      assert.is(r.code, c.code);
      assert.is(r.stdout, '');
      assert.not.match(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(watch.map(snapshot), before, 'maps byte-identical afterwards');
    } finally {
      for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
    }
  })));
}
Faults.run();

/** A script that opens `pin`, re-points the pin at another map, then writes key 5 through its handle. */
function repinScript(src: string, pin: string, other: string): string {
  return [
    `import { execFileSync } from 'node:child_process';`,
    `import { unlinkSync } from 'node:fs';`,
    `import { openMap } from ${JSON.stringify(pathToFileURL(join(src, 'map/index.ts')).href)};`,
    `const m = openMap({ pin: ${JSON.stringify(pin)} });`,
    'try {',
    // Keep the opened map pinned at pin_old (bpffs names take no dot), then pin the other map at pin.
    `  execFileSync('bpftool', ['map', 'pin', 'pinned', ${JSON.stringify(pin)}, ${JSON.stringify(`${pin}_old`)}]);`,
    `  unlinkSync(${JSON.stringify(pin)});`,
    `  execFileSync('bpftool', ['map', 'pin', 'pinned', ${JSON.stringify(other)}, ${JSON.stringify(pin)}]);`,
    '  m.updateRaw(new Uint8Array([5, 0, 0, 0]), new Uint8Array(8).fill(0x55));',
    "  console.log('ok');",
    '} finally { m.close(); }',
  ].join('\n');
}

const Repin = suite('map replaced between open and write');
Repin('the write goes to the map that was opened and checked, never to the one now at the pin', kernel(() => withPinDir((dir) => {
  const a = create(dir, 'm', ['type', 'hash', 'key', '4', 'value', '8', 'entries', '8', 'name', 'first']);
  const b = create(dir, 'other', ['type', 'hash', 'key', '4', 'value', '8', 'entries', '8', 'name', 'second']);
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-repin-'));
  try {
    const script = join(tmp, 'repin.ts');
    writeFileSync(script, repinScript(join(ROOT, 'src'), a, b));
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' });
    assert.is(r.stderr, '');
    assert.is(r.stdout, 'ok\n');
    const show = (p: string) => (JSON.parse(bpftool(['-j', 'map', 'show', 'pinned', p])) as { name: string }).name;
    assert.is(show(a), 'second', 'the pin now names the other map');
    assert.is(show(`${a}_old`), 'first');
    assert.equal(JSON.parse(snapshot(a)), [], 'the map now at the pin is untouched');
    const first = JSON.parse(snapshot(`${a}_old`)) as { key: string[]; value: string[] }[];
    assert.equal(first.map((e) => [e.key.join(' '), e.value.join(' ')]), [['0x05 0x00 0x00 0x00', Array(8).fill('0x55').join(' ')]]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Repin.run();
