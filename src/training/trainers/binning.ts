/**
 * Histogram binning of descriptors for tree growing. Each descriptor column is cut into at
 * most `maxBins` quantile bins once, on the whole training set; a split is then "bin ≤ b",
 * found from a per-node histogram in O(node size + bins) instead of sorting every node
 * (the approach of LightGBM and scikit-learn's HistGradientBoosting). A column with at most
 * `maxBins` distinct values gets one bin per value, so its splits are exact.
 *
 * The split is stored as a real threshold (x ≤ t goes left) halfway between the largest
 * training value in bin b and the smallest in bin b + 1, as scikit-learn places thresholds,
 * so prediction needs only the raw value, never the bins.
 */

export interface DescriptorBins {
  rows: number;
  columns: number;
  maxBins: number;
  /** Number of bins of each column. */
  binCount: Int32Array;
  /** Bin of each value, column-major (codes[c * rows + r]) so a node histogram streams one column. */
  codes: Uint8Array;
  /** thresholds[c * maxBins + b] separates bin b from b + 1 of column c. */
  thresholds: Float64Array;
}

export function binDescriptors(data: Float64Array, rows: number, columns: number, maxBins: number): DescriptorBins {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 256) throw new RangeError(`maxBins must be an integer in [2, 256], got ${maxBins}`);
  const binCount = new Int32Array(columns);
  const codes = new Uint8Array(rows * columns);
  const thresholds = new Float64Array(columns * maxBins);
  const sorted = new Float64Array(rows);
  for (let c = 0; c < columns; c++) {
    for (let r = 0; r < rows; r++) sorted[r] = data[r * columns + c]!;
    sorted.sort();
    const upper = upperBounds(sorted, maxBins);
    binCount[c] = upper.length;
    for (let b = 0; b + 1 < upper.length; b++) {
      const lo = upper[b]!;
      const hi = sorted[firstAbove(sorted, lo)]!;
      const mid = lo + (hi - lo) / 2;
      // Where rounding (or overflow) puts the midpoint on or past `hi`, `lo` itself still separates.
      thresholds[c * maxBins + b] = mid < hi && mid >= lo ? mid : lo;
    }
    for (let r = 0; r < rows; r++) codes[c * rows + r] = firstAtLeast(upper, data[r * columns + c]!);
  }
  return { rows, columns, maxBins, binCount, codes, thresholds };
}

/** The largest value of each bin, ascending: every distinct value, or quantiles when too many. */
function upperBounds(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  const distinct: number[] = [];
  for (let i = 0; i < n && distinct.length <= maxBins; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct.push(sorted[i]!);
  if (distinct.length <= maxBins) return Float64Array.from(distinct);
  const out: number[] = [];
  for (let k = 1; k <= maxBins; k++) {
    const v = sorted[Math.ceil((k * n) / maxBins) - 1]!;
    if (out.length === 0 || v !== out[out.length - 1]) out.push(v);
  }
  return Float64Array.from(out);
}

/** Index of the first element > v (sorted ascending). */
function firstAbove(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Index of the first element ≥ v (sorted ascending). */
function firstAtLeast(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! >= v) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
