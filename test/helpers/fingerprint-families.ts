import type { Random } from '../../src/core/random.js';

/**
 * Synthetic chemistry for the novel-pairs tests: families of fingerprints (a random 40-bit
 * core of a 512-bit fingerprint, each core bit kept with probability 0.7, plus 10 random
 * bits). Members of one family are each other's near neighbours; a new series is a family
 * the model never saw.
 */
export const WORDS = 16;

/** A family core: 40 random bit positions. */
export function familyCore(rng: Random): number[] {
  return Array.from({ length: 40 }, () => rng.below(WORDS * 32));
}

export function member(core: number[], rng: Random): Uint32Array {
  const fp = new Uint32Array(WORDS);
  const set = (b: number) => (fp[b >>> 5]! |= 1 << (b & 31));
  for (const b of core) if (rng.uniform() < 0.7) set(b);
  for (let k = 0; k < 10; k++) set(rng.below(WORDS * 32));
  return fp;
}

/** The fingerprints one after another, WORDS words each. */
export function pack(fps: Uint32Array[]): Uint32Array {
  const out = new Uint32Array(fps.length * WORDS);
  fps.forEach((f, i) => out.set(f, i * WORDS));
  return out;
}
