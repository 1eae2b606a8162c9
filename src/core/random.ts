/**
 * The one seeded random number generator in rotguard: xoshiro128** (Blackman & Vigna),
 * with its 128-bit state filled by SplitMix64 from the seed, as its authors recommend.
 * Everything that is random in a build (bootstraps, feature sampling, splits) draws from
 * here, so a seed fixes the result on every platform: the arithmetic is 32-bit integer
 * only (Math.imul, >>>), never Math.random.
 */

const MASK64 = (1n << 64n) - 1n;
const TWO_POW_MINUS_32 = 1 / 4294967296;

/** SplitMix64's output function: a bijection on 64-bit integers. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

function seedBits(seed: number): bigint {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  return BigInt.asUintN(64, BigInt(seed));
}

/** Four 32-bit words from two SplitMix64 outputs started at `state`. */
function splitmixState(state: bigint): [number, number, number, number] {
  const words: number[] = [];
  for (let i = 0; i < 2; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    const z = mix64(state);
    words.push(Number(z & 0xffffffffn), Number(z >> 32n));
  }
  return words as [number, number, number, number];
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A generator for `seed` (any safe integer; negative seeds are taken modulo 2^64). */
  constructor(seed: number) {
    [this.s0, this.s1, this.s2, this.s3] = splitmixState(seedBits(seed));
  }

  /**
   * An independent generator for stream `stream` of `seed` (e.g. tree t of a forest): its
   * draws depend only on (seed, stream), so streams can later run in any order or in parallel.
   */
  static stream(seed: number, stream: number): Random {
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = splitmixState(mix64(seedBits(seed)) ^ seedBits(stream));
    return r;
  }

  /** A generator with the raw xoshiro128** state (for checking against the reference code). */
  static fromState(state: readonly [number, number, number, number]): Random {
    if (state.every((w) => (w | 0) === 0)) throw new RangeError('xoshiro128** state must not be all zero');
    const r = new Random(0);
    [r.s0, r.s1, r.s2, r.s3] = state.map((w) => w | 0) as [number, number, number, number];
    return r;
  }

  /** Next 32-bit output, as an unsigned integer in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased; 1 ≤ n ≤ 2^32. */
  below(n: number): number {
    if (n <= 2097152 && n >= 1 && Number.isInteger(n)) {
      // Lemire's multiply-and-shift with rejection: x·n < 2^53 is exact in a double, and the
      // common case needs no division (tree growing draws hundreds of these per node).
      let m = this.nextUint32() * n;
      let high = Math.floor(m * TWO_POW_MINUS_32);
      let low = m - high * 4294967296;
      if (low < n) {
        const threshold = (4294967296 - n) % n;
        while (low < threshold) {
          m = this.nextUint32() * n;
          high = Math.floor(m * TWO_POW_MINUS_32);
          low = m - high * 4294967296;
        }
      }
      return high;
    }
    if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`below(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    // Large n: reject the top partial block of 2^32 so that every residue is equally likely.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Uniform integer in [min, max], both included. */
  integer(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`integer(min, max) needs integers min ≤ max, got ${min}, ${max}`);
    return min + this.below(max - min + 1);
  }

  /**
   * A uniform draw of `out.length` of `positions` without replacement, into `out`, by a
   * partial Fisher–Yates shuffle of `positions` in place. Permutation tests reuse one
   * `positions` array across draws: the shuffle is uniform from any starting order.
   */
  drawInto(positions: Int32Array, out: Int32Array): void {
    const size = positions.length;
    for (let k = 0; k < out.length; k++) {
      const j = k + this.below(size - k);
      const t = positions[k]!;
      positions[k] = positions[j]!;
      positions[j] = t;
      out[k] = positions[k]!;
    }
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** `size` indices drawn uniformly from [0, n) with replacement (a bootstrap sample). */
  sampleWithReplacement(n: number, size: number = n): Int32Array {
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`sample size must be a non-negative integer, got ${size}`);
    const out = new Int32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.below(n);
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
