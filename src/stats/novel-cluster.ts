import type { Random } from '../core/random.js';

/**
 * A new chemical series, seen before any label: compounds that are far from the training
 * set and closer to one another than to anything the model trained on.
 *
 * A compound of the window is *novel-clustered* when
 *   - it is outside the applicability domain: nearest-training similarity below `far`
 *     (the Tanimoto threshold serving flags as out of domain), and
 *   - its nearest neighbour among training ∪ window is another window compound.
 * This is Schilling's nearest-neighbour two-sample statistic (J. Amer. Statist. Assoc. 81,
 * 1986; consistent against any difference of distributions) restricted to out-of-domain
 * compounds. In a random in-distribution window such compounds are few: the training set
 * is far larger than a window, so a compound's nearest neighbour is almost always a
 * training compound. A series the model has not seen arrives as a group whose members are
 * each other's nearest neighbours. The far share alone cannot see that grouping: in
 * diverse chemistry a third of a random window is already out of domain.
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

export interface NovelClusterTest {
  /** Window compounds tested (distinct, possibly a seeded subsample of the window). */
  size: number;
  /** Novel-clustered compounds in the window. */
  count: number;
  /** Mean count over the permutations (random subsets of the window's size from window ∪ held-out). */
  nullMean: number;
  pValue: number;
  draws: number;
}

/**
 * Novel-clustered compounds among `members` (indices into a sample of `n` compounds): far
 * compounds whose nearest neighbour among training ∪ window is another window compound.
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
      if (b !== a && gram[row + members[b]!]! > s) {
        count++;
        break;
      }
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
  const h = size - m;
  if (m < 5 || h < 5) return null;
  const observed = novelClusterCount(
    pooled.gram,
    size,
    pooled.nearest,
    far,
    Int32Array.from({ length: m }, (_, i) => h + i),
  );
  const positions = Int32Array.from({ length: size }, (_, i) => i);
  const pick = new Int32Array(m);
  let exceed = 0;
  let total = 0;
  for (let b = 0; b < draws; b++) {
    rng.drawInto(positions, pick);
    const c = novelClusterCount(pooled.gram, size, pooled.nearest, far, pick);
    total += c;
    if (c >= observed && ++exceed >= stopAfter) return { size: m, count: observed, nullMean: total / (b + 1), pValue: exceed / (b + 1), draws: b + 1 };
  }
  return { size: m, count: observed, nullMean: total / draws, pValue: (1 + exceed) / (draws + 1), draws };
}
