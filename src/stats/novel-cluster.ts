import type { Random } from '../core/random.js';
import { windowCountTest, type WindowCountTest } from './window-count-test.js';

/**
 * A new chemical series, seen before any label: compounds that are far from the training
 * set and closer to one another than to anything the model trained on.
 *
 * The statistic counts *novel pairs*: ordered pairs (i, j) of window compounds where
 *   - i is outside the applicability domain: its nearest-training similarity s_i is below
 *     `far` (the Tanimoto threshold serving flags as out of domain), and
 *   - j is closer to i than any training compound is (Tanimoto(i, j) > s_i).
 * Each out-of-domain compound contributes the number of window compounds inside its
 * nearest-training radius. This is a ball version of Schilling's nearest-neighbour
 * two-sample statistic (J. Amer. Statist. Assoc. 81, 1986), which counts same-sample
 * neighbours among the k nearest, here with k set per compound by the training set, and
 * restricted to out-of-domain compounds. In a random in-distribution window such pairs are
 * rare: the training set is far larger than a window, so a training compound is almost
 * always closer. A series the model has not seen arrives as a group whose members have
 * several siblings each inside that radius. The far share alone cannot see the grouping: in
 * diverse chemistry a third of a random window is already out of domain.
 *
 * Pairs, not compounds: the first version counted compounds with at least one such
 * neighbour (k = 1). A series member with five siblings in the window then weighed as much
 * as a lone compound with one, and on bench/monitor-validity a series that is a third of
 * each window was flagged within two windows in 13 of 20 runs; counting pairs, 19 of 20,
 * with the same false-alarm rate (the permutation null is exact for any statistic).
 *
 * Why out of domain only: real programmes make close analogues together, so a week's
 * compounds of a series the model knows are often each other's nearest neighbours too. A
 * weaker "far" (the held-out median) made this count fire every week on the demo
 * programme after its retrain, when half of each week was the newly learnt series.
 *
 * The null distribution is a permutation one: the window is pooled with the model's own
 * held-out compounds (calibration + test, in-distribution and not trained on), and the
 * count is recomputed on random subsets of the window's size. Under exchangeability (the
 * window is in-distribution) this is exact at any sample size, even for a small
 * held-out set; Besag–Clifford stopping. Nothing is tuned per data set: `far` is the
 * domain threshold recorded with the model's baseline, the reference compounds are its own.
 */
export interface NovelClusterSample {
  /** Row-major m × m Tanimoto similarities among the compounds. */
  gram: Float64Array;
  /** Each compound's nearest-training similarity. */
  nearest: Float64Array;
}

/** `count`: the novel pairs in the window (out-of-domain i, j closer to i than any training compound); `nullMean`: their mean over random subsets of window ∪ held-out. */
export type NovelClusterTest = WindowCountTest;

/**
 * Novel pairs among `members` (indices into a sample of `n` compounds): for each far
 * compound, the other members closer to it than its nearest training compound.
 */
export function novelClusterCount(gram: Float64Array, n: number, nearest: Float64Array, far: number, members: ArrayLike<number>): number {
  let count = 0;
  const m = members.length;
  for (let a = 0; a < m; a++) {
    const i = members[a]!;
    const s = nearest[i]!;
    if (!(s < far)) continue;
    const row = i * n;
    for (let b = 0; b < m; b++) {
      if (b !== a && gram[row + members[b]!]! > s) count++;
    }
  }
  return count;
}

/**
 * Permutation test of the window's count. `pooled` holds the held-out compounds first and
 * the window's `m` compounds last (row-major Gram matrix and nearest-training similarities
 * of all of them). Null with fewer than 5 window or 5 held-out compounds.
 */
export function novelClusterTest(
  pooled: NovelClusterSample,
  m: number,
  far: number,
  draws: number,
  rng: Random,
  stopAfter = Infinity,
): NovelClusterTest | null {
  const size = pooled.nearest.length;
  return windowCountTest(size, m, (members) => novelClusterCount(pooled.gram, size, pooled.nearest, far, members), draws, rng, stopAfter);
}
