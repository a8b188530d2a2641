/** Unsigned integers of any byte length as bigint, in either byte order (odd sizes, bitfields). */

export function readWord(u8: Uint8Array, off: number, n: number, little: boolean): bigint {
  let w = 0n;
  if (little) for (let i = n - 1; i >= 0; i--) w = (w << 8n) | BigInt(u8[off + i]!);
  else for (let i = 0; i < n; i++) w = (w << 8n) | BigInt(u8[off + i]!);
  return w;
}

export function writeWord(u8: Uint8Array, off: number, n: number, little: boolean, w: bigint): void {
  let v = w;
  if (little) for (let i = 0; i < n; i++) { u8[off + i] = Number(v & 0xffn); v >>= 8n; }
  else for (let i = n - 1; i >= 0; i--) { u8[off + i] = Number(v & 0xffn); v >>= 8n; }
}
