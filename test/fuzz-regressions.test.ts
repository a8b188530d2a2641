/**
 * Replays every recorded fuzz failure (test/fuzz/regressions/*.bin): each must now end in a schema or
 * a typed error, within the time and memory budget.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { check } from './fuzz/fuzz.js';
import { listRegressions } from './fuzz/regressions.js';

const regressions = listRegressions();
const replay = suite('fuzz regressions');

replay('there are recorded regression inputs', () => {
  assert.ok(regressions.length >= 7, `expected the committed regression inputs, found ${regressions.length}`);
});

for (const r of regressions) {
  replay(`${r.name}: ${r.note.split('\n')[1] ?? ''}`.slice(0, 120), () => {
    const res = check({ iteration: -1, bytes: r.bytes, what: r.name });
    assert.is(res.failure, undefined, `${r.name} fails again: ${res.failure}\n${r.note}`);
    assert.ok(res.outcome !== 'crash', `${r.name}: no outcome`);
  });
}

replay.run();
