/**
 * The contract between the build layer and every model trainer. Features arrive as flat
 * typed arrays (the shapes the chemistry core and the feature cache already produce), so
 * trainers never copy per molecule. A trained model predicts a value and an uncertainty
 * for every row and serializes to a JSON artifact that reloads bit-identically.
 */

export type Task = 'regression' | 'classification';

/** Descriptor values, row-major: value of column c for row r is data[r * columns + c]. */
export interface DescriptorBlock {
  data: Float64Array;
  columns: number;
}

/**
 * Packed Morgan fingerprints: bit i of row r is bit (i & 31) of data[r * words + (i >>> 5)],
 * the layout of src/chem/fingerprint.ts and src/chem/similarity.ts.
 */
export interface FingerprintBlock {
  data: Uint32Array;
  words: number;
}

/** The features of `rows` molecules; a model says which blocks it needs. */
export interface FeatureMatrix {
  rows: number;
  descriptors?: DescriptorBlock;
  fingerprints?: FingerprintBlock;
}

export interface TrainingData extends FeatureMatrix {
  /** One label per row; for classification exactly 0 or 1. */
  labels: Float64Array;
  task: Task;
  /**
   * Censoring per row (regression, trainers with `censoring: true` only): 0 the label is
   * exact, −1 the true value is at or below the label (an assay floor), +1 at or above it.
   */
  censored?: Int8Array;
}

export interface Prediction {
  /** Regression: the predicted label. Classification: the probability of class 1. */
  value: Float64Array;
  /** A standard deviation on the scale of `value`; each model documents its own. */
  uncertainty: Float64Array;
}

/** Called after each unit of work (a tree, …) so front ends can draw progress. */
export type ProgressFn = (done: number, total: number) => void;

/** The stored form of a model: plain JSON, numbers exact (see ./encoding.ts). */
export interface ModelArtifact {
  kind: string;
  formatVersion: number;
  [key: string]: unknown;
}

export interface TrainedModel {
  kind: string;
  task: Task;
  predict(x: FeatureMatrix): Prediction;
  toJSON(): ModelArtifact;
}

export interface Trainer<P> {
  /** Also the `kind` of the models it trains and of their artifacts. */
  name: string;
  /** True if train() uses TrainingData.censored; other trainers never see censored rows. */
  censoring?: boolean;
  /** Fills defaults and checks values: recipes hash the resolved form. */
  resolveParams(params: Partial<P>): P;
  train(data: TrainingData, params: Partial<P>, seed: number, onProgress?: ProgressFn): TrainedModel;
}
