import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  BPF_MAP_TYPE, ElemHandle, classifyErrno, closeFd, errnoName, mapCreate, mapDeleteBatch, mapDeleteElem,
  mapGetFdById, mapGetNextId, mapGetNextKey, mapLookupAndDeleteElem, mapLookupBatch, mapLookupElem, mapUpdateBatch,
  mapUpdateElem, objGet, objGetInfoByFd, objPin, parseCpuList, perCpuStride, sysBpfNumber, syscallError,
} from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { exitCodeFor } from '../bin/exit-codes.js';

const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);
const codeOf = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return (e as { code: string }).code; }
  return 'no error';
};

const Arch = suite('sysBpfNumber');
for (const [platform, arch, want] of [['linux', 'x64', 321], ['linux', 'arm64', 280], ['linux', 's390x', 351]] as const) {
  Arch(`${platform}/${arch} -> ${want}`, () => assert.is(sysBpfNumber(platform, arch), want));
}
Arch('other OS and unknown arch are NOT_SUPPORTED', () => {
  assert.is(codeOf(() => sysBpfNumber('darwin', 'arm64')), 'NOT_SUPPORTED');
  assert.is(codeOf(() => sysBpfNumber('linux', 'mips')), 'NOT_SUPPORTED');
});
Arch.run();

const Errno = suite('errno mapping');
const table: [string, number, string, RegExp][] = [
  ['MAP_LOOKUP_ELEM', 1, 'PERMISSION', /permission denied \(EPERM\): run as root or grant CAP_BPF/],
  ['MAP_LOOKUP_ELEM', 13, 'PERMISSION', /\(EACCES\)/],
  ['OBJ_GET', 2, 'NOT_FOUND', /no pinned object at \/x; is bpffs mounted and the program loaded\?/],
  ['MAP_LOOKUP_ELEM', 2, 'KEY_NOT_FOUND', /\(ENOENT\)/],
  ['MAP_DELETE_ELEM', 2, 'KEY_NOT_FOUND', /\(ENOENT\)/],
  ['MAP_DELETE_BATCH', 2, 'KEY_NOT_FOUND', /\(ENOENT\): a key is not in the map \(the keys before it were deleted\)/],
  ['MAP_UPDATE_ELEM', 17, 'KEY_EXISTS', /\(EEXIST\)/],
  ['MAP_UPDATE_ELEM', 7, 'MAP_FULL', /\(E2BIG\)/],
  ['MAP_UPDATE_ELEM', 28, 'MAP_FULL', /\(ENOSPC\)/],
  ['MAP_LOOKUP_BATCH', 524, 'NOT_SUPPORTED', /\(ENOTSUPP\)/],
  ['MAP_LOOKUP_BATCH', 95, 'NOT_SUPPORTED', /\(EOPNOTSUPP\)/],
  ['MAP_CREATE', 22, 'SYSCALL', /invalid argument \(EINVAL\)/],
  ['MAP_LOOKUP_ELEM', 2, 'KEY_NOT_FOUND', /\(ENOENT\): the key is not in the map$/],
  ['MAP_LOOKUP_AND_DELETE_ELEM', 2, 'KEY_NOT_FOUND', /\(ENOENT\): the key is not in the map$/],
];
for (const [cmd, errno, code, msg] of table) {
  Errno(`${cmd} errno ${errno} -> ${code}`, () => {
    assert.is(classifyErrno(cmd, errno, '/x').code, code);
    const e = syscallError(cmd, errno, { subject: "map '/x'", path: '/x' });
    assert.is(e.code, code);
    assert.is(e.errno, errno);
    assert.is(e.command, cmd);
    assert.ok(e.message.startsWith("map '/x': "), e.message);
    assert.match(e.message, msg);
  });
}
Errno('keyless lookups (queue/stack peek and pop) say empty; a frozen map is MAP_FROZEN with the kernel-refused exit code', () => {
  for (const cmd of ['MAP_LOOKUP_ELEM', 'MAP_LOOKUP_AND_DELETE_ELEM']) {
    assert.is(syscallError(cmd, 2, { subject: "map '/q'", keyless: true }).message, "map '/q': no such entry (ENOENT): the queue or stack is empty");
  }
  const f = syscallError('MAP_UPDATE_ELEM', 1, { subject: "map '/h'", frozen: true });
  assert.is(f.code, 'MAP_FROZEN');
  assert.is(exitCodeFor(f.code), 6);
  assert.is(f.message, "map '/h': is frozen (EPERM): user space can only read it (it was frozen with MAP_FREEZE, as loaders freeze .rodata)");
  assert.is(syscallError('MAP_UPDATE_ELEM', 1, { subject: "map '/h'" }).code, 'PERMISSION');
});
Errno('524 is named ENOTSUPP', () => assert.is(errnoName(524), 'ENOTSUPP'));
Errno.run();

