/**
 * NaN and +-Infinity round-trip through `dump` and `apply` in every format (YAML, JSON, NDJSON): a
 * map holding them is dumped, the dump applied to a new map, and the new map's bytes are the old
 * map's (bpftool). 1e39 into a float is refused by apply, and nothing is written.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BPF_MAP_TYPE, closeFd, mapCreate, objPin } from '../../src/syscall/index.js';
import { bpfmap } from '../helpers/cli.js';
import { kernel, withPinDir } from '../helpers/kernel.js';
import { type MapSchema, type TypeNode, stringifyJson } from '../../src/index.js';

const u32: TypeNode = { kind: 'int', name: '__u32', size: 4, signed: false };
const val: TypeNode = { kind: 'struct', name: 'fv', size: 16, fields: [
  { name: 'f', offset: 0, type: { kind: 'float', name: 'float', size: 4 } }, { name: 'd', offset: 8, type: { kind: 'float', name: 'double', size: 8 } }] };
const map = (name: string): MapSchema => ({ name, kernelName: name, type: 'hash', typeId: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16, maxEntries: 16,
  flags: [], mapFlags: 0, pinning: 'none', pinPath: null, perCpu: false, key: u32, value: val, section: '.maps', btfKeyTypeId: 0, btfValueTypeId: 0 });
const bpftool = (p: string) => (JSON.parse(execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' })) as { key: string[]; value: string[] }[])
  .map((e) => `${e.key.join('')}=${e.value.join('')}`).sort().join('\n');

const F = suite('NaN and +-Infinity through dump and apply (kernel, CLI)');
F('YAML state in; dumped as YAML, JSON and NDJSON; each applied to a new map: same bytes', kernel(() => withPinDir((dir) => {
  const tmp = mkdtempSync(join(tmpdir(), 'bpfmap-float-'));
  try {
    const names = ['src', 'via_yaml', 'via_json', 'via_ndjson'];
    const schema = join(tmp, 'schema.json');
    writeFileSync(schema, stringifyJson({ object: 'test.o', byteOrder: 'little', maps: names.map(map) }));
    for (const n of names) {
      const fd = mapCreate({ mapType: BPF_MAP_TYPE.HASH, keySize: 4, valueSize: 16, maxEntries: 16, mapFlags: 0, name: n });
      try { objPin(fd, join(dir, n)); } finally { closeFd(fd); }
    }
    const st = join(tmp, 'in.yaml');
    writeFileSync(st, 'maps:\n  src:\n    entries:\n      - {key: 1, value: {f: .nan, d: .inf}}\n      - {key: 2, value: {f: -.inf, d: .nan}}\n' +
      '      - {key: 3, value: {f: 3.4028234663852886e38, d: -1.5e-300}}\n');
    const a = bpfmap(['apply', schema, '-f', st, '--pin-root', dir]);
    assert.is(a.code, 0, a.stderr);
    const want = bpftool(join(dir, 'src'));
    assert.match(want, /^0x010x000x000x00=0x000x000xc00x7f(0x00){4}(0x00){6}0xf00x7f$/m, `NaN float, +Inf double: ${want}`);
    const dump = (fmt: string[]) => { const r = bpfmap(['dump', schema, 'src', '--pin-root', dir, ...fmt]); assert.is(r.code, 0, r.stderr); return r.stdout; };
    const y = dump([]);
    assert.match(y, /f: \.nan\n\s+d: \.inf\n/);
    writeFileSync(join(tmp, 'y.yaml'), `maps:\n  via_yaml:\n    entries:\n${y.replace(/^/gm, '      ')}`);
    const j = dump(['--json']);
    assert.match(j, /"f": "NaN",\n\s+"d": "Infinity"/);
    writeFileSync(join(tmp, 'j.json'), `{"maps":{"via_json":{"entries":${j}}}}`);
    const n = dump(['--ndjson']);
    assert.match(n, /"value":\{"f":"-Infinity","d":"NaN"\}/);
    writeFileSync(join(tmp, 'n.ndjson'), n.replaceAll('"map":"src"', '"map":"via_ndjson"').replace('"maps":{"src":', '"maps":{"via_ndjson":'));
    for (const [file, m] of [['y.yaml', 'via_yaml'], ['j.json', 'via_json'], ['n.ndjson', 'via_ndjson']] as const) {
      const r = bpfmap(['apply', schema, '-f', join(tmp, file), '--pin-root', dir, '--prune']);
      assert.is(r.code, 0, `${file}: ${r.stderr}`);
      assert.is(bpftool(join(dir, m)), want, `${file}: same bytes`);
    }
    writeFileSync(st, 'maps:\n  src:\n    entries:\n      - {key: 4, value: {f: 1e39, d: 0}}\n');
    const big = bpfmap(['apply', schema, '-f', st, '--pin-root', dir]);
    assert.is(big.code, 5);
    assert.match(big.stderr, /entries\[0\]: value.f: expected a float within \+-3.4028234663852886e38/);
    assert.is(bpftool(join(dir, 'src')), want, 'nothing written');
  } finally { rmSync(tmp, { recursive: true, force: true }); }
})));
F.run();
