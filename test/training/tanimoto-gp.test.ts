import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { loadModel, tanimotoGpTrainer, TanimotoGpModel, type FeatureMatrix } from '../../src/training/trainers/index.js';

const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/training/boosting-gp-reference.json', import.meta.url), 'utf8')).tanimoto_gp as {
  noise: number;
  train: { fingerprints: number[][]; labels: number[] };
  query: { fingerprints: number[][] };
  mean: number;
  signalVariance: number;
  predictions: number[];
  sd: number[];
  grid: Array<{ noise: number; logMarginalLikelihood: number }>;
};

const fps = (rows: number[][]): FeatureMatrix => ({ rows: rows.length, fingerprints: { data: Uint32Array.from(rows.flat()), words: rows[0]!.length } });
const train = { ...fps(ref.train.fingerprints), labels: Float64Array.from(ref.train.labels), task: 'regression' as const };
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('tanimoto-gp', () => {
  it('gives the textbook posterior mean and predictive SD (numpy, explicit inverse) at a fixed noise', () => {
    const model = tanimotoGpTrainer.train(train, { noise: ref.noise }, 0) as TanimotoGpModel;
    assert.ok(close(model.signalVariance, ref.signalVariance, 1e-9));
    const p = model.predict(fps(ref.query.fingerprints));
    ref.predictions.forEach((m, i) => assert.ok(close(p.value[i]!, m, 1e-9), `mean ${i}: ${p.value[i]} vs ${m}`));
    ref.sd.forEach((s, i) => assert.ok(close(p.uncertainty[i]!, s, 1e-8), `sd ${i}: ${p.uncertainty[i]} vs ${s}`));
  });

  it('chooses the noise with the highest marginal likelihood, as numpy computes it', () => {
    const model = tanimotoGpTrainer.train(train, {}, 0) as TanimotoGpModel;
    const best = ref.grid.reduce((a, b) => (b.logMarginalLikelihood > a.logMarginalLikelihood ? b : a));
    assert.equal(model.noise, best.noise);
    assert.ok(close(model.logMarginalLikelihood, best.logMarginalLikelihood, 1e-9));
    const recorded = (model.toJSON().selection as Array<{ noise: number; logMarginalLikelihood: number }>);
    recorded.forEach((g, i) => assert.ok(close(g.logMarginalLikelihood, ref.grid[i]!.logMarginalLikelihood, 1e-9)));
  });

  it('reloads bit-identically and grows uncertain away from the training set', () => {
    const model = tanimotoGpTrainer.train(train, {}, 0);
    const json = canonicalJson(model.toJSON());
    const reloaded = loadModel(json);
    assert.equal(canonicalJson(reloaded.toJSON()), json);
    const q = fps(ref.query.fingerprints);
    assert.deepEqual(reloaded.predict(q), model.predict(q));
    // A query sharing no bit with any training compound: prior mean and prior SD.
    const far = model.predict({ rows: 1, fingerprints: { data: new Uint32Array(4).fill(0), words: 4 } });
    const near = model.predict(fps([ref.train.fingerprints[0]!]));
    assert.ok(far.uncertainty[0]! > near.uncertainty[0]!);
    assert.ok(close(far.value[0]!, ref.train.labels.reduce((a, b) => a + b, 0) / ref.train.labels.length, 1e-12));
  });

  it('refuses classification and a bad noise', () => {
    assert.throws(() => tanimotoGpTrainer.train({ ...train, labels: train.labels.map((y) => (y > 0 ? 1 : 0)), task: 'classification' }, {}, 0), (e: unknown) => e instanceof RotguardError && e.code === 'invalid_training_data');
    assert.throws(() => tanimotoGpTrainer.resolveParams({ noise: -1 }), (e: unknown) => e instanceof RotguardError && e.location.field === 'noise');
  });
});
