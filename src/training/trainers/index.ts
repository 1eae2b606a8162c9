/**
 * The built-in trainers by name, and loading any stored model artifact by its `kind`.
 * The recipe and build-hash machinery picks a trainer here; serving reloads models here.
 */
import { artifactError } from './encoding.js';
import { RANDOM_FOREST, RandomForestModel, randomForestTrainer } from './random-forest.js';
import { RIDGE, RidgeModel, ridgeTrainer } from './ridge.js';
import { TANIMOTO_KNN, TanimotoKnnModel, tanimotoKnnTrainer } from './knn.js';
import type { Trainer, TrainedModel } from './types.js';

export type { DescriptorBlock, FeatureMatrix, FingerprintBlock, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';
export { RandomForestModel, randomForestTrainer, RANDOM_FOREST, type RandomForestParams } from './random-forest.js';
export { RidgeModel, ridgeTrainer, RIDGE, type RidgeParams } from './ridge.js';
export { TanimotoKnnModel, tanimotoKnnTrainer, TANIMOTO_KNN, type TanimotoKnnParams } from './knn.js';

export const TRAINERS: Readonly<Record<string, Trainer<any>>> = {
  [RIDGE]: ridgeTrainer,
  [RANDOM_FOREST]: randomForestTrainer,
  [TANIMOTO_KNN]: tanimotoKnnTrainer,
};

/** A trained model from its artifact (the object, or its JSON text). */
export function loadModel(artifact: unknown): TrainedModel {
  const a = typeof artifact === 'string' ? (JSON.parse(artifact) as unknown) : artifact;
  const kind = (a as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case RIDGE:
      return RidgeModel.fromJSON(a);
    case RANDOM_FOREST:
      return RandomForestModel.fromJSON(a);
    case TANIMOTO_KNN:
      return TanimotoKnnModel.fromJSON(a);
    default:
      throw artifactError(`unknown model kind ${JSON.stringify(kind)}`);
  }
}
