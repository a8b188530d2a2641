// Dumps that span several MAP_LOOKUP_BATCH calls: small batch sizes (including 1, where a hash bucket
// holding two keys makes the kernel answer ENOSPC) and more entries than one default batch (8192),
// through the library and through `bpfmap dump`. bpftool's dump of the same map is the oracle: the
// same number of entries and the same key and value bytes, none lost, none twice.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { bpfmap } from './helpers/cli.js';
import { type MapSchema, type TypeNode, openMap, stringifyJson, toHex } from '../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const u64: TypeNode = { kind: 'int', name: '__u64', size: 8, signed: false };
const ip4: TypeNode = { kind: 'array', name: '', size: 4, length: 4, element: { kind: 'int', name: '__u8', size: 1, signed: false } };
const lpmKey: TypeNode = { kind: 'struct', name: 'lpm_key', size: 8, fields: [{ name: 'prefixLen', offset: 0, type: u32 }, { name: 'ip', offset: 4, type: ip4 }] };

function schema(name: string, type: string, typeId: number, key: TypeNode, max: number, mapFlags = 0): MapSchema {
  return { name, kernelName: name, type, typeId, keySize: key.size, valueSize: u64.size, maxEntries: max, flags: mapFlags ? ['no_prealloc'] : [],
    mapFlags, pinning: 'none', pinPath: null, perCpu: type.startsWith('percpu'), key, value: u64, section: '.maps',
    btfKeyTypeId: 0, btfValueTypeId: 0 };
}
function create(dir: string, s: MapSchema): string {
  const fd = mapCreate({ mapType: s.typeId, keySize: s.keySize, valueSize: s.valueSize, maxEntries: s.maxEntries, mapFlags: s.mapFlags, name: s.kernelName });
  const p = join(dir, s.name);
  try { objPin(fd, p); } finally { closeFd(fd); }
  return p;
}
/** bpftool's entries as sorted "keyhex valuehex" lines (per-CPU: every CPU's value bytes, in order). */
function bpftoolEntries(p: string): string[] {
  const list = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8', maxBuffer: 1 << 28 })) as
    { key: string[]; value?: string[]; values?: { cpu: number; value: string[] }[] }[];
  const hex = (a: string[]) => a.map((x) => x.slice(2)).join('');
  return list.map((e) => `${hex(e.key)} ${e.value ? hex(e.value) : e.values!.map((v) => hex(v.value)).join('')}`).sort();
}

const SMALL: MapSchema[] = [
  schema('d_hash', 'hash', BPF_MAP_TYPE.HASH, u32, 200),
  schema('d_array', 'array', BPF_MAP_TYPE.ARRAY, u32, 37),
  schema('d_pc_hash', 'percpu_hash', BPF_MAP_TYPE.PERCPU_HASH, u32, 200),
  schema('d_lpm', 'lpm_trie', BPF_MAP_TYPE.LPM_TRIE, lpmKey, 200, 1),
];
const key = (s: MapSchema, i: number): unknown => (s.type === 'lpm_trie' ? { ip: `10.${i % 256}.${i >> 8}.0/${16 + (i % 9)}` } : i);

const Small = suite('LiveMap.batches / entriesRaw: small batch sizes (kernel)');
for (const s of SMALL) {
  Small(`${s.type}: every batch size from 1 to past the entry count gives bpftool's entries, once each`, kernel(() => withPinDir((dir) => {
    const p = create(dir, s);
    const m = openMap({ map: s, pin: p });
    try {
      const n = s.type === 'array' ? s.maxEntries : 100;
      const ids = Array.from({ length: n }, (_, i) => i);
      m.updateBatch(ids.map((i) => key(s, i)), ids.map((i) => (s.perCpu ? BigInt(i) * 3n + 1n : BigInt(i) * 0x0101010101n + 1n)));
      const oracle = bpftoolEntries(p);
      assert.is(oracle.length, n);
      for (const size of [1, 2, 3, 7, 16, n - 1, n, n + 1, 8192]) {
        let calls = 0;
        const got: string[] = [];
        for (const b of m.batches(size)) {
          calls++;
          assert.ok(b.count >= 1, `batch size ${size}: an empty chunk`);
          for (let i = 0; i < b.count; i++) {
            got.push(`${toHex(b.keys.subarray(i * s.keySize, (i + 1) * s.keySize))} ${toHex(b.values.subarray(i * m.rawValueSize, (i + 1) * m.rawValueSize))}`);
          }
        }
        assert.equal(got.sort(), oracle, `batch size ${size}`);
        // A hash answers ENOSPC when a bucket holds more keys than the batch: the size then doubles.
        if (size < n / 2) assert.ok(calls >= 2, `batch size ${size}: ${calls} chunks for ${n} entries`);
        assert.is([...m.entriesRaw(size)].length, n, `entriesRaw(${size})`);
      }
    } finally { m.close(); }
  })));
}
Small.run();

const Big = suite('dump of more entries than one default batch (kernel)');
const N = 8192 * 2 + 1234;
Big(`${N} entries: LiveMap.entries() and bpfmap dump --ndjson / --json give bpftool's entries`, kernel(() => withPinDir((dir) => {
  const s = schema('d_big', 'hash', BPF_MAP_TYPE.HASH, u32, N + 10);
  const p = create(dir, s);
  const m = openMap({ map: s, pin: p });
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-dump-batches-'));
  try {
    const ids = Array.from({ length: N }, (_, i) => i * 3 + 1);
    m.updateBatch(ids, ids.map((i) => BigInt(i) << 20n));
    const oracle = bpftoolEntries(p);
    assert.is(oracle.length, N);
    const hexKey = (i: number) => toHex(new Uint8Array(new Uint32Array([i]).buffer));
    const hexVal = (v: bigint) => toHex(new Uint8Array(new BigUint64Array([v]).buffer));
    const lib = [...m.entries()].map((e) => `${hexKey(e.key as number)} ${hexVal(e.value as bigint)}`).sort();
    assert.equal(lib, oracle, 'library');
    const schemaPath = join(tmp, 'schema.json');
    writeFileSync(schemaPath, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: [s] }));
    const nd = bpfmap(['dump', schemaPath, s.name, '--pin-root', dir, '--ndjson']);
    assert.is(nd.code, 0, nd.stderr);
    assert.is(nd.stderr, '');
    const all = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { key: number; value: number | string; trailer?: boolean; entries?: number });
    assert.equal(all.at(-1), { trailer: true, entries: N, maps: { [s.name]: N } }, 'the trailer counts every entry');
    const lines = all.slice(0, -1);
    assert.is(lines.length, N, 'ndjson lines');
    assert.equal(lines.map((l) => `${hexKey(l.key)} ${hexVal(BigInt(l.value))}`).sort(), oracle, 'ndjson');
    const js = bpfmap(['dump', schemaPath, s.name, '--pin-root', dir, '--json']);
    assert.is(js.code, 0, js.stderr);
    assert.is((JSON.parse(js.stdout) as unknown[]).length, N, 'json entries');
  } finally {
    m.close();
    rmSync(tmp, { recursive: true, force: true });
  }
})));
Big.run();
