/**
 * Gaussian-process regression on Morgan fingerprints with the Tanimoto kernel
 * k(a, b) = |a ∧ b| / |a ∨ b|, which is positive semi-definite on bit vectors (Ralaivola et
 * al. 2005), the standard GP for molecules (e.g. Griffiths et al., GAUCHE 2023).
 *
 * Model: y = μ + f(x) + ε with f ~ GP(0, s² k) and ε ~ N(0, s² λ). μ is the training mean;
 * for a noise ratio λ the signal variance s² has the closed-form maximum-likelihood value
 * s² = y_cᵀ (K + λI)⁻¹ y_c / n (y_c = y − μ). λ is `noise`, or with `noise: ml` the value of
 * a fixed grid with the highest log marginal likelihood
 *   −n/2 · log(2π s²) − ½ log|K + λI| − n/2,
 * so it is chosen on the training set alone. Then (Rasmussen & Williams 2006, eq. 2.25–2.26)
 *
 *   value       μ + k*ᵀ (K + λI)⁻¹ y_c
 *   uncertainty sqrt(s² · (1 + λ − k*ᵀ (K + λI)⁻¹ k*))   the predictive SD of a new
 *                                                          measurement (latent + noise),
 *
 * which grows towards s²(1 + λ) as a query moves away from everything in training.
 * test/training/tanimoto-gp.test.ts matches both against numpy on a stored fixture.
 *
 * The artifact stores the training fingerprints, labels and the fitted μ, s², λ; loading
 * refactorizes K + λI (O(n³), a few seconds for 2,500 compounds), which is deterministic, so
 * a reloaded model predicts bit-identically. Regression only.
 */
import { RotguardError } from '../../core/errors.js';
import { fingerprintSet, tanimotoOneToMany, type FingerprintSet } from '../../chem/similarity.js';
import { artifactError, decodeFloat64, decodeUint32, encodeFloat64, encodeUint32, storable } from './encoding.js';
import { checkFeatures, checkTrainingData } from './features.js';
import { cholesky, solveLower, solveUpperTransposed } from './linalg.js';
import { knownKeys, paramError } from './params.js';
import type { FeatureMatrix, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';

export const TANIMOTO_GP = 'tanimoto-gp';

/** The noise ratios `noise: ml` chooses from. */
export const NOISE_GRID = [0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5] as const;

export interface TanimotoGpParams {
  /** λ = noise variance / signal variance, or 'ml' to pick λ from NOISE_GRID by marginal likelihood. */
  noise: 'ml' | number;
}

function resolveGpParams(params: Partial<TanimotoGpParams>): TanimotoGpParams {
  knownKeys(TANIMOTO_GP, params, ['noise']);
  const noise = params.noise ?? 'ml';
  if (!(noise === 'ml' || (typeof noise === 'number' && Number.isFinite(noise) && noise > 0))) {
    throw paramError(TANIMOTO_GP, 'noise', `must be 'ml' or a positive number (noise variance / signal variance), got ${JSON.stringify(noise)}`);
  }
  return { noise };
}

/** The Tanimoto kernel matrix K of the training set, row-major n × n. */
function kernelMatrix(train: FingerprintSet): Float64Array {
  const n = train.count;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) tanimotoOneToMany(train.data.subarray(i * train.words, (i + 1) * train.words), train, k.subarray(i * n, (i + 1) * n));
  return k;
}

function withNoise(kernel: Float64Array, n: number, lambda: number): Float64Array {
  const a = kernel.slice();
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + lambda;
  return a;
}

interface Fit {
  lambda: number;
  signalVariance: number;
  logMarginalLikelihood: number;
  factor: Float64Array;
  alpha: Float64Array;
}

function fitAt(kernel: Float64Array, n: number, centred: Float64Array, lambda: number): Fit {
  const factor = cholesky(withNoise(kernel, n, lambda), n);
  if (!factor) throw new RotguardError('invalid_training_data', `${TANIMOTO_GP}: K + ${lambda}·I is not positive definite (duplicate fingerprints with a tiny noise?)`, { field: 'params.noise' });
  const z = solveLower(factor, n, centred);
  const alpha = solveUpperTransposed(factor, n, z);
  let quad = 0;
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    quad += z[i]! * z[i]!;
    logDet += 2 * Math.log(factor[i * n + i]!);
  }
  const signalVariance = quad / n;
  const logMarginalLikelihood = -0.5 * n * Math.log(2 * Math.PI * signalVariance) - 0.5 * logDet - 0.5 * n;
  return { lambda, signalVariance, logMarginalLikelihood, factor, alpha };
}

interface GpState {
  params: TanimotoGpParams;
  train: FingerprintSet;
  labels: Float64Array;
  mean: number;
  fit: Fit;
  /** Log marginal likelihood per grid value (noise: ml), for the record. */
  selection: Array<{ noise: number; logMarginalLikelihood: number }>;
}

export class TanimotoGpModel implements TrainedModel {
  readonly kind = TANIMOTO_GP;
  readonly task: Task = 'regression';
  private readonly s: GpState;

  constructor(state: GpState) {
    this.s = state;
  }

  get noise(): number {
    return this.s.fit.lambda;
  }

  get signalVariance(): number {
    return this.s.fit.signalVariance;
  }

