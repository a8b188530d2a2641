/**
 * Counted skips. A test that cannot run here (not root, no bpffs, a tool or a fetched object missing)
 * is a skip: counted and listed by name by test/run.js, never a silent pass; under
 * BPFMAP_REQUIRE_KERNEL=1 (CI) it is a failure instead.
 *
 * How to use it:
 *   - Kernel tests: wrap the body in `kernel(() => ...)` from ./kernel.js; it skips by itself.
 *   - Anything else: `import { suite, skip, toolsMissing } from './helpers/skip.js'` (uvu's `suite`,
 *     which also tells `skip` the running test's name), then in the body
 *       const missing = toolsMissing(['gcc', 'bpftool']);
 *       if (missing) return skip(`${missing} not installed`);
 *     `skip(reason)` returns nothing: return right after it.
 *   - `needs(['clang'], () => ...)` wraps a body that needs tools on PATH.
 *   - Never register a placeholder test that passes when something is missing: call `skip` in it.
 *
 * The record is one stdout line `SKIP\t<suite>\t<test>\t<reason>`; test/run.js moves such tests from
 * passed to skipped and lists them at the end.
 */
import { suite as uvuSuite } from 'uvu';
import type { Context, Test } from 'uvu';
import { spawnSync } from 'node:child_process';

export const requireKernel = process.env.BPFMAP_REQUIRE_KERNEL === '1';

let current: { suite: string; test: string } | undefined;

/** Tells skip() which test is running (uvu passes each test body its suite's context). */
export function noteTest(ctx: unknown): void {
  const c = ctx as { __suite__?: unknown; __test__?: unknown } | undefined;
  if (c && typeof c.__test__ === 'string' && c.__test__ !== '') current = { suite: String(c.__suite__ ?? ''), test: c.__test__ };
}

/** uvu's suite, with the running test's name known to skip(). */
export function suite<T = Context>(name?: string, state?: T): Test<T> {
  const s = uvuSuite<T>(name, state);
  s.before.each((ctx) => { noteTest(ctx); });
  return s;
}

/** Records the running test as skipped with its reason; throws under BPFMAP_REQUIRE_KERNEL=1. */
export function skip(reason: string, ctx?: unknown): void {
  if (ctx !== undefined) noteTest(ctx);
  if (requireKernel) throw new Error(`cannot skip under BPFMAP_REQUIRE_KERNEL=1: ${reason}`);
  const name = current ?? { suite: '?', test: '(a test of a suite not made with helpers/skip.js suite())' };
  const clean = (s: string) => s.replace(/[\t\n]/g, ' ');
  process.stdout.write(`\nSKIP\t${clean(name.suite)}\t${clean(name.test)}\t${clean(reason)}\n`);
}

/** The tools of `names` not found on PATH, comma-separated; '' when all are there. */
export function toolsMissing(names: readonly string[]): string {
  return names.filter((t) => spawnSync('sh', ['-c', `command -v '${t}'`], { stdio: 'ignore' }).status !== 0).join(', ');
}

/** Wraps a test body that needs tools on PATH: skips (or fails under CI) when one is missing. */
export function needs<T>(tools: readonly string[], body: () => T): (ctx?: unknown) => T | undefined {
  return (ctx?: unknown) => {
    if (ctx !== undefined) noteTest(ctx);
    const missing = toolsMissing(tools);
    if (missing) { skip(`${missing} not installed`); return undefined; }
    return body();
  };
}
