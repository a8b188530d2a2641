/**
 * A second process that writes the firewall-seed table map (hash: lpm_ip_key_st -> ruleType_st) in a
 * tight loop, for the concurrency tests. Run with `node --import tsx`:
 *
 *   concurrent-writer.ts PIN BASE KEYS ITERATIONS MS
 *
 * It owns the keys {ingress_ifindex: BASE + k, ip_data: 10.0.0.k} for k < KEYS: iteration i updates
 * key i % KEYS with every field of the value equal to i % 256 (so a torn value would have unequal
 * fields), and every third iteration deletes that key instead (a full map is counted, not fatal). It prints
 * `ready` once the map is open and `{"updates":N,"deletes":N,"full":N}` when ITERATIONS or MS run
 * out, whichever is first.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findMap, isBpfmapError, loadObjectFile, openMap } from '../../src/index.js';

export const SEED_TABLE = 'ingress_node_firewall_table_map';

/** The value the writer stores at iteration i. */
export function writerValue(i: number): Record<string, number> {
  const c = i % 256;
  return { ruleId: c, protocol: c, dstPortStart: c, dstPortEnd: c, icmpType: c, icmpCode: c, action: c };
}

export function writerKey(base: number, k: number): { ingress_ifindex: number; ip_data: string } {
  return { ingress_ifindex: base + k, ip_data: `10.0.0.${k}` };
}

function main(argv: string[]): void {
  const [pin, base, keys, iterations, ms] = [argv[0]!, Number(argv[1]), Number(argv[2]), Number(argv[3]), Number(argv[4])];
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const obj = loadObjectFile(join(root, 'fixtures', 'firewall-seed.bpfel.o'));
  const live = openMap({ map: findMap(obj.schema, SEED_TABLE), byteOrder: obj.schema.byteOrder, pin, force: true }); // the map may be smaller than the object says
  let updates = 0;
  let deletes = 0;
  let full = 0;
  try {
    process.stdout.write('ready\n');
    const end = Date.now() + ms;
    for (let i = 0; i < iterations && (i % 64 !== 0 || Date.now() < end); i++) {
      const key = writerKey(base, i % keys);
      if (i % 3 === 2) {
        try { live.delete(key); deletes++; } catch (e) { if (!isBpfmapError(e) || e.code !== 'KEY_NOT_FOUND') throw e; }
      } else {
        try { live.update(key, writerValue(i)); updates++; } catch (e) { if (!isBpfmapError(e) || e.code !== 'MAP_FULL') throw e; full++; }
      }
    }
  } finally {
    live.close();
  }
  process.stdout.write(`${JSON.stringify({ updates, deletes, full })}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main(process.argv.slice(2));
