import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { mapFreeze } from '../src/syscall/index.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { loadObjectFile, createMaps, getVariables, openMap, setVariables, toHex, type StructNode } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const coverage = loadObjectFile(join(root, 'fixtures/coverage.bpfel.o'));
const schemaOf = (name: string) => coverage.schema.maps.find((m) => m.name === name)!;
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return `${(e as { code: string }).code}: ${(e as Error).message}`; } return 'ok'; };
const rawDump = (p: string) => execFileSync('bpftool', ['-j', 'map', 'dump', 'pinned', p], { encoding: 'utf8' });

function open(dir: string, name: string) {
  createMaps(coverage, { pinRoot: dir, names: [name] });
  return openMap({ map: schemaOf(name), pinRoot: dir, byteOrder: 'little' });
}

const Get = suite('getVariables (kernel)');
Get('reads all variables, or the named ones, with their initial values', kernel(() => withPinDir((dir) => {
  const m = open(dir, '.data.config');
  try {
    assert.equal(getVariables(m), { config_mode: 3, config_offset: -5, config_delta: 'DELTA_DOWN' });
    assert.equal(getVariables(m, ['config_offset']), { config_offset: -5 });
    assert.match(err(() => getVariables(m, ['nope'])), /^VALUE_INVALID: nope: no such variable in '.data.config'; expected one of: config_mode, config_offset, config_delta/);
  } finally { m.close(); }
})));
Get('a map that is not global data is refused', kernel(() => withPinDir((dir) => {
  const m = open(dir, 'hash_map');
  try { assert.match(err(() => getVariables(m)), /^VALUE_INVALID: .*expected a global data map/); } finally { m.close(); }
})));
Get.run();

const Set = suite('setVariables (kernel)');
Set('patches only the named variables; bpftool sees the new values', kernel(() => withPinDir((dir) => {
  const m = open(dir, '.data');
  try {
    const before = getVariables(m) as { data_counter: number; data_flow: Record<string, unknown> };
    setVariables(m, { data_counter: 9 });
    const after = getVariables(m) as typeof before;
    assert.is(after.data_counter, 9);
    assert.equal(after.data_flow, before.data_flow, 'the other variable is untouched');
    const dump = JSON.parse(rawDump(join(dir, 'coverage_data'))) as { formatted: { value: { '.data': Record<string, unknown>[] } } }[];
    assert.is(Object.assign({}, ...dump[0]!.formatted.value['.data']).data_counter, 9);
  } finally { m.close(); }
})));
Set('a struct variable set with some fields: the others and its padding become zero, the neighbour keeps its bytes', kernel(() => withPinDir((dir) => {
  const m = open(dir, '.data');
  try {
    const key = new Uint8Array(4);
    const flow = (schemaOf('.data').value as StructNode).fields.find((x) => x.name === 'data_flow')!;
    const dirty = m.lookupRaw(key).fill(0xa5);
    m.updateRaw(key, dirty);
    setVariables(m, { data_flow: { family: 10, proto: 17 } });
    const raw = m.lookupRaw(key);
    const expected = dirty.slice();
    expected.fill(0, flow.offset, flow.offset + flow.type.size);
    expected[flow.offset] = 10;
    expected[flow.offset + 1] = 17;
    assert.is(toHex(raw), toHex(expected), 'only data_flow changed; its padding, union and ports are zero');
    assert.equal(getVariables(m, ['data_flow']), { data_flow: { family: 10, proto: 17, v6: new Array(16).fill(0), sport: 0, dport: 0 } });
    const dump = JSON.parse(rawDump(join(dir, 'coverage_data'))) as { formatted: { value: { '.data': Record<string, unknown>[] } } }[];
    assert.is(Object.assign({}, ...dump[0]!.formatted.value['.data']).data_counter, 0xa5a5a5a5, 'bpftool: the neighbour variable kept its bytes');
  } finally { m.close(); }
})));
Set('an unknown variable or a bad value writes nothing', kernel(() => withPinDir((dir) => {
  const m = open(dir, '.data.config');
  const p = join(dir, '_data_config');
  try {
    const before = rawDump(p);
    assert.match(err(() => setVariables(m, { config_mode: 4, missing: 1 })), /^VALUE_INVALID: missing: no such variable in '.data.config'; expected one of: config_mode, config_offset, config_delta/);
    assert.match(err(() => setVariables(m, { config_mode: 4, config_offset: 70000 })), /^VALUE_RANGE: config_offset: expected s16/);
    assert.is(rawDump(p), before);
  } finally { m.close(); }
})));
Set('a frozen .rodata is refused with the constants advice, and unchanged', kernel(() => withPinDir((dir) => {
  const m = open(dir, '.rodata');
  const p = join(dir, 'coverage_rodata');
  try {
    setVariables(m, { rodata_limit: 5n }); // created by bpfmap, not frozen yet: writable
    assert.is((getVariables(m, ['rodata_limit']) as { rodata_limit: bigint }).rodata_limit, 5n);
    mapFreeze(m.fd);
    const before = rawDump(p);
    assert.is(err(() => setVariables(m, { rodata_limit: 6n })),
      "MAP_FROZEN: map '.rodata': is frozen (read-only after load); .rodata variables are constants: rebuild or reload the program to change them");
    assert.match(err(() => m.updateRaw(new Uint8Array(4), new Uint8Array(16))), /^MAP_FROZEN: map '.rodata': is frozen/);
    assert.is(rawDump(p), before);
  } finally { m.close(); }
})));
Set.run();
