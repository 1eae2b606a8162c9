import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { gradientBoostingTrainer, loadModel, type FeatureMatrix } from '../../src/training/trainers/index.js';

interface Rows {
  fingerprints: number[][];
  descriptors: number[][];
}
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/training/boosting-gp-reference.json', import.meta.url), 'utf8')).gradient_boosting as {
  settings: { max_iter: number; learning_rate: number; max_leaf_nodes: number; min_samples_leaf: number; l2_regularization: number };
  train: Rows & { labels: number[] };
  query: Rows;
  predictions: number[];
  train_predictions: number[];
};

function matrix(rows: Rows): FeatureMatrix {
  return {
    rows: rows.fingerprints.length,
    fingerprints: { data: Uint32Array.from(rows.fingerprints.flat()), words: rows.fingerprints[0]!.length },
    descriptors: { data: Float64Array.from(rows.descriptors.flat()), columns: rows.descriptors[0]!.length },
  };
}

const s = ref.settings;
/** scikit-learn's HistGradientBoostingRegressor: one model, every row and feature for every tree. */
const sklearnLike = {
  iterations: s.max_iter,
  learningRate: s.learning_rate,
  maxLeafNodes: s.max_leaf_nodes,
  minSamplesLeaf: s.min_samples_leaf,
  l2: s.l2_regularization,
  members: 1,
  subsample: 1,
  featureFraction: 1,
  descriptorBins: 255,
};
const train = { ...matrix(ref.train), labels: Float64Array.from(ref.train.labels), task: 'regression' as const };

describe('gradient-boosting', () => {
  it('matches scikit-learn HistGradientBoostingRegressor on the stored fixture (bits + descriptors)', () => {
    const model = gradientBoostingTrainer.train(train, sklearnLike, 0);
    const q = model.predict(matrix(ref.query));
    const t = model.predict(matrix(ref.train));
    let worst = 0;
    ref.predictions.forEach((p, i) => (worst = Math.max(worst, Math.abs(q.value[i]! - p))));
    ref.train_predictions.forEach((p, i) => (worst = Math.max(worst, Math.abs(t.value[i]! - p))));
    // scikit-learn keeps gradients and histograms in float32 (G_H_DTYPE); we use float64.
    // Every split is the same, leaf values differ in the 9th digit.
    assert.ok(worst < 1e-7, `largest difference from scikit-learn ${worst}`);
    // One member: no spread, so the conformal layer uses plain residuals.
    assert.ok(q.uncertainty.every((u) => u === 0));
  });

  it('is deterministic for a seed, differs across seeds, and reloads bit-identically', () => {
    const params = { iterations: 30, members: 3, subsample: 0.7, featureFraction: 0.5 };
    const a = gradientBoostingTrainer.train(train, params, 5);
    const b = gradientBoostingTrainer.train(train, params, 5);
    const c = gradientBoostingTrainer.train(train, params, 6);
    assert.equal(canonicalJson(a.toJSON()), canonicalJson(b.toJSON()));
    assert.notEqual(canonicalJson(a.toJSON()), canonicalJson(c.toJSON()));
    const reloaded = loadModel(canonicalJson(a.toJSON()));
    assert.equal(canonicalJson(reloaded.toJSON()), canonicalJson(a.toJSON()));
    const q = matrix(ref.query);
    assert.deepEqual(reloaded.predict(q), a.predict(q));
    // Several subsampled members: a positive spread for every row.
    assert.ok(a.predict(q).uncertainty.every((u) => u > 0));
  });

  it('beats the mean on held-out rows with the default settings', () => {
    const model = gradientBoostingTrainer.train(train, { iterations: 100 }, 1);
    const q = model.predict(matrix(ref.query)).value;
    const mean = ref.train.labels.reduce((x, y) => x + y, 0) / ref.train.labels.length;
    const truth = ref.predictions; // scikit-learn's predictions as a proxy for the signal
    let sseModel = 0;
    let sseMean = 0;
    truth.forEach((y, i) => {
      sseModel += (q[i]! - y) ** 2;
      sseMean += (mean - y) ** 2;
    });
    assert.ok(sseModel < 0.3 * sseMean, `${sseModel} vs ${sseMean}`);
  });

  it('classification outputs probabilities that separate the classes', () => {
    const labels = Float64Array.from(ref.train.labels, (y) => (y > 0.8 ? 1 : 0));
    const model = gradientBoostingTrainer.train({ ...train, labels, task: 'classification' }, { iterations: 40, members: 1 }, 0);
    const p = model.predict(matrix(ref.train)).value;
    assert.ok(p.every((v) => v > 0 && v < 1));
    let pos = 0;
    let neg = 0;
    let np = 0;
    labels.forEach((y, i) => (y === 1 ? ((pos += p[i]!), np++) : (neg += p[i]!)));
    assert.ok(pos / np > neg / (labels.length - np) + 0.3);
  });

  it('refuses bad parameters with the parameter named', () => {
    assert.throws(
      () => gradientBoostingTrainer.resolveParams({ learningRate: 0 }),
      (e: unknown) => e instanceof RotguardError && e.code === 'invalid_trainer_params' && e.location.field === 'learningRate',
    );
    assert.throws(
      () => gradientBoostingTrainer.resolveParams({ subsample: 1.5 }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'subsample',
    );
    assert.throws(
      () => gradientBoostingTrainer.resolveParams({ trees: 3 } as never),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'trees',
    );
  });
});
