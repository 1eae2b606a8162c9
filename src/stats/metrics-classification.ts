/**
 * Binary classification metrics with scikit-learn semantics: AUROC (roc_auc_score),
 * average precision (average_precision_score, the AUPRC without interpolation), ROC and
 * precision–recall curve points (roc_curve, precision_recall_curve) and balanced accuracy
 * at a threshold (balanced_accuracy_score of score >= threshold).
 *
 * Labels are 0/1 (1 is positive); scores are any finite numbers, higher = more positive.
 * With one class missing, AUROC is NaN (sklearn raises) and average precision is NaN
 * when there are no positives (sklearn 1.2 returns 0 with a warning): "undefined" must
 * not read as "as bad as possible" in a validation report.
 */
import { requireBinary, requireFinite, requirePaired, type Numbers } from './input.js';
import { averageRanks, sortedOrder } from './ranks.js';
import { Sum } from './summation.js';

/**
 * AUROC as the Mann–Whitney statistic: the share of (positive, negative) pairs where the
 * positive scores higher, ties counting one half. It equals the trapezoidal area under
 * sklearn's ROC curve, and is computed exactly: 2U is an integer and one division rounds.
 */
export function auroc(yTrue: Numbers, scores: Numbers): number {
  check('auroc', yTrue, scores);
  const ranks = averageRanks(scores);
  let nPos = 0;
  let twiceRankSum = 0; // 2 × rank is an integer: exact in a double up to 2^53
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) {
      nPos++;
      twiceRankSum += 2 * ranks[i]!;
    }
  }
  const nNeg = yTrue.length - nPos;
  if (nPos === 0 || nNeg === 0) return Number.NaN;
  const twiceU = twiceRankSum - nPos * (nPos + 1);
  return twiceU / (2 * nPos * nNeg);
}

/**
 * Average precision: Σ_k (R_k − R_{k−1}) · P_k over the distinct score thresholds, highest
 * first (sklearn's step-function integral, no interpolation). NaN without positives.
 */
export function averagePrecision(yTrue: Numbers, scores: Numbers): number {
  check('averagePrecision', yTrue, scores);
  const { tps, fps } = thresholdCounts(yTrue, scores);
  const positives = tps[tps.length - 1]!;
  if (positives === 0) return Number.NaN;
  const ap = new Sum();
  let prevTp = 0;
  for (let k = 0; k < tps.length; k++) {
    const tp = tps[k]!;
    if (tp !== prevTp) ap.add(((tp - prevTp) / positives) * (tp / (tp + fps[k]!)));
    prevTp = tp;
  }
  return ap.value;
}

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /** Decreasing; the first is +Infinity so the curve starts at (0, 0). */
  thresholds: Float64Array;
}

/**
 * ROC curve points as sklearn's roc_curve: one per distinct score (decreasing), and with
 * dropIntermediate (the default) collinear points removed. sklearn 1.2 writes max + 1 as
 * the first threshold; we write +Infinity (as sklearn does from 1.3 on). fpr (tpr) is NaN
 * throughout when there are no negatives (positives).
 */
