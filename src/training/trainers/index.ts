/**
 * The built-in trainers by name, and loading any stored model artifact by its `kind`.
 * The recipe and build-hash machinery picks a trainer here; serving reloads models here.
 */
import { RotguardError } from '../../core/errors.js';
import { artifactError } from './encoding.js';
import { RANDOM_FOREST, RandomForestModel, randomForestTrainer } from './random-forest.js';
import { RIDGE, RidgeModel, ridgeTrainer } from './ridge.js';
import { TANIMOTO_KNN, TanimotoKnnModel, tanimotoKnnTrainer } from './knn.js';
import { GRADIENT_BOOSTING, GradientBoostingModel, gradientBoostingTrainer } from './gradient-boosting.js';
import { TANIMOTO_GP, TanimotoGpModel, tanimotoGpTrainer } from './tanimoto-gp.js';
import { ENSEMBLE, EnsembleModel, ensembleTrainer } from './ensemble.js';
import type { Trainer, TrainedModel } from './types.js';

export type {
  DescriptorBlock,
  FeatureMatrix,
  FingerprintBlock,
  ModelArtifact,
  Prediction,
  ProgressFn,
  Task,
  Trainer,
  TrainedModel,
  TrainingData,
} from './types.js';
export { RandomForestModel, randomForestTrainer, RANDOM_FOREST, type RandomForestParams } from './random-forest.js';
export { RidgeModel, ridgeTrainer, RIDGE, type RidgeParams } from './ridge.js';
export { GradientBoostingModel, gradientBoostingTrainer, GRADIENT_BOOSTING, type GradientBoostingParams } from './gradient-boosting.js';
export { TanimotoGpModel, tanimotoGpTrainer, TANIMOTO_GP, type TanimotoGpParams } from './tanimoto-gp.js';
export { EnsembleModel, ENSEMBLE, type EnsembleParams } from './ensemble.js';
export { TanimotoKnnModel, tanimotoKnnTrainer, TANIMOTO_KNN, type TanimotoKnnParams } from './knn.js';

const SINGLE: Readonly<Record<string, Trainer<any>>> = {
  [RIDGE]: ridgeTrainer,
  [RANDOM_FOREST]: randomForestTrainer,
  [TANIMOTO_KNN]: tanimotoKnnTrainer,
  [GRADIENT_BOOSTING]: gradientBoostingTrainer,
  [TANIMOTO_GP]: tanimotoGpTrainer,
};

export const TRAINERS: Readonly<Record<string, Trainer<any>>> = {
  ...SINGLE,
  [ENSEMBLE]: ensembleTrainer({ trainers: SINGLE, load: loadModel }),
};

/**
 * A trained model from its artifact (the object, or its JSON text). Each trainer's
 * fromJSON is the artifact's decoder: it checks every field. `blob` names the artifact's
 * blob hash in the error when it came from the store.
 */
export function loadModel(artifact: unknown, blob?: string): TrainedModel {
  try {
    return loadArtifact(artifact);
  } catch (e) {
    if (blob && e instanceof RotguardError && e.code === 'invalid_model_artifact') throw new RotguardError(e.code, `${e.message} (blob ${blob})`, e.location);
    throw e;
  }
}

function loadArtifact(artifact: unknown): TrainedModel {
  let a: unknown = artifact;
  if (typeof artifact === 'string') {
    try {
      a = JSON.parse(artifact);
    } catch (e) {
      throw artifactError(`not JSON (${(e as Error).message})`);
    }
  }
  const kind = (a as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case RIDGE:
      return RidgeModel.fromJSON(a);
    case RANDOM_FOREST:
      return RandomForestModel.fromJSON(a);
    case TANIMOTO_KNN:
      return TanimotoKnnModel.fromJSON(a);
    case GRADIENT_BOOSTING:
      return GradientBoostingModel.fromJSON(a);
    case TANIMOTO_GP:
      return TanimotoGpModel.fromJSON(a);
    case ENSEMBLE:
      return EnsembleModel.fromJSON(a, { trainers: SINGLE, load: loadModel });
    default:
      throw artifactError(`unknown model kind ${JSON.stringify(kind)}`);
  }
}
