/**
 * Split-conformal prediction intervals for regression. On a calibration set the
 * nonconformity score of each compound is |y − ŷ| (or |y − ŷ| / σ with a per-compound
 * uncertainty σ); for coverage 1 − α the interval half-width is q = the k-th smallest
 * score with k = ⌈(n + 1)(1 − α)⌉, i.e. the empirical quantile at level k/n (numpy method
 * 'inverted_cdf'). Then P(y ∈ ŷ ± q·σ) ≥ 1 − α for an exchangeable new compound. When
 * k > n the calibration set is too small for that guarantee and q is +Infinity.
 *
 * numpy's method='higher' at k/n, often used in tutorials, takes the (k+1)-th smallest
 * when k < n: one order statistic wider than needed.
 */
import { requireFinite, requireLevel, requirePaired, requirePositive, requireSameLength, type Numbers } from './input.js';
import { Sum } from './summation.js';

export interface ConformalSet {
  yTrue: Numbers;
  yPred: Numbers;
  /** Per-compound uncertainty; when given, scores and intervals are scaled by it. */
  sigma?: Numbers;
}

export interface SplitConformal {
  /** Target coverage 1 − α. */
  level: number;
  /** Calibration set size. */
  n: number;
  /** The order statistic used: k = ⌈(n + 1) · level⌉. */
  k: number;
  /** Half-width in score units (+Infinity when k > n). */
  q: number;
  normalized: boolean;
}

/** Nonconformity scores |y − ŷ|, divided by σ when σ is given. */
export function conformalScores(set: ConformalSet): Float64Array {
  return scoresOf(set, 'conformalScores');
}

function scoresOf(set: ConformalSet, fn: string): Float64Array {
  const { yTrue, yPred, sigma } = set;
  if (sigma) {
    requirePaired(fn, ['yTrue', 'yPred', 'sigma'], [yTrue, yPred, sigma]);
    requirePositive(fn, 'sigma', sigma);
  } else {
    requirePaired(fn, ['yTrue', 'yPred'], [yTrue, yPred]);
  }
  const s = new Float64Array(yTrue.length);
  for (let i = 0; i < s.length; i++) s[i] = Math.abs(yTrue[i]! - yPred[i]!) / (sigma ? sigma[i]! : 1);
  return s;
}

/**
 * k = ⌈(n + 1) · level⌉, robust to the rounding of level: (n + 1)·(1 − 0.45) is
 * 55.00000000000001 in doubles for n = 99, and a plain ceil would answer 56. Products
 * within 1e-15·(n + 1) above an integer are taken as that integer (the float error is
 * below 4e-16·(n + 1); a level given to 8 decimals cannot be that close to one).
 */
export function conformalRank(n: number, level: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`conformalRank: n is ${n}; it must be an integer >= 1`);
  requireLevel('conformalRank', 'level', level);
  const x = (n + 1) * level;
  return Math.ceil(x - 1e-15 * (n + 1));
}

/** Calibrate: the score quantile for coverage 1 − alpha. */
export function splitConformal(calibration: ConformalSet, alpha: number): SplitConformal {
  requireLevel('splitConformal', 'alpha', alpha);
  return calibrateAt(calibration, 1 - alpha, 'splitConformal');
}

export interface Intervals {
  lower: Float64Array;
  upper: Float64Array;
}

/** ŷ ± q (or ŷ ± q·σ for a normalized calibration). */
export function conformalIntervals(model: SplitConformal, yPred: Numbers, sigma?: Numbers): Intervals {
  const fn = 'conformalIntervals';
  requireFinite(fn, 'yPred', yPred);
  if (model.normalized && !sigma) throw new RangeError(`${fn}: the calibration was normalized by sigma, so sigma is needed for the new predictions`);
  if (!model.normalized && sigma) throw new RangeError(`${fn}: the calibration used plain residuals; pass no sigma (or calibrate with sigma)`);
  if (sigma) {
    requireSameLength(fn, ['yPred', 'sigma'], [yPred, sigma]);
    requirePositive(fn, 'sigma', sigma);
  }
  const lower = new Float64Array(yPred.length);
  const upper = new Float64Array(yPred.length);
  for (let i = 0; i < yPred.length; i++) {
    const half = model.q * (sigma ? sigma[i]! : 1);
    lower[i] = yPred[i]! - half;
    upper[i] = yPred[i]! + half;
  }
  return { lower, upper };
}

/** Share of y inside its closed interval [lower, upper]; bounds may be infinite. */
export function intervalCoverage(yTrue: Numbers, lower: Numbers, upper: Numbers): number {
  const fn = 'intervalCoverage';
  requireSameLength(fn, ['yTrue', 'lower', 'upper'], [yTrue, lower, upper]);
  if (yTrue.length === 0) throw new RangeError(`${fn}: yTrue is empty`);
  requireFinite(fn, 'yTrue', yTrue);
  requireNotNaN(fn, 'lower', lower);
  requireNotNaN(fn, 'upper', upper);
  let inside = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i]! >= lower[i]! && yTrue[i]! <= upper[i]!) inside++;
  return inside / yTrue.length;
}

/** Mean of upper − lower (+Infinity if any interval is unbounded). */
export function meanIntervalWidth(lower: Numbers, upper: Numbers): number {
  const fn = 'meanIntervalWidth';
  requireSameLength(fn, ['lower', 'upper'], [lower, upper]);
  if (lower.length === 0) throw new RangeError(`${fn}: lower is empty`);
  requireNotNaN(fn, 'lower', lower);
  requireNotNaN(fn, 'upper', upper);
  const s = new Sum();
  for (let i = 0; i < lower.length; i++) {
    const w = upper[i]! - lower[i]!;
    if (w === Infinity) return Infinity;
    s.add(w);
  }
  return s.value / lower.length;
}

export interface CoverageLevelRow {
  level: number;
  k: number;
  q: number;
  coverage: number;
  meanWidth: number;
}

/** Calibrate on one set, then measure coverage and mean width on another, per level. */
export function conformalCoverageTable(calibration: ConformalSet, test: ConformalSet, levels: Numbers = [0.8, 0.9, 0.95]): CoverageLevelRow[] {
  const fn = 'conformalCoverageTable';
  if (Boolean(calibration.sigma) !== Boolean(test.sigma)) throw new RangeError(`${fn}: give sigma for both the calibration and the test set, or for neither`);
  return Array.from(levels, (level) => {
    requireLevel(fn, 'level', level);
    const model = calibrateAt(calibration, level, fn);
    const { lower, upper } = conformalIntervals(model, test.yPred, test.sigma);
    return { level, k: model.k, q: model.q, coverage: intervalCoverage(test.yTrue, lower, upper), meanWidth: meanIntervalWidth(lower, upper) };
  });
}

function calibrateAt(calibration: ConformalSet, level: number, fn: string): SplitConformal {
  const scores = scoresOf(calibration, fn).sort();
  const n = scores.length;
  const k = conformalRank(n, level);
  return { level, n, k, q: k > n ? Infinity : scores[k - 1]!, normalized: Boolean(calibration.sigma) };
}

function requireNotNaN(fn: string, name: string, xs: Numbers): void {
  for (let i = 0; i < xs.length; i++) if (Number.isNaN(xs[i])) throw new RangeError(`${fn}: ${name}[${i}] is NaN`);
}
