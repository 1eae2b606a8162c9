import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateRecipe, type Recipe } from '../../src/training/recipe.js';
import { RotguardError } from '../../src/core/errors.js';
import { decide } from '../../src/policy/decide.js';
import { recipeDocument, retrainRecipe } from '../../src/policy/retrain-recipe.js';
import { DECAY, examplePolicy, history, NEW_CHEMISTRY, STABLE } from './evidence.js';

const lastRecipe = (): Recipe =>
  validateRecipe({
    model: 'sol-rf',
    team: 'dmpk',
    endpoint: 'solubility',
    dataset: {
      protocols: ['sol-ph68@1'],
      measured_from: '2022-01-01',
      measured_to: '2023-12-31',
      reported_by: '2024-01-15',
      aggregate: 'median',
      censored: 'drop',
    },
    features: { descriptors: 'rdkit-desc@1', radius: 2, bits: 1024 },
    split: { method: 'time', seed: 3, train: 0.7, calibration: 0.15, test: 0.15 },
    algorithm: 'random-forest',
    params: { nEstimators: 50 },
    task: { type: 'classification', threshold: 1.5, positive: 'above' },
    seed: 42,
  });

const retrain = decide(examplePolicy(), history(DECAY, STABLE, DECAY));
const code = (fn: () => unknown, expected: string) => assert.throws(fn, (e: RotguardError) => e instanceof RotguardError && e.code === expected);

describe('retrain recipe', () => {
  it('moves measured_to and reported_by to the window end and keeps everything else', () => {
    const last = lastRecipe();
    const before = structuredClone(last);
    assert.equal(retrain.action, 'retrain');
    const next = retrainRecipe(retrain, last, retrain.window.end);
    assert.equal(retrain.window.end, '2024-01-21');
    assert.deepEqual(next, {
      ...before,
      dataset: {
        window: {
          protocols: ['sol-ph68@1'],
          measuredFrom: '2022-01-01',
          measuredTo: '2024-01-21',
          reportedBy: '2024-01-21',
          aggregate: 'median',
          censored: 'drop',
        },
      },
    });
    assert.deepEqual(last, before, 'the last recipe is not changed');
    assert.deepEqual(retrainRecipe(retrain, last, '2024-01-21'), next, 'pure: same inputs, same recipe');
    next.params.nEstimators = 1;
    assert.equal(last.params.nEstimators, 50, 'the new recipe shares nothing mutable with the old');
  });

  it('writes a recipe document that the recipe reader accepts as the same recipe', () => {
    const next = retrainRecipe(retrain, lastRecipe(), '2024-01-21');
    assert.deepEqual(validateRecipe(recipeDocument(next)), next);
    const regression = validateRecipe({ ...recipeDocument(next), task: 'regression', dataset: 'a1b2c3d4e5f6' });
    assert.deepEqual(validateRecipe(recipeDocument(regression)), regression);
  });

  it('needs the snapshot selection when the last recipe names a snapshot hash', () => {
    const last = { ...lastRecipe(), dataset: { snapshot: 'a1b2c3d4e5f6' } };
    code(() => retrainRecipe(retrain, last, '2024-01-21'), 'retrain_needs_window');
    const next = retrainRecipe(retrain, last, '2024-01-21', {
      snapshotWindow: { teams: ['dmpk'], aggregate: 'mean', censored: 'prefer_exact', measuredTo: '2023-06-30' },
    });
    assert.deepEqual(next.dataset, {
      window: { teams: ['dmpk'], aggregate: 'mean', censored: 'prefer_exact', measuredTo: '2024-01-21', reportedBy: '2024-01-21' },
    });
  });

  it('takes the UTC date of a timestamp, and refuses a bad date or a window that would shrink', () => {
    assert.deepEqual(retrainRecipe(retrain, lastRecipe(), '2024-01-21T23:30:00-02:00').dataset, retrainRecipe(retrain, lastRecipe(), '2024-01-22').dataset);
    code(() => retrainRecipe(retrain, lastRecipe(), '2024-02-30'), 'bad_date');
    code(() => retrainRecipe(retrain, lastRecipe(), 'last week'), 'bad_date');
    code(() => retrainRecipe(retrain, lastRecipe(), '2023-12-01'), 'retrain_window_shrinks');
  });

  it('refuses a decision that is not a retrain, or is for another model', () => {
    const watch = decide(examplePolicy(), history(NEW_CHEMISTRY, NEW_CHEMISTRY));
    code(() => retrainRecipe(watch, lastRecipe(), '2024-01-21'), 'not_a_retrain');
    const deferred = decide(examplePolicy(), history(DECAY, { ...DECAY, labels: { newLabels: 1 } }));
    assert.equal(deferred.retrainDeferred, true);
    code(() => retrainRecipe(deferred, lastRecipe(), '2024-01-21'), 'not_a_retrain');
    code(() => retrainRecipe(retrain, { ...lastRecipe(), model: 'sol-knn' }, '2024-01-21'), 'recipe_model_mismatch');
  });
});
