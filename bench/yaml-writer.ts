/**
 * `npm run bench yaml-writer`: the streamed YAML dump writer (bin/fast-yaml.ts) against the yaml
 * package writing the same list item, on a firewall-sized entry. Both must print the same text; the
 * figure is microseconds per entry (a 1M-entry `dump` spends this per entry on output alone).
 */
import { stringify } from 'yaml';
import { yamlListItem } from '../bin/fast-yaml.js';

const item = {
  key: { prefixLen: 56, ingress_ifindex: 6, ip_data: '10.10.10.0/24' },
  value: { rules: Array.from({ length: 3 }, (_, i) => ({ ruleId: i, protocol: 6, dstPorts: { start: 80, end: 0 }, icmpType: 0, action: 'deny' })) },
};
if (yamlListItem(item) !== stringify([item])) throw new Error('the two writers disagree on the bench item');
const N = 20_000;
for (const [name, f] of [['fast-yaml', () => yamlListItem(item)], ['yaml package', () => stringify([item])]] as const) {
  for (let i = 0; i < 2000; i++) f(); // warm-up
  const t = performance.now();
  for (let i = 0; i < N; i++) f();
  console.log(`${name.padEnd(14)} ${(((performance.now() - t) / N) * 1000).toFixed(2)} us/entry`);
}
