import type { Random } from '../core/random.js';

/**
 * The permutation test of a count over a window pooled with reference compounds (the
 * novel-cluster and new-scaffold-pairs tests): the pool holds the references first and the
 * window's `m` compounds last; the count is recomputed on random subsets of size m drawn
 * from the whole pool. Under exchangeability this is exact at any size. Besag–Clifford
 * stopping after `stopAfter` subsets at or above the observed count: p = h / L then,
 * (1 + exceed) / (draws + 1) otherwise. Null with fewer than 5 window or 5 reference compounds.
 */
export interface WindowCountTest {
  /** Window compounds tested. */
  size: number;
  /** The window's count. */
  count: number;
  /** Mean count over the subsets drawn. */
  nullMean: number;
  pValue: number;
  draws: number;
}

export function windowCountTest(
  size: number,
  m: number,
  count: (members: Int32Array) => number,
  draws: number,
  rng: Random,
  stopAfter = Infinity,
): WindowCountTest | null {
  if (m < 5 || size - m < 5) return null;
  const observed = count(Int32Array.from({ length: m }, (_, i) => size - m + i));
  const positions = Int32Array.from({ length: size }, (_, i) => i);
  const pick = new Int32Array(m);
  let exceed = 0;
  let total = 0;
  for (let b = 0; b < draws; b++) {
    rng.drawInto(positions, pick);
    const c = count(pick);
    total += c;
    if (c >= observed && ++exceed >= stopAfter) return { size: m, count: observed, nullMean: total / (b + 1), pValue: exceed / (b + 1), draws: b + 1 };
  }
  return { size: m, count: observed, nullMean: total / draws, pValue: (1 + exceed) / (draws + 1), draws };
}
