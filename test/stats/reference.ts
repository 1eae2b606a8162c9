import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/**
 * scikit-learn / SciPy reference values, written by scripts/fixtures/make_stats_reference.py
 * (Debian python3-sklearn 1.2.1, python3-scipy 1.10.1). See that script for each block.
 * Non-finite numbers are stored as the strings "NaN", "Infinity", "-Infinity" and decoded here.
 */
export type Num = number;

export interface RegressionCase {
  name: string;
  note: string;
  yTrue: Num[];
  yPred: Num[];
  mae: Num;
  mse: Num;
  rmse: Num;
  r2: Num | null;
  pearson: Num | null;
  spearman: Num | null;
  spearmanRanks: [Num[], Num[]];
  errors: Record<string, unknown>;
}

export interface ReliabilityRef {
  bins: number;
  strategy: 'uniform' | 'quantile';
  edges: Num[];
  observed: Num[];
  meanPredicted: Num[];
  counts: number[];
  ece: Num;
}

export interface ClassificationCase {
  name: string;
  note: string;
  yTrue: number[];
  scores: Num[];
  auroc: Num | null;
  averagePrecision: Num | null;
  roc: { fpr: Num[]; tpr: Num[]; thresholds: Num[] } | null;
  pr: { precision: Num[]; recall: Num[]; thresholds: Num[] } | null;
  balancedAccuracy: Record<string, Num>;
  brier: Num;
  reliability: ReliabilityRef[];
  errors: Record<string, unknown>;
}

export interface ConformalCase {
  name: string;
  note: string;
  calibration: { yTrue: Num[]; yPred: Num[]; sigma: Num[] | null };
  test: { yTrue: Num[]; yPred: Num[]; sigma: Num[] | null };
  scores: Num[];
  levels: { level: string; k: number; q: Num; coverage: Num; meanWidth: Num; naiveK: number; numpyHigher: Num }[];
}

export interface CalibrationCase {
  name: string;
  note: string;
  yTrue: Num[] | null;
  yPred: Num[] | null;
  sigma: Num[] | null;
  sameDataAs?: string;
  sigmaScale?: number;
  curves: { bins: number; observed: Num[]; area: Num; areaClosedForm: Num }[];
  reliability: { level: Num; observed: Num }[];
}

export interface KsCase {
  name: string;
  note: string;
  a: Num[];
  b: Num[];
  method: 'auto' | 'exact' | 'asymp';
  methodUsed: 'exact' | 'asymp';
  statistic: Num;
  pValue: Num;
}

export interface PsiCase {
  name: string;
  note: string;
  reference: Num[];
  current: Num[];
  bins: number;
  epsilon: number;
  psi: Num;
  edges: Num[];
  referenceCounts: number[];
  currentCounts: number[];
}

export interface Reference {
  generator: string;
  command: string;
  seed: number;
  versions: Record<string, string>;
  regression: RegressionCase[];
  classification: ClassificationCase[];
  conformal: ConformalCase[];
  calibration: CalibrationCase[];
  ks: KsCase[];
  kstwo: { n: number; d: Num; sf: Num }[];
  smirnov: { n: number; x: Num; sf: Num }[];
  normalQuantile: { p: Num; x: Num }[];
  psi: PsiCase[];
  wasserstein: { name: string; u: Num[]; v: Num[]; distance: Num }[];
}

let cached: Reference | undefined;

export function loadReference(): Reference {
  cached ??= JSON.parse(readFileSync(new URL('../../../test/fixtures/stats/reference.json', import.meta.url), 'utf8'), (_key, value: unknown) => {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    return value;
  }) as Reference;
  return cached;
}

/** Relative difference |a − b| / max(|a|, |b|); 0 when both are equal (also ±Infinity, NaN with NaN). */
export function relDiff(a: number, b: number): number {
  if (Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/** a ≈ b to `rel` relative, or to `abs` absolute when given (for values near zero). */
export function assertClose(actual: number, expected: number, what: string, rel = 1e-12, abs = 0): void {
  const ok = relDiff(actual, expected) <= rel || Math.abs(actual - expected) <= abs;
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (relative difference ${relDiff(actual, expected).toExponential(2)}, allowed ${rel})`);
}

export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rel = 1e-12, abs = 0): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i]!, expected[i]!, `${what}[${i}]`, rel, abs);
}