const Cpus = suite('parseCpuList');
for (const [text, n] of [['0', 1], ['0-1\n', 2], ['0-3,8-11', 8], ['0,2,4', 3]] as const) {
  Cpus(`'${text.trim()}' -> ${n}`, () => assert.is(parseCpuList(text), n));
}
Cpus('garbage is refused', () => { assert.is(codeOf(() => parseCpuList('a-b')), 'SYSCALL'); assert.is(codeOf(() => parseCpuList('')), 'SYSCALL'); });
Cpus('stride rounds up to 8', () => { assert.is(perCpuStride(1), 8); assert.is(perCpuStride(8), 8); assert.is(perCpuStride(12), 16); });
Cpus.run();

function withMap<T>(type: number, keySize: number, valueSize: number, max: number, fn: (fd: number) => T, flags = 0): T {
  const fd = mapCreate({ mapType: type, keySize, valueSize, maxEntries: max, mapFlags: flags, name: 'bpfmap_test' });
  try { return fn(fd); } finally { closeFd(fd); }
}

const Elem = suite('element commands (kernel)');
Elem('update, lookup, getNextKey, delete on a hash map', kernel(() => withMap(BPF_MAP_TYPE.HASH, 4, 8, 4, (fd) => {
  const v = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  mapUpdateElem(fd, u32(10), v);
  assert.equal([...mapLookupElem(fd, u32(10), 8)], [...v]);
  assert.equal([...mapGetNextKey(fd, null, 4)!], [...u32(10)]);
  assert.is(mapGetNextKey(fd, u32(10), 4), null);
  // Only ENOENT (no key after this one) ends an iteration: any other failure is an error.
  const bad = (() => { try { mapGetNextKey(0x7ffffff0, null, 4); } catch (e) { return e as { code?: string; errnoName?: string }; } return null; })();
  assert.equal({ code: bad?.code, errnoName: bad?.errnoName }, { code: 'SYSCALL', errnoName: 'EBADF' });
  assert.is(codeOf(() => mapUpdateElem(fd, u32(10), v, 1)), 'KEY_EXISTS');
  assert.is(codeOf(() => mapUpdateElem(fd, u32(11), v, 2)), 'KEY_NOT_FOUND');
  mapDeleteElem(fd, u32(10));
  assert.is(codeOf(() => mapLookupElem(fd, u32(10), 8)), 'KEY_NOT_FOUND');
  assert.is(codeOf(() => mapDeleteElem(fd, u32(10))), 'KEY_NOT_FOUND');
})));
Elem('a full hash map refuses a new key with MAP_FULL and keeps its entries', kernel(() => withMap(BPF_MAP_TYPE.HASH, 4, 4, 2, (fd) => {
  mapUpdateElem(fd, u32(1), u32(1));
  mapUpdateElem(fd, u32(2), u32(2));
  assert.is(codeOf(() => mapUpdateElem(fd, u32(3), u32(3))), 'MAP_FULL');
  assert.equal([...mapLookupElem(fd, u32(2), 4)], [...u32(2)]);
}, 1)));
Elem('queue: push with a NULL key, pop in order', kernel(() => withMap(BPF_MAP_TYPE.QUEUE, 0, 4, 4, (fd) => {
  mapUpdateElem(fd, null, u32(5));
  mapUpdateElem(fd, null, u32(6));
  assert.equal([...mapLookupAndDeleteElem(fd, null, 4)], [...u32(5)]);
  assert.equal([...mapLookupElem(fd, null, 4)], [...u32(6)]);
})));
Elem('ElemHandle reads and writes in place', kernel(() => withMap(BPF_MAP_TYPE.ARRAY, 4, 8, 4, (fd) => {
  const h = new ElemHandle(fd, 4, 8);
  h.key.set(u32(3));
  h.value.fill(9);
  h.update();
  h.value.fill(0);
  assert.ok(h.lookup());
  assert.is(h.value[7], 9);
  h.key.set(u32(99));
  assert.is(h.lookup(), false);
})));
Elem.run();

