/**
 * Regression metrics with scikit-learn / SciPy semantics:
 * MAE, MSE, RMSE (sklearn mean_absolute_error, mean_squared_error), R² (sklearn r2_score,
 * force_finite), Pearson r (scipy.stats.pearsonr) and Spearman rho (scipy.stats.spearmanr:
 * Pearson on average ranks). Inputs: non-empty, equal length, finite (RangeError otherwise).
 * Undefined values are NaN: R² with fewer than two samples, a correlation with one sample
 * or a constant input.
 */
import { requirePaired, type Numbers } from './input.js';
import { averageRanks } from './ranks.js';
import { Sum, fmean } from './summation.js';

export function mae(yTrue: Numbers, yPred: Numbers): number {
  requirePaired('mae', ['yTrue', 'yPred'], [yTrue, yPred]);
  const s = new Sum();
  for (let i = 0; i < yTrue.length; i++) s.add(Math.abs(yTrue[i]! - yPred[i]!));
  return s.value / yTrue.length;
}

export function mse(yTrue: Numbers, yPred: Numbers): number {
  requirePaired('mse', ['yTrue', 'yPred'], [yTrue, yPred]);
  return sumSquaredErrors(yTrue, yPred) / yTrue.length;
}

export function rmse(yTrue: Numbers, yPred: Numbers): number {
  requirePaired('rmse', ['yTrue', 'yPred'], [yTrue, yPred]);
  return Math.sqrt(sumSquaredErrors(yTrue, yPred) / yTrue.length);
}

/**
 * Coefficient of determination, 1 − SS_res / SS_tot, as sklearn's r2_score with
 * force_finite=True: a perfect prediction scores 1 (even for constant yTrue), an imperfect
 * one of a constant yTrue scores 0. NaN below two samples.
 *
 * One deliberate difference: "constant" means all yTrue are equal. sklearn subtracts
 * numpy's floating mean, which for e.g. [0.1, 0.1, 0.1] is 0.10000000000000002, so its
 * SS_tot is ~6e-34 instead of 0 and its R² about −3.5e31.
 */
export function r2(yTrue: Numbers, yPred: Numbers): number {
  requirePaired('r2', ['yTrue', 'yPred'], [yTrue, yPred]);
  const n = yTrue.length;
  if (n < 2) return Number.NaN;
  const ssRes = sumSquaredErrors(yTrue, yPred);
  let ssTot = 0;
  if (!isConstant(yTrue)) {
    const m = fmean(yTrue);
    const s = new Sum();
    for (let i = 0; i < n; i++) s.add((yTrue[i]! - m) ** 2);
    ssTot = s.value;
  }
  if (ssRes === 0) return 1;
  if (ssTot === 0) return 0;
  return 1 - ssRes / ssTot;
}

/** Pearson's r (scipy.stats.pearsonr statistic). NaN for n < 2 or a constant input. */
export function pearson(x: Numbers, y: Numbers): number {
  requirePaired('pearson', ['x', 'y'], [x, y]);
  return correlation(x, y);
}

/** Spearman's rho: Pearson's r of the average ranks (ties share their mean rank). */
export function spearman(x: Numbers, y: Numbers): number {
  requirePaired('spearman', ['x', 'y'], [x, y]);
  if (x.length < 2 || isConstant(x) || isConstant(y)) return Number.NaN;
  return correlation(averageRanks(x), averageRanks(y));
}

export interface RegressionMetrics {
  n: number;
  mae: number;
  rmse: number;
  r2: number;
  pearson: number;
  spearman: number;
}

export function regressionMetrics(yTrue: Numbers, yPred: Numbers): RegressionMetrics {
  return {
    n: yTrue.length,
    mae: mae(yTrue, yPred),
    rmse: rmse(yTrue, yPred),
    r2: r2(yTrue, yPred),
    pearson: pearson(yTrue, yPred),
    spearman: spearman(yTrue, yPred),
  };
}

function sumSquaredErrors(yTrue: Numbers, yPred: Numbers): number {
  const s = new Sum();
  for (let i = 0; i < yTrue.length; i++) s.add((yTrue[i]! - yPred[i]!) ** 2);
  return s.value;
}

function isConstant(xs: Numbers): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] !== xs[0]) return false;
  return true;
}

function correlation(x: Numbers, y: Numbers): number {
  const n = x.length;
  if (n < 2 || isConstant(x) || isConstant(y)) return Number.NaN;
  // Two points are perfectly (anti)correlated; scipy returns the sign exactly.
  if (n === 2) return Math.sign(x[1]! - x[0]!) * Math.sign(y[1]! - y[0]!);
  const mx = fmean(x);
  const my = fmean(y);
  const sxx = new Sum();
  const syy = new Sum();
  const sxy = new Sum();
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxx.add(dx * dx);
    syy.add(dy * dy);
    sxy.add(dx * dy);
  }
  const r = sxy.value / (Math.sqrt(sxx.value) * Math.sqrt(syy.value));
  return Math.max(-1, Math.min(1, r));
}
