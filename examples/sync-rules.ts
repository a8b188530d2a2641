/**
 * Sync a YAML rule file into the ingress firewall's LPM trie: every listed (interface, source CIDR)
 * gets exactly its rules, and entries the file does not list are deleted. This is the job the
 * ingress firewall's own daemon does by hand with hand-packed structs; here the object file's BTF
 * gives the layout and bpfmap's codec writes the bytes.
 *
 *   node --import tsx examples/sync-rules.ts fixtures/firewall.bpfel.o examples/rules.yaml
 *   node --import tsx examples/sync-rules.ts OBJ RULES.yaml --pin-root /sys/fs/bpf/fw --dry-run
 *
 * Without --pin-root the map is opened at its by-name pin path (/sys/fs/bpf/<map name>), where
 * loading the program with bpftool or libbpf puts it.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findMap, loadObjectFile, openMap, parseDocument, toHex } from '../src/index.js';
import type { LiveMap } from '../src/index.js';

export const TABLE_MAP = 'ingress_node_firewall_table_map';

const PROTOCOLS: Record<string, number> = { any: 0, icmp: 1, tcp: 6, udp: 17, sctp: 132, icmpv6: 58 };
const ACTIONS: Record<string, number> = { deny: 1, allow: 2 };
const RULE_FIELDS = new Set(['ruleId', 'protocol', 'dstPortStart', 'dstPortEnd', 'icmpType', 'icmpCode', 'action']);

/** One entry of the rule file, ready for the codec: the key and value as the map's types name them. */
export interface Target {
  key: { ingress_ifindex: unknown; ip_data: string };
  value: { rules: Record<string, unknown>[] };
  /** `ifindex 1 198.18.0.0/24`, for messages. */
  label: string;
}

export interface SyncReport {
  added: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A name from the table, or the number as it is (the codec checks its range). */
function named(table: Record<string, number>, x: unknown, where: string): unknown {
  if (typeof x !== 'string') return x;
  const n = table[x];
  if (n === undefined) throw new Error(`${where}: expected ${Object.keys(table).join(', ')} or a number, got '${x}'`);
  return n;
}

/** Parses the rule file (a YAML or JSON list of {ifindex, cidr, rules}). */
export function parseRuleFile(text: string, source: string): Target[] {
  const doc = parseDocument(text, source);
  if (!Array.isArray(doc)) throw new Error(`${source}: expected a list of {ifindex, cidr, rules}`);
  return doc.map((entry, i) => {
    const at = `${source}[${i}]`;
    if (!isRecord(entry)) throw new Error(`${at}: expected {ifindex, cidr, rules}, got ${JSON.stringify(entry)}`);
    for (const k of Object.keys(entry)) if (!['ifindex', 'cidr', 'rules'].includes(k)) throw new Error(`${at}: unknown field '${k}'`);
    if (typeof entry.cidr !== 'string') throw new Error(`${at}.cidr: expected a CIDR like 10.0.0.0/8, got ${JSON.stringify(entry.cidr)}`);
    if (!Array.isArray(entry.rules)) throw new Error(`${at}.rules: expected a list of rules`);
    const rules = entry.rules.map((r, j) => {
      const rat = `${at}.rules[${j}]`;
      if (!isRecord(r)) throw new Error(`${rat}: expected a rule {ruleId, protocol, ..., action}`);
      for (const k of Object.keys(r)) if (!RULE_FIELDS.has(k)) throw new Error(`${rat}: unknown field '${k}'`);
      return { ...r, protocol: named(PROTOCOLS, r.protocol ?? 0, `${rat}.protocol`), action: named(ACTIONS, r.action, `${rat}.action`) };
    });
    return { key: { ingress_ifindex: entry.ifindex, ip_data: entry.cidr }, value: { rules }, label: `ifindex ${String(entry.ifindex)} ${entry.cidr}` };
  });
}

/** Makes the live LPM trie hold exactly `targets`; with dryRun only reports what it would do. */
export function syncRules(live: LiveMap, targets: readonly Target[], dryRun = false): SyncReport {
  // Encode everything first: a bad rule anywhere stops the sync before the map changes.
  const wanted = new Map<string, { target: Target; key: Uint8Array; value: Uint8Array }>();
  targets.forEach((t, i) => {
    let key: Uint8Array;
    try {
      key = live.encodeKey(t.key)!;
    } catch (e) {
      throw new Error(`rules[${i}]: ${(e as Error).message}`);
    }
    const hex = toHex(key);
    if (wanted.has(hex)) throw new Error(`rules[${i}]: ${t.label} is listed twice`);
    try {
      wanted.set(hex, { target: t, key, value: live.encodeValue(t.value) });
    } catch (e) {
      throw new Error(`${t.label}: ${(e as Error).message}`);
    }
  });

  const present = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  for (const e of live.entriesRaw()) present.set(toHex(e.key), { key: e.key.slice(), value: e.value.slice() });

  const report: SyncReport = { added: [], updated: [], deleted: [], unchanged: [] };
  for (const [hex, { target, key, value }] of wanted) {
    const old = present.get(hex);
    if (old && toHex(old.value) === toHex(value)) { report.unchanged.push(target.label); continue; }
    if (!dryRun) live.updateRaw(key, value); // the bytes encoded above: no second encoding
    (old ? report.updated : report.added).push(target.label);
  }
  for (const [hex, { key }] of present) {
    if (wanted.has(hex)) continue;
    // LPM keys decode with pretty addresses as CIDR text: 198.18.5.0/24, 2001:db8::/64.
    const k = live.decodeKey(key, { prettyAddresses: true }) as { ingress_ifindex: number; ip_data: string };
    const cidr = k.ip_data.includes('/') ? k.ip_data : `${k.ip_data}/${k.ip_data.includes(':') ? 128 : 32}`;
    if (!dryRun) live.deleteRaw(key);
    report.deleted.push(`ifindex ${k.ingress_ifindex} ${cidr}`);
  }
  return report;
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true,
    options: { 'pin-root': { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  if (positionals.length !== 2) {
    process.stderr.write('usage: sync-rules OBJECT RULES.yaml [--pin-root DIR] [--dry-run]\n');
    return 2;
  }
  const [objectPath, rulesPath] = positionals as [string, string];
  const object = loadObjectFile(objectPath);
  const map = findMap(object.schema, TABLE_MAP);
  const targets = parseRuleFile(readFileSync(rulesPath, 'utf8'), rulesPath);
  const live = openMap({ map, byteOrder: object.schema.byteOrder, pinRoot: values['pin-root'] });
  try {
    const r = syncRules(live, targets, values['dry-run'] === true);
    const verb = values['dry-run'] ? 'would ' : '';
    for (const l of r.added) process.stdout.write(`${verb}add     ${l}\n`);
    for (const l of r.updated) process.stdout.write(`${verb}update  ${l}\n`);
    for (const l of r.deleted) process.stdout.write(`${verb}delete  ${l}\n`);
    process.stdout.write(`${live.schema.name}: ${r.added.length} added, ${r.updated.length} updated, ${r.deleted.length} deleted, ${r.unchanged.length} unchanged\n`);
  } finally {
    live.close();
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`sync-rules: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