  get logMarginalLikelihood(): number {
    return this.s.fit.logMarginalLikelihood;
  }

  predict(x: FeatureMatrix): Prediction {
    const { train, fit, mean } = this.s;
    checkFeatures(x, { descriptorColumns: null, fingerprintWords: train.words }, TANIMOTO_GP);
    const n = train.count;
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    const k = new Float64Array(n);
    const v = new Float64Array(n);
    const words = train.words;
    for (let r = 0; r < x.rows; r++) {
      tanimotoOneToMany(x.fingerprints!.data.subarray(r * words, (r + 1) * words), train, k);
      let m = mean;
      for (let i = 0; i < n; i++) m += k[i]! * fit.alpha[i]!;
      solveLower(fit.factor, n, k, v);
      let explained = 0;
      for (let i = 0; i < n; i++) explained += v[i]! * v[i]!;
      value[r] = m;
      uncertainty[r] = Math.sqrt(fit.signalVariance * Math.max(1 + fit.lambda - explained, fit.lambda));
    }
    return { value, uncertainty };
  }

  toJSON(): ModelArtifact {
    const s = this.s;
    return {
      kind: TANIMOTO_GP,
      formatVersion: 1,
      task: 'regression',
      params: { ...s.params },
      noise: storable(s.fit.lambda),
      mean: storable(s.mean),
      signalVariance: storable(s.fit.signalVariance),
      logMarginalLikelihood: storable(s.fit.logMarginalLikelihood),
      selection: s.selection.map((g) => ({ noise: g.noise, logMarginalLikelihood: storable(g.logMarginalLikelihood) })),
      fingerprintWords: s.train.words,
      trainingRows: s.train.count,
      fingerprints: encodeUint32(s.train.data),
      labels: encodeFloat64(s.labels),
    };
  }

  static fromJSON(artifact: unknown): TanimotoGpModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== TANIMOTO_GP || a.formatVersion !== 1) throw artifactError(`not a ${TANIMOTO_GP} artifact of format 1`);
    const words = a.fingerprintWords;
    const n = a.trainingRows;
    if (typeof words !== 'number' || !Number.isInteger(words) || words < 1) throw artifactError('fingerprintWords must be a positive integer');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 2) throw artifactError('trainingRows must be an integer ≥ 2');
    const num = (v: unknown, field: string) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw artifactError(`${field} must be a finite number`);
      return v;
    };
    const lambda = num(a.noise, 'noise');
    if (!(lambda > 0)) throw artifactError('noise must be positive');
    let params: TanimotoGpParams;
    try {
      params = resolveGpParams((a.params ?? {}) as Partial<TanimotoGpParams>);
    } catch (e) {
      throw artifactError(`params: ${(e as Error).message}`);
    }
    const labels = decodeFloat64(a.labels, 'labels', n);
    if (!labels.every(Number.isFinite)) throw artifactError('labels must be finite');
    const train = fingerprintSet(decodeUint32(a.fingerprints, 'fingerprints', n * words), words);
    const mean = num(a.mean, 'mean');
    const centred = Float64Array.from(labels, (y) => y - mean);
    const fit = fitAt(kernelMatrix(train), n, centred, lambda);
    const selection = Array.isArray(a.selection) ? (a.selection as Array<{ noise: number; logMarginalLikelihood: number }>) : [];
    return new TanimotoGpModel({ params, train, labels, mean, fit, selection });
  }
}

function trainGp(data: TrainingData, partial: Partial<TanimotoGpParams>, _seed: number, onProgress?: ProgressFn): TanimotoGpModel {
  const params = resolveGpParams(partial);
  if (data.task !== 'regression') throw new RotguardError('invalid_training_data', `${TANIMOTO_GP} is for regression; use random-forest or gradient-boosting for classification`, { field: 'task' });
  if (!data.fingerprints) throw new RotguardError('feature_mismatch', `${TANIMOTO_GP} needs fingerprints`, { field: 'features' });
  const words = data.fingerprints.words;
  checkTrainingData(data, { descriptorColumns: null, fingerprintWords: words }, TANIMOTO_GP, 2);
  const train = fingerprintSet(data.fingerprints.data.slice(), words);
  const labels = data.labels.slice();
  let mean = 0;
  for (let i = 0; i < labels.length; i++) mean += labels[i]!;
  mean /= labels.length;
  const centred = Float64Array.from(labels, (y) => y - mean);
  const grid = params.noise === 'ml' ? [...NOISE_GRID] : [params.noise];
  let best: Fit | null = null;
  const selection: GpState['selection'] = [];
  const kernel = kernelMatrix(train);
  grid.forEach((lambda, i) => {
    const fit = fitAt(kernel, train.count, centred, lambda);
    selection.push({ noise: lambda, logMarginalLikelihood: fit.logMarginalLikelihood });
    if (!best || fit.logMarginalLikelihood > best.logMarginalLikelihood) best = fit;
    onProgress?.(i + 1, grid.length);
  });
  return new TanimotoGpModel({ params, train, labels, mean, fit: best!, selection: params.noise === 'ml' ? selection : [] });
}

export const tanimotoGpTrainer: Trainer<TanimotoGpParams> = {
  name: TANIMOTO_GP,
  resolveParams: resolveGpParams,
  train: trainGp,
};
