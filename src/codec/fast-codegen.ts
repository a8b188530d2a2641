/**
 * Fast path: encoders and decoders generated as JavaScript source (`new Function`), once per int type
 * and once per struct or union type: plain 1/2/4-byte integers read and written straight from the
 * byte array (no DataView, no call per field), and a record's fields as one switch (encode) and one
 * object literal of fixed shape (decode). Field names are embedded only as JSON string literals.
 *
 * Gain: `npm run bench codec` (2026-12-05, load average 2.7) makes 5.4 M firewall keys/s with it and
 * 1.04 M/s without (inlineInt returning null), under the 2 M/s target; the 1200-byte rule set
 * 90 k/s either way. A record written with every member in declared order (what dumps and most
 * programs write) is encoded in one straight line instead of a switch per member: encoding the rule
 * set 7.9 -> 3.7 us in process, `npm run bench codec` 101 k -> 138-174 k rule sets/s (2026-12-07).
 * int-codec.ts and record-codec.ts hold the plain code for everything else, and plain forms of these
 * two (a DataView per int, a loop over a record's members).
 *
 * A codec serves its first calls (GENERATE_AFTER, compile.ts) from the plain code and generates only
 * then, so that a single-entry command never generates: `bpfmap lookup` of an LPM entry ran 4 M fewer
 * instructions under callgrind (576 against 580 M, `node -e 0` 501 M) and, with the encode and decode
 * runs of the build in the same code cache, 3.2 ms less wall time (median of 40 interleaved pairs,
 * 2026-12-07). Bulk use pays for generating once: `npm run bench codec` with both codecs warmed
 * first (2026-12-07, seven runs) 2.5-4.3 M keys/s and 127-165 k rule sets/s, against 0.42-0.61 M
 * and 14-26 k with the plain code alone.
 */
import type { ByteOrder } from '../bytes.js';
import type { TypeNode } from '../schema/types.js';
import type { Compiled } from './types.js';
import { checkSmallInt, type IntRange } from './integer.js';

export interface InlineInt {
  readonly min: number;
  readonly max: number;
  /** Expression reading the value at byte index expression `o`. */
  read(o: string): string;
  /** Statements writing number expression `v` (already range-checked) at `o`. */
  write(v: string, o: string): string;
}

/** Inline form of an int node, or null when it needs the general path (bool, 64-bit, narrow, __be32). */
export function inlineInt(t: TypeNode, order: ByteOrder): InlineInt | null {
  if (t.kind !== 'int' || t.encoding === 'bool') return null;
  const size = t.size;
  if (size !== 1 && size !== 2 && size !== 4) return null;
  if (t.bits !== undefined && t.bits !== size * 8) return null;
  if (t.byteOrder === 'big' && size === 4) return null; // takes IPv4 strings and prints them pretty
  const little = t.byteOrder === 'big' ? false : order === 'little';
  const signed = t.signed;
  const bits = size * 8;
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  // Byte i (0 = lowest address) holds value bits at this shift.
  const shift = (i: number) => (little ? i * 8 : (size - 1 - i) * 8);
  return {
    min,
    max,
    read(o) {
      if (size === 1) return signed ? `((u8[${o}] << 24) >> 24)` : `u8[${o}]`;
      const parts: string[] = [];
      for (let i = 0; i < size; i++) parts.push(`(u8[${o} + ${i}] << ${shift(i)})`);
      const x = `(${parts.join(' | ')})`;
      if (size === 2) return signed ? `((${x} << 16) >> 16)` : x;
      return signed ? `(${x} | 0)` : `(${x} >>> 0)`;
    },
    write(v, o) {
      let s = '';
      for (let i = 0; i < size; i++) s += `u8[${o} + ${i}] = ${shift(i) === 0 ? v : `${v} >>> ${shift(i)}`};`;
      return s;
    },
  };
}

/** The generated encoder and decoder of one plain int type; the input is range-checked against `r`. */
export function generateIntCodec(inl: InlineInt, r: IntRange): Pick<Compiled, 'enc' | 'dec'> {
  return new Function('check', 'min', 'max', 'r', `return {
    enc(input, dv, u8, off) { const v = check(input, min, max, r); ${inl.write('v', 'off')} },
    dec(dv, u8, off) { return ${inl.read('off')}; },
  };`)(checkSmallInt, inl.min, inl.max, r) as Pick<Compiled, 'enc' | 'dec'>;
}

/** One member of a record as the generator sees it; `inline` when it is a plain int read and written in place. */
export interface RecordSlot {
  readonly name: string;
  readonly offset: number;
  readonly shown: boolean;
  readonly inline: InlineInt | null;
}

/**
 * The generated encoder and decoder of one struct or union. `H` gives the members' own codecs (`C`)
 * and the refusals: the generated code calls back into it for everything but the inlined ints.
 */
export function generateRecordCodec(slots: readonly RecordSlot[], H: Record<string, unknown>, isUnion: boolean, hasGroups: boolean): Pick<Compiled, 'enc' | 'dec'> {
  // Writing member i from `v`: an inlined int in place when it is one, else through its own codec.
  const write = (s: RecordSlot, i: number): string => {
    const o = `off + ${s.offset}`;
    const general = `H.C[${i}].enc(v, dv, u8, ${o});`;
    return s.inline
      ? `if (typeof v === 'number' && v >= ${s.inline.min} && v <= ${s.inline.max} && Number.isInteger(v)) { ${s.inline.write('v', o)} } else ${general}`
      : general;
  };
  const cases = slots.map((s, i) => `case ${JSON.stringify(s.name)}: if (v !== undefined) { ${write(s, i)} } break;`).join('\n');
  const props = slots.map((s, i) => ({ s, i })).filter(({ s }) => s.shown).map(({ s, i }) => {
    const o = `off + ${s.offset}`;
    const expr = s.inline ? s.inline.read(o) : `H.C[${i}].dec(dv, u8, ${o}, flags)`;
    const key = s.name === '__proto__' ? '["__proto__"]' : JSON.stringify(s.name);
    return `${key}: ${expr}`;
  }).join(',\n');
  // Every member given, in declared order (how programs and dumps write records): one straight line.
  const inOrder = isUnion || hasGroups ? 'false' : [`keys.length === ${slots.length}`, ...slots.map((s, i) => `keys[${i}] === ${JSON.stringify(s.name)}`)].join(' && ');
  const straight = slots.map((s, i) => `k = keys[${i}]; v = input[k]; if (v !== undefined) { ${write(s, i)} }`).join('\n');
  const src = `
    return {
      enc(input, dv, u8, off) {
        if (!H.isObject(input)) throw H.notObject(input);
        const keys = Object.keys(input);
        if (${inOrder}) {
          let k = '', v;
          try {
            ${straight}
          } catch (e) { H.rethrowAt(e, H.keySeg(k)); }
          return;
        }
        ${isUnion ? 'if (keys.length === 0) throw H.noMember();' : ''}
        ${hasGroups ? 'H.checkGroups(keys);' : ''}
        let k = '';
        try {
          for (let i = 0; i < keys.length; i++) {
            k = keys[i];
            const v = input[k];
            switch (k) {
              ${cases}
              default: throw H.unknown(k);
            }
          }
        } catch (e) { H.rethrowAt(e, H.keySeg(k)); }
      },
      dec(dv, u8, off, flags) {
        return {
          ${props}
        };
      },
    };`;
  return new Function('H', src)(H) as Pick<Compiled, 'enc' | 'dec'>;
}
