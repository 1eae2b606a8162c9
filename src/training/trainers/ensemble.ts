/**
 * The mean of several built-in models, e.g. gradient-boosted trees on descriptors and bits
 * with a Tanimoto GP: models that err differently average to a better one, and whether
 * they do is for cross-validation on the training set to say (src/training/tuning.ts).
 *
 *   value       the mean of the members' values
 *   uncertainty sqrt(mean of the members' σ² + variance of their values): the law of total
 *               variance for an equal mixture of the members' predictive distributions.
 *
 * Each member is trained with the recipe's seed and stored as its own artifact; members may
 * not themselves be ensembles. Every member is trained on the same features.
 */
import { artifactError } from './encoding.js';
import { paramError, knownKeys } from './params.js';
import type { FeatureMatrix, ModelArtifact, Prediction, ProgressFn, Task, Trainer, TrainedModel, TrainingData } from './types.js';

export const ENSEMBLE = 'ensemble';

export interface EnsembleMember {
  algorithm: string;
  params: Record<string, unknown>;
}

export interface EnsembleParams {
  members: EnsembleMember[];
}

/** Trainers and the artifact loader, passed in by ./index.ts (which imports this file). */
export interface EnsembleRegistry {
  trainers: Readonly<Record<string, Trainer<any>>>;
  load(artifact: unknown): TrainedModel;
}

export class EnsembleModel implements TrainedModel {
  readonly kind = ENSEMBLE;
  readonly task: Task;
  readonly members: TrainedModel[];
  private readonly params: EnsembleParams;

  constructor(task: Task, params: EnsembleParams, members: TrainedModel[]) {
    this.task = task;
    this.params = params;
    this.members = members;
  }

  predict(x: FeatureMatrix): Prediction {
    const preds = this.members.map((m) => m.predict(x));
    const k = preds.length;
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let mean = 0;
      let within = 0;
      for (const p of preds) {
        mean += p.value[r]!;
        within += p.uncertainty[r]! ** 2;
      }
      mean /= k;
      let between = 0;
      for (const p of preds) between += (p.value[r]! - mean) ** 2;
      value[r] = mean;
      uncertainty[r] = Math.sqrt(within / k + between / k);
    }
    return { value, uncertainty };
  }

  toJSON(): ModelArtifact {
    return { kind: ENSEMBLE, formatVersion: 1, task: this.task, params: this.params as unknown as Record<string, unknown>, members: this.members.map((m) => m.toJSON()) };
  }

  static fromJSON(artifact: unknown, registry: EnsembleRegistry): EnsembleModel {
    const a = artifact as Record<string, unknown>;
    if (a?.kind !== ENSEMBLE || a.formatVersion !== 1) throw artifactError(`not an ${ENSEMBLE} artifact of format 1`);
    if (a.task !== 'regression' && a.task !== 'classification') throw artifactError('task must be regression or classification');
    if (!Array.isArray(a.members) || a.members.length < 1) throw artifactError('members must be a non-empty array');
    const members = a.members.map((m) => {
      if ((m as { kind?: unknown })?.kind === ENSEMBLE) throw artifactError('an ensemble member cannot be an ensemble');
      return registry.load(m);
    });
    let params: EnsembleParams;
    try {
      params = resolveEnsembleParams((a.params ?? {}) as Partial<EnsembleParams>, registry.trainers);
    } catch (e) {
      throw artifactError(`params: ${(e as Error).message}`);
    }
    if (params.members.length !== members.length) throw artifactError(`params name ${params.members.length} members, the artifact holds ${members.length}`);
    return new EnsembleModel(a.task, params, members);
  }
}

export function resolveEnsembleParams(params: Partial<EnsembleParams>, trainers: Readonly<Record<string, Trainer<any>>>): EnsembleParams {
  knownKeys(ENSEMBLE, params, ['members']);
  const list = params.members;
  if (!Array.isArray(list) || list.length < 1) throw paramError(ENSEMBLE, 'members', 'must be a non-empty list of { algorithm, params }');
  return {
    members: list.map((m, i) => {
      const field = `members[${i}]`;
      if (!m || typeof m !== 'object' || Array.isArray(m)) throw paramError(ENSEMBLE, field, 'must be a mapping { algorithm, params }');
      for (const key of Object.keys(m)) if (key !== 'algorithm' && key !== 'params') throw paramError(ENSEMBLE, `${field}.${key}`, 'is not a member field (algorithm, params)');
      const trainer = typeof m.algorithm === 'string' && m.algorithm !== ENSEMBLE ? trainers[m.algorithm] : undefined;
      if (!trainer) throw paramError(ENSEMBLE, `${field}.algorithm`, `must be a built-in algorithm other than ${ENSEMBLE}, got ${JSON.stringify(m.algorithm)}`);
      const p = m.params ?? {};
      if (typeof p !== 'object' || Array.isArray(p)) throw paramError(ENSEMBLE, `${field}.params`, 'must be a mapping');
      return { algorithm: m.algorithm, params: trainer.resolveParams(p) as Record<string, unknown> };
    }),
  };
}

export function ensembleTrainer(registry: EnsembleRegistry): Trainer<EnsembleParams> {
  return {
    name: ENSEMBLE,
    resolveParams: (p) => resolveEnsembleParams(p, registry.trainers),
    train(data: TrainingData, partial: Partial<EnsembleParams>, seed: number, onProgress?: ProgressFn): EnsembleModel {
      const params = resolveEnsembleParams(partial, registry.trainers);
      const k = params.members.length;
      const members = params.members.map((m, i) => registry.trainers[m.algorithm]!.train(data, m.params, seed, (done, total) => onProgress?.(i + done / total, k)));
      return new EnsembleModel(data.task, params, members);
    },
  };
}
