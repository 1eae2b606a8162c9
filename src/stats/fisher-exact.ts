import { lnGamma } from './student-t.js';

/**
 * One-sided Fisher exact test: is the share of "hits" in a window (k of m) greater than in
 * a reference sample (k0 of n0)? Conditioned on the total hits, the window's count is
 * hypergeometric, so the p-value is P(X ≥ k) for X ~ Hypergeometric(N = m + n0,
 * K = k + k0, draws m). Unlike a binomial test against the reference share, it accounts
 * for the reference being a sample: with a small one (a model built on 150 compounds has
 * ~30 held-out) a binomial test treats a noisy share as exact and alarms far too often.
 * As the reference grows the two agree. Matches scipy.stats.fisher_exact(alternative="greater").
 */
export function fisherExactGreater(k: number, m: number, k0: number, n0: number): number {
  const ints = [k, m, k0, n0].every((v) => Number.isInteger(v) && v >= 0);
  if (!ints || k > m || k0 > n0) return Number.NaN;
  const N = m + n0;
  const K = k + k0;
  const top = Math.min(K, m);
  const lnChoose = (n: number, r: number) => lnGamma(n + 1) - lnGamma(r + 1) - lnGamma(n - r + 1);
  const lnDenominator = lnChoose(N, m);
  // Sum the upper tail from its largest term down (terms fall away from the mode).
  let p = 0;
  for (let x = k; x <= top; x++) {
    if (m - x > N - K) continue;
    p += Math.exp(lnChoose(K, x) + lnChoose(N - K, m - x) - lnDenominator);
  }
  return Math.min(1, p);
}
