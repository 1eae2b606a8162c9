/**
 * Hyperparameters chosen by k-fold cross-validation on the training set only, so a test set
 * never influences the model that is scored on it.
 *
 * Folds: the training rows are shuffled by the seed (core/random.ts) and dealt round-robin
 * into k folds. Each candidate parameter set is trained k times, each time without one
 * fold, which it then predicts: every training row gets one out-of-fold prediction. The
 * candidate with the highest Pearson r of those pooled predictions wins (ties: the earlier
 * candidate); RMSE is recorded beside it. Every candidate's scores are returned, so the
 * choice can be stored with the model and audited. Censored rows train as bounds in every
 * fold (for trainers that model them) and are left out of the scores.
 */
import { Random } from '../core/random.js';
import { pearson, rmse } from '../stats/metrics-regression.js';
import { take } from './feature-rows.js';
import type { ProgressFn, Trainer, TrainingData } from './trainers/types.js';

export interface CvSettings {
  folds: number;
  seed: number;
}

export interface CandidateScore {
  params: Record<string, unknown>;
  pearson: number;
  rmse: number;
}

export interface TuningRecord {
  method: 'kfold-cv';
  folds: number;
  seed: number;
  metric: 'pearson';
  candidates: CandidateScore[];
  chosen: number;
}

/** The fold (0 … folds − 1) of each of `n` rows. */
export function foldAssignment(n: number, settings: CvSettings): Int32Array {
  const order = new Random(settings.seed).shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const fold = new Int32Array(n);
  order.forEach((row, k) => (fold[row] = k % settings.folds));
  return fold;
}

/** One out-of-fold prediction (value) per training row. */
export function outOfFold(
  // biome-ignore lint/suspicious/noExplicitAny: tuning works for a trainer of any parameter type
  trainer: Trainer<any>,
  data: TrainingData,
  params: Record<string, unknown>,
  seed: number,
  fold: Int32Array,
  folds: number,
  onProgress?: ProgressFn,
): Float64Array {
  const out = new Float64Array(data.rows);
  for (let f = 0; f < folds; f++) {
    const inside: number[] = [];
    const outside: number[] = [];
    for (let i = 0; i < data.rows; i++) (fold[i] === f ? outside : inside).push(i);
    const censored = data.censored ? { censored: Int8Array.from(inside, (i) => data.censored![i]!) } : {};
    const model = trainer.train(
      { ...take(data, inside), labels: Float64Array.from(inside, (i) => data.labels[i]!), task: data.task, ...censored },
      params,
      seed,
    );
    const p = model.predict(take(data, outside)).value;
    outside.forEach((row, k) => (out[row] = p[k]!));
    onProgress?.(f + 1, folds);
  }
  return out;
}

/** Scores out-of-fold predictions against the training labels. */
export function scoreCandidate(params: Record<string, unknown>, labels: Float64Array, predictions: Float64Array): CandidateScore {
  return { params, pearson: pearson(labels, predictions), rmse: rmse(labels, predictions) };
}

/** The index of the best candidate: highest Pearson r, the first one on ties. */
export function chooseCandidate(scores: CandidateScore[]): number {
  let best = 0;
  scores.forEach((s, i) => {
    if (s.pearson > scores[best]!.pearson) best = i;
  });
  return best;
}

/** Cross-validates every candidate of one trainer and picks one; returns the record and the chosen candidate's out-of-fold predictions. */
export function tuneByCv(
  // biome-ignore lint/suspicious/noExplicitAny: tuning works for a trainer of any parameter type
  trainer: Trainer<any>,
  data: TrainingData,
  candidates: Array<Record<string, unknown>>,
  seed: number,
  settings: CvSettings,
): { record: TuningRecord; outOfFold: Float64Array } {
  const fold = foldAssignment(data.rows, settings);
  const predictions = candidates.map((c) => outOfFold(trainer, data, trainer.resolveParams(c) as Record<string, unknown>, seed, fold, settings.folds));
  // Censored labels are bounds: scored on exact labels only, like validation.
  const exact = data.censored ? [...data.labels.keys()].filter((i) => data.censored![i] === 0) : null;
  const only = (v: Float64Array) => (exact ? Float64Array.from(exact, (i) => v[i]!) : v);
  const scores = candidates.map((c, i) => scoreCandidate(trainer.resolveParams(c) as Record<string, unknown>, only(data.labels), only(predictions[i]!)));
  const chosen = chooseCandidate(scores);
  return {
    record: { method: 'kfold-cv', folds: settings.folds, seed: settings.seed, metric: 'pearson', candidates: scores, chosen },
    outOfFold: predictions[chosen]!,
  };
}
