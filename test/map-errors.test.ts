/**
 * Error paths on the real kernel: each gives its code and a one-line message, and leaves the map as
 * it was (bpftool dump before and after). Two run in a child process: one in a private mount
 * namespace where /sys/fs/bpf is an empty tmpfs, one with every capability dropped as nobody.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BPF_F, BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { type MapSchema, type TypeNode, openMap } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const s: MapSchema = { name: 'errs', kernelName: 'errs', type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 4,
  maxEntries: 2, flags: ['no_prealloc'], mapFlags: BPF_F.NO_PREALLOC, pinning: 'none', pinPath: null, perCpu: false,
  key: u32, value: u32, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 };
const repo = new URL('..', import.meta.url).pathname;
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const dump = (p: string) => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' });

function pinned(dir: string): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: 4, valueSize: 4, maxEntries: 2, mapFlags: s.mapFlags, name: 'errs' });
  const p = join(dir, 'errs');
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}

/** Runs a small script that opens `pin`, updates key 1, and prints `code: message` (or ok). */
function child(pin: string, wrap: (node: string[]) => [string, string[]]): { out: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-test-'));
  try {
    chmodSync(dir, 0o755);
    const script = join(dir, 'open.ts');
    writeFileSync(script, [
      `import { openMap } from ${JSON.stringify(pathToFileURL(join(repo, 'src/map/index.ts')).href)};`,
      'try {',
      `  const m = openMap({ pin: ${JSON.stringify(pin)} });`,
      '  m.updateRaw(new Uint8Array([1, 0, 0, 0]), new Uint8Array([9, 9, 9, 9]));',
      "  console.log('ok');",
      '} catch (e) { console.log(`${e.code}: ${e.message}`); }',
    ].join('\n'));
    chmodSync(script, 0o644);
    const [cmd, argv] = wrap([process.execPath, '--import', 'tsx', script]);
    const r = spawnSync(cmd, argv, { cwd: repo, encoding: 'utf8', env: { ...process.env, TSX_TSCONFIG_PATH: join(repo, 'tsconfig.json') } });
    return { out: (r.stdout + r.stderr).trim(), status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const Errors = suite('error paths (kernel)');
Errors('missing pin: NOT_FOUND with the bpffs advice', kernel(() => withPinDir((dir) => {
  assert.match(err(() => openMap({ pin: join(dir, 'nope') })),
    /^NOT_FOUND: '.*\/nope': no such entry \(ENOENT\): no pinned object at .*\/nope; is bpffs mounted and the program loaded\?$/);
})));
Errors('bpffs not mounted (private namespace, tmpfs at /sys/fs/bpf): NOT_FOUND saying so', kernel(() => {
  const shell = (node: string[]): [string, string[]] =>
    ['unshare', ['-m', 'sh', '-c', `mount -t tmpfs none /sys/fs/bpf && exec "$@"`, 'sh', ...node]];
  const r = child('/sys/fs/bpf/ingress_node_firewall_table_map', shell);
  assert.match(r.out, /^NOT_FOUND: '\/sys\/fs\/bpf\/ingress_node_firewall_table_map': no pinned object: \/sys\/fs\/bpf is not on a bpf filesystem; is bpffs mounted\? \(mount -t bpf bpf \/sys\/fs\/bpf\)$/);
}));
Errors('key not found: lookup and delete are KEY_NOT_FOUND; the map is unchanged', kernel(() => withPinDir((dir) => {
  const p = pinned(dir);
  const m = openMap({ map: s, pin: p });
  try {
    m.update(1, 10);
    const before = dump(p);
    assert.match(err(() => m.lookup(2)), /^KEY_NOT_FOUND: map '.*errs': no such entry \(ENOENT\): the key is not in the map$/);
    assert.match(err(() => m.delete(2)), /^KEY_NOT_FOUND: /);
    assert.match(err(() => m.update(2, 5, { flags: 'exist' })), /^KEY_NOT_FOUND: /);
    assert.is(dump(p), before);
  } finally { m.close(); }
})));
Errors('map full: MAP_FULL (E2BIG) with advice; the map is unchanged', kernel(() => withPinDir((dir) => {
  const p = pinned(dir);
  const m = openMap({ map: s, pin: p });
  try {
    m.update(1, 10);
    m.update(2, 20);
    const before = dump(p);
    assert.match(err(() => m.update(3, 30)), /^MAP_FULL: map '.*errs': map is full \(E2BIG\): delete entries or create the map with a larger max_entries$/);
    assert.is(dump(p), before);
    m.update(2, 21); // replacing an existing key still works when full
    assert.is(m.lookup(2), 21);
  } finally { m.close(); }
})));
Errors('noexist on an existing key: KEY_EXISTS; the map is unchanged', kernel(() => withPinDir((dir) => {
  const p = pinned(dir);
  const m = openMap({ map: s, pin: p });
  try {
    m.update(1, 10);
    const before = dump(p);
    assert.match(err(() => m.update(1, 11, { flags: 'noexist' })), /^KEY_EXISTS: map '.*errs': entry exists \(EEXIST\): the key is already in the map and flags noexist only creates; use flags any to replace it$/);
    assert.is(dump(p), before);
  } finally { m.close(); }
})));
Errors('capabilities dropped (nobody, no caps): PERMISSION with advice; the map is unchanged', kernel(() => withPinDir((dir) => {
  const p = pinned(dir);
  chmodSync(dir, 0o755); // the directory is world-readable; the pin keeps bpffs's 0600 for root
  const before = dump(p);
  const drop = (node: string[]): [string, string[]] =>
    ['setpriv', ['--inh-caps=-all', '--bounding-set=-all', '--reuid=65534', '--regid=65534', '--clear-groups', ...node]];
  const r = child(p, drop);
  assert.match(r.out, /^PERMISSION: '.*errs': permission denied \((?:EPERM|EACCES)\): run as root or grant CAP_BPF \(and CAP_SYS_ADMIN for pinned objects\)$/);
  assert.is(dump(p), before);
})));
Errors.run();
