// BTF validation, stages 1 and 2 (src/btf/header.ts, src/btf/strings.ts): the header's geometry and
// the string table's ends, each refusal with its whole message, and the edges that must still load
// (a section ending exactly at the blob's end, a longer header whose unknown tail is zero). Blobs are
// written field by field here, in both byte orders, so that every header field can be set on its own.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BpfmapError, isRawBtf, loadBtf } from '../src/index.js';
import { BtfBuilder } from './helpers/btf-builder.js';

interface Hdr {
  magic?: number; version?: number; flags?: number; hdrLen?: number;
  typeOff?: number; typeLen?: number; strOff?: number; strLen?: number; layoutOff?: number; layoutLen?: number;
  /** Bytes of the header after the fields written here (hdrLen > 32). */
  tail?: number[];
}

/** One INT record named "int" (16 bytes) and its string table (5 bytes). */
function body(order: 'little' | 'big'): Uint8Array {
  const b = new Uint8Array(21);
  const v = new DataView(b.buffer);
  const le = order === 'little';
  v.setUint32(0, 1, le); // name_off
  v.setUint32(4, 1 << 24, le); // kind INT, vlen 0
  v.setUint32(8, 4, le); // size
  v.setUint32(12, 32, le); // encoding 0, offset 0, 32 bits
  b.set([0, 0x69, 0x6e, 0x74, 0], 16);
  return b;
}

function blob(order: 'little' | 'big', h: Hdr = {}, payload: Uint8Array = body(order)): Uint8Array {
  const hdrLen = h.hdrLen ?? 24;
  const headBytes = Math.max(24, Math.min(hdrLen, 64));
  const out = new Uint8Array(headBytes + payload.byteLength);
  const v = new DataView(out.buffer);
  const le = order === 'little';
  v.setUint16(0, h.magic ?? 0xeb9f, le);
  out[2] = h.version ?? 1;
  out[3] = h.flags ?? 0;
  v.setUint32(4, hdrLen, le);
  v.setUint32(8, h.typeOff ?? 0, le);
  v.setUint32(12, h.typeLen ?? 16, le);
  v.setUint32(16, h.strOff ?? 16, le);
  v.setUint32(20, h.strLen ?? 5, le);
  if (headBytes >= 32) {
    v.setUint32(24, h.layoutOff ?? 0, le);
    v.setUint32(28, h.layoutLen ?? 0, le);
  }
  (h.tail ?? []).forEach((x, i) => { out[32 + i] = x; });
  out.set(payload, headBytes);
  return out;
}

