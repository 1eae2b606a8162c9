import { isIsoDate } from '../core/iso-date.js';
import { descriptorDictionaryIds } from '../chem/descriptors.js';
import { dirname, isAbsolute, join } from 'node:path';
import { RotguardError } from '../core/errors.js';
import { readYamlFile } from '../core/yaml-file.js';
import { TRAINERS } from './trainers/index.js';
import { DEFAULT_CLUSTER_CUTOFF, validateSplitRule, type NamedCompounds, type SplitRule } from '../validate/splits.js';

/**
 * A build recipe: everything that determines a model, in YAML.
 *
 *   model: sol-rf                      # registry name
 *   team: dmpk
 *   endpoint: solubility_ph68
 *   dataset: 7a114509a3c4              # a snapshot hash (prefix), or a definition:
 *   # dataset: { measured_to: 2024-06-30, reported_by: 2024-07-31, protocols: [sol@1], aggregate: mean, censored: prefer_exact }
 *   features: { descriptors: rdkit-desc@1, radius: 2, bits: 2048 }
 *   split: { method: scaffold, seed: 0, train: 0.8, calibration: 0.1, test: 0.1 }
 *   # split: { method: cluster, cutoff: 0.65, seed: 0, train: 0.8, calibration: 0.1, test: 0.1 }
 *   # split: { method: predefined, test: test.csv, calibration: 0.1 }   # or calibration: cal.csv, or test: [INCHIKEY, …]
 *   algorithm: random-forest           # ridge | random-forest | tanimoto-knn
 *   params: { nEstimators: 200 }
 *   task: regression                   # or { type: classification, threshold: 1.0, positive: above }
 *   seed: 42
 *   tuning: { method: kfold-cv, folds: 5, seed: 0, grid: [{ maxLeafNodes: 15 }, { maxLeafNodes: 31 }] }   # optional
 */
export interface DatasetWindow {
  protocols?: string[];
  sites?: string[];
  teams?: string[];
  measuredFrom?: string;
  measuredTo?: string;
  reportedBy?: string;
  aggregate: 'mean' | 'median';
  censored: 'drop' | 'as_bound' | 'prefer_exact';
}

/** Regression on the label, or classification of the label against a threshold. */
export type TaskRule = { type: 'regression' } | { type: 'classification'; threshold: number; positive: 'above' | 'below' };

export interface Recipe {
  model: string;
  task: TaskRule;
  team: string;
  endpoint: string;
  dataset: { snapshot: string } | { window: DatasetWindow };
  features: { descriptors: string; radius: number; bits: number };
  split: SplitRule;
  algorithm: string;
  params: Record<string, unknown>;
  seed: number;
  /** Hyperparameters chosen by k-fold CV on the training split (src/training/tuning.ts); absent: params as given. */
  tuning?: TuningRule;
}

/** Each grid entry overrides `params`; the candidate with the best pooled out-of-fold Pearson r trains the model. */
export interface TuningRule {
  method: 'kfold-cv';
  folds: number;
  seed: number;
  metric: 'pearson';
  grid: Array<Record<string, unknown>>;
}

const TOP_KEYS = ['model', 'team', 'endpoint', 'task', 'dataset', 'features', 'split', 'algorithm', 'params', 'seed', 'tuning'];

export function readRecipeFile(path: string): Recipe {
  return validateRecipe(readYamlFile(path, 'recipe'), path);
}

