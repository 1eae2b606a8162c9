import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { tanimoto } from '../../src/chem/similarity.js';
import { loadModel, tanimotoKnnTrainer, type FeatureMatrix } from '../../src/training/trainers/index.js';
import { randomFingerprints, sameBits, setBit, withLabels } from './synthetic.js';

/** One-word fingerprints from lists of on-bits. */
function fps(...rows: number[][]): FeatureMatrix {
  const data = new Uint32Array(rows.length);
  rows.forEach((bits, r) => bits.forEach((b) => setBit(data, 1, r, b)));
  return { rows: rows.length, fingerprints: { data, words: 1 } };
}

// A = {0,1,2,3} → 1, B = {0,1} → 3, C = {4,5,6,7} → 10, D = {8} → 5.
// Training label SD (population): mean 4.75, Σ(y − mean)² = 44.75, σ² = 11.1875.
const TRAIN = withLabels(fps([0, 1, 2, 3], [0, 1], [4, 5, 6, 7], [8]), Float64Array.from([1, 3, 10, 5]), 'regression');
const LABEL_VARIANCE = 11.1875;

function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} vs ${expected}`);
}

describe('Tanimoto k-nearest neighbours', () => {
  it('predicts the similarity-weighted mean of the k nearest labels (hand-computed)', () => {
    const model = tanimotoKnnTrainer.train(TRAIN, { k: 2 }, 0);
    // Query {0,1,2}: Tanimoto 3/4 to A, 2/3 to B, 0 to C and D.
    // ŷ = (3/4·1 + 2/3·3) / (3/4 + 2/3) = 33/17.
    // v = (3/4·(16/17)² + 2/3·(18/17)²) / (17/12) = 288/289; far term (1 − 3/4)²·σ².
    const p = model.predict(fps([0, 1, 2]));
    near(p.value[0]!, 33 / 17);
    near(p.uncertainty[0]!, Math.sqrt(288 / 289 + (1 / 16) * LABEL_VARIANCE));
  });

  it('returns the label of an identical compound with zero uncertainty when its other neighbours have similarity 0', () => {
    const p = tanimotoKnnTrainer.train(TRAIN, { k: 2 }, 0).predict(fps([4, 5, 6, 7]));
    assert.equal(p.value[0], 10);
    assert.equal(p.uncertainty[0], 0);
  });

  it('weighs neighbours equally when none is similar at all, and is then as uncertain as the labels', () => {
    // Similarity 0 to everything: ties keep the lowest training indices (A, B).
    const p = tanimotoKnnTrainer.train(TRAIN, { k: 2 }, 0).predict(fps([20]));
    near(p.value[0]!, 2);
    near(p.uncertainty[0]!, Math.sqrt(1 + LABEL_VARIANCE));
  });

  it('uses every training compound when k exceeds them', () => {
    const p = tanimotoKnnTrainer.train(TRAIN, { k: 10 }, 0).predict(fps([0, 1, 2, 3]));
    // Similarities: A 1, B 1/2, C 0, D 0 → (1 + 3/2) / (3/2).
    near(p.value[0]!, 2.5 / 1.5);
  });

  it('grows more uncertain as the query moves away from a series whose labels agree', () => {
    // A series: a 24-bit core plus one extra bit each, all labelled 2; an unrelated compound labelled 8.
    const core = Array.from({ length: 24 }, (_, i) => i);
    const train = withLabels(fps(...[24, 25, 26, 27, 28].map((b) => [...core, b]), [40, 41, 42]), Float64Array.from([2, 2, 2, 2, 2, 8]), 'regression');
    const model = tanimotoKnnTrainer.train(train, { k: 3 }, 0);
    // Queries drop 0, 4, 8, … core bits and add as many unrelated ones.
    const queries = [0, 4, 8, 12, 16, 20].map((d) => [...core.slice(d), ...Array.from({ length: d }, (_, i) => 50 + i)]);
    const p = model.predict(fps(...queries));
    for (let i = 0; i < queries.length; i++) near(p.value[i]!, 2);
    for (let i = 1; i < queries.length; i++) assert.ok(p.uncertainty[i]! > p.uncertainty[i - 1]!, `query ${i}: ${p.uncertainty[i]} ≤ ${p.uncertainty[i - 1]}`);
  });

  it('agrees with brute-force Tanimoto ranking on random 2048-bit fingerprints', () => {
    const rng = new Random(5);
    const n = 300;
    const words = 64;
    const data = randomFingerprints(rng, n + 20, words, 40);
    const labels = Float64Array.from({ length: n }, () => rng.uniform() * 10);
    const train = withLabels({ rows: n, fingerprints: { data: data.slice(0, n * words), words } }, labels, 'regression');
    const p = tanimotoKnnTrainer.train(train, {}, 0).predict({ rows: 20, fingerprints: { data: data.slice(n * words), words } });
    for (let q = 0; q < 20; q++) {
      const query = data.subarray((n + q) * words, (n + q + 1) * words);
      const ranked = Array.from({ length: n }, (_, j) => ({ j, s: tanimoto(query, data.subarray(j * words, (j + 1) * words)) }))
        .sort((a, b) => b.s - a.s || a.j - b.j)
        .slice(0, 5);
      const w = ranked.reduce((t, r) => t + r.s, 0);
      const mean = ranked.reduce((t, r) => t + r.s * labels[r.j]!, 0) / w;
      assert.ok(Math.abs(p.value[q]! - mean) < 1e-12);
    }
  });

  it('gives probabilities for 0/1 labels', () => {
    const rng = new Random(6);
    const data = randomFingerprints(rng, 50, 2, 8);
    const labels = Float64Array.from({ length: 50 }, () => rng.below(2));
    const p = tanimotoKnnTrainer
      .train(withLabels({ rows: 50, fingerprints: { data, words: 2 } }, labels, 'classification'), {}, 0)
      .predict({ rows: 50, fingerprints: { data, words: 2 } });
    assert.ok(p.value.every((v) => v >= 0 && v <= 1));
  });

  it('writes the same artifact every time and reloads to bit-identical predictions', () => {
    const a = tanimotoKnnTrainer.train(TRAIN, { k: 3 }, 1);
    assert.equal(canonicalJson(a.toJSON()), canonicalJson(tanimotoKnnTrainer.train(TRAIN, { k: 3 }, 2).toJSON()));
    const reloaded = loadModel(JSON.stringify(a.toJSON()));
    assert.equal(canonicalJson(reloaded.toJSON()), canonicalJson(a.toJSON()));
    const q = fps([0, 1, 2], [4, 5], [9]);
    assert.ok(sameBits(a.predict(q).value, reloaded.predict(q).value));
    assert.ok(sameBits(a.predict(q).uncertainty, reloaded.predict(q).uncertainty));
  });

  it('keeps its own copy of the training data', () => {
    const train = withLabels(fps([0, 1], [2, 3]), Float64Array.from([1, 2]), 'regression');
    const model = tanimotoKnnTrainer.train(train, { k: 1 }, 0);
    train.fingerprints!.data.fill(0);
    train.labels.fill(0);
    assert.equal(model.predict(fps([2, 3])).value[0], 2);
  });

  it('refuses missing fingerprints, other widths and bad k', () => {
    const isCode = (code: string) => (e: unknown) => e instanceof RotguardError && e.code === code;
    assert.throws(() => tanimotoKnnTrainer.train({ rows: 1, labels: new Float64Array(1), task: 'regression' }, {}, 0), isCode('feature_mismatch'));
    assert.throws(() => tanimotoKnnTrainer.train(TRAIN, { k: 0 }, 0), isCode('invalid_trainer_params'));
    const model = tanimotoKnnTrainer.train(TRAIN, {}, 0);
    assert.throws(() => model.predict({ rows: 1, fingerprints: { data: new Uint32Array(2), words: 2 } }), isCode('feature_mismatch'));
    assert.deepEqual(tanimotoKnnTrainer.resolveParams({}), { k: 5 });
  });
});
