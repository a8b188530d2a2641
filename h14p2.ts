import { parseJson } from './src/json.js';
const line = '{"key":{"prefixLen":56,"ingress_ifindex":6,"ip_data":"10.10.10.0"},"value":{"rules":{"0":{"ruleId":1,"action":2}}}}';
const N = 1_000_000;
for (let r = 0; r < 4; r++) {
  let t0 = process.cpuUsage().user;
  for (let i = 0; i < N; i++) JSON.parse(line);
  const a = process.cpuUsage().user - t0;
  t0 = process.cpuUsage().user;
  for (let i = 0; i < N; i++) parseJson(line);
  const b = process.cpuUsage().user - t0;
  console.log('JSON.parse', a / 1000, 'parseJson', b / 1000, (b / a).toFixed(2));
}
