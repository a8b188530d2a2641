// The committed BPF fixtures: they exist for every source, a fresh build with the pinned flags is
// byte-identical to them, the check mode catches a stale object, no build-machine path is inside,
// and (read back with bpftool, independent of bpfmap) their BTF holds the map layouts the project
// relies on.
import { needs, suite } from './helpers/skip.js';
import * as assert from 'uvu/assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const fixtures = join(root, 'fixtures');
const sources = readdirSync(join(fixtures, 'src')).filter((f) => f.endsWith('.bpf.c')).sort();
const objects = sources.flatMap((s) => ['bpfel', 'bpfeb'].map((t) => `${s.slice(0, -'.bpf.c'.length)}.${t}.o`));

function runCheck(dir: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [join(dir, 'build.sh'), '--check'], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of fixtures/ (sources, script, objects) in a temporary directory. */
function withCopy(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'bpfmap-fixtures-'));
  try {
    cpSync(join(fixtures, 'src'), join(dir, 'src'), { recursive: true });
    cpSync(join(fixtures, 'build.sh'), join(dir, 'build.sh'));
    for (const o of objects) cpSync(join(fixtures, o), join(dir, o));
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const O = suite('committed objects');

O('every fixtures/src/*.bpf.c has a committed bpfel and bpfeb object', () => {
  assert.equal(sources, ['addresses.bpf.c', 'coverage.bpf.c', 'events.bpf.c', 'externs.bpf.c', 'firewall-seed.bpf.c', 'firewall-v2.bpf.c', 'firewall.bpf.c', 'legacy-sized.bpf.c', 'loader-maps.bpf.c', 'map-idioms.bpf.c', 'upgrade-v2.bpf.c', 'upgrade.bpf.c']);
  for (const o of objects) assert.ok(existsSync(join(fixtures, o)), `fixtures/${o} is missing`);
});

O('objects are ELF64 relocatable BPF files in the byte order their name says', () => {
  for (const o of objects) {
    const b = readFileSync(join(fixtures, o));
    assert.equal([...b.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], `${o}: ELF magic`);
    assert.is(b[4], 2, `${o}: ELF64`);
    assert.is(b[5], o.includes('.bpfel.') ? 1 : 2, `${o}: EI_DATA`);
    const le = b[5] === 1;
    assert.is(le ? b.readUInt16LE(16) : b.readUInt16BE(16), 1, `${o}: ET_REL`);
    assert.is(le ? b.readUInt16LE(18) : b.readUInt16BE(18), 247, `${o}: EM_BPF`);
  }
});

O('no absolute path of the build machine is inside an object', () => {
  for (const o of objects) {
    const text = readFileSync(join(fixtures, o)).toString('latin1');
    const hit = /\/(?:home|root|tmp|work|usr|build|var|opt|mnt)\/[\x21-\x7e]*/.exec(text);
    assert.is(hit, null, `${o}: contains '${hit?.[0]}'`);
    assert.ok(!text.includes('.debug_info'), `${o}: DWARF left in`);
    assert.ok(text.includes('.BTF.ext'), `${o}: .BTF.ext missing`);
  }
});

O.run();

const B = suite('build.sh --check');

B('a fresh build with the pinned flags is byte-identical to the committed objects', needs(['clang', 'llvm-strip'], () => {
  const r = runCheck(fixtures);
  assert.is(r.status, 0, `build.sh --check failed:\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`${objects.length} objects match a fresh build`));
}));

B('a stale, missing or orphan object makes the check fail and names it', needs(['clang', 'llvm-strip'], () => {
  withCopy((dir) => {
    assert.is(runCheck(dir).status, 0, 'the untouched copy passes');
    const victim = join(dir, 'firewall.bpfel.o');
    const bytes = readFileSync(victim);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(victim, bytes);
    const stale = runCheck(dir);
    assert.is(stale.status, 1);
    assert.match(stale.stderr, /fixtures\/firewall\.bpfel\.o: differs from a fresh build/);

    unlinkSync(join(dir, 'coverage.bpfeb.o'));
    const missing = runCheck(dir);
    assert.is(missing.status, 1);
    assert.match(missing.stderr, /fixtures\/coverage\.bpfeb\.o: missing/);
  });
  withCopy((dir) => {
    cpSync(join(dir, 'firewall.bpfel.o'), join(dir, 'gone.bpfel.o'));
    const orphan = runCheck(dir);
    assert.is(orphan.status, 1);
    assert.match(orphan.stderr, /fixtures\/gone\.bpfel\.o: no source/);
  });
}));

B('an unknown argument is a usage error', () => {
  const r = spawnSync('bash', [join(fixtures, 'build.sh'), '--bogus'], { encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown argument '--bogus'/);
});

B.run();

// ---------------------------------------------------------------------------------------------
// BTF as bpftool reads it

interface BtfType { id: number; kind: string; name: string; size?: number; type_id?: number; nr_elems?: number; vlen?: number; members?: { name: string; type_id: number; bits_offset: number; bitfield_size?: number }[]; vars?: { type_id: number }[]; values?: { name: string; val: number }[] }

function btf(object: string): Map<number, BtfType> {
  const out = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', join(fixtures, object)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return new Map((JSON.parse(out) as { types: BtfType[] }).types.map((t) => [t.id, t]));
}

function named(types: Map<number, BtfType>, kind: string, name: string): BtfType | undefined {
  return [...types.values()].find((t) => t.kind === kind && t.name === name);
}

/** Size of a type, through typedefs and qualifiers. */
function sizeOf(types: Map<number, BtfType>, id: number): number {
  const t = types.get(id)!;
  if (t.size !== undefined) return t.size;
  if (t.kind === 'ARRAY') return 0;
  return sizeOf(types, t.type_id!);
}

interface MapDef { type?: number; numa_node?: number; max_entries?: number; map_flags?: number; pinning?: number; map_extra?: number; key?: number; value?: number; key_size?: number; value_size?: number; values?: boolean }

/** The BTF-defined maps of an object: each VAR of the .maps DATASEC, its members decoded the libbpf way. */
function mapDefs(types: Map<number, BtfType>): Map<string, MapDef> {
  const sec = named(types, 'DATASEC', '.maps');
  assert.ok(sec, '.maps DATASEC');
  const maps = new Map<string, MapDef>();
  for (const v of sec!.vars!) {
    const variable = types.get(v.type_id)!;
    const def: MapDef = {};
    for (const m of types.get(variable.type_id!)!.members!) {
      const ptr = types.get(m.type_id)!;
      if (m.name === 'values') { def.values = true; continue; }
      const target = types.get(ptr.type_id!)!;
      if (m.name === 'key' || m.name === 'value') def[m.name] = sizeOf(types, target.id);
      else (def as Record<string, number>)[m.name] = target.nr_elems!;
    }
    maps.set(variable.name, def);
  }
  return maps;
}

const T = suite('BTF of the fixtures (bpftool)');

T('firewall: key, rule, rules value and statistics structs have the exact sizes', needs(['bpftool'], () => {
  for (const object of ['firewall.bpfel.o', 'firewall.bpfeb.o']) {
    const types = btf(object);
    const sizes: [string, number][] = [['lpm_ip_key_st', 24], ['ruleType_st', 12], ['rulesVal_st', 1200], ['ruleStatistics_st', 32], ['allow_stats_st', 16], ['deny_stats_st', 16], ['event_hdr_st', 8]];
    for (const [name, size] of sizes) assert.is(named(types, 'STRUCT', name)?.size, size, `${object}: ${name}`);
    const rule = named(types, 'STRUCT', 'ruleType_st')!;
    assert.equal(rule.members!.map((m) => [m.name, m.bits_offset]), [['ruleId', 0], ['protocol', 32], ['dstPortStart', 40], ['dstPortEnd', 56], ['icmpType', 72], ['icmpCode', 80], ['action', 88]], `${object}: packed rule`);
    assert.is(types.get(named(types, 'STRUCT', 'rulesVal_st')!.members![0]!.type_id)!.nr_elems, 100, `${object}: 100 rules`);
    const debug = named(types, 'VAR', 'debug_lookup');
    assert.ok(debug && named(types, 'DATASEC', '.rodata')!.vars!.some((v) => v.type_id === debug.id), `${object}: debug_lookup in .rodata`);
  }
}));

T('firewall-v2: the rule gains a priority and moves action, 128 rules, statistics gain events', needs(['bpftool'], () => {
  for (const object of ['firewall-v2.bpfel.o', 'firewall-v2.bpfeb.o']) {
    const types = btf(object);
    const sizes: [string, number][] = [['lpm_ip_key_st', 24], ['ruleType_st', 14], ['rulesVal_st', 1792], ['ruleStatistics_st', 40]];
    for (const [name, size] of sizes) assert.is(named(types, 'STRUCT', name)?.size, size, `${object}: ${name}`);
    const rule = named(types, 'STRUCT', 'ruleType_st')!;
    assert.equal(rule.members!.map((m) => [m.name, m.bits_offset]), [['ruleId', 0], ['action', 32], ['protocol', 40], ['dstPortStart', 48], ['dstPortEnd', 64], ['icmpType', 80], ['icmpCode', 88], ['priority', 96]], `${object}: packed rule`);
    assert.is(types.get(named(types, 'STRUCT', 'rulesVal_st')!.members![0]!.type_id)!.nr_elems, 128, `${object}: 128 rules`);
    assert.equal(named(types, 'STRUCT', 'ruleStatistics_st')!.members!.map((m) => [m.name, m.bits_offset]), [['allow_stats', 0], ['deny_stats', 128], ['events', 256]], `${object}: statistics`);
  }
}));

T('firewall and its seed variant define the maps the seed describes', needs(['bpftool'], () => {
  const table: [string, Record<string, MapDef>][] = [
    ['firewall.bpfel.o', {
      ingress_node_firewall_table_map: { type: 11, key: 24, value: 1200, max_entries: 1024, map_flags: 1, pinning: 1 },
      ingress_node_firewall_statistics_map: { type: 6, key: 4, value: 32, max_entries: 1024, pinning: 1 },
      ingress_node_firewall_events_map: { type: 4, key: 4, value: 4, max_entries: 128, pinning: 1 },
    }],
    ['firewall-seed.bpfel.o', {
      ingress_node_firewall_table_map: { type: 1, key: 24, value: 12, max_entries: 1024, map_flags: 1, pinning: 1 },
      ingress_node_firewall_events_map: { type: 4, key: 4, value: 4, max_entries: 128 },
      ingress_node_firewall_statistics_map: { type: 6, key: 4, value: 32, max_entries: 1024 },
    }],
  ];
  for (const [object, expected] of table) {
    for (const o of [object, object.replace('bpfel', 'bpfeb')]) {
      assert.equal(Object.fromEntries(mapDefs(btf(o))), expected, o);
    }
  }
}));

T('events: a ring buffer, a perf event array, the 32-byte record struct and the 20-byte packet head', needs(['bpftool'], () => {
  for (const object of ['events.bpfel.o', 'events.bpfeb.o']) {
    const types = btf(object);
    assert.equal(Object.fromEntries(mapDefs(types)), {
      rb_events: { type: 27, max_entries: 65536 },
      perf_events: { type: 4, key_size: 4, value_size: 4 },
      user_rb: { type: 31, max_entries: 16384 },
    }, object);
    const ev = named(types, 'STRUCT', 'event')!;
    assert.is(ev.size, 32, `${object}: struct event`);
    assert.equal(ev.members!.map((m) => [m.name, m.bits_offset]), [['seq', 0], ['magic', 64], ['kind', 96], ['saddr', 128], ['proto', 160], ['low', 176], ['pkt_len', 192]], `${object}: no padding`);
    assert.is(named(types, 'STRUCT', 'pkt_head')?.size, 20, `${object}: struct pkt_head`);
    assert.equal(named(types, 'ENUM', 'event_kind')?.values, [{ name: 'EVENT_RINGBUF', val: 1 }, { name: 'EVENT_PERF', val: 2 }], `${object}: enum event_kind`);
  }
}));

T('coverage: one map per map type, with the key and value sizes and extras set', needs(['bpftool'], () => {
  const expected: Record<string, MapDef> = {
    hash_map: { type: 1, key: 24, value: 136, max_entries: 64 },
    array_map: { type: 2, key: 4, value: 8, max_entries: 16, map_flags: 1024 },
    lru_map: { type: 9, key: 8, value: 8, max_entries: 128 },
    percpu_hash_map: { type: 5, key: 4, value: 16, max_entries: 32 },
    lru_percpu_map: { type: 10, key: 8, value: 9, max_entries: 32, map_flags: 2 },
    sized_map: { type: 2, key_size: 4, value_size: 24, max_entries: 16 },
    inner_a: { type: 2, key: 4, value: 8, max_entries: 16 },
    outer_array: { type: 12, key: 4, max_entries: 4, values: true },
    outer_hash: { type: 13, key: 16, max_entries: 16, values: true },
    ringbuf: { type: 27, max_entries: 4096 },
    queue: { type: 22, value: 24, max_entries: 16 },
    stack: { type: 23, value: 8, max_entries: 16 },
    bloom: { type: 30, value: 4, max_entries: 64, map_extra: 3 },
    lpm_v4: { type: 11, key: 8, value: 4, max_entries: 16, map_flags: 1, pinning: 1 },
    numa_map: { type: 1, key: 4, value: 4, max_entries: 16, map_flags: 4, numa_node: 0 },
  };
  for (const o of ['coverage.bpfel.o', 'coverage.bpfeb.o']) assert.equal(Object.fromEntries(mapDefs(btf(o))), expected, o);
}));

T('coverage: keys and values use every kind a map can hold', needs(['bpftool'], () => {
  for (const o of ['coverage.bpfel.o', 'coverage.bpfeb.o']) {
    const types = btf(o);
    const sizes: [string, string, number][] = [
      ['STRUCT', 'bits', 8], ['STRUCT', 'wide_bits', 8], ['UNION', 'addr', 16], ['STRUCT', 'flow_key', 24],
      ['STRUCT', 'padded', 16], ['STRUCT', 'packed_pair', 9], ['STRUCT', 'kitchen_sink', 136], ['STRUCT', 'lpm_v4_key', 8],
      ['STRUCT', 'legacy_key', 8], ['STRUCT', 'legacy_value', 16], ['STRUCT', '____btf_map_legacy_map', 24],
      ['ENUM', 'color', 4], ['ENUM', 'delta', 4], ['FLOAT', 'float', 4],
    ];
    for (const [kind, name, size] of sizes) assert.is(named(types, kind, name)?.size, size, `${o}: ${kind} ${name}`);

    const bits = named(types, 'STRUCT', 'bits')!.members!;
    assert.equal(bits.filter((m) => m.bitfield_size).map((m) => [m.name, m.bitfield_size]), [['lo', 3], ['mid', 7], ['neg', 5], ['wide', 17], ['flag', 1], ['nib', 4]], `${o}: bitfields`);
    const wide = named(types, 'STRUCT', 'wide_bits')!.members!;
    assert.equal(wide.map((m) => m.bitfield_size), [12, 40, 12], `${o}: u64 bitfields`);

    const flow = named(types, 'STRUCT', 'flow_key')!.members!;
    assert.equal(flow.map((m) => [m.name, types.get(m.type_id)!.kind]), [['family', 'TYPEDEF'], ['proto', 'TYPEDEF'], ['(anon)', 'UNION'], ['(anon)', 'STRUCT']], `${o}: anonymous members (bpftool prints an empty name as (anon))`);

    const sink = new Map(named(types, 'STRUCT', 'kitchen_sink')!.members!.map((m) => [m.name, m]));
    const kindOf = (name: string) => types.get(sink.get(name)!.type_id)!;
    assert.is(sink.get('big')!.bits_offset, 64, `${o}: u8 then u64 leaves padding`);
    assert.is(kindOf('ro').kind, 'CONST');
    assert.is(kindOf('vol').kind, 'VOLATILE');
    assert.is(kindOf('ptr').kind, 'PTR');
    assert.is(kindOf('port').name, '__be16');
    assert.is(kindOf('addr').name, '__be32');
    assert.is(kindOf('cookie').name, '__be64');
    assert.is(kindOf('enabled').name, '_Bool');
    const m = kindOf('m');
    assert.equal([m.kind, m.nr_elems, types.get(m.type_id!)!.kind, types.get(m.type_id!)!.nr_elems], ['ARRAY', 2, 'ARRAY', 3], `${o}: u16 m[2][3]`);
    const name = kindOf('name');
    assert.equal([name.nr_elems, types.get(name.type_id!)!.name], [16, 'char'], `${o}: char name[16]`);

    assert.equal(named(types, 'ENUM', 'delta')!.values!.map((v) => v.name), ['DELTA_MIN', 'DELTA_DOWN', 'DELTA_NONE', 'DELTA_UP']);
    for (const sec of ['.data', '.rodata', '.bss', '.data.config', '.rodata.table', 'maps', '.maps.legacy_map']) {
      assert.ok(named(types, 'DATASEC', sec), `${o}: DATASEC ${sec}`);
    }
    const legacy = named(types, 'DATASEC', 'maps')!.vars!.map((v) => types.get(v.type_id)!.name).sort();
    assert.equal(legacy, ['legacy_map', 'legacy_plain'], `${o}: legacy maps`);
  }
}));

T.run();
