/**
 * Calibration of predicted probabilities for a binary endpoint: a reliability table
 * (sklearn.calibration.calibration_curve, plus the count per bin), the expected
 * calibration error built on it, and the Brier score (sklearn brier_score_loss).
 * Labels are 0/1, probabilities lie in [0, 1] (RangeError otherwise).
 */
import { requireBinary, requireCount, requirePaired, requireProbabilities, type Numbers } from './input.js';
import { linspace, quantileLinear } from './quantile.js';
import { Sum } from './summation.js';

export type BinStrategy = 'uniform' | 'quantile';

export interface ReliabilityBin {
  /** Index of the bin among all `bins` (empty bins are left out of the table). */
  bin: number;
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedFrequency: number;
}

export interface ReliabilityTable {
  strategy: BinStrategy;
  edges: Float64Array;
  rows: ReliabilityBin[];
  n: number;
}

/**
 * Bins as sklearn's calibration_curve: `uniform` edges linspace(0, 1, bins + 1), or
 * `quantile` edges at the probabilities' percentiles. A bin holds (lower, upper]; the first
 * also holds 0. Empty bins are omitted, as sklearn omits them.
 */
export function reliabilityTable(yTrue: Numbers, prob: Numbers, options: { bins?: number; strategy?: BinStrategy } = {}): ReliabilityTable {
  const fn = 'reliabilityTable';
  checkProbs(fn, yTrue, prob);
  const bins = options.bins ?? 10;
  const strategy = options.strategy ?? 'uniform';
  requireCount(fn, 'bins', bins, 1);
  const edges = binEdges(prob, bins, strategy);
  const count = new Float64Array(bins);
  const sumProb = Array.from({ length: bins }, () => new Sum());
  const positives = new Float64Array(bins);
  for (let i = 0; i < prob.length; i++) {
    const b = binOf(edges, prob[i]!);
    count[b]!++;
    sumProb[b]!.add(prob[i]!);
    positives[b]! += yTrue[i]!;
  }
  const rows: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (count[b] === 0) continue;
    rows.push({
      bin: b,
      lower: edges[b]!,
      upper: edges[b + 1]!,
      count: count[b]!,
      meanPredicted: sumProb[b]!.value / count[b]!,
      observedFrequency: positives[b]! / count[b]!,
    });
  }
  return { strategy, edges, rows, n: prob.length };
}

/** ECE = Σ_b (n_b / n) · |observed_b − meanPredicted_b| over the reliability table's bins. */
export function expectedCalibrationError(yTrue: Numbers, prob: Numbers, options: { bins?: number; strategy?: BinStrategy } = {}): number {
  const table = reliabilityTable(yTrue, prob, options);
  const ece = new Sum();
  for (const r of table.rows) ece.add((r.count / table.n) * Math.abs(r.observedFrequency - r.meanPredicted));
  return ece.value;
}

/** Brier score: mean squared difference between the 0/1 label and the probability. */
export function brierScore(yTrue: Numbers, prob: Numbers): number {
  checkProbs('brierScore', yTrue, prob);
  const s = new Sum();
  for (let i = 0; i < prob.length; i++) s.add((yTrue[i]! - prob[i]!) ** 2);
  return s.value / prob.length;
}

function checkProbs(fn: string, yTrue: Numbers, prob: Numbers): void {
  requirePaired(fn, ['yTrue', 'prob'], [yTrue, prob]);
  requireBinary(fn, 'yTrue', yTrue);
  requireProbabilities(fn, 'prob', prob);
}

function binEdges(prob: Numbers, bins: number, strategy: BinStrategy): Float64Array {
  const grid = linspace(0, 1, bins + 1);
  if (strategy === 'uniform') return grid;
  if (strategy !== 'quantile') throw new RangeError(`reliabilityTable: strategy is ${String(strategy)}; use 'uniform' or 'quantile'`);
  const sorted = Float64Array.from(prob).sort();
  // np.percentile(prob, grid * 100) divides by 100 again: reproduce the rounding.
  return grid.map((q) => quantileLinear(sorted, (q * 100) / 100));
}

/** numpy.searchsorted(edges[1:-1], p, side='left'): the number of interior edges below p. */
function binOf(edges: Float64Array, p: number): number {
  let lo = 1;
  let hi = edges.length - 1; // interior edges are edges[1 .. length-2]
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}
