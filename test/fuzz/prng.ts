/**
 * A small seeded PRNG (sfc32) so that every fuzz input is reproducible from (seed, iteration):
 * each iteration gets its own generator, seeded from both numbers, so a run can be resumed or a
 * single input regenerated without replaying the ones before it.
 */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9;
    this.b = seed >>> 0;
    this.c = stream >>> 0;
    this.d = (Math.floor(seed / 0x100000000) ^ 0x85ebca6b) >>> 0;
    for (let i = 0; i < 15; i++) this.u32();
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n) (n >= 1). */
  int(n: number): number {
    return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

/** The generator of iteration `i` of a run with `seed`. */
export function rngFor(seed: number, i: number): Rng {
  return new Rng(seed, (Math.imul(i, 0x27d4eb2d) ^ (i >>> 16) ^ 0x165667b1) >>> 0);
}
