/**
 * Gaussian-process regression on molecules with a Tanimoto kernel on Morgan fingerprints,
 * k_T(a, b) = |a ∧ b| / |a ∨ b| (positive semi-definite on bit vectors, Ralaivola et al.
 * 2005), optionally summed with a squared-exponential kernel on standardized descriptors:
 *
 *   k(a, b) = (1 − w) · k_T(a, b) + w · exp(−‖z_a − z_b‖² / (2 ℓ²)),   ℓ = c · √d,
 *
 * where z are descriptors standardized with the training mean and population SD (a
 * constant column gets scale 1), d their number, w = `descriptorWeight` (0: fingerprints
 * only; used only when the data carries descriptors) and c = `lengthScale`. Both kernels
 * are 1 on the diagonal, so k(x, x) = 1. The sum lets the GP use what fingerprints miss
 * (lipophilicity, size), which is what plasma protein binding and solubility depend on.
 *
 * Model: y = μ + f(x) + ε with f ~ GP(0, s² k) and ε ~ N(0, s² λ). μ is the training mean;
 * for a given λ the signal variance has the closed-form maximum-likelihood value
 * s² = y_cᵀ (K + λI)⁻¹ y_c / n (y_c = y − μ). λ (`noise`) and c (`lengthScale`) are given,
 * or with 'ml' chosen from fixed grids by the highest log marginal likelihood
 *   −n/2 · log(2π s²) − ½ log|K + λI| − n/2,
 * so they are chosen on the training set alone. Then (Rasmussen & Williams 2006, eq. 2.25–2.26)
 *
 *   value       μ + k*ᵀ (K + λI)⁻¹ y_c
 *   uncertainty sqrt(s² · (1 + λ − k*ᵀ (K + λI)⁻¹ k*))   the predictive SD of a new
 *                                                          measurement (latent + noise),
 *
 * which grows towards s²(1 + λ) as a query moves away from everything in training.
 * test/training/tanimoto-gp.test.ts matches both against numpy on a stored fixture.
 *
 * The artifact stores the training features, labels and the fitted hyperparameters; loading
 * refactorizes K + λI (O(n³), seconds for 2,500 compounds), which is deterministic, so a
 * reloaded model predicts bit-identically. Regression only.
 */
import { RotguardError } from '../../core/errors.js';
import { fingerprintSet, tanimotoOneToMany, type FingerprintSet } from '../../chem/similarity.js';
import { artifactError, decodeFloat64, decodeUint32, encodeFloat64, encodeUint32, storable } from './encoding.js';
import { checkFeatures, checkTrainingData, type FeatureShape } from './features.js';
import { cholesky, solveLower, solveUpperTransposed } from './linalg.js';
import { knownKeys, paramError } from './params.js';
import type { FeatureMatrix, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';

export const TANIMOTO_GP = 'tanimoto-gp';

/** The noise ratios `noise: ml` chooses from. */
export const NOISE_GRID = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1] as const;
/** The descriptor length scales (in units of √d) `lengthScale: ml` chooses from. */
export const LENGTH_SCALE_GRID = [1, 2] as const;

export interface TanimotoGpParams {
  /** λ = noise variance / signal variance, or 'ml' to pick λ from NOISE_GRID by marginal likelihood. */
  noise: 'ml' | number;
  /** w, the descriptor kernel's share in [0, 1); 0 = fingerprints only. */
  descriptorWeight: number;
  /** c in ℓ = c·√d, or 'ml' to pick from LENGTH_SCALE_GRID. */
  lengthScale: 'ml' | number;
}

function resolveGpParams(params: Partial<TanimotoGpParams>): TanimotoGpParams {
  knownKeys(TANIMOTO_GP, params, ['noise', 'descriptorWeight', 'lengthScale']);
  const noise = params.noise ?? 'ml';
  if (!(noise === 'ml' || (typeof noise === 'number' && Number.isFinite(noise) && noise > 0))) {
    throw paramError(TANIMOTO_GP, 'noise', `must be 'ml' or a positive number (noise variance / signal variance), got ${JSON.stringify(noise)}`);
  }
  const descriptorWeight = params.descriptorWeight ?? 0.5;
  if (typeof descriptorWeight !== 'number' || !(descriptorWeight >= 0 && descriptorWeight < 1))
    throw paramError(TANIMOTO_GP, 'descriptorWeight', `must be a number in [0, 1), got ${JSON.stringify(descriptorWeight)}`);
  const lengthScale = params.lengthScale ?? 'ml';
  if (!(lengthScale === 'ml' || (typeof lengthScale === 'number' && Number.isFinite(lengthScale) && lengthScale > 0))) {
    throw paramError(TANIMOTO_GP, 'lengthScale', `must be 'ml' or a positive number (× √descriptors), got ${JSON.stringify(lengthScale)}`);
  }
  return { noise, descriptorWeight, lengthScale };
}

/** Training features as the kernel sees them. */
interface KernelData {
  fingerprints: FingerprintSet;
  /** Standardized descriptors, row-major, or null (fingerprints only). */
  z: Float64Array | null;
  columns: number;
}

