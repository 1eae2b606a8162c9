/**
 * Ridge regression on descriptors, solved in closed form.
 *
 * Features are standardized first (mean, population SD as scikit-learn's StandardScaler;
 * a constant column gets scale 1 and its exact value as mean, so it is 0 in training).
 * With Z the standardized matrix (columns centred, so the intercept is ȳ and unpenalized):
 *
 *   A = ZᵀZ + αI = L Lᵀ (Cholesky),  w = A⁻¹ Zᵀ(y − ȳ),  ŷ(x) = ȳ + wᵀz(x).
 *
 * Uncertainty is the predictive SD of the Bayesian reading of ridge (prior w ~ N(0, σ²/α I),
 * flat prior on the intercept), with σ² estimated from the residuals:
 *
 *   sd(x) = σ̂ · sqrt(1 + h(x)),  h(x) = 1/n + z(x)ᵀ A⁻¹ z(x) = 1/n + ‖L⁻¹ z(x)‖²,
 *   σ̂² = RSS / max(n − df, 1),   df = 1 + tr(Z A⁻¹ Zᵀ) = 1 + d − α·tr(A⁻¹).
 *
 * h(x) is the ridge leverage: small near the bulk of the training data, large far from it
 * (including when a descriptor that never varied in training takes another value: its
 * diagonal in A is just α). The floor of 1 on the residual degrees of freedom keeps σ̂ finite
 * when the model can nearly interpolate (d ≥ n with small α).
 */
import { RotguardError } from '../../core/errors.js';
import { artifactError, fromNumbers, storable, toNumbers } from './encoding.js';
import { checkFeatures, checkTrainingData, type FeatureShape } from './features.js';
import { cholesky, solveLower, solveUpperTransposed } from './linalg.js';
import { knownKeys, positiveParam } from './params.js';
import type { FeatureMatrix, ModelArtifact, Prediction, Trainer, TrainedModel, TrainingData } from './types.js';

export const RIDGE = 'ridge';

export interface RidgeParams {
  /** L2 penalty on the standardized coefficients (scikit-learn's `alpha`). Default 1. */
  alpha: number;
}

interface RidgeState {
  alpha: number;
  trainingRows: number;
  means: Float64Array;
  scales: Float64Array;
  coefficients: Float64Array;
  intercept: number;
  residualVariance: number;
  degreesOfFreedom: number;
  /** Lower Cholesky factor of A, row-major d × d. */
  factor: Float64Array;
}

export class RidgeModel implements TrainedModel {
  readonly kind = RIDGE;
  readonly task = 'regression' as const;
  private readonly s: RidgeState;

  constructor(state: RidgeState) {
    this.s = state;
  }

  get descriptorColumns(): number {
    return this.s.means.length;
  }
  /** Coefficients on the standardized descriptors. */
  get coefficients(): Float64Array {
    return this.s.coefficients.slice();
  }
  get intercept(): number {
    return this.s.intercept;
  }
  get means(): Float64Array {
    return this.s.means.slice();
  }
  get scales(): Float64Array {
    return this.s.scales.slice();
  }
  get residualVariance(): number {
    return this.s.residualVariance;
  }

  predict(x: FeatureMatrix): Prediction {
    const d = this.descriptorColumns;
    checkFeatures(x, shape(d), RIDGE);
    const { means, scales, coefficients, intercept, factor, trainingRows, residualVariance } = this.s;
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    const data = x.descriptors!.data;
    const z = new Float64Array(d);
    const u = new Float64Array(d);
    for (let r = 0; r < x.rows; r++) {
      let y = intercept;
      for (let c = 0; c < d; c++) {
        z[c] = (data[r * d + c]! - means[c]!) / scales[c]!;
        y += coefficients[c]! * z[c]!;
      }
      solveLower(factor, d, z, u);
      let h = 1 / trainingRows;
      for (let c = 0; c < d; c++) h += u[c]! * u[c]!;
      value[r] = y;
      uncertainty[r] = Math.sqrt(residualVariance * (1 + h));
    }
    return { value, uncertainty };
  }

  toJSON(): ModelArtifact {
    const s = this.s;
    const d = this.descriptorColumns;
    const packed: number[] = [];
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) packed.push(s.factor[i * d + j]!);
    return {
      kind: RIDGE,
      formatVersion: 1,
      task: 'regression',
      params: { alpha: s.alpha },
      descriptorColumns: d,
      trainingRows: s.trainingRows,
      means: toNumbers(s.means),
      scales: toNumbers(s.scales),
      coefficients: toNumbers(s.coefficients),
      intercept: storable(s.intercept),
      residualVariance: storable(s.residualVariance),
      degreesOfFreedom: storable(s.degreesOfFreedom),
      choleskyLowerPacked: toNumbers(packed),
    };
  }

  static fromJSON(artifact: unknown): RidgeModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== RIDGE || a.formatVersion !== 1) throw artifactError(`not a ${RIDGE} artifact of format 1`);
    const d = a.descriptorColumns;
    const n = a.trainingRows;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) throw artifactError('descriptorColumns must be a positive integer');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) throw artifactError('trainingRows must be an integer ≥ 2');
    const packed = fromNumbers(a.choleskyLowerPacked, 'choleskyLowerPacked', (d * (d + 1)) / 2);
    const factor = new Float64Array(d * d);
    for (let i = 0, k = 0; i < d; i++) for (let j = 0; j <= i; j++) factor[i * d + j] = packed[k++]!;
    const scalar = (key: string) => fromNumbers([a[key]], key)[0]!;
    const params = a.params as Record<string, unknown> | undefined;
    return new RidgeModel({
      alpha: fromNumbers([params?.alpha], 'params.alpha')[0]!,
      trainingRows: n,
      means: fromNumbers(a.means, 'means', d),
      scales: fromNumbers(a.scales, 'scales', d),
      coefficients: fromNumbers(a.coefficients, 'coefficients', d),
      intercept: scalar('intercept'),
      residualVariance: scalar('residualVariance'),
      degreesOfFreedom: scalar('degreesOfFreedom'),
      factor,
    });
  }
}

