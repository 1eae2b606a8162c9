import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { loadModel, TRAINERS, type FeatureMatrix } from '../../src/training/trainers/index.js';
import { randomDescriptors, randomFingerprints } from './synthetic.js';

const rng = new Random(9);
const x: FeatureMatrix = {
  rows: 200,
  fingerprints: { data: randomFingerprints(rng, 200, 2, 8), words: 2 },
  descriptors: { data: randomDescriptors(rng, 200, 4), columns: 4 },
};
const labels = Float64Array.from({ length: 200 }, (_, r) => x.descriptors!.data[r * 4]! + (x.fingerprints!.data[r * 2]! & 1 ? 1 : 0));
const data = { ...x, labels, task: 'regression' as const };
const members = [
  { algorithm: 'gradient-boosting', params: { iterations: 20, members: 2 } },
  { algorithm: 'ridge', params: {} },
];

describe('ensemble', () => {
  it('predicts the weighted mean of its members, with the mixture SD, and reloads bit-identically', () => {
    const model = TRAINERS.ensemble!.train(data, { members, weights: [3, 1] }, 4);
    const a = TRAINERS['gradient-boosting']!.train(data, members[0]!.params, 4).predict(x);
    const b = TRAINERS.ridge!.train(data, {}, 4).predict(x);
    const p = model.predict(x);
    for (let r = 0; r < x.rows; r++) {
      const m = 0.75 * a.value[r]! + 0.25 * b.value[r]!;
      const v = 0.75 * a.uncertainty[r]! ** 2 + 0.25 * b.uncertainty[r]! ** 2 + 0.75 * (a.value[r]! - m) ** 2 + 0.25 * (b.value[r]! - m) ** 2;
      assert.ok(Math.abs(p.value[r]! - m) < 1e-12);
      assert.ok(Math.abs(p.uncertainty[r]! - Math.sqrt(v)) < 1e-12);
    }
    const json = canonicalJson(model.toJSON());
    const reloaded = loadModel(json);
    assert.equal(canonicalJson(reloaded.toJSON()), json);
    assert.deepEqual(reloaded.predict(x), p);
  });

  it('refuses nested ensembles, unknown members and bad weights', () => {
    const bad = (params: unknown, field: string) =>
      assert.throws(
        () => TRAINERS.ensemble!.resolveParams(params as never),
        (e: unknown) => e instanceof RotguardError && String(e.location.field).startsWith(field),
      );
    bad({ members: [{ algorithm: 'ensemble', params: {} }] }, 'members[0].algorithm');
    bad({ members: [{ algorithm: 'svm' }] }, 'members[0].algorithm');
    bad({ members, weights: [1] }, 'weights');
    bad({ members, weights: [0, 0] }, 'weights');
  });
});
