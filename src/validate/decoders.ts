/**
 * Decoders for what the validate layer's results are stored as: the validation report
 * blob, gate thresholds (gates.thresholds, gate_set events) and gate checks (promotion
 * events). Pure (core only).
 */
import { d, readJsonBlob, type Decoder } from '../core/decode.js';
import type { ClassificationMetrics } from '../stats/metrics-classification.js';
import type { RegressionMetrics } from '../stats/metrics-regression.js';
import type { GateCheck, GateThresholds } from './gate.js';
import type { GroupMetrics, ValidationReport } from './report.js';
import type { SplitRule } from './splits.js';

export const gateThresholdsDecoder: Decoder<GateThresholds> = d.object({
  minTestSize: d.number,
  requireSplit: d.optional(d.literal('scaffold', 'time', 'any')),
  maxRmse: d.optional(d.number),
  maxMae: d.optional(d.number),
  minR2: d.optional(d.number),
  minSpearman: d.optional(d.number),
  minAuroc: d.optional(d.number),
  minAuprc: d.optional(d.number),
  coverage: d.optional(d.object({ level: d.number, min: d.number })),
});

export const gateCheckDecoder: Decoder<GateCheck> = d.object({
  check: d.string,
  value: d.nullable(d.oneOf('a number or a string', d.reportNumber, d.string)),
  threshold: d.oneOf('a number or a string', d.number, d.string),
  passed: d.boolean,
});

const namedCompounds = d.object({ file: d.optional(d.string), sha256: d.optional(d.string), inchikeys: d.array(d.string) });

export const splitRuleDecoder: Decoder<SplitRule> = d.object({
  method: d.literal('scaffold', 'time', 'random', 'cluster', 'predefined'),
  seed: d.integer,
  fractions: d.object({ train: d.number, calibration: d.number, test: d.number }),
  cutoff: d.optional(d.number),
  test: d.optional(namedCompounds),
  calibration: d.optional(namedCompounds),
});

// Report numbers were written through nonFiniteAsNull: NaN and ±Infinity are stored as null.
const n = d.reportNumber;
const regression: Decoder<RegressionMetrics> = d.object({ n: d.integer, mae: n, rmse: n, r2: n, pearson: n, spearman: n });
const classification: Decoder<ClassificationMetrics> = d.object({
  n: d.integer,
  positives: d.integer,
  auroc: n,
  averagePrecision: n,
  balancedAccuracy: n,
  threshold: n,
});
const metrics = d.oneOf('regression or classification metrics', regression, classification);
const group: Decoder<GroupMetrics> = d.object({ group: d.string, n: d.integer, metrics: d.nullable(metrics) });

export const validationReportDecoder: Decoder<ValidationReport> = d.object({
  task: d.literal('regression', 'classification'),
  split: d.object({
    method: d.literal('scaffold', 'time', 'random', 'cluster', 'predefined'),
    seed: d.integer,
    fractions: d.object({ train: n, calibration: n, test: n }),
    sizes: d.object({ train: d.integer, calibration: d.integer, test: d.integer }),
  }),
  test: metrics,
  conformal: d.nullable(d.array(d.object({ level: n, k: d.integer, q: n, coverage: n, meanWidth: n }))),
  conformalNormalized: d.boolean,
  calibration: d.nullable(d.object({ miscalibrationArea: n, reliability: d.array(d.object({ expected: n, observed: n })) })),
  bySeries: d.array(group),
  byProtocol: d.array(group),
  bySite: d.array(group),
  testPredictions: d.object({ mean: n, sd: n }),
  applicabilityDomain: d.object({
    nearestSimilarity: d.object({ p10: n, median: n, p90: n }),
    bins: d.array(d.object({ from: n, to: n, n: d.integer, metrics: d.nullable(metrics) })),
  }),
});

/** A validation report blob, as written by build(). */
export function readValidationReport(blobs: { get(hash: string): Promise<Uint8Array> }, hash: string): Promise<ValidationReport> {
  return readJsonBlob(blobs, hash, validationReportDecoder, 'validation report');
}
