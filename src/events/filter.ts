/**
 * Record filters: `field.path=value`, tested against the decoded record (so with prettyAddresses an
 * address field is matched by its text, an enum by its name). Integers match by value in any base
 * (`port=0x50` matches 80).
 */
import { BpfmapError, ERROR_CODE } from '../errors.js';

export type EventFilter = (value: unknown) => boolean;

const INTEGER = /^-?(?:0x[0-9a-f]+|\d+)$/i;

function toBig(s: string): bigint {
  return s.startsWith('-') ? -BigInt(s.slice(1)) : BigInt(s);
}

function matches(v: unknown, want: string): boolean {
  if ((typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint') {
    return INTEGER.test(want) && BigInt(v) === toBig(want);
  }
  if (Array.isArray(v)) return v.join(',') === want;
  return String(v) === want;
}

/** One predicate for all of `specs` (every one must hold). Throws VALUE_INVALID on a malformed spec. */
export function compileFilters(specs: readonly string[]): EventFilter {
  const tests = specs.map((spec) => {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new BpfmapError(ERROR_CODE.VALUE_INVALID, `filter '${spec}': expected field=value (e.g. hdr.ruleId=7)`);
    const path = spec.slice(0, eq).split('.');
    const want = spec.slice(eq + 1);
    return (value: unknown): boolean => {
      let cur = value;
      for (const p of path) {
        if (cur === null || typeof cur !== 'object') return false;
        cur = (cur as Record<string, unknown>)[p];
      }
      return cur !== undefined && matches(cur, want);
    };
  });
  return (value) => tests.every((t) => t(value));
}
