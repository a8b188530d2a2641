import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compactJson, ndjsonLine } from '../src/text/json.js';
import { stringifyJson, parseJson } from '../src/index.js';

const Compact = suite('compactJson');
const table: [string, unknown, string][] = [
  ['u64 max stays exact', 18446744073709551615n, '18446744073709551615'],
  ['negative bigint', -9223372036854775808n, '-9223372036854775808'],
  ['numbers; NaN and +-Infinity as the strings float fields read back', [0, -1, 1.5, NaN, Infinity, -Infinity], '[0,-1,1.5,"NaN","Infinity","-Infinity"]'],
  ['strings with quotes and control characters', 'a"b\\c\n\u0001é', '"a\\"b\\\\c\\n\\u0001é"'],
  ['nested struct with arrays', { prefixLen: 64, ip_data: [10, 0, 0, 1], rules: [{ ruleId: 1, action: 'DROP' }, {}] },
    '{"prefixLen":64,"ip_data":[10,0,0,1],"rules":[{"ruleId":1,"action":"DROP"},{}]}'],
  ['undefined members dropped, undefined in arrays as null', { a: undefined, b: [undefined, 1], c: null }, '{"b":[null,1],"c":null}'],
  ['Uint8Array as hex', { raw: new Uint8Array([0, 0xab, 0xff]) }, '{"raw":"00abff"}'],
  ['booleans and empty containers', { t: true, f: false, e: [], o: {} }, '{"t":true,"f":false,"e":[],"o":{}}'],
  ['keys needing escapes', { 'a"b': 1, '': 2 }, '{"a\\"b":1,"":2}'],
  ['toJSON', { d: { toJSON: () => 'x' } }, '{"d":"x"}'],
];
for (const [name, v, want] of table) {
  Compact(name, () => {
    assert.is(compactJson(v), want);
    assert.is(stringifyJson(v), want, 'stringifyJson without indent is the compact form');
    // The indented form carries the same data.
    assert.equal(compactJson(parseJson(stringifyJson(v, 2))), compactJson(parseJson(want)));
  });
}
Compact('undefined has no text', () => assert.is(compactJson(undefined), undefined));
Compact.run();

const Line = suite('ndjsonLine');
Line('one {"map","key","value"} object per line', () => {
  assert.is(ndjsonLine('m"x', { k: 1n }, [1, 2]), '{"map":"m\\"x","key":{"k":1},"value":[1,2]}\n');
  assert.equal(JSON.parse(ndjsonLine('stats', 0, { packets: 2 })), { map: 'stats', key: 0, value: { packets: 2 } });
});
Line.run();
