/**
 * The mean of several built-in models, e.g. gradient-boosted trees on descriptors and bits
 * with a Tanimoto GP: models that err differently average to a better one, and whether
 * they do is for cross-validation on the training set to say (src/training/tuning.ts).
 *
 *   value       Σ w_k v_k, the weighted mean of the members' values (weights default to
 *               equal; given weights are normalized to sum 1)
 *   uncertainty sqrt(Σ w_k σ_k² + Σ w_k (v_k − value)²): the law of total variance for the
 *               w-mixture of the members' predictive distributions.
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
  /** One non-negative weight per member, normalized to sum 1 (default: equal). */
  weights: number[];
}

/** Trainers and the artifact loader, passed in by ./index.ts (which imports this file). */
export interface EnsembleRegistry {
  // biome-ignore lint/suspicious/noExplicitAny: members are trainers of any parameter type
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
    const w = this.params.weights;
    const value = new Float64Array(x.rows);
    const uncertainty = new Float64Array(x.rows);
    for (let r = 0; r < x.rows; r++) {
      let mean = 0;
      let within = 0;
      preds.forEach((p, k) => {
        mean += w[k]! * p.value[r]!;
        within += w[k]! * p.uncertainty[r]! ** 2;
      });
      let between = 0;
      preds.forEach((p, k) => (between += w[k]! * (p.value[r]! - mean) ** 2));
      value[r] = mean;
      uncertainty[r] = Math.sqrt(within + between);
    }
    return { value, uncertainty };
  }

  toJSON(): ModelArtifact {
    return {
      kind: ENSEMBLE,
      formatVersion: 1,
      task: this.task,
      params: this.params as unknown as Record<string, unknown>,
      members: this.members.map((m) => m.toJSON()),
    };
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

// biome-ignore lint/suspicious/noExplicitAny: members are trainers of any parameter type
export function resolveEnsembleParams(params: Partial<EnsembleParams>, trainers: Readonly<Record<string, Trainer<any>>>): EnsembleParams {
  knownKeys(ENSEMBLE, params, ['members', 'weights']);
  const list = params.members;
  if (!Array.isArray(list) || list.length < 1) throw paramError(ENSEMBLE, 'members', 'must be a non-empty list of { algorithm, params }');
  const raw = params.weights ?? list.map(() => 1);
  if (
    !Array.isArray(raw) ||
    raw.length !== list.length ||
    !raw.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) ||
    !raw.some((v) => v > 0)
  ) {
    throw paramError(ENSEMBLE, 'weights', `must be ${list.length} non-negative numbers, not all 0, got ${JSON.stringify(params.weights)}`);
  }
  const total = raw.reduce((a, b) => a + b, 0);
  return {
    // Idempotent, so a stored (already normalized) ensemble reloads with the very same weights.
    weights: Math.abs(total - 1) < 1e-12 ? [...raw] : raw.map((v) => v / total),
    members: list.map((m, i) => {
      const field = `members[${i}]`;
      if (!m || typeof m !== 'object' || Array.isArray(m)) throw paramError(ENSEMBLE, field, 'must be a mapping { algorithm, params }');
      for (const key of Object.keys(m))
        if (key !== 'algorithm' && key !== 'params') throw paramError(ENSEMBLE, `${field}.${key}`, 'is not a member field (algorithm, params)');
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
      const members = params.members.map((m, i) =>
        registry.trainers[m.algorithm]!.train(data, m.params, seed, (done, total) => onProgress?.(i + done / total, k)),
      );
      return new EnsembleModel(data.task, params, members);
    },
  };
}
