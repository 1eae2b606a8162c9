/**
 * Shape and value checks for the features and labels handed to trainers and models.
 * Bad input here is a user's (a recipe or a feature set), so it is a typed error with a
 * code, never a silent NaN in a model.
 */
import { RotguardError } from '../../core/errors.js';
import type { FeatureMatrix, TrainingData } from './types.js';

/** Which feature blocks a model uses, with their widths (null: not used). */
export interface FeatureShape {
  descriptorColumns: number | null;
  fingerprintWords: number | null;
}

function mismatch(message: string): RotguardError {
  return new RotguardError('feature_mismatch', message, { field: 'features' });
}

/** Checks that `x` has the blocks and widths of `shape`, with finite descriptor values. */
export function checkFeatures(x: FeatureMatrix, shape: FeatureShape, model: string): void {
  if (!Number.isInteger(x.rows) || x.rows < 0) throw mismatch(`rows must be a non-negative integer, got ${x.rows}`);
  if (shape.descriptorColumns !== null) {
    const d = x.descriptors;
    if (!d) throw mismatch(`${model} needs descriptors`);
    if (d.columns !== shape.descriptorColumns) throw mismatch(`${model} expects ${shape.descriptorColumns} descriptor columns, got ${d.columns}`);
    if (d.data.length !== x.rows * d.columns) throw mismatch(`descriptor data holds ${d.data.length} values, expected ${x.rows} rows × ${d.columns}`);
    for (let i = 0; i < d.data.length; i++) {
      if (!Number.isFinite(d.data[i]!)) {
        throw mismatch(
          `descriptor value at row ${Math.floor(i / d.columns)}, column ${i % d.columns} is ${d.data[i]}: impute or drop it before training or predicting`,
        );
      }
    }
  }
  if (shape.fingerprintWords !== null) {
    const f = x.fingerprints;
    if (!f) throw mismatch(`${model} needs fingerprints`);
    if (f.words !== shape.fingerprintWords)
      throw mismatch(`${model} expects fingerprints of ${shape.fingerprintWords} words (${shape.fingerprintWords * 32} bits), got ${f.words}`);
    if (f.data.length !== x.rows * f.words) throw mismatch(`fingerprint data holds ${f.data.length} words, expected ${x.rows} rows × ${f.words}`);
  }
}

/** The shape of whatever blocks the data carries (for models that use all of them). */
export function shapeOf(x: FeatureMatrix): FeatureShape {
  return { descriptorColumns: x.descriptors ? x.descriptors.columns : null, fingerprintWords: x.fingerprints ? x.fingerprints.words : null };
}

/** Checks labels (finite; 0/1 for classification), the row count and the features. */
export function checkTrainingData(data: TrainingData, shape: FeatureShape, model: string, minRows = 1): void {
  const bad = (message: string) => new RotguardError('invalid_training_data', message, { field: 'labels' });
  if (data.task !== 'regression' && data.task !== 'classification') throw bad(`task must be 'regression' or 'classification', got ${String(data.task)}`);
  if (data.rows < minRows) throw bad(`${model} needs at least ${minRows} training rows, got ${data.rows}`);
  if (data.labels.length !== data.rows) throw bad(`${data.labels.length} labels for ${data.rows} rows`);
  for (let i = 0; i < data.labels.length; i++) {
    const y = data.labels[i]!;
    if (!Number.isFinite(y)) throw bad(`label of row ${i} is ${y}`);
    if (data.task === 'classification' && y !== 0 && y !== 1) throw bad(`classification labels must be 0 or 1; row ${i} has ${y}`);
  }
  checkFeatures(data, shape, model);
}
