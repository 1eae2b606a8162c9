import type { DatasetWindow, Recipe } from '../training/recipe.js';
import { RotguardError } from '../core/errors.js';
import type { Decision } from './decide.js';

/**
 * The recipe a retrain decision asks for: the model's last recipe with its training
 * window moved to the current window's end (measured_to and reported_by), and nothing
 * else changed: same features, split rule, algorithm, params, task and seed, so the only
 * difference between the two builds is the data the policy said had matured.
 *
 * A last recipe that names a snapshot hash has no window to move; pass the snapshot's
 * selection (its definition, as a DatasetWindow) in `snapshotWindow`.
 */
export interface RetrainOptions {
  snapshotWindow?: DatasetWindow;
}

function isoDate(value: string): string {
  const ok = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
  if (ok(value)) return value;
  // A full timestamp (the window's end instant) gives its UTC date.
  const t = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  throw new RotguardError('bad_date', `the window end must be an ISO date (YYYY-MM-DD), got ${JSON.stringify(value)}`, { field: 'windowEnd' });
}

export function retrainRecipe(decision: Decision, last: Recipe, windowEnd: string, options: RetrainOptions = {}): Recipe {
  if (decision.action !== 'retrain') {
    throw new RotguardError(
      'not_a_retrain',
      `decision for window ${decision.window.label} is ${decision.action}, not retrain; a retrain without one needs an override reason`,
      { field: 'decision.action' },
    );
  }
  if (decision.model !== last.model && !decision.model.startsWith(`${last.model}@`)) {
    throw new RotguardError('recipe_model_mismatch', `the decision is for ${decision.model} but the recipe builds ${last.model}`, { field: 'model' });
  }
  const end = isoDate(windowEnd);
  let base: DatasetWindow;
  if ('window' in last.dataset) base = last.dataset.window;
  else if (options.snapshotWindow) base = options.snapshotWindow;
  else {
    throw new RotguardError(
      'retrain_needs_window',
      `the last recipe of ${last.model} names snapshot ${last.dataset.snapshot.slice(0, 12)}; pass that snapshot's selection (snapshotWindow) so the window can be moved`,
      { field: 'dataset' },
    );
  }
  for (const key of ['measuredTo', 'reportedBy'] as const) {
    const before = base[key];
    if (before !== undefined && before > end) {
      throw new RotguardError(
        'retrain_window_shrinks',
        `the last recipe already has dataset.${key === 'measuredTo' ? 'measured_to' : 'reported_by'} ${before}, after the window end ${end}; a retrain never trains on less`,
        { field: `dataset.${key === 'measuredTo' ? 'measured_to' : 'reported_by'}` },
      );
    }
  }
  const window: DatasetWindow = structuredClone(base);
  window.measuredTo = end;
  window.reportedBy = end;
  return {
    model: last.model,
    task: structuredClone(last.task),
    team: last.team,
    endpoint: last.endpoint,
    dataset: { window },
    features: { ...last.features },
    split: structuredClone(last.split),
    algorithm: last.algorithm,
    params: structuredClone(last.params),
    seed: last.seed,
  };
}

/** A recipe in the recipe file's own vocabulary (snake_case), ready to write as YAML. */
export function recipeDocument(r: Recipe): Record<string, unknown> {
  let dataset: unknown;
  if ('snapshot' in r.dataset) dataset = r.dataset.snapshot;
  else {
    const w = r.dataset.window;
    dataset = {
      protocols: w.protocols,
      sites: w.sites,
      teams: w.teams,
      measured_from: w.measuredFrom,
      measured_to: w.measuredTo,
      reported_by: w.reportedBy,
      aggregate: w.aggregate,
      censored: w.censored,
    };
    for (const [k, v] of Object.entries(dataset as Record<string, unknown>)) if (v === undefined) delete (dataset as Record<string, unknown>)[k];
  }
  return {
    model: r.model,
    team: r.team,
    endpoint: r.endpoint,
    task: r.task.type === 'regression' ? 'regression' : { ...r.task },
    dataset,
    features: { ...r.features },
    split: recipeSplit(r.split),
    algorithm: r.algorithm,
    params: structuredClone(r.params),
    seed: r.seed,
    ...(r.tuning
      ? { tuning: { method: r.tuning.method, folds: r.tuning.folds, seed: r.tuning.seed, metric: r.tuning.metric, grid: structuredClone(r.tuning.grid) } }
      : {}),
  };
}

/** The split as a recipe writes it: cluster cutoff and predefined names kept (resolved keys, not the file). */
function recipeSplit(s: Recipe['split']): Record<string, unknown> {
  if (s.method === 'predefined') {
    const named = (n: NonNullable<typeof s.test>) => (n.inchikeys.length > 0 ? [...n.inchikeys] : n.file);
    return { method: s.method, seed: s.seed, test: named(s.test!), calibration: s.calibration ? named(s.calibration) : s.fractions.calibration };
  }
  return { method: s.method, seed: s.seed, ...s.fractions, ...(s.cutoff !== undefined ? { cutoff: s.cutoff } : {}) };
}