interface Scaler {
  mean: Float64Array;
  scale: Float64Array;
}

function fitScaler(data: Float64Array, rows: number, columns: number): Scaler {
  const mean = new Float64Array(columns);
  const scale = new Float64Array(columns);
  for (let c = 0; c < columns; c++) {
    let s = 0;
    for (let r = 0; r < rows; r++) s += data[r * columns + c]!;
    const m = s / rows;
    let ss = 0;
    for (let r = 0; r < rows; r++) ss += (data[r * columns + c]! - m) ** 2;
    const sd = Math.sqrt(ss / rows);
    mean[c] = m;
    scale[c] = sd > 0 ? sd : 1;
  }
  return { mean, scale };
}

function standardize(data: Float64Array, rows: number, columns: number, s: Scaler): Float64Array {
  const z = new Float64Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) z[r * columns + c] = (data[r * columns + c]! - s.mean[c]!) / s.scale[c]!;
  return z;
}

/** Kernel row of one query (fingerprint q, standardized descriptors zq) against the training set. */
function kernelRow(train: KernelData, q: Uint32Array, zq: Float64Array | null, w: number, lengthScale: number, out: Float64Array): Float64Array {
  tanimotoOneToMany(q, train.fingerprints, out);
  if (!train.z || !zq || w === 0) return out;
  const d = train.columns;
  const inv = 1 / (2 * (lengthScale * Math.sqrt(d)) ** 2);
  const z = train.z;
  for (let i = 0; i < out.length; i++) {
    let dist = 0;
    for (let c = 0; c < d; c++) {
      const diff = zq[c]! - z[i * d + c]!;
      dist += diff * diff;
    }
    out[i] = (1 - w) * out[i]! + w * Math.exp(-dist * inv);
  }
  return out;
}

/** K for the training set, row-major n × n. */
function kernelMatrix(train: KernelData, w: number, lengthScale: number): Float64Array {
  const n = train.fingerprints.count;
  const words = train.fingerprints.words;
  const d = train.columns;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    kernelRow(
      train,
      train.fingerprints.data.subarray(i * words, (i + 1) * words),
      train.z ? train.z.subarray(i * d, (i + 1) * d) : null,
      w,
      lengthScale,
      k.subarray(i * n, (i + 1) * n),
    );
  }
  return k;
}

interface Fit {
  lambda: number;
  lengthScale: number;
  signalVariance: number;
  logMarginalLikelihood: number;
  factor: Float64Array;
  alpha: Float64Array;
}

function fitAt(kernel: Float64Array, n: number, centred: Float64Array, lambda: number, lengthScale: number): Fit {
  const a = kernel.slice();
  for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + lambda;
  const factor = cholesky(a, n);
  if (!factor)
    throw new RotguardError('invalid_training_data', `${TANIMOTO_GP}: K + ${lambda}·I is not positive definite (duplicate compounds with a tiny noise?)`, {
      field: 'params.noise',
    });
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
  return { lambda, lengthScale, signalVariance, logMarginalLikelihood, factor, alpha };
}

interface GpState {
  params: TanimotoGpParams;
  train: KernelData;
  /** Raw training descriptors (stored), or null. */
  descriptors: Float64Array | null;
  scaler: Scaler | null;
  labels: Float64Array;
  mean: number;
  /** The descriptor weight in use (0 when the data has no descriptors). */
  weight: number;
  fit: Fit;
  /** Log marginal likelihood per grid point (when something was 'ml'), for the record. */
  selection: Array<{ noise: number; lengthScale: number; logMarginalLikelihood: number }>;
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

  get lengthScale(): number {
    return this.s.fit.lengthScale;
  }

  get signalVariance(): number {
    return this.s.fit.signalVariance;
  }

  get logMarginalLikelihood(): number {
    return this.s.fit.logMarginalLikelihood;
  }

  private get shape(): FeatureShape {
    return { descriptorColumns: this.s.scaler ? this.s.train.columns : null, fingerprintWords: this.s.train.fingerprints.words };
  }