/** Checks a parsed recipe; every error names the field (and the file). */
export function validateRecipe(doc: unknown, file?: string): Recipe {
  const fail = (field: string, message: string): never => {
    throw new RotguardError('bad_recipe', message, { file, field });
  };
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) fail('(top)', 'a recipe is a YAML mapping');
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!TOP_KEYS.includes(k)) fail(k, `unknown field "${k}" (expected ${TOP_KEYS.join(', ')})`);
  const name = (v: unknown, field: string, pattern = /^[a-z][a-z0-9_-]{0,63}$/) => {
    if (typeof v !== 'string' || !pattern.test(v)) fail(field, `${field} must be a lower-case name (letters, digits, - and _), got ${JSON.stringify(v)}`);
    return v as string;
  };
  const int = (v: unknown, field: string, fallback?: number) => {
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, `${field} must be an integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const obj = (v: unknown, field: string) => {
    if (v === undefined) return {} as Record<string, unknown>;
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(field, `${field} must be a mapping`);
    return v as Record<string, unknown>;
  };
  const onlyKeys = (o: Record<string, unknown>, field: string, keys: string[]) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${field}.${k}`, `unknown field "${field}.${k}" (expected ${keys.join(', ')})`);
  };

  let dataset: Recipe['dataset'];
  if (typeof d.dataset === 'string') {
    if (!/^[0-9a-f]{8,64}$/.test(d.dataset)) fail('dataset', `dataset must be a snapshot hash (8–64 hex digits) or a mapping, got "${d.dataset}"`);
    dataset = { snapshot: d.dataset };
  } else {
    const w = obj(d.dataset, 'dataset');
    if (d.dataset === undefined) fail('dataset', 'dataset is required: a snapshot hash or a window definition');
    onlyKeys(w, 'dataset', ['protocols', 'sites', 'teams', 'measured_from', 'measured_to', 'reported_by', 'aggregate', 'censored']);
    const list = (v: unknown, field: string) => {
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(field, `${field} must be a list of strings`);
      return v as string[];
    };
    const date = (v: unknown, field: string) => {
      if (v === undefined) return undefined;
      const s = v instanceof Date ? v.toISOString().slice(0, 10) : v;
      if (typeof s !== 'string' || !isIsoDate(s, { dateOnly: true })) fail(field, `${field} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(s)}`);
      return s as string;
    };
    const aggregate = (w.aggregate ?? 'mean') as string;
    if (!['mean', 'median'].includes(aggregate)) fail('dataset.aggregate', 'dataset.aggregate must be mean or median');
    const censored = (w.censored ?? 'prefer_exact') as string;
    if (!['drop', 'as_bound', 'prefer_exact'].includes(censored)) fail('dataset.censored', 'dataset.censored must be drop, as_bound or prefer_exact');
    const window: DatasetWindow = { aggregate: aggregate as DatasetWindow['aggregate'], censored: censored as DatasetWindow['censored'] };
    const set = <K extends keyof DatasetWindow>(k: K, v: DatasetWindow[K] | undefined) => {
      if (v !== undefined) window[k] = v;
    };
    set('protocols', list(w.protocols, 'dataset.protocols'));
    set('sites', list(w.sites, 'dataset.sites'));
    set('teams', list(w.teams, 'dataset.teams'));
    set('measuredFrom', date(w.measured_from, 'dataset.measured_from'));
    set('measuredTo', date(w.measured_to, 'dataset.measured_to'));
    set('reportedBy', date(w.reported_by, 'dataset.reported_by'));
    dataset = { window };
  }

  const f = obj(d.features, 'features');
  onlyKeys(f, 'features', ['descriptors', 'radius', 'bits']);
  const features = {
    descriptors:
      typeof f.descriptors === 'string'
        ? f.descriptors
        : f.descriptors === undefined
          ? 'rdkit-desc@1'
          : fail('features.descriptors', 'features.descriptors must be a dictionary id such as rdkit-desc@1'),
    radius: int(f.radius, 'features.radius', 2),
    bits: int(f.bits, 'features.bits', 2048),
  };
  if (features.radius < 0 || features.radius > 6) fail('features.radius', 'features.radius must be 0–6');
  if (features.bits < 32 || features.bits > 65536 || features.bits % 32) fail('features.bits', 'features.bits must be a multiple of 32 from 32 to 65536');
  if (!descriptorDictionaryIds().includes(features.descriptors))
    fail('features.descriptors', `unknown descriptor dictionary "${features.descriptors}"; known: ${descriptorDictionaryIds().join(', ')}`);

  const s = obj(d.split, 'split');
  onlyKeys(s, 'split', ['method', 'seed', 'train', 'calibration', 'test', 'cutoff']);
  const frac = (v: unknown, field: string, fallback: number) => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number') fail(field, `${field} must be a number`);
    return v as number;
  };
  let split: SplitRule;
  try {
    const method = (s.method ?? 'scaffold') as SplitRule['method'];
    split =
      method === 'predefined'
        ? predefinedSplitRule(s, file, fail, int(s.seed, 'split.seed', 0))
        : validateSplitRule({
            method,
            seed: int(s.seed, 'split.seed', 0),
            fractions: {
              train: frac(s.train, 'split.train', 0.8),
              calibration: frac(s.calibration, 'split.calibration', 0.1),
              test: frac(s.test, 'split.test', 0.1),
            },
            ...(method === 'cluster'
              ? { cutoff: s.cutoff === undefined ? DEFAULT_CLUSTER_CUTOFF : (s.cutoff as number) }
              : s.cutoff !== undefined
                ? { cutoff: s.cutoff as number }
                : {}),
          });
  } catch (e) {
    if (e instanceof RotguardError) throw new RotguardError('bad_recipe', e.message, { file, field: e.location.field });
    throw e;
  }
  let task: TaskRule = { type: 'regression' };
  if (d.task !== undefined && d.task !== 'regression') {
    const t = obj(d.task, 'task');
    onlyKeys(t, 'task', ['type', 'threshold', 'positive']);
    if (t.type !== 'classification') fail('task.type', 'task must be regression or { type: classification, threshold, positive }');
    if (typeof t.threshold !== 'number' || !Number.isFinite(t.threshold)) fail('task.threshold', 'task.threshold must be a number on the label scale');
    const positive = (t.positive ?? 'above') as string;
    if (positive !== 'above' && positive !== 'below') fail('task.positive', 'task.positive must be above or below');
    task = { type: 'classification', threshold: t.threshold as number, positive: positive as 'above' | 'below' };
  }
  const algorithm = typeof d.algorithm === 'string' ? d.algorithm : fail('algorithm', `algorithm is required: one of ${Object.keys(TRAINERS).join(', ')}`);
  // Own keys only: "constructor" or "__proto__" must not resolve to Object's members.
  const trainer = Object.hasOwn(TRAINERS, algorithm) ? TRAINERS[algorithm] : undefined;
  if (!trainer) fail('algorithm', `unknown algorithm "${algorithm}"; built in: ${Object.keys(TRAINERS).join(', ')}`);
  let params: Record<string, unknown>;
  try {
    params = trainer!.resolveParams(obj(d.params, 'params')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof RotguardError)
      throw new RotguardError('bad_recipe', e.message, { file, field: `params${e.location.field ? '.' + e.location.field : ''}` });
    throw e;
  }
  let tuning: TuningRule | undefined;
  if (d.tuning !== undefined) {
    const t = obj(d.tuning, 'tuning');
    onlyKeys(t, 'tuning', ['method', 'folds', 'seed', 'metric', 'grid']);
    if ((t.method ?? 'kfold-cv') !== 'kfold-cv') fail('tuning.method', 'tuning.method must be kfold-cv');
    if ((t.metric ?? 'pearson') !== 'pearson') fail('tuning.metric', 'tuning.metric must be pearson');
    const folds = int(t.folds, 'tuning.folds', 5);
    if (folds < 2 || folds > 20) fail('tuning.folds', 'tuning.folds must be 2–20');
    if (task.type !== 'regression') fail('tuning', 'tuning is for regression recipes');
    if (!Array.isArray(t.grid) || t.grid.length < 1 || t.grid.some((g) => !g || typeof g !== 'object' || Array.isArray(g)))
      fail('tuning.grid', 'tuning.grid must be a non-empty list of parameter mappings');
    const grid = (t.grid as Array<Record<string, unknown>>).map((g, i) => {
      try {
        return trainer!.resolveParams({ ...params, ...g }) as Record<string, unknown>;
      } catch (e) {
        if (e instanceof RotguardError)
          throw new RotguardError('bad_recipe', e.message, { file, field: `tuning.grid[${i}]${e.location.field ? '.' + e.location.field : ''}` });
        throw e;
      }
    });
    tuning = { method: 'kfold-cv', folds, seed: int(t.seed, 'tuning.seed', 0), metric: 'pearson', grid };
  }
  return {
    ...(tuning ? { tuning } : {}),
    model: name(d.model, 'model'),
    task,
    team: name(d.team, 'team'),
    endpoint: name(d.endpoint, 'endpoint'),
    dataset,
    features,
    split,
    algorithm,
    params,
    seed: int(d.seed, 'seed', 0),
  };
}

