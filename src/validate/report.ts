import { conformalCoverageTable, type CoverageLevelRow } from '../stats/conformal.js';
import { gaussianReliability, miscalibrationArea, type CoverageRow } from '../stats/calibration-regression.js';
import { classificationMetrics, type ClassificationMetrics } from '../stats/metrics-classification.js';
import { regressionMetrics, type RegressionMetrics } from '../stats/metrics-regression.js';
import { mean, quantile, sd } from '../stats/describe.js';
import { mondrianConformal, mondrianCoverage, type MondrianBand } from '../stats/conformal-mondrian.js';
import type { SignalBaseline } from './signal-baseline.js';
import type { SplitRule } from './splits.js';

/**
 * The validation report of one model version: test-set metrics, conformal interval
 * coverage (calibrated on the held-out calibration set), Gaussian calibration of the
 * model's own uncertainty, breakdowns per chemical series, protocol and site, and the
 * applicability-domain profile of the test set (nearest-neighbour similarity to train).
 */
export interface EvaluationSet {
  yTrue: Float64Array;
  yPred: Float64Array;
  sigma: Float64Array;
}

export interface GroupMetrics {
  group: string;
  n: number;
  metrics: RegressionMetrics | ClassificationMetrics | null;
}

/** The split as applied: the rule, the sizes, and what the audit needs to rebuild it. */
export type AppliedSplit = SplitRule & {
  sizes: { train: number; calibration: number; test: number };
  /** cluster splits: the number of Butina clusters and each compound's cluster (by InChIKey). */
  clusters?: { count: number; of: Record<string, number> };
  /** predefined splits: named test compounds absent from the snapshot. */
  unmatchedTest?: number;
};

/**
 * Censored labels (assay floor/ceiling) with a trainer that models them: trained on as
 * bounds; never scored as values (metrics and conformal use exact labels only); in the test
 * set, the share whose prediction lies on the bound's side (≤ a floor, ≥ a ceiling).
 */
export interface CensoringSummary {
  trainedAsBounds: number;
  calibrationExcluded: number;
  testExcluded: number;
  testOnBoundSide: number | null;
}

/** Hyperparameters chosen by CV on the training split: every candidate's score and the choice. */
export interface TuningReport {
  method: 'kfold-cv';
  folds: number;
  seed: number;
  metric: 'pearson';
  candidates: Array<{ params: Record<string, unknown>; pearson: number; rmse: number }>;
  chosen: number;
}

export interface ValidationReport {
  task: 'regression' | 'classification';
  split: AppliedSplit;
  censoring?: CensoringSummary;
  tuning?: TuningReport;
  test: RegressionMetrics | ClassificationMetrics;
  conformal: CoverageLevelRow[] | null;
  /** Normalized conformal uses |y − ŷ|/σ; plain uses |y − ŷ| (when σ is not informative). */
  conformalNormalized: boolean;
  calibration: { miscalibrationArea: number; reliability: CoverageRow[] } | null;
  bySeries: GroupMetrics[];
  byProtocol: GroupMetrics[];
  bySite: GroupMetrics[];
  /** The test set's predictions and intervals: the baseline output monitoring compares against. */
  testPredictions: { mean: number; sd: number };
  applicabilityDomain: {
    nearestSimilarity: { p10: number; median: number; p90: number };
    bins: Array<{ from: number; to: number; n: number; metrics: RegressionMetrics | ClassificationMetrics | null }>;
  };
  /**
   * Conformal intervals conditional on the applicability-domain band (Mondrian, by nearest
   * training Tanimoto), with coverage per band on the test set. Serving uses these when present.
   */
  conformalByBand?: BandConformal[] | null;
  /** What each monitoring statistic looks like on held-out in-distribution compounds (set by the build). */
  signalBaseline?: SignalBaseline;
}

export interface BandConformal {
  level: number;
  normalized: boolean;
  bands: Array<MondrianBand & { testN: number; coverage: number | null; meanWidth: number | null }>;
}

export interface ReportInput {
  task: 'regression' | 'classification';
  split: AppliedSplit;
  censoring?: CensoringSummary;
  tuning?: TuningReport;
  calibration: EvaluationSet;
  test: EvaluationSet;
  /** Per test compound: its chemical series (generic framework) and protocol. */
  testSeries: string[];
  testProtocol: string[];
  testSite: string[];
  /** Per test compound: max Tanimoto to the training set. */
  testNearest: Float64Array;
  /** Per calibration compound: max Tanimoto to the training set (enables the per-band conformal intervals). */
  calibrationNearest?: Float64Array;
  /** Smallest group reported in a breakdown. */
  minGroup?: number;
}

