import type { Random } from '../core/random.js';
import { windowCountTest, type WindowCountTest } from './window-count-test.js';

/**
 * The novel-pairs count of stats/novel-cluster.ts, with the training set itself in the
 * permutation pool: for a small data set, where the held-out sample is too small a null.
 *
 * The statistic is the same: ordered pairs (i, j) of window compounds where i is out of
 * domain (its nearest training Tanimoto s_i is below `far`) and j is closer to i than any
 * training compound (Tanimoto(i, j) > s_i). The null differs. The held-out version pools the
 * window with the model's calibration and test compounds and keeps the training set fixed.
 * A model developed on 80 compounds (80/10/10) has 16 of those, and a window of 20 is
 * then more than half of its own null pool: a new series of six compounds rarely reaches
 * p < 0.001 (bench/monitor-validity, plasma protein binding: 19 of 40 series flagged in time).
 *
 * Here the window is pooled with the training compounds, and each random subset of the
 * window's size plays the window while the rest of the pool plays the training set: s_i
 * and "closer than any training compound" are recomputed against that rest. This is the
 * exact permutation test of "the window's compounds are exchangeable with the training
 * compounds" (the question a random split answers yes to for the held-out compounds), at
 * any size, with a pool four times the held-out one.
 *
 * Cost: each compound's neighbours sorted by similarity, kept to the window's size + 1
 * (a subset of m compounds can hide at most m − 1 of another member's neighbours, so the
 * nearest non-member is always in the list). The training part is computed once per model
 * version (n² Tanimoto), the window part per window (n · m; chem/neighbour-lists.ts); a draw
 * then reads lists, no similarity. Monitoring uses it up to TRAINING_POOL_MAX training compounds; above that the
 * held-out sample is large enough (its version caps at 500).
 */
export type TrainingNovelPairsTest = WindowCountTest;

/**
 * Each pooled compound's neighbours in the pool, sorted by Tanimoto (descending): training
 * compounds first (0 … size − m − 1), then the window's m; `width` per compound, row-major,
 * −1 past the end of a list (chem/neighbour-lists.ts builds them).
 */
export interface PooledNeighbours {
  size: number;
  m: number;
  width: number;
  index: Int32Array;
  similarity: Float64Array;
}

/**
 * Novel pairs among `members` (pool indices), the rest of the pool as the training set:
 * for each member whose nearest non-member is below `far`, the members strictly closer to
 * it than that non-member. `inSubset` is scratch space, one zeroed byte per pool compound.
 */
export function trainingNovelPairsCount(pool: PooledNeighbours, far: number, members: ArrayLike<number>, inSubset: Uint8Array): number {
  for (let a = 0; a < members.length; a++) inSubset[members[a]!] = 1;
  let count = 0;
  const w = pool.width;
  for (let a = 0; a < members.length; a++) {
    const row = members[a]! * w;
    let e = 0;
    while (e < w && pool.index[row + e]! >= 0 && inSubset[pool.index[row + e]!]) e++;
    // The nearest non-member: always within the list (see above); 0 when the pool has none.
    const s = e < w && pool.index[row + e]! >= 0 ? pool.similarity[row + e]! : 0;
    if (!(s < far)) continue;
    for (let b = 0; b < e; b++) if (pool.similarity[row + b]! > s) count++;
  }
  for (let a = 0; a < members.length; a++) inSubset[members[a]!] = 0;
  return count;
}

/** Permutation test of the window's count (the window is the pool's last m). Null with fewer than 5 window or 5 training compounds. */
export function trainingNovelPairsTest(pool: PooledNeighbours, far: number, draws: number, rng: Random, stopAfter = Infinity): TrainingNovelPairsTest | null {
  const scratch = new Uint8Array(pool.size);
  return windowCountTest(pool.size, pool.m, (members) => trainingNovelPairsCount(pool, far, members, scratch), draws, rng, stopAfter);
}
