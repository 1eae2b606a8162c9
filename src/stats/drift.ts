/**
 * Two-sample drift statistics for monitoring a feature or a prediction: the two-sided
 * Kolmogorov–Smirnov test (statistic and p-value, as scipy.stats.ks_2samp), the
 * population stability index over reference-quantile bins, and the 1-D Wasserstein
 * distance (scipy.stats.wasserstein_distance). Samples must be non-empty and finite.
 */
import { ksStatistic } from './describe.js';
import { requireCount, requireFinite, requireNonEmpty, type Numbers } from './input.js';
import { gcd, kolmogorovSf, ksTwoSampleExactSf } from './ks-distribution.js';
import { quantileLinear } from './quantile.js';
import { Sum } from './summation.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  statistic: number;
  pValue: number;
  /** The method that produced the p-value. */
  method: 'exact' | 'asymp';
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2 ** 31 - 1;

/**
 * Two-sided two-sample KS test, SciPy 1.10's ks_2samp(alternative='two-sided'):
 * - 'auto' (default) is exact when both samples have at most 10 000 values, else asymp;
 * - 'exact' counts lattice paths (falls back to asymp when lcm(n1, n2) would pass 2^31 or
 *   the computation fails, as SciPy does, with a warning there and `method` here);
 * - 'asymp' is P(D_n ≥ d) of the one-sample distribution at n = round(n1·n2/(n1 + n2)).
 * As in SciPy, the exact method reports D as h / lcm(n1, n2), h the nearest integer.
 */
export function ks2samp(a: Numbers, b: Numbers, method: KsMethod = 'auto'): KsResult {
  const fn = 'ks2samp';
  requireSample(fn, 'a', a);
  requireSample(fn, 'b', b);
  if (method !== 'auto' && method !== 'exact' && method !== 'asymp') throw new RangeError(`${fn}: method is ${String(method)}; use 'auto', 'exact' or 'asymp'`);
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatistic(a, b);
  let mode: 'exact' | 'asymp' = method === 'auto' ? (Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp') : method;
  const g = gcd(n1, n2);
  if (method === 'exact' && n1 / g >= INT32_MAX / (n2 / g)) mode = 'asymp';
  if (mode === 'exact') {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    const p = ksTwoSampleExactSf(n1, n2, h);
    d = h / lcm;
    if (!Number.isNaN(p)) return { statistic: d, pValue: p, method: 'exact' };
    mode = 'asymp';
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  return { statistic: d, pValue: kolmogorovSf(roundHalfEven(en), d), method: 'asymp' };
}

export interface PsiResult {
  psi: number;
  /** Interior bin edges (reference quantiles, duplicates merged); bins are right-closed. */
  edges: Float64Array;
  referenceCounts: Float64Array;
  currentCounts: Float64Array;
}

/**
 * Population stability index Σ_b (c_b − r_b) · ln(c_b / r_b) over `bins` bins whose
 * interior edges are the reference sample's quantiles at 1/bins, …, (bins−1)/bins (numpy's
 * linear quantile). Bins are (e_{i−1}, e_i], open-ended at both ends, so the reference
 * quantile q_i has ≈ i/bins of the reference at or below it; equal edges (ties in the
 * reference) are merged. An empty bin's share (reference or current) is replaced by
 * `epsilon` (default 1e-4, as Evidently does) so the log stays finite; shares are not
 * renormalized afterwards. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate, > 0.25 shift.
 */
export function psi(reference: Numbers, current: Numbers, options: { bins?: number; epsilon?: number } = {}): PsiResult {
  const fn = 'psi';
  requireSample(fn, 'reference', reference);
  requireSample(fn, 'current', current);
  const bins = options.bins ?? 10;
  const eps = options.epsilon ?? 1e-4;
  requireCount(fn, 'bins', bins, 2);
  if (!(eps > 0 && eps < 1)) throw new RangeError(`${fn}: epsilon is ${eps}; it must lie in (0, 1)`);
  const sorted = Float64Array.from(reference).sort();
  const raw: number[] = [];
  for (let i = 1; i < bins; i++) raw.push(quantileLinear(sorted, i / bins));
  const edges = Float64Array.from(raw.filter((e, i) => i === 0 || e !== raw[i - 1]));
  const referenceCounts = histogram(edges, reference);
  const currentCounts = histogram(edges, current);
  const total = new Sum();
  for (let b = 0; b <= edges.length; b++) {
    const r = referenceCounts[b]! / reference.length || eps;
    const c = currentCounts[b]! / current.length || eps;
    total.add((c - r) * Math.log(c / r));
  }
  return { psi: total.value, edges, referenceCounts, currentCounts };
}

/**
 * 1-D Wasserstein (earth mover's) distance between the two empirical distributions:
 * ∫ |F_u(x) − F_v(x)| dx, exact for step CDFs.
 */
export function wasserstein1d(u: Numbers, v: Numbers): number {
  const fn = 'wasserstein1d';
  requireSample(fn, 'u', u);
  requireSample(fn, 'v', v);
  const x = Float64Array.from(u).sort();
  const y = Float64Array.from(v).sort();
  const total = new Sum();
  let i = 0;
  let j = 0;
  let prev = Math.min(x[0]!, y[0]!);
  while (i < x.length || j < y.length) {
    // Next breakpoint of either CDF; the gap |F_u − F_v| is constant up to it.
    const next = j >= y.length || (i < x.length && x[i]! <= y[j]!) ? x[i]! : y[j]!;
    total.add(Math.abs(i / x.length - j / y.length) * (next - prev));
    while (i < x.length && x[i] === next) i++;
    while (j < y.length && y[j] === next) j++;
    prev = next;
  }
  return total.value;
}

function requireSample(fn: string, name: string, xs: Numbers): void {
  requireNonEmpty(fn, name, xs);
  requireFinite(fn, name, xs);
}

/** Counts per right-closed bin: bin = number of edges strictly below the value. */
function histogram(edges: Float64Array, xs: Numbers): Float64Array {
  const counts = new Float64Array(edges.length + 1);
  for (let k = 0; k < xs.length; k++) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (edges[mid]! < xs[k]!) lo = mid + 1;
      else hi = mid;
    }
    counts[lo]!++;
  }
  return counts;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
