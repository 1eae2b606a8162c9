/**
 * Calibration of Gaussian predictive distributions (a mean and a standard deviation per
 * compound), as Uncertainty Toolbox measures it with prop_type='interval': for each
 * expected proportion p, the observed share of |y − ŷ| / σ within the central interval
 * Φ⁻¹(0.5 ± p/2). The miscalibration area is the area between that observed curve and
 * the diagonal over p = linspace(0, 1, bins) (toolbox `miscalibration_area`, default 100
 * bins), the reliability table the same comparison at a few chosen levels.
 */
import { requireCount, requirePaired, requirePositive, type Numbers } from './input.js';
import { normalQuantile } from './normal.js';
import { linspace } from './quantile.js';
import { Sum } from './summation.js';

export interface CoverageRow {
  /** Nominal (expected) coverage of the central Gaussian interval. */
  expected: number;
  /** Share of observations inside it. */
  observed: number;
}

export interface CalibrationCurve {
  expected: Float64Array;
  observed: Float64Array;
}

/** Observed against expected coverage on the grid linspace(0, 1, bins). */
export function gaussianCalibrationCurve(yTrue: Numbers, yPred: Numbers, sigma: Numbers, bins = 100): CalibrationCurve {
  const fn = 'gaussianCalibrationCurve';
  requireCount(fn, 'bins', bins, 2);
  const z = sortedStandardizedErrors(fn, yTrue, yPred, sigma);
  const expected = linspace(0, 1, bins);
  const observed = expected.map((p) => shareWithin(z, p));
  return { expected, observed };
}

/**
 * Area between the observed coverage curve (linear between grid points) and the
 * diagonal: 0 for perfect calibration, at most 0.5. Segments where the curve crosses the
 * diagonal are split at the crossing, so areas above and below both count.
 */
export function miscalibrationArea(yTrue: Numbers, yPred: Numbers, sigma: Numbers, options: { bins?: number } = {}): number {
  const { expected: e, observed: o } = gaussianCalibrationCurve(yTrue, yPred, sigma, options.bins ?? 100);
  const area = new Sum();
  for (let i = 0; i + 1 < e.length; i++) {
    const h = e[i + 1]! - e[i]!;
    const a = o[i]! - e[i]!;
    const b = o[i + 1]! - e[i + 1]!;
    // Same side: a trapezoid of |gap|. Crossing: two triangles meeting where the gap is 0.
    area.add(a * b >= 0 ? (h * (Math.abs(a) + Math.abs(b))) / 2 : (h * (a * a + b * b)) / (2 * (Math.abs(a) + Math.abs(b))));
  }
  return area.value;
}

/** Expected vs observed coverage of the central Gaussian interval at each level. */
export function gaussianReliability(yTrue: Numbers, yPred: Numbers, sigma: Numbers, levels: Numbers = [0.5, 0.8, 0.9, 0.95, 0.99]): CoverageRow[] {
  const fn = 'gaussianReliability';
  const z = sortedStandardizedErrors(fn, yTrue, yPred, sigma);
  return Array.from(levels, (level) => {
    if (!(level >= 0 && level <= 1)) throw new RangeError(`${fn}: level ${level} must lie in [0, 1]`);
    return { expected: level, observed: shareWithin(z, level) };
  });
}

/** Share of observations inside the central Gaussian interval of the given coverage. */
export function gaussianCoverage(yTrue: Numbers, yPred: Numbers, sigma: Numbers, level: number): number {
  return gaussianReliability(yTrue, yPred, sigma, [level])[0]!.observed;
}

function sortedStandardizedErrors(fn: string, yTrue: Numbers, yPred: Numbers, sigma: Numbers): Float64Array {
  requirePaired(fn, ['yTrue', 'yPred', 'sigma'], [yTrue, yPred, sigma]);
  requirePositive(fn, 'sigma', sigma);
  const z = new Float64Array(yTrue.length);
  for (let i = 0; i < z.length; i++) z[i] = Math.abs(yPred[i]! - yTrue[i]!) / sigma[i]!;
  return z.sort();
}

/** Share of sorted |z| ≤ Φ⁻¹(0.5 + p/2) (the interval is closed, as the toolbox's). */
function shareWithin(sortedZ: Float64Array, p: number): number {
  const bound = normalQuantile(0.5 + p / 2);
  let lo = 0;
  let hi = sortedZ.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedZ[mid]! <= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo / sortedZ.length;
}