const Obj = suite('objPin / objGet / info / ids (kernel)');
Obj('pin, reopen, info matches, id round trip, bpftool sees the value', kernel(() => withPinDir((dir) =>
  withMap(BPF_MAP_TYPE.HASH, 4, 4, 8, (fd) => {
    const path = join(dir, 'm');
    objPin(fd, path);
    mapUpdateElem(fd, u32(1), u32(0xaabbccdd));
    const fd2 = objGet(path);
    try {
      const info = objGetInfoByFd(fd2);
      assert.is(info.typeName, 'hash');
      assert.is(info.keySize, 4);
      assert.is(info.valueSize, 4);
      assert.is(info.maxEntries, 8);
      assert.is(info.name, 'bpfmap_test');
      let id: number | null = 0, seen = false;
      while ((id = mapGetNextId(id!)) !== null) if (id === info.id) seen = true;
      assert.ok(seen, 'mapGetNextId lists the map');
      const fd3 = mapGetFdById(info.id);
      try { assert.is(objGetInfoByFd(fd3).id, info.id); } finally { closeFd(fd3); }
    } finally { closeFd(fd2); }
    const dump = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', path], { encoding: 'utf8' }));
    assert.equal(dump[0].value, ['0xdd', '0xcc', '0xbb', '0xaa']);
    assert.is(codeOf(() => objGet(join(dir, 'missing'))), 'NOT_FOUND');
  }))));
Obj.run();

const Batch = suite('batch commands (kernel)');
Batch('update, lookup in batches to the end (ENOENT is success), delete', kernel(() => withMap(BPF_MAP_TYPE.HASH, 4, 4, 1000, (fd) => {
  const n = 500;
  const keys = new Uint8Array(n * 4), values = new Uint8Array(n * 4);
  const kv = new DataView(keys.buffer), vv = new DataView(values.buffer);
  for (let i = 0; i < n; i++) { kv.setUint32(i * 4, i, true); vv.setUint32(i * 4, i * 3, true); }
  assert.is(mapUpdateBatch(fd, keys, values, n), n);
  const got = new Map<number, number>();
  let cursor: Uint8Array | null = null;
  for (let rounds = 0; rounds < 100; rounds++) {
    const r = mapLookupBatch(fd, cursor, 64, 4, 4);
    const k = new DataView(r.keys.buffer), v = new DataView(r.values.buffer);
    for (let i = 0; i < r.count; i++) got.set(k.getUint32(i * 4, true), v.getUint32(i * 4, true));
    if (r.next === null) break;
    cursor = r.next;
  }
  assert.is(got.size, n);
  assert.is(got.get(499), 1497);
  assert.is(mapDeleteBatch(fd, keys, n), n);
  assert.is(mapGetNextKey(fd, null, 4), null);
})));
Batch('a refused batch write says how many entries went in before it (done)', kernel(() => withMap(BPF_MAP_TYPE.HASH, 4, 4, 3, (fd) => {
  const packed = (ns: number[]) => new Uint8Array(new Uint32Array(ns).buffer);
  const keys = packed([1, 2, 3, 4, 5]);
  const caught = (fn: () => unknown) => { try { fn(); } catch (e) { return e as { code: string; command: string; done?: number }; } return null; };
  const full = caught(() => mapUpdateBatch(fd, keys, new Uint8Array(5 * 4), 5));
  assert.equal({ code: full?.code, command: full?.command, done: full?.done }, { code: 'MAP_FULL', command: 'MAP_UPDATE_BATCH', done: 3 });
  // keys 1..3 are in; deleting 1, 2, then the missing 4 stops after two
  const missing = caught(() => mapDeleteBatch(fd, packed([1, 2, 4]), 3));
  assert.equal({ code: missing?.code, command: missing?.command, done: missing?.done }, { code: 'KEY_NOT_FOUND', command: 'MAP_DELETE_BATCH', done: 2 });
}, 1)));
Batch.run();

const Fds = suite('fd hygiene (kernel)');
Fds('100k operations, including failing ones, leak no fd', kernel(() => withPinDir((dir) => {
  // The fds open now; one that closes meanwhile (Node's own) is no leak, one that is new is.
  const open = () => new Set(readdirSync('/proc/self/fd'));
  const path = join(dir, 'leak');
  withMap(BPF_MAP_TYPE.HASH, 4, 4, 4, (fd) => objPin(fd, path));
  const before = open();
  for (let i = 0; i < 100_000; i++) {
    if (i % 10 === 0) {
      const fd = objGet(path);
      try { mapUpdateElem(fd, u32(i & 3), u32(i)); } finally { closeFd(fd); }
    } else if (i % 10 === 1) {
      codeOf(() => objGet(join(dir, 'missing')));
    } else {
      codeOf(() => mapLookupElem(-1 >>> 0, u32(1), 4));
    }
  }
  assert.equal([...open()].filter((fd) => !before.has(fd)), [], 'fds opened by the loop and never closed');
})));
Fds.run();
