import type { Random } from '../core/random.js';
import { windowCountTest, type WindowCountTest } from './window-count-test.js';

/**
 * A new series as a medicinal chemist sees it: several compounds of the window on the same
 * Murcko scaffold, a scaffold the model never trained on.
 *
 * The statistic counts *new-scaffold pairs*: ordered pairs of distinct window compounds
 * that share a scaffold absent from the training set, Σ_s c_s (c_s − 1) over those
 * scaffolds. A single unseen scaffold is common in diverse chemistry (on the Biogen
 * endpoints nine in ten held-out compounds have one), so the unseen share alone says
 * little; a scaffold that comes back again and again within a window is a series being made.
 * The count needs no similarity threshold and is blind to the analogues of a series the
 * model already knows (their scaffolds are in its training set), so it stays quiet after
 * a retrain has taken the series in.
 *
 * The null distribution is a permutation one, as for the novel-cluster count: the window
 * is pooled with the model's held-out compounds (calibration + test, in-distribution and
 * not trained on) and the count recomputed on random subsets of the window's size. Under
 * exchangeability this is exact at any sample size; Besag–Clifford stopping
 * (stats/window-count-test.ts, shared with the novel-cluster count).
 */
export type NewScaffoldPairsTest = WindowCountTest;

/**
 * New-scaffold pairs among `members` (indices into the pooled sample); `groups[i]` is the
 * id of compound i's scaffold when the training set lacks it, −1 otherwise. `counts` is
 * scratch space with one zeroed slot per group id (left zeroed on return).
 */
export function newScaffoldPairs(groups: Int32Array, members: ArrayLike<number>, counts: Int32Array): number {
  let pairs = 0;
  for (let a = 0; a < members.length; a++) {
    const g = groups[members[a]!]!;
    // Each new member of a group pairs with the c members already seen, both ways.
    if (g >= 0) pairs += 2 * counts[g]!++;
  }
  for (let a = 0; a < members.length; a++) {
    const g = groups[members[a]!]!;
    if (g >= 0) counts[g] = 0;
  }
  return pairs;
}

/**
 * Scaffold group ids for a pooled sample: the same id for the same scaffold, −1 for a
 * compound whose scaffold the training set has (null) or that has no ring ('').
 */
export function scaffoldGroups(scaffolds: ReadonlyArray<string | null>): { groups: Int32Array; distinct: number } {
  const ids = new Map<string, number>();
  const groups = Int32Array.from(scaffolds, (s) => {
    if (!s) return -1;
    let id = ids.get(s);
    if (id === undefined) ids.set(s, (id = ids.size));
    return id;
  });
  return { groups, distinct: ids.size };
}

/**
 * Permutation test of the window's count. `scaffolds` holds the held-out compounds first and
 * the window's `m` compounds last: each one's scaffold when unseen in training, else null.
 * Null with fewer than 5 window or 5 held-out compounds.
 */
export function newScaffoldPairsTest(
  scaffolds: ReadonlyArray<string | null>,
  m: number,
  draws: number,
  rng: Random,
  stopAfter = Infinity,
): NewScaffoldPairsTest | null {
  const { groups, distinct } = scaffoldGroups(scaffolds);
  const counts = new Int32Array(distinct);
  return windowCountTest(scaffolds.length, m, (members) => newScaffoldPairs(groups, members, counts), draws, rng, stopAfter);
}
