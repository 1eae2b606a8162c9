import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { loadModel, tanimotoGpTrainer, type TanimotoGpModel, type FeatureMatrix } from '../../src/training/trainers/index.js';

interface KernelCase {
  descriptorWeight: number;
  lengthScale: number;
  signalVariance: number;
  predictions: number[];
  sd: number[];
  grid: Array<{ noise: number; lengthScale: number; logMarginalLikelihood: number }>;
}
const ref = JSON.parse(readFileSync(new URL('../../../test/fixtures/training/boosting-gp-reference.json', import.meta.url), 'utf8')).tanimoto_gp as {
  noise: number;
  train: { fingerprints: number[][]; descriptors: number[][]; labels: number[] };
  query: { fingerprints: number[][]; descriptors: number[][] };
  mean: number;
  fingerprints: KernelCase;
  combined: KernelCase;
};

const features = (rows: { fingerprints: number[][]; descriptors: number[][] }): FeatureMatrix => ({
  rows: rows.fingerprints.length,
  fingerprints: { data: Uint32Array.from(rows.fingerprints.flat()), words: rows.fingerprints[0]!.length },
  descriptors: { data: Float64Array.from(rows.descriptors.flat()), columns: rows.descriptors[0]!.length },
});
const train = { ...features(ref.train), labels: Float64Array.from(ref.train.labels), task: 'regression' as const };
const query = features(ref.query);
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('tanimoto-gp', () => {
  for (const name of ['fingerprints', 'combined'] as const) {
    const c = ref[name];
    it(`${name} kernel: the textbook posterior mean and predictive SD (numpy, explicit inverse) at a fixed noise`, () => {
      const model = tanimotoGpTrainer.train(
        train,
        { noise: ref.noise, descriptorWeight: c.descriptorWeight, lengthScale: c.lengthScale },
        0,
      ) as TanimotoGpModel;
      assert.ok(close(model.signalVariance, c.signalVariance, 1e-9));
      const p = model.predict(query);
      c.predictions.forEach((m, i) => assert.ok(close(p.value[i]!, m, 1e-9), `mean ${i}: ${p.value[i]} vs ${m}`));
      c.sd.forEach((s, i) => assert.ok(close(p.uncertainty[i]!, s, 1e-8), `sd ${i}: ${p.uncertainty[i]} vs ${s}`));
    });

    it(`${name} kernel: chooses noise (and length scale) with the highest marginal likelihood, as numpy computes it`, () => {
      const model = tanimotoGpTrainer.train(train, { descriptorWeight: c.descriptorWeight }, 0) as TanimotoGpModel;
      const best = c.grid.reduce((a, b) => (b.logMarginalLikelihood > a.logMarginalLikelihood ? b : a));
      assert.equal(model.noise, best.noise);
      assert.equal(model.lengthScale, best.lengthScale);
      assert.ok(close(model.logMarginalLikelihood, best.logMarginalLikelihood, 1e-9));
      const recorded = model.toJSON().selection as KernelCase['grid'];
      assert.equal(recorded.length, c.grid.length);
      recorded.forEach((g, i) => assert.ok(close(g.logMarginalLikelihood, c.grid[i]!.logMarginalLikelihood, 1e-9)));
    });
  }

  it('reloads bit-identically and grows uncertain away from the training set', () => {
    const model = tanimotoGpTrainer.train(train, { descriptorWeight: 0 }, 0);
    const json = canonicalJson(model.toJSON());
    const reloaded = loadModel(json);
    assert.equal(canonicalJson(reloaded.toJSON()), json);
    assert.deepEqual(reloaded.predict(query), model.predict(query));
    const combined = tanimotoGpTrainer.train(train, {}, 0);
    assert.deepEqual(loadModel(canonicalJson(combined.toJSON())).predict(query), combined.predict(query));
    // A query sharing no bit with any training compound: prior mean and prior SD.
    const far = model.predict({ rows: 1, fingerprints: { data: new Uint32Array(4), words: 4 } });
    const near = model.predict({ rows: 1, fingerprints: { data: Uint32Array.from(ref.train.fingerprints[0]!), words: 4 } });
    assert.ok(far.uncertainty[0]! > near.uncertainty[0]!);
    assert.ok(close(far.value[0]!, ref.mean, 1e-12));
  });

  it('refuses classification and bad hyperparameters', () => {
    assert.throws(
      () => tanimotoGpTrainer.train({ ...train, labels: train.labels.map((y) => (y > 0 ? 1 : 0)), task: 'classification' }, {}, 0),
      (e: unknown) => e instanceof RotguardError && e.code === 'invalid_training_data',
    );
    assert.throws(
      () => tanimotoGpTrainer.resolveParams({ noise: -1 }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'noise',
    );
    assert.throws(
      () => tanimotoGpTrainer.resolveParams({ descriptorWeight: 1 }),
      (e: unknown) => e instanceof RotguardError && e.location.field === 'descriptorWeight',
    );
  });
});
