import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { loadModel, TRAINERS, type TrainingData } from '../../src/training/trainers/index.js';
import { randomDescriptors, randomFingerprints, sameBits, sliceRows } from './synthetic.js';

/** Data every trainer accepts: fingerprints, descriptors and a regression label. */
function data(): TrainingData {
  const rng = new Random(3);
  const rows = 120;
  const descriptors = randomDescriptors(rng, rows, 4);
  const labels = Float64Array.from({ length: rows }, (_, r) => 2 * descriptors[r * 4]! - descriptors[r * 4 + 1]! + 0.1 * rng.uniform());
  return {
    rows,
    descriptors: { data: descriptors, columns: 4 },
    fingerprints: { data: randomFingerprints(rng, rows, 2, 10), words: 2 },
    labels,
    task: 'regression',
  };
}

/** Parameters each trainer needs beyond its defaults (an ensemble names its members), kept small. */
const PARAMS: Record<string, Record<string, unknown>> = {
  ensemble: {
    members: [
      { algorithm: 'ridge', params: {} },
      { algorithm: 'gradient-boosting', params: { iterations: 10, members: 2 } },
    ],
  },
  'gradient-boosting': { iterations: 20 },
};
const paramsOf = (name: string) => PARAMS[name] ?? {};

describe('the built-in trainers', () => {
  it('are ridge, random-forest, tanimoto-knn, gradient-boosting, tanimoto-gp and ensemble, each training models of its own kind', () => {
    assert.deepEqual(Object.keys(TRAINERS).sort(), ['ensemble', 'gradient-boosting', 'random-forest', 'ridge', 'tanimoto-gp', 'tanimoto-knn']);
    for (const [name, trainer] of Object.entries(TRAINERS)) {
      assert.equal(trainer.name, name);
      const model = trainer.train(data(), paramsOf(name), 1);
      assert.equal(model.kind, name);
      assert.equal(model.toJSON().kind, name);
      assert.equal(model.task, 'regression');
    }
  });

  it('resolve parameters to a fixed point (recipes hash the resolved form)', () => {
    for (const trainer of Object.values(TRAINERS)) {
      const resolved = trainer.resolveParams(paramsOf(trainer.name));
      assert.deepEqual(trainer.resolveParams(resolved), resolved);
      assert.deepEqual(trainer.train(data(), resolved, 1).toJSON().params, resolved);
    }
  });

  it('write artifacts that are plain JSON and reload to bit-identical predictions', () => {
    const all = data();
    const train = { ...sliceRows(all, 0, 100), labels: all.labels.slice(0, 100), task: all.task };
    const test = sliceRows(all, 100, 120);
    for (const trainer of Object.values(TRAINERS)) {
      const model = trainer.train(train, paramsOf(trainer.name), 4);
      const artifact = model.toJSON();
      assert.deepEqual(JSON.parse(JSON.stringify(artifact)), artifact, `${trainer.name}: nothing lost to JSON`);
      const reloaded = loadModel(JSON.parse(JSON.stringify(artifact)));
      assert.equal(canonicalJson(reloaded.toJSON()), canonicalJson(artifact));
      const p = model.predict(test);
      const q = reloaded.predict(test);
      assert.equal(p.value.length, 20);
      assert.ok(p.value.every(Number.isFinite) && p.uncertainty.every((u) => Number.isFinite(u) && u >= 0), trainer.name);
      assert.ok(sameBits(p.value, q.value) && sameBits(p.uncertainty, q.uncertainty), trainer.name);
    }
  });

  it('predict nothing for zero rows', () => {
    for (const trainer of Object.values(TRAINERS)) {
      const p = trainer.train(data(), paramsOf(trainer.name), 1).predict(sliceRows(data(), 0, 0));
      assert.equal(p.value.length, 0);
      assert.equal(p.uncertainty.length, 0);
    }
  });

  it('refuse unknown or damaged artifacts with a typed error', () => {
    const bad = (e: unknown) => e instanceof RotguardError && e.code === 'invalid_model_artifact';
    assert.throws(() => loadModel({ kind: 'svm', formatVersion: 1 }), bad);
    assert.throws(() => loadModel(null), bad);
    const ridge = TRAINERS.ridge!.train(data(), {}, 1).toJSON();
    assert.throws(() => loadModel({ ...ridge, formatVersion: 2 }), bad);
    assert.throws(() => loadModel({ ...ridge, coefficients: [1, 2] }), bad);
    const knn = TRAINERS['tanimoto-knn']!.train(data(), {}, 1).toJSON();
    assert.throws(() => loadModel({ ...knn, fingerprints: 'AAAA' }), bad);
  });

  it('refuse labels that are not finite', () => {
    const d = data();
    d.labels[3] = Number.NaN;
    for (const trainer of Object.values(TRAINERS)) {
      assert.throws(
        () => trainer.train(d, paramsOf(trainer.name), 1),
        (e: unknown) => e instanceof RotguardError && e.code === 'invalid_training_data',
        trainer.name,
      );
    }
  });
});
