/** Enums: encode a name or an integer, decode to the enumerator's name when one matches. */
import type { ByteOrder } from '../bytes.js';
import type { EnumNode } from '../schema/types.js';
import { ERROR_CODE } from '../errors.js';
import { Fail, describe } from './fail.js';
import { checkBigInt, intLabel, intRange } from './integer.js';
import { readWord, writeWord } from './words.js';
import type { Compiled } from './types.js';
import type { BitConv } from './int-codec.js';

const NUMERIC = /^\s*[+-]?(\d+|0[xX][0-9a-fA-F]+)\s*$/;

interface EnumTable {
  byName: Map<string, bigint>;
  byValue: Map<bigint, string>;
  title: string;
  names: string;
}

const tables = new WeakMap<EnumNode, EnumTable>();

function table(node: EnumNode): EnumTable {
  let t = tables.get(node);
  if (t) return t;
  const bits = node.size * 8;
  const byName = new Map<string, bigint>();
  const byValue = new Map<bigint, string>();
  for (const e of node.values) {
    const ok = typeof e.value === 'bigint' || (typeof e.value === 'number' && Number.isSafeInteger(e.value));
    if (!ok) throw new Fail(`enum ${node.name || '(anonymous)'}: enumerator '${e.name}': expected an integer value, got ${describe(e.value)}`, ERROR_CODE.SCHEMA_INVALID);
    const raw = BigInt(e.value);
    const v = node.signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
    byName.set(e.name, v);
    if (!byValue.has(v)) byValue.set(v, e.name);
  }
  const shown = node.values.slice(0, 8).map((e) => e.name);
  if (node.values.length > 8) shown.push('...');
  t = { byName, byValue, title: `enum ${node.name || '(anonymous)'}`, names: shown.join(', ') };
  tables.set(node, t);
  return t;
}

/** Input (name or integer) -> integer value, range-checked to `width` bits. */
function toValue(node: EnumNode, t: EnumTable, input: unknown, width: number): bigint {
  if (typeof input === 'string') {
    const v = t.byName.get(input.trim());
    if (v !== undefined) {
      if (width < node.size * 8) return checkBigInt(v, intRange(width, node.signed, `${t.title} in a ${width}-bit bitfield`));
      return v;
    }
    if (!NUMERIC.test(input)) {
      throw new Fail(`'${input}' is not an enumerator of ${t.title} (${t.names})`);
    }
  } else if (typeof input !== 'number' && typeof input !== 'bigint') {
    throw new Fail(`expected an enumerator of ${t.title} (${t.names}) or an integer, got ${describe(input)}`);
  }
  return checkBigInt(input, intRange(width, node.signed, `${t.title} value ${intLabel(width, node.signed)}`));
}

function fromValue(node: EnumNode, t: EnumTable, v: bigint): unknown {
  const name = t.byValue.get(v);
  if (name !== undefined) return name;
  return node.size === 8 ? v : Number(v);
}

export function compileEnum(node: EnumNode, order: ByteOrder): Compiled {
  const size = node.size;
  if (size < 1 || size > 8) throw new Fail(`${node.name || 'enum'}: unsupported enum size ${size}`, ERROR_CODE.SCHEMA_INVALID);
  const t = table(node);
  const little = order === 'little';
  const bits = size * 8;
  return {
    size,
    usesView: false,
    enc(input, _dv, u8, off) {
      writeWord(u8, off, size, little, BigInt.asUintN(bits, toValue(node, t, input, bits)));
    },
    dec(_dv, u8, off) {
      const raw = readWord(u8, off, size, little);
      return fromValue(node, t, node.signed ? BigInt.asIntN(bits, raw) : raw);
    },
  };
}

export function enumBitConv(node: EnumNode, width: number): BitConv {
  const t = table(node);
  return {
    toRaw(input) { return BigInt.asUintN(width, toValue(node, t, input, width)); },
    fromRaw(raw) { return fromValue(node, t, node.signed ? BigInt.asIntN(width, raw) : raw); },
  };
}
