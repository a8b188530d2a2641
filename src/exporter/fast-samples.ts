/**
 * Fast path: sample lines written as bytes into one growing buffer per metric family, and 64-bit
 * counters summed as doubles while they stay below 2^52 (exact), as bigint only above.
 *
 * Measured gain (bench/scrape.ts, 100,000-entry percpu_hash, 4 u64 fields, 2 CPUs): one template
 * string per sample, bigint sums and `samples.join('\n')` took about 2,400 ms per scrape (and
 * 650 MiB RSS) on a loaded 2-core machine; this writer takes the figure in the README. Writing the
 * key's label once per entry (scrape.ts) and two digits at a time took the scrape's CPU time from
 * 165 ms to 130 ms (medians of 5, 2026-12-05, load average 14 on 2 cores).
 */

const CHUNK = 1 << 18;
const TWO_52 = 4503599627370496;
const TWO_32 = 4294967296;
const digits = new Uint8Array(24);
/** '00' .. '99' as byte pairs. */
const DIGITS2 = new Uint8Array(200);
for (let i = 0; i < 100; i++) { DIGITS2[2 * i] = 48 + Math.floor(i / 10); DIGITS2[2 * i + 1] = 48 + (i % 10); }

/**
 * Bytes appended to 256 KiB chunks: a full chunk is kept and a new one started, never copied into a
 * bigger buffer (growing one buffer by doubling spent more time copying than writing).
 */
export class ByteSink {
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  len = 0;
  private readonly done: Uint8Array[] = [];

  /**
   * Room for n more bytes. bytes(), byte() and uint() write without checking: the caller reserves
   * for them first (a sample line at a time); text() and value() check for themselves.
   */
  reserve(n: number): void {
    this.ensure(n);
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.len > 0) this.done.push(this.buf.subarray(0, this.len));
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.len = 0;
  }

  bytes(u8: Uint8Array): void {
    const n = u8.length;
    // Above 24 bytes set() wins: copying the 39-byte sample names of bench/scrape.ts with it took
    // the scrape from 121 to 112 ms (medians of 9, five alternating pairs, 2026-12-08; the bound was 64).
    if (n > 24) { this.buf.set(u8, this.len); this.len += n; return; }
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) b[at++] = u8[i]!; // short names and labels: a loop beats set()'s call cost
    this.len = at;
  }

  /** Text of any characters (label values): UTF-8. */
  text(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  /** The first n bytes of u8. */
  bytesN(u8: Uint8Array, n: number): void {
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) b[at++] = u8[i]!;
    this.len = at;
  }

  byte(b: number): void {
    this.buf[this.len++] = b;
  }

  /** A non-negative integer below 2^53, in decimal (at most 16 bytes): two digits at a time. */
  uint(v: number): void {
    let n = 0;
    while (v >= 100) {
      const q = Math.floor(v / 100);
      const r = (v - q * 100) << 1;
      digits[n++] = DIGITS2[r + 1]!;
      digits[n++] = DIGITS2[r]!;
      v = q;
    }
    if (v >= 10) { digits[n++] = DIGITS2[(v << 1) + 1]!; digits[n++] = DIGITS2[v << 1]!; } else digits[n++] = 48 + v;
    const b = this.buf;
    let at = this.len;
    for (let i = n - 1; i >= 0; i--) b[at++] = digits[i]!;
    this.len = at;
  }

  /** A sample value: integers exactly, floats as JavaScript prints them, +Inf / -Inf / NaN. */
  value(v: number | bigint): void {
    if (typeof v === 'number') {
      if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Number.isInteger(v)) { this.ensure(16); this.uint(v); return; }
      this.text(Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
      return;
    }
    if (v >= 0n && v <= 9007199254740991n) { this.ensure(16); this.uint(Number(v)); return; }
    this.text(v.toString());
  }

  /** The bytes written, as chunks (views). */
  chunks(): Uint8Array[] {
    return this.len > 0 ? [...this.done, this.buf.subarray(0, this.len)] : [...this.done];
  }
}

/**
 * The sum over `n` CPUs of an unsigned 64-bit field at `off`, `stride` apart: a double while every
 * addend is below 2^52 and the running total too (so each addition is exact), else null (the caller
 * sums as bigint).
 */
export function sumU64(dv: DataView, off: number, stride: number, n: number, little: boolean): number | null {
  const lo = little ? 0 : 4, hi = little ? 4 : 0;
  let total = 0;
  for (let c = 0; c < n; c++) {
    const o = off + c * stride;
    const h = dv.getUint32(o + hi, little);
    if (h >= 0x100000 || total >= TWO_52) return null;
    total += h * TWO_32 + dv.getUint32(o + lo, little);
  }
  return total;
}