function shape(d: number): FeatureShape {
  return { descriptorColumns: d, fingerprintWords: null };
}

function resolveRidgeParams(params: Partial<RidgeParams>): RidgeParams {
  knownKeys(RIDGE, params, ['alpha']);
  return { alpha: positiveParam(RIDGE, 'alpha', params.alpha ?? 1) };
}

function trainRidge(data: TrainingData, partial: Partial<RidgeParams>): RidgeModel {
  const { alpha } = resolveRidgeParams(partial);
  if (data.task !== 'regression')
    throw new RotguardError('invalid_training_data', `${RIDGE} is a regression model; use random-forest or tanimoto-knn for classification`, { field: 'task' });
  if (!data.descriptors) throw new RotguardError('feature_mismatch', `${RIDGE} needs descriptors`, { field: 'features' });
  const d = data.descriptors.columns;
  checkTrainingData(data, shape(d), RIDGE, 2);
  const n = data.rows;
  const x = data.descriptors.data;
  const y = data.labels;

  const { means, scales } = standardization(x, n, d);
  const z = new Float64Array(n * d);
  for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) z[r * d + c] = (x[r * d + c]! - means[c]!) / scales[c]!;

  let yMean = 0;
  for (let r = 0; r < n; r++) yMean += y[r]!;
  yMean /= n;

  // A = ZᵀZ + αI and b = Zᵀ(y − ȳ).
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const yc = y[r]! - yMean;
    for (let i = 0; i < d; i++) {
      const zi = z[r * d + i]!;
      b[i] = b[i]! + zi * yc;
      for (let j = 0; j <= i; j++) a[i * d + j] = a[i * d + j]! + zi * z[r * d + j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    a[i * d + i] = a[i * d + i]! + alpha;
    for (let j = 0; j < i; j++) a[j * d + i] = a[i * d + j]!;
  }
  const factor = cholesky(a, d);
  if (!factor)
    throw new RotguardError('training_failed', `${RIDGE}: XᵀX + αI is not positive definite (alpha ${alpha}); use a larger alpha`, { field: 'alpha' });
  const w = solveUpperTransposed(factor, d, solveLower(factor, d, b));
  for (let i = 0; i < d; i++) w[i] = storable(w[i]!);

  let rss = 0;
  for (let r = 0; r < n; r++) {
    let fit = yMean;
    for (let c = 0; c < d; c++) fit += w[c]! * z[r * d + c]!;
    rss += (y[r]! - fit) ** 2;
  }
  // tr(A⁻¹) = ‖L⁻¹‖²_F, column by column.
  let traceInverse = 0;
  const unit = new Float64Array(d);
  const col = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    unit.fill(0);
    unit[j] = 1;
    solveLower(factor, d, unit, col);
    for (let i = 0; i < d; i++) traceInverse += col[i]! ** 2;
  }
  const df = 1 + d - alpha * traceInverse;

  return new RidgeModel({
    alpha,
    trainingRows: n,
    means,
    scales,
    coefficients: w,
    intercept: storable(yMean),
    residualVariance: storable(rss / Math.max(n - df, 1)),
    degreesOfFreedom: storable(df),
    factor: Float64Array.from(factor, storable),
  });
}

/** Column means and population SDs; constant columns: their value and scale 1. */
function standardization(x: Float64Array, n: number, d: number): { means: Float64Array; scales: Float64Array } {
  const means = new Float64Array(d);
  const scales = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let r = 0; r < n; r++) {
      const v = x[r * d + c]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min === max) {
      means[c] = storable(min);
      scales[c] = 1;
      continue;
    }
    const mean = sum / n;
    let ss = 0;
    for (let r = 0; r < n; r++) ss += (x[r * d + c]! - mean) ** 2;
    const scale = Math.sqrt(ss / n);
    means[c] = storable(mean);
    // A spread too small for doubles (denormal differences) is treated as constant too.
    scales[c] = scale > 0 && Number.isFinite(scale) ? scale : 1;
  }
  return { means, scales };
}

export const ridgeTrainer: Trainer<RidgeParams> = {
  name: RIDGE,
  resolveParams: resolveRidgeParams,
  train: (data, params) => trainRidge(data, params),
};
