/**
 * Tanimoto k-nearest-neighbour model on Morgan fingerprints: the read-across a chemist
 * would do by hand. Training stores the fingerprints and labels; prediction finds the k
 * most similar training compounds with src/chem/similarity.ts (ties: lower training index
 * first) and returns
 *
 *   value       ŷ = Σ s_j y_j / Σ s_j            (similarity-weighted mean; equal weights
 *                                                 if all k similarities are 0)
 *   uncertainty sqrt(v + (1 − s_max)² · σ²)     v = Σ s_j (y_j − ŷ)² / Σ s_j, the weighted
 *                                                 variance of the neighbours' labels,
 *
 * where s_max is the best similarity and σ the (population) SD of all training labels. The
 * second term is zero for a query identical to a training compound and reaches the spread
 * of the whole training set when nothing similar is known, so uncertainty grows as a query
 * leaves the chemistry the model has seen even where its few neighbours happen to agree.
 * For classification labels (0/1) ŷ is the probability of class 1.
 */
import { RotguardError } from '../../core/errors.js';
import { fingerprintSet, type FingerprintSet } from '../../chem/similarity.js';
import { SimilarityIndex } from '../../chem/similarity-index.js';
import { artifactError, decodeFloat64, decodeUint32, encodeFloat64, encodeUint32 } from './encoding.js';
import { checkFeatures, checkTrainingData, type FeatureShape } from './features.js';
import { integerParam, knownKeys } from './params.js';
import type { FeatureMatrix, ModelArtifact, Prediction, Task, Trainer, TrainedModel, TrainingData } from './types.js';

export const TANIMOTO_KNN = 'tanimoto-knn';

export interface TanimotoKnnParams {
  /** Neighbours per prediction (fewer if the training set is smaller). Default 5. */
  k: number;
}

function resolveKnnParams(params: Partial<TanimotoKnnParams>): TanimotoKnnParams {
  knownKeys(TANIMOTO_KNN, params, ['k']);
  return { k: integerParam(TANIMOTO_KNN, 'k', params.k ?? 5, 1) };
}

export class TanimotoKnnModel implements TrainedModel {
  readonly kind = TANIMOTO_KNN;
  readonly task: Task;
  readonly k: number;
  private readonly train: FingerprintSet;
  private readonly labels: Float64Array;
  private readonly labelSd: number;
  /** Built on first prediction; gives exactly brute force's neighbours (ties: lower index). */
  private index: SimilarityIndex | undefined;

  constructor(task: Task, k: number, fingerprints: Uint32Array, words: number, labels: Float64Array) {
    this.task = task;
    this.k = k;
    this.train = fingerprintSet(fingerprints, words);
    this.labels = labels;
    let mean = 0;
    for (let i = 0; i < labels.length; i++) mean += labels[i]!;
    mean /= labels.length;
    let ss = 0;
    for (let i = 0; i < labels.length; i++) ss += (labels[i]! - mean) ** 2;
    this.labelSd = Math.sqrt(ss / labels.length);
  }

  private get shape(): FeatureShape {
    return { descriptorColumns: null, fingerprintWords: this.train.words };
  }

  predict(x: FeatureMatrix): Prediction {
    checkFeatures(x, this.shape, TANIMOTO_KNN);
    const k = Math.min(this.k, this.train.count);
    this.index ??= new SimilarityIndex(this.train.data, this.train.words);
    const nn = this.index.search(x.fingerprints!.data, k);
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    for (let q = 0; q < x.rows; q++) {
      const o = q * k;
      let wSum = 0;
      for (let j = 0; j < k; j++) wSum += nn.similarities[o + j]!;
      const equal = wSum === 0;
      if (equal) wSum = k;
      let mean = 0;
      for (let j = 0; j < k; j++) mean += (equal ? 1 : nn.similarities[o + j]!) * this.labels[nn.indices[o + j]!]!;
      mean /= wSum;
      let v = 0;
      for (let j = 0; j < k; j++) v += (equal ? 1 : nn.similarities[o + j]!) * (this.labels[nn.indices[o + j]!]! - mean) ** 2;
      v /= wSum;
      const far = (1 - nn.similarities[o]!) * this.labelSd;
      value[q] = mean;
      uncertainty[q] = Math.sqrt(v + far * far);
    }
    return { value, uncertainty };
  }

  toJSON(): ModelArtifact {
    return {
      kind: TANIMOTO_KNN,
      formatVersion: 1,
      task: this.task,
      params: { k: this.k },
      fingerprintWords: this.train.words,
      trainingRows: this.train.count,
      fingerprints: encodeUint32(this.train.data),
      labels: encodeFloat64(this.labels),
    };
  }

  static fromJSON(artifact: unknown): TanimotoKnnModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== TANIMOTO_KNN || a.formatVersion !== 1) throw artifactError(`not a ${TANIMOTO_KNN} artifact of format 1`);
    if (a.task !== 'regression' && a.task !== 'classification') throw artifactError('task must be regression or classification');
    const words = a.fingerprintWords;
    const n = a.trainingRows;
    if (typeof words !== 'number' || !Number.isInteger(words) || words < 1) throw artifactError('fingerprintWords must be a positive integer');
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw artifactError('trainingRows must be a positive integer');
    const k = (a.params as Record<string, unknown> | undefined)?.k;
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw artifactError('params.k must be a positive integer');
    const labels = decodeFloat64(a.labels, 'labels', n);
    if (!labels.every(Number.isFinite)) throw artifactError('labels must be finite');
    return new TanimotoKnnModel(a.task, k, decodeUint32(a.fingerprints, 'fingerprints', n * words), words, labels);
  }
}

function trainKnn(data: TrainingData, partial: Partial<TanimotoKnnParams>): TanimotoKnnModel {
  const { k } = resolveKnnParams(partial);
  if (!data.fingerprints) throw new RotguardError('feature_mismatch', `${TANIMOTO_KNN} needs fingerprints`, { field: 'features' });
  const words = data.fingerprints.words;
  checkTrainingData(data, { descriptorColumns: null, fingerprintWords: words }, TANIMOTO_KNN);
  // Copies: the model must not change if the caller reuses its buffers.
  return new TanimotoKnnModel(data.task, k, data.fingerprints.data.slice(), words, data.labels.slice());
}

export const tanimotoKnnTrainer: Trainer<TanimotoKnnParams> = {
  name: TANIMOTO_KNN,
  resolveParams: resolveKnnParams,
  train: (data, params) => trainKnn(data, params),
};
