// startAgent on the real kernel: what the maps hold while the newest state cannot be applied.
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from './helpers/skip.js';
import { kernel, withPinDir } from './helpers/kernel.js';
import { ROOT } from './helpers/cli.js';
import { createMaps, findMap, loadObjectFile, openMap, startAgent, type AgentEvent } from '../src/index.js';

const OBJECT = loadObjectFile(join(ROOT, 'fixtures/coverage.bpfel.o'));
/** A hash map of 16 entries: __u32 -> enum color. */
const MAP = 'numa_map';

const state = (keys: number[]) => JSON.stringify({ maps: { [MAP]: { entries: keys.map((k) => ({ key: k, value: 'COLOR_GREEN' })) } } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, ok: () => boolean): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(20)) if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
}

const A = suite('startAgent (kernel)');

A('a newer state the kernel refuses: the state the maps hold is still repaired at each resync, and is what /metrics names', kernel(() => withPinDir(async (dir) => {
  createMaps(OBJECT, { pinRoot: dir, names: [MAP] });
  const root = mkdtempSync(join(tmpdir(), 'bpfmap-agent-repair-'));
  const cm = join(root, 'cm');
  mkdirSync(cm);
  let n = 0;
  const publish = (text: string) => {
    const v = `..v${++n}`;
    mkdirSync(join(cm, v));
    writeFileSync(join(cm, v, 'state.json'), text);
    symlinkSync(v, join(cm, '..data_tmp'));
    renameSync(join(cm, '..data_tmp'), join(cm, '..data'));
  };
  const events: AgentEvent[] = [];
  const live = openMap({ map: findMap(OBJECT.schema, MAP), byteOrder: OBJECT.schema.byteOrder, pinRoot: dir });
  const has = (k: number) => { try { live.lookup(k); return true; } catch { return false; } };
  const agent = await startAgent({
    schema: OBJECT.schema, statePath: cm, pinRoot: dir, resyncMs: 300, pollMs: 50, retryMinMs: 50, retryMaxMs: 100,
    onEvent: (e) => events.push(e),
  });
  try {
    publish(state([1, 2]));
    await until('the first state applied', 3000, () => agent.ready().ok);
    const first = agent.metrics.applied;
    // 16 new entries next to the kept ones (even one of them) are more than 16: the kernel refuses the next state (E2BIG), the apply rolls back.
    publish(state(Array.from({ length: 16 }, (_, i) => 100 + i)));
    await until('the apply of the second state failed', 3000, () => events.some((e) => e.event === 'apply failed'));
    assert.ok(!agent.ready().ok);
    live.delete(1);
    await until('the entry deleted behind the agent is back', 3000, () => has(1));
    assert.ok(has(2));
    assert.not.ok(has(100), 'nothing of the refused state stays');
    assert.is(agent.metrics.applied, first);
    assert.ok(agent.metrics.driftRepairs >= 1);
    assert.ok(events.some((e) => e.event === 'drift repaired' && e.generation === first));
  } finally {
    live.close();
    await agent.close();
    rmSync(root, { recursive: true, force: true });
  }
})));

A.run();