  predict(x: FeatureMatrix): Prediction {
    const { train, fit, mean, scaler, weight } = this.s;
    checkFeatures(x, this.shape, TANIMOTO_GP);
    const n = train.fingerprints.count;
    const words = train.fingerprints.words;
    const d = train.columns;
    const zq = scaler ? standardize(x.descriptors!.data, x.rows, d, scaler) : null;
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    const k = new Float64Array(n);
    const v = new Float64Array(n);
    for (let r = 0; r < x.rows; r++) {
      kernelRow(train, x.fingerprints!.data.subarray(r * words, (r + 1) * words), zq ? zq.subarray(r * d, (r + 1) * d) : null, weight, fit.lengthScale, k);
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
      lengthScale: storable(s.fit.lengthScale),
      descriptorWeight: storable(s.weight),
      mean: storable(s.mean),
      signalVariance: storable(s.fit.signalVariance),
      logMarginalLikelihood: storable(s.fit.logMarginalLikelihood),
      selection: s.selection.map((g) => ({ noise: g.noise, lengthScale: g.lengthScale, logMarginalLikelihood: storable(g.logMarginalLikelihood) })),
      fingerprintWords: s.train.fingerprints.words,
      descriptorColumns: s.scaler ? s.train.columns : null,
      trainingRows: s.train.fingerprints.count,
      fingerprints: encodeUint32(s.train.fingerprints.data),
      descriptors: s.descriptors ? encodeFloat64(s.descriptors) : null,
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
    const lengthScale = num(a.lengthScale, 'lengthScale');
    const weight = num(a.descriptorWeight, 'descriptorWeight');
    let params: TanimotoGpParams;
    try {
      params = resolveGpParams((a.params ?? {}) as Partial<TanimotoGpParams>);
    } catch (e) {
      throw artifactError(`params: ${(e as Error).message}`);
    }
    const labels = decodeFloat64(a.labels, 'labels', n);
    if (!labels.every(Number.isFinite)) throw artifactError('labels must be finite');
    const fingerprints = fingerprintSet(decodeUint32(a.fingerprints, 'fingerprints', n * words), words);
    const columns = a.descriptorColumns;
    if (columns !== null && (typeof columns !== 'number' || !Number.isInteger(columns) || columns < 1))
      throw artifactError('descriptorColumns must be a positive integer or null');
    const descriptors = columns === null ? null : decodeFloat64(a.descriptors, 'descriptors', n * (columns as number));
    const mean = num(a.mean, 'mean');
    const selection = Array.isArray(a.selection) ? (a.selection as GpState['selection']) : [];
    return build(params, fingerprints, descriptors, (columns as number | null) ?? 0, labels, mean, weight, [lambda], [lengthScale], selection);
  }
}

/** Fits every (λ, c) of the grids and keeps the one with the highest marginal likelihood. */
function build(
  params: TanimotoGpParams,
  fingerprints: FingerprintSet,
  descriptors: Float64Array | null,
  columns: number,
  labels: Float64Array,
  mean: number,
  weight: number,
  noises: readonly number[],
  lengthScales: readonly number[],
  selection: GpState['selection'] | null,
  onProgress?: ProgressFn,
): TanimotoGpModel {
  const n = fingerprints.count;
  const scaler = descriptors ? fitScaler(descriptors, n, columns) : null;
  const train: KernelData = { fingerprints, z: descriptors ? standardize(descriptors, n, columns, scaler!) : null, columns };
  const centred = Float64Array.from(labels, (y) => y - mean);
  const record: GpState['selection'] = [];
  let best: Fit | null = null;
  let done = 0;
  for (const c of lengthScales) {
    const kernel = kernelMatrix(train, weight, c);
    for (const lambda of noises) {
      const fit = fitAt(kernel, n, centred, lambda, c);
      record.push({ noise: lambda, lengthScale: c, logMarginalLikelihood: fit.logMarginalLikelihood });
      if (!best || fit.logMarginalLikelihood > best.logMarginalLikelihood) best = fit;
      onProgress?.(++done, noises.length * lengthScales.length);
    }
  }
  return new TanimotoGpModel({
    params,
    train,
    descriptors,
    scaler,
    labels,
    mean,
    weight,
    fit: best!,
    selection: selection ?? (record.length > 1 ? record : []),
  });
}

function trainGp(data: TrainingData, partial: Partial<TanimotoGpParams>, _seed: number, onProgress?: ProgressFn): TanimotoGpModel {
  const params = resolveGpParams(partial);
  if (data.task !== 'regression')
    throw new RotguardError('invalid_training_data', `${TANIMOTO_GP} is for regression; use random-forest or gradient-boosting for classification`, {
      field: 'task',
    });
  if (!data.fingerprints) throw new RotguardError('feature_mismatch', `${TANIMOTO_GP} needs fingerprints`, { field: 'features' });
  const words = data.fingerprints.words;
  const useDescriptors = params.descriptorWeight > 0 && data.descriptors !== undefined;
  const columns = useDescriptors ? data.descriptors!.columns : 0;
  checkTrainingData(data, { descriptorColumns: useDescriptors ? columns : null, fingerprintWords: words }, TANIMOTO_GP, 2);
  let mean = 0;
  for (let i = 0; i < data.rows; i++) mean += data.labels[i]!;
  mean /= data.rows;
  // Copies: the model must not change if the caller reuses its buffers.
  return build(
    params,
    fingerprintSet(data.fingerprints.data.slice(), words),
    useDescriptors ? data.descriptors!.data.slice() : null,
    columns,
    data.labels.slice(),
    mean,
    useDescriptors ? params.descriptorWeight : 0,
    params.noise === 'ml' ? NOISE_GRID : [params.noise],
    useDescriptors ? (params.lengthScale === 'ml' ? LENGTH_SCALE_GRID : [params.lengthScale]) : [1],
    null,
    onProgress,
  );
}

export const tanimotoGpTrainer: Trainer<TanimotoGpParams> = {
  name: TANIMOTO_GP,
  resolveParams: resolveGpParams,
  train: trainGp,
};