export function rocCurve(yTrue: Numbers, scores: Numbers, options: { dropIntermediate?: boolean } = {}): RocCurve {
  check('rocCurve', yTrue, scores);
  let { tps, fps, thresholds } = thresholdCounts(yTrue, scores);
  if ((options.dropIntermediate ?? true) && fps.length > 2) {
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      // A point where neither count changes slope lies on the segment between its neighbours.
      if (fps[i - 1]! - 2 * fps[i]! + fps[i + 1]! !== 0 || tps[i - 1]! - 2 * tps[i]! + tps[i + 1]! !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    tps = Float64Array.from(keep, (i) => tps[i]!);
    fps = Float64Array.from(keep, (i) => fps[i]!);
    thresholds = Float64Array.from(keep, (i) => thresholds[i]!);
  }
  const m = tps.length + 1;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const th = new Float64Array(m);
  const negatives = fps[fps.length - 1]!;
  const positives = tps[tps.length - 1]!;
  th[0] = Infinity;
  for (let i = 1; i < m; i++) {
    fpr[i] = negatives > 0 ? fps[i - 1]! / negatives : Number.NaN;
    tpr[i] = positives > 0 ? tps[i - 1]! / positives : Number.NaN;
    th[i] = thresholds[i - 1]!;
  }
  if (negatives === 0) fpr[0] = Number.NaN;
  if (positives === 0) tpr[0] = Number.NaN;
  return { fpr, tpr, thresholds: th };
}

export interface PrecisionRecallCurve {
  /** One per threshold (increasing), then a final 1. */
  precision: Float64Array;
  /** One per threshold (decreasing), then a final 0. */
  recall: Float64Array;
  /** The distinct scores, increasing. */
  thresholds: Float64Array;
}

/**
 * Precision–recall points as sklearn 1.2's precision_recall_curve: every distinct score
 * is a threshold, in increasing order, and the curve ends at (recall 0, precision 1).
 * Without positives recall is 1 throughout (as sklearn).
 */
export function precisionRecallCurve(yTrue: Numbers, scores: Numbers): PrecisionRecallCurve {
  check('precisionRecallCurve', yTrue, scores);
  const { tps, fps, thresholds } = thresholdCounts(yTrue, scores);
  const t = tps.length;
  const positives = tps[t - 1]!;
  const precision = new Float64Array(t + 1);
  const recall = new Float64Array(t + 1);
  const th = new Float64Array(t);
  for (let k = 0; k < t; k++) {
    const i = t - 1 - k; // reverse: increasing thresholds
    precision[k] = tps[i]! / (tps[i]! + fps[i]!);
    recall[k] = positives > 0 ? tps[i]! / positives : 1;
    th[k] = thresholds[i]!;
  }
  precision[t] = 1;
  recall[t] = 0;
  return { precision, recall, thresholds: th };
}

export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Counts with "positive" predicted where score >= threshold. */
export function confusionAtThreshold(yTrue: Numbers, scores: Numbers, threshold: number): Confusion {
  check('confusionAtThreshold', yTrue, scores);
  if (Number.isNaN(threshold)) throw new RangeError('confusionAtThreshold: threshold is NaN');
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < yTrue.length; i++) {
    const predicted = scores[i]! >= threshold;
    if (yTrue[i] === 1) predicted ? c.tp++ : c.fn++;
    else predicted ? c.fp++ : c.tn++;
  }
  return c;
}

/**
 * Balanced accuracy of score >= threshold: the mean recall over the classes present in
 * yTrue (sklearn balanced_accuracy_score). With one class present it is that class's recall.
 */
export function balancedAccuracy(yTrue: Numbers, scores: Numbers, threshold = 0.5): number {
  const { tp, fp, tn, fn } = confusionAtThreshold(yTrue, scores, threshold);
  const recalls: number[] = [];
  if (tn + fp > 0) recalls.push(tn / (tn + fp));
  if (tp + fn > 0) recalls.push(tp / (tp + fn));
  return recalls.reduce((a, b) => a + b, 0) / recalls.length;
}

export interface ClassificationMetrics {
  n: number;
  positives: number;
  auroc: number;
  averagePrecision: number;
  balancedAccuracy: number;
  threshold: number;
}

export function classificationMetrics(yTrue: Numbers, scores: Numbers, threshold = 0.5): ClassificationMetrics {
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === 1) positives++;
  return {
    n: yTrue.length,
    positives,
    auroc: auroc(yTrue, scores),
    averagePrecision: averagePrecision(yTrue, scores),
    balancedAccuracy: balancedAccuracy(yTrue, scores, threshold),
    threshold,
  };
}

function check(fn: string, yTrue: Numbers, scores: Numbers): void {
  requirePaired(fn, ['yTrue', 'scores'], [yTrue, scores]);
  requireBinary(fn, 'yTrue', yTrue);
  requireFinite(fn, 'scores', scores);
}

/** Cumulative true/false positives at each distinct score, highest score first. */
function thresholdCounts(yTrue: Numbers, scores: Numbers): { tps: Float64Array; fps: Float64Array; thresholds: Float64Array } {
  const order = sortedOrder(scores);
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    if (yTrue[i] === 1) tp++;
    else fp++;
    // Close a threshold after the last sample carrying this score.
    if (k === 0 || scores[order[k - 1]!] !== scores[i]) {
      tps.push(tp);
      fps.push(fp);
      thresholds.push(scores[i]!);
    }
  }
  return { tps: Float64Array.from(tps), fps: Float64Array.from(fps), thresholds: Float64Array.from(thresholds) };
}