function refusal(bytes: Uint8Array): { code: string; message: string } {
  try { loadBtf(bytes); } catch (e) {
    if (e instanceof BpfmapError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected loadBtf to refuse the blob');
}

for (const order of ['little', 'big'] as const) {
  const H = suite(`BTF header and strings (${order}-endian)`);
  const hex = order === 'little' ? (a: number, b: number) => `0x${a.toString(16).padStart(2, '0')}${b.toString(16).padStart(2, '0')}` : (a: number, b: number) => `0x${a.toString(16).padStart(2, '0')}${b.toString(16).padStart(2, '0')}`;

  H('the baseline blob loads, with the header as written', () => {
    const btf = loadBtf(blob(order, { flags: 3 }));
    assert.is(btf.byteOrder, order);
    assert.is(btf.typeCount, 1);
    assert.is(btf.type(1).name, 'int');
    assert.equal({ ...btf.header }, { byteOrder: order, version: 1, flags: 3, hdrLen: 24, typeOff: 0, typeLen: 16, strOff: 16, strLen: 5, layoutOff: 0, layoutLen: 0 });
  });

  const cases: [string, () => Uint8Array, string, string][] = [
    ['no magic', () => { const x = blob(order); x[0] = 0x12; x[1] = 0x34; return x; }, 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 0x1234'],
    ['the magic of the other byte order spelled wrong', () => { const x = blob(order); x[0] = 0x9f; x[1] = 0x9f; return x; }, 'BTF_MALFORMED', `BTF header: expected magic 0xeb9f, got ${hex(0x9f, 0x9f)}`],
    ['the first byte of the big-endian magic alone', () => { const x = blob(order); x[0] = 0xeb; x[1] = 0x12; return x; }, 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 0xeb12'],
    ['small bytes where the magic goes (two hex digits each)', () => { const x = blob(order); x[0] = 0x01; x[1] = 0x0a; return x; }, 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 0x010a'],
    ['two bytes that are no magic', () => new Uint8Array([0x12, 0x34]), 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 0x1234'],
    ['a header and nothing else (hdr_len the whole blob, every section empty)', () => blob(order, { typeLen: 0, strOff: 0, strLen: 0 }, new Uint8Array(0)), 'BTF_MALFORMED', 'BTF strings: expected a string section starting with NUL, got an empty one'],
    ['one byte', () => blob(order).subarray(0, 1), 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 1 bytes'],
    ['no bytes', () => new Uint8Array(0), 'BTF_MALFORMED', 'BTF header: expected magic 0xeb9f, got 0 bytes'],
    ['23 bytes', () => blob(order).subarray(0, 23), 'BTF_MALFORMED', 'BTF header: expected at least 24 bytes, got 23'],
    ['version 0', () => blob(order, { version: 0 }), 'BTF_MALFORMED', 'BTF header: version: expected 1, got 0'],
    ['version 2', () => blob(order, { version: 2 }), 'BTF_MALFORMED', 'BTF header: version: expected 1, got 2'],
    ['hdr_len 20', () => blob(order, { hdrLen: 20 }), 'BTF_MALFORMED', 'BTF header: hdr_len: expected 24 or more, a multiple of 4 and within the 45-byte blob, got 20'],
    ['hdr_len 26', () => blob(order, { hdrLen: 26 }), 'BTF_MALFORMED', 'BTF header: hdr_len: expected 24 or more, a multiple of 4 and within the 47-byte blob, got 26'],
    ['hdr_len past the blob', () => blob(order, { hdrLen: 48 }, new Uint8Array(0)).subarray(0, 44), 'BTF_MALFORMED', 'BTF header: hdr_len: expected 24 or more, a multiple of 4 and within the 44-byte blob, got 48'],
    ['a non-zero unknown header byte', () => blob(order, { hdrLen: 40, tail: [0, 0, 0, 0, 0, 7] }), 'BTF_UNSUPPORTED', 'BTF header: byte 37 of a 40-byte header: expected 0 (unknown header field), got 7'],
    ['a non-zero first unknown header byte', () => blob(order, { hdrLen: 36, tail: [9] }), 'BTF_UNSUPPORTED', 'BTF header: byte 32 of a 36-byte header: expected 0 (unknown header field), got 9'],
    ['a type section past the end', () => blob(order, { typeLen: 24 }), 'BTF_MALFORMED', 'BTF header: type section [0, 24) is outside the 21 bytes after the header'],
    ['a string section past the end', () => blob(order, { strLen: 6 }), 'BTF_MALFORMED', 'BTF header: string section [16, 22) is outside the 21 bytes after the header'],
    ['a layout section past the end', () => blob(order, { hdrLen: 32, layoutOff: 20, layoutLen: 4 }), 'BTF_MALFORMED', 'BTF header: layout section [20, 24) is outside the 21 bytes after the header'],
    ['a type section not on a 4-byte boundary', () => blob(order, { typeOff: 2, typeLen: 12, strOff: 16 }), 'BTF_MALFORMED', 'BTF header: type_off: expected a multiple of 4, got 2'],
    ['a type length not a multiple of 4', () => blob(order, { typeLen: 14 }), 'BTF_MALFORMED', 'BTF header: type_len: expected a multiple of 4, got 14'],
    ['a layout length not a multiple of 4', () => blob(order, { hdrLen: 32, layoutOff: 16, layoutLen: 2 }), 'BTF_MALFORMED', 'BTF header: layout_len: expected a multiple of 4, got 2'],
    ['strings inside the types', () => blob(order, { strOff: 12, strLen: 5 }), 'BTF_MALFORMED', 'BTF header: string section at 12 overlaps the type section ending at 16'],
    ['a layout inside the types', () => blob(order, { hdrLen: 32, layoutOff: 0, layoutLen: 4 }), 'BTF_MALFORMED', 'BTF header: layout section at 0 overlaps the type section ending at 16'],
    // Sections are compared in the order of their offsets, whatever the header's order.
    ['strings before the types, reaching into them', () => blob(order, { typeOff: 4, typeLen: 16, strOff: 0, strLen: 5 }), 'BTF_MALFORMED', 'BTF header: type section at 4 overlaps the string section ending at 5'],
    ['an empty string section', () => blob(order, { strLen: 0 }), 'BTF_MALFORMED', 'BTF strings: expected a string section starting with NUL, got an empty one'],
    ['strings that start without NUL', () => blob(order, { strOff: 17, strLen: 4 }), 'BTF_MALFORMED', 'BTF strings: expected the first byte to be NUL, got 0x69 (split BTF, such as a kernel module\'s, starts without it and needs its base BTF)'],
    ['strings that end without NUL', () => blob(order, { strLen: 4 }), 'BTF_MALFORMED', 'BTF strings: expected the string section to end with NUL'],
  ];
  for (const [what, make, code, message] of cases) {
    H(`refuses ${what}`, () => {
      assert.equal(refusal(make()), { code, message });
    });
  }

  H('edges that load: sections ending at the blob\'s end, hdr_len 28, 32 and 40 with a zero tail, a layout section read', () => {
    assert.is(loadBtf(blob(order, { hdrLen: 28 })).header.hdrLen, 28);
    const l = loadBtf(blob(order, { hdrLen: 32 }));
    assert.equal([l.header.hdrLen, l.header.layoutOff, l.header.layoutLen], [32, 0, 0]);
    assert.is(loadBtf(blob(order, { hdrLen: 40, tail: [0, 0, 0, 0, 0, 0, 0, 0] })).type(1).name, 'int');
    // Layout records for kinds 0 and 1 ([info_sz, elem_sz, flags]) after the types.
    const payload = new Uint8Array(28);
    payload.set(body(order));
    const p = blob(order, { hdrLen: 32, layoutOff: 24, layoutLen: 4 }, payload);
    const with32 = loadBtf(p);
    assert.equal([with32.header.layoutOff, with32.header.layoutLen], [24, 4]);
    assert.is(with32.type(1).name, 'int');
  });

  H('names: ASCII tables and UTF-8 ones, each name from its own offset to its NUL, asked for twice', () => {
    for (const names of [['int', 'count', 'c'], ['zähler', 'ünd', 'x€y']]) {
      const b = new BtfBuilder({ order });
      const i = b.int(names[0]!, 4);
      b.typedef(names[1]!, i);
      b.typedef(names[2]!, i);
      b.typedef('', i);
      const btf = loadBtf(b.build());
      // An offset is valid up to the table's last byte (its final NUL).
      const len = btf.strings.length;
      assert.equal([btf.strings.isValid(0), btf.strings.isValid(len - 1), btf.strings.isValid(len), btf.strings.get(len - 1)], [true, true, false, '']);
      for (let round = 0; round < 2; round++) {
        assert.equal([1, 2, 3, 4].map((id) => btf.type(id).name), [...names, '']);
      }
    }
  });

  H('the magic alone says BTF, in either order; fewer than 2 bytes are not BTF', () => {
    assert.ok(isRawBtf(blob(order)));
    assert.ok(isRawBtf(blob(order).subarray(0, 2)));
    assert.not.ok(isRawBtf(blob(order).subarray(0, 1)));
  });

  H.run();
}