/**
 * `split: { method: predefined, test: FILE | [InChIKey, …], calibration: SHARE | FILE | [InChIKey, …], seed }`.
 * A file is resolved to InChIKeys by the build (its structures standardized as at ingest),
 * relative to the recipe file's folder; its sha256 and the keys then enter the build hash.
 */
function predefinedSplitRule(s: Record<string, unknown>, file: string | undefined, fail: (field: string, message: string) => never, seed: number): SplitRule {
  if (s.train !== undefined) fail('split.train', 'a predefined split takes no train share: what is not test or calibration trains');
  if (s.cutoff !== undefined) fail('split.cutoff', 'split cutoff is for cluster splits only');
  const named = (v: unknown, field: string): NamedCompounds => {
    if (typeof v === 'string' && v.trim() !== '') return { file: file && !isAbsolute(v) ? join(dirname(file), v) : v, inchikeys: [] };
    if (Array.isArray(v) && v.length > 0 && v.every((k) => typeof k === 'string' && /^[A-Z]{14}-[A-Z]{10}-[A-Z]$/.test(k)))
      return { inchikeys: [...new Set(v as string[])].sort() };
    return fail(field, `${field} must be a structure file (CSV/TSV/SMI/SDF) or a non-empty list of standard InChIKeys`);
  };
  const test = named(s.test, 'split.test');
  let calibration: NamedCompounds | undefined;
  let share = 0.1;
  if (typeof s.calibration === 'number') share = s.calibration;
  else if (s.calibration !== undefined) {
    calibration = named(s.calibration, 'split.calibration');
    share = 0;
  }
  return validateSplitRule({
    method: 'predefined',
    seed,
    fractions: { train: 1 - share, calibration: share, test: 0 },
    test,
    ...(calibration ? { calibration } : {}),
  });
}
