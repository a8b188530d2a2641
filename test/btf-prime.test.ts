// The decoder's warm-up (src/btf/fast-prime.ts, a fast path): a blob over 1 MiB is preceded by two
// decodings of the sample, once per process; the decoded sample is then handed to whoever primes code
// that reads a decoded BTF, and decoded on demand when there was no priming. Each case imports a fresh
// copy of the module (its state is per process).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

type Prime = typeof import('../src/btf/fast-prime.js');
let copies = 0;
async function fresh(): Promise<Prime> {
  copies++;
  return (await import(`../src/btf/fast-prime.js?copy=${copies}`)) as Prime;
}

const P = suite('fast-prime');

P('primes only for a blob over 1 MiB, with two decodings of the sample, once', async () => {
  const m = await fresh();
  const calls: Uint8Array[] = [];
  let n = 0;
  const decode = (b: Uint8Array) => { calls.push(b); return { n: ++n }; };
  m.primeDecoder(1 << 20, decode);
  assert.is(calls.length, 0, 'exactly 1 MiB is not primed');
  m.primeDecoder(0, decode);
  assert.is(calls.length, 0);
  m.primeDecoder((1 << 20) + 1, decode);
  assert.is(calls.length, 2);
  for (const c of calls) assert.equal(c, m.sampleBtf());
  m.primeDecoder(64 << 20, decode);
  assert.is(calls.length, 2, 'once per process');
  // The sample as decoded by the second priming run is handed out, without decoding again.
  assert.equal(m.decodedSample(() => { throw new Error('decoded again'); }), { n: 2 });
});

P('without priming, the sample is decoded on the first request and kept', async () => {
  const m = await fresh();
  let n = 0;
  const first = m.decodedSample((b) => { n++; return { bytes: b.byteLength }; });
  assert.equal(first, { bytes: m.sampleBtf().byteLength });
  assert.ok(m.decodedSample(() => ({ bytes: -1 })) === first);
  assert.is(n, 1);
  // A later big blob is still primed (priming and the kept sample are separate).
  let primes = 0;
  m.primeDecoder(2 << 20, () => { primes++; return null; });
  assert.is(primes, 2);
});

P.run();