const AD_BINS = [0, 0.3, 0.5, 0.7, 1.0000001];

export function validationReport(input: ReportInput): ValidationReport {
  const metrics = (idx: number[]) => {
    if (idx.length < 3) return null;
    const yt = Float64Array.from(idx, (i) => input.test.yTrue[i]!);
    const yp = Float64Array.from(idx, (i) => input.test.yPred[i]!);
    if (input.task === 'classification') {
      // AUROC needs both classes present.
      const pos = yt.reduce((s, v) => s + v, 0);
      return pos > 0 && pos < yt.length ? classificationMetrics(yt, yp) : null;
    }
    return regressionMetrics(yt, yp);
  };
  const all = Array.from(input.test.yTrue, (_, i) => i);
  const groups = (keys: string[]) => {
    const by = new Map<string, number[]>();
    keys.forEach((k, i) => (by.get(k) ?? by.set(k, []).get(k)!).push(i));
    return [...by.entries()]
      .filter(([, idx]) => idx.length >= (input.minGroup ?? 5))
      .sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))
      .map(([group, idx]) => ({ group, n: idx.length, metrics: metrics(idx) }));
  };

  let conformal: CoverageLevelRow[] | null = null;
  let normalized = false;
  let calibration: ValidationReport['calibration'] = null;
  if (input.task === 'regression' && input.calibration.yTrue.length > 0) {
    // σ is only usable when every prediction has a positive one.
    normalized = input.calibration.sigma.every((s) => s > 0) && input.test.sigma.every((s) => s > 0);
    conformal = conformalCoverageTable(
      { yTrue: input.calibration.yTrue, yPred: input.calibration.yPred, sigma: normalized ? input.calibration.sigma : undefined },
      { yTrue: input.test.yTrue, yPred: input.test.yPred, sigma: normalized ? input.test.sigma : undefined },
    );
    if (normalized) {
      calibration = {
        miscalibrationArea: miscalibrationArea(input.test.yTrue, input.test.yPred, input.test.sigma),
        reliability: gaussianReliability(input.test.yTrue, input.test.yPred, input.test.sigma),
      };
    }
  }
  let conformalByBand: BandConformal[] | null = null;
  if (conformal && input.calibrationNearest) {
    const cal = { yTrue: input.calibration.yTrue, yPred: input.calibration.yPred, sigma: normalized ? input.calibration.sigma : undefined };
    const test = { yTrue: input.test.yTrue, yPred: input.test.yPred, sigma: normalized ? input.test.sigma : undefined };
    conformalByBand = [0.8, 0.9, 0.95].map((level) => {
      const model = mondrianConformal(cal, input.calibrationNearest!, level);
      const cover = mondrianCoverage(model, test, input.testNearest);
      return {
        level,
        normalized,
        bands: model.bands.map((b, i) => ({ ...b, testN: cover[i]!.n, coverage: cover[i]!.coverage, meanWidth: cover[i]!.meanWidth })),
      };
    });
  }
  const sortedSim = Float64Array.from(input.testNearest).sort();
  const bins = AD_BINS.slice(0, -1).map((from, b) => {
    const to = AD_BINS[b + 1]!;
    const idx = all.filter((i) => input.testNearest[i]! >= from && input.testNearest[i]! < to);
    return { from, to: Math.min(1, to), n: idx.length, metrics: metrics(idx) };
  });
  return {
    task: input.task,
    split: input.split,
    ...(input.censoring ? { censoring: input.censoring } : {}),
    ...(input.tuning ? { tuning: input.tuning } : {}),
    test:
      metrics(all) ??
      (input.task === 'regression' ? regressionMetrics(input.test.yTrue, input.test.yPred) : classificationMetrics(input.test.yTrue, input.test.yPred)),
    conformal,
    conformalNormalized: normalized,
    ...(conformalByBand ? { conformalByBand } : {}),
    calibration,
    bySeries: groups(input.testSeries),
    byProtocol: groups(input.testProtocol),
    bySite: groups(input.testSite),
    testPredictions: { mean: mean(input.test.yPred), sd: sd(input.test.yPred) },
    applicabilityDomain: {
      nearestSimilarity: { p10: quantile(sortedSim, 0.1), median: quantile(sortedSim, 0.5), p90: quantile(sortedSim, 0.9) },
      bins,
    },
  };
}
