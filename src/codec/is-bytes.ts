/**
 * Whether a value really is a Uint8Array. `instanceof` alone also accepts an object whose prototype
 * is a Uint8Array (`{ __proto__: new Uint8Array(4) }`), whose byteLength getter then throws a
 * TypeError; ArrayBuffer.isView checks the real typed-array slot.
 */
export function isBytes(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && v instanceof Uint8Array;
}
