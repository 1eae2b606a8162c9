/**
 * Two-sample Kolmogorov–Smirnov statistic with a permutation p-value: the null
 * distribution of D at the window's own sample sizes, by relabelling the pooled values.
 * Exact in distribution for any data (ties included: count descriptors such as ring or
 * donor counts are mostly ties, where the classical KS p-value is conservative and PSI
 * has no calibrated scale). p = (1 + #{D* ≥ D}) / (B + 1), a valid p-value for any B.
 *
 * The pooled sample is sorted once; each permutation draws which sorted positions belong
 * to the window (a partial Fisher–Yates shuffle) and scans once: O(N) per permutation.
 *
 * `stopAfter` = h stops at the h-th permutation statistic ≥ the observed one, with
 * p = h / L after L permutations (Besag & Clifford 1991, a valid sequential p-value):
 * a window far from significance costs about h / p permutations instead of B, while
 * small p-values keep the full resolution 1 / (B + 1).
 */
import type { Random } from '../core/random.js';
import { requireFinite, requireNonEmpty, type Numbers } from './input.js';

export interface PermutationKs {
  statistic: number;
  pValue: number;
  permutations: number;
}

export function permutationKs(reference: Numbers, current: Numbers, permutations: number, rng: Random, stopAfter = Infinity): PermutationKs {
  const fn = 'permutationKs';
  requireNonEmpty(fn, 'reference', reference);
  requireNonEmpty(fn, 'current', current);
  requireFinite(fn, 'reference', reference);
  requireFinite(fn, 'current', current);
  if (!Number.isInteger(permutations) || permutations < 1) throw new RangeError(`${fn}: permutations is ${permutations}; it must be a positive integer`);
  const n = reference.length;
  const m = current.length;
  const total = n + m;
  const values = new Float64Array(total);
  values.set(Float64Array.from(reference), 0);
  values.set(Float64Array.from(current), n);
  const order = Array.from({ length: total }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  // lastOfTie[i]: sorted position i ends a run of equal values (the ECDFs are compared only there).
  const lastOfTie = new Uint8Array(total);
  for (let i = 0; i < total; i++) lastOfTie[i] = i === total - 1 || values[order[i]!]! !== values[order[i + 1]!]! ? 1 : 0;
  const label = new Uint8Array(total);
  for (let i = 0; i < total; i++) label[i] = order[i]! >= n ? 1 : 0;
  const observed = scan(label, lastOfTie, n, m);
  const positions = Int32Array.from({ length: total }, (_, i) => i);
  const drawn = new Int32Array(m);
  let exceed = 0;
  // Equal statistics must count as exceeding: compare with a relative tolerance for float noise.
  const bar = observed - 1e-12;
  for (let b = 0; b < permutations; b++) {
    label.fill(0);
    rng.drawInto(positions, drawn);
    for (const i of drawn) label[i] = 1;
    if (scan(label, lastOfTie, n, m) >= bar && ++exceed >= stopAfter) return { statistic: observed, pValue: exceed / (b + 1), permutations: b + 1 };
  }
  return { statistic: observed, pValue: (1 + exceed) / (permutations + 1), permutations };
}

function scan(label: Uint8Array, lastOfTie: Uint8Array, n: number, m: number): number {
  let a = 0;
  let c = 0;
  let d = 0;
  for (let i = 0; i < label.length; i++) {
    if (label[i]) c++;
    else a++;
    if (lastOfTie[i]) {
      const gap = Math.abs(a / n - c / m);
      if (gap > d) d = gap;
    }
  }
  return d;
}
