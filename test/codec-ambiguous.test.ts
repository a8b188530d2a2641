/**
 * Input that could mean two things is refused, naming what to write instead: a mapping key given
 * twice in forms that become one key (`1` and `"1"`), an integer with a leading zero (octal in C,
 * decimal in YAML), a non-zero float that the type would store as zero.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findMap, loadObjectFile, mapCodecs, parseDocument, parseValueText, toHex } from '../src/index.js';
import { COV, FW, TABLE } from './helpers/cli.js';

const fw = mapCodecs(findMap(loadObjectFile(FW).schema, TABLE), 'little');
const cov = mapCodecs(findMap(loadObjectFile(COV).schema, 'hash_map'), 'little');
const err = (fn: () => unknown): string => { try { fn(); } catch (e) { return (e as Error).message; } return 'ok'; };

const Keys = suite('a key given twice in two spellings');
Keys('1 and "1" in an index map: refused, both spellings named (the last one used to win)', () => {
  assert.is(err(() => parseValueText('{rules: {1: {ruleId: 1}, "1": {ruleId: 2}}}', 'value')),
    'value: invalid YAML/JSON: the key 1 is given twice (as 1 and as "1"); give it once');
});
Keys('1 and 1.0; a file as well as an argument', () => {
  assert.is(err(() => parseValueText('{rules: {1: {ruleId: 1}, 1.0: {ruleId: 2}}}', 'value')),
    'value: invalid YAML/JSON: the key 1 is given twice (as 1 and as 1.0); give it once');
  assert.is(err(() => parseDocument('value:\n  rules:\n    2: {ruleId: 1}\n    \'2\': {ruleId: 2}\n', 'rule.yaml')),
    'rule.yaml: invalid YAML/JSON: the key 2 is given twice (as 2 and as "2"); give it once');
});
Keys('distinct keys and nested maps with the same keys are fine', () => {
  const v = parseValueText('{rules: {1: {ruleId: 1}, 2: {ruleId: 1}}}', 'value') as { rules: Record<string, unknown> };
  assert.equal(Object.keys(v.rules), ['1', '2']);
  assert.ok(fw.value.encode(v).byteLength > 0);
});
Keys.run();

const Zero = suite('an integer with a leading zero');
const OCTAL = '0123 has a leading zero (C would read octal, YAML decimal): write 123 for the decimal, or 0x53 for the octal (C\'s 0123)';
Zero('in YAML: refused with both readings', () => {
  assert.is(err(() => parseValueText('{small: 0123}', 'value')), `value: invalid YAML/JSON: ${OCTAL}`);
  assert.is(err(() => parseValueText('{rules: {010: {ruleId: 1}}}', 'value')),
    'value: invalid YAML/JSON: 010 has a leading zero (C would read octal, YAML decimal): write 10 for the decimal, or 0x8 for the octal (C\'s 010)');
  assert.is(err(() => parseValueText('{small: 089}', 'value')),
    'value: invalid YAML/JSON: 089 has a leading zero (C would read octal, YAML decimal): write 89 for the decimal');
});
Zero('as text in an integer field: refused, naming the field', () => {
  assert.is(err(() => cov.value.encode({ small: '0123' })), `value.small: expected u8 0..255, got '0123': ${OCTAL}`);
  assert.is(err(() => cov.value.encode({ neg: '-012' })).replace(/expected s\d+ [^,]+/, 'expected S'),
    "value.neg: expected S, got '-012': -012 has a leading zero (C would read octal, YAML decimal): write -12 for the decimal, or 0xa for the octal (C's 012)");
});
Zero('the same either way (below 8), and plain decimals and hex: accepted', () => {
  for (const [input, byte] of [['{small: 007}', '07'], ['{small: 0}', '00'], ['{small: 123}', '7b'], ['{small: 0x7b}', '7b'], ['{small: "07"}', '07']] as const) {
    assert.is(toHex(cov.value.encode(parseValueText(input, 'value'))).slice(0, 2), byte, input);
  }
});
Zero.run();

const Float = suite('a float too small for its type');
Float('a non-zero float that would be stored as 0 is refused; 0 and the smallest float are kept', () => {
  assert.is(err(() => cov.value.encode({ ratio: 1e-50 })),
    'value.ratio: expected a float of magnitude at least 1.401298464324817e-45 (or 0), got 1e-50: it would be stored as 0');
  assert.is(err(() => cov.value.encode({ ratio: '-1e-46' })).startsWith('value.ratio: expected a float of magnitude'), true);
  assert.is(cov.value.encode({ ratio: 0 }).byteLength > 0, true);
  const tiny = cov.value.decode(cov.value.encode({ ratio: 1.401298464324817e-45 })) as { ratio: number };
  assert.is(tiny.ratio, 1.401298464324817e-45);
});
Float.run();
