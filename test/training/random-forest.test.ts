import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { Random } from '../../src/core/random.js';
import { binDescriptors } from '../../src/training/trainers/binning.js';
import { decodeInt32 } from '../../src/training/trainers/encoding.js';
import { loadModel, randomForestTrainer, type FeatureMatrix } from '../../src/training/trainers/index.js';
import { resolveMtry } from '../../src/training/trainers/random-forest.js';
import { bit, mse, randomDescriptors, randomFingerprints, sameBits, setBit, sliceRows, variance, withLabels } from './synthetic.js';

/** 600 rows: 128-bit sparse fingerprints and 6 descriptors; labels are set per test. */
function features(seed: number): FeatureMatrix {
  const rng = new Random(seed);
  return {
    rows: 600,
    fingerprints: { data: randomFingerprints(rng, 600, 4, 20), words: 4 },
    descriptors: { data: randomDescriptors(rng, 600, 6), columns: 6 },
  };
}

/** y = XOR of fingerprint bits 3 and 70 (for tests that only need some labels). */
function xorLabels(x: FeatureMatrix): Float64Array {
  const fp = x.fingerprints!;
  return Float64Array.from({ length: x.rows }, (_, r) => bit(fp.data, fp.words, r, 3) ^ bit(fp.data, fp.words, r, 70));
}

/**
 * Balanced XOR of bits 3 and 20 among 32 bits (each row also has ~5 random bits): neither
 * bit alone says anything about the label. With many more noise bits no greedy forest
 * (scikit-learn's included) finds such a pure interaction, so the noise is kept modest.
 */
function xorData(seed: number): { x: FeatureMatrix; y: Float64Array } {
  const rng = new Random(seed);
  const fp = randomFingerprints(rng, 800, 1, 5);
  for (let r = 0; r < 800; r++) {
    fp[r] = (fp[r]! & ~((1 << 3) | (1 << 20))) >>> 0;
    if (rng.below(2) === 1) setBit(fp, 1, r, 3);
    if (rng.below(2) === 1) setBit(fp, 1, r, 20);
  }
  const y = Float64Array.from({ length: 800 }, (_, r) => bit(fp, 1, r, 3) ^ bit(fp, 1, r, 20));
  return { x: { rows: 800, fingerprints: { data: fp, words: 1 } }, y };
}

/** y = 3 where descriptor 2 > 0.4, else 0, plus small noise. */
function stepLabels(x: FeatureMatrix, seed: number): Float64Array {
  const rng = new Random(seed);
  const d = x.descriptors!;
  return Float64Array.from({ length: x.rows }, (_, r) => (d.data[r * d.columns + 2]! > 0.4 ? 3 : 0) + 0.2 * (rng.uniform() - 0.5));
}

function treeNodes(artifact: Record<string, unknown>): Int32Array[] {
  return (artifact.trees as { feature: string }[]).map((t, i) => decodeInt32(t.feature, `trees[${i}].feature`));
}

describe('random forest', () => {
  const x = features(1);
  const train = sliceRows(x, 0, 400);
  const test = sliceRows(x, 400, 600);

  it('learns XOR of two fingerprint bits (classification) far better than the base rate', () => {
    const { x: xx, y } = xorData(4);
    const model = randomForestTrainer.train(withLabels(sliceRows(xx, 0, 600), y.slice(0, 600), 'classification'), {}, 7);
    const p = model.predict(sliceRows(xx, 600, 800));
    let correct = 0;
    let base = 0;
    for (let i = 0; i < 200; i++) {
      correct += (p.value[i]! > 0.5 ? 1 : 0) === y[600 + i] ? 1 : 0;
      base += y[600 + i]!;
    }
    const majority = Math.max(base, 200 - base) / 200;
    assert.ok(correct / 200 > 0.85, `accuracy ${correct / 200}`);
    assert.ok(correct / 200 > majority + 0.25, `accuracy ${correct / 200} vs majority class ${majority}`);
    for (let i = 0; i < 200; i++) {
      assert.ok(p.value[i]! >= 0 && p.value[i]! <= 1, 'a probability');
      assert.ok(p.uncertainty[i]! >= 0 && p.uncertainty[i]! <= 0.5, 'the SD of values in [0, 1]');
    }
  });

  it('learns a step in one descriptor (regression) far better than the mean', () => {
    const y = stepLabels(x, 3);
    const model = randomForestTrainer.train(withLabels(train, y.slice(0, 400), 'regression'), {}, 7);
    const p = model.predict(test);
    const err = mse(p.value, y.slice(400));
    assert.ok(err < 0.1 * variance(y.slice(400)), `MSE ${err} vs label variance ${variance(y.slice(400))}`);
  });

  it('learns from fingerprints alone and from descriptors alone', () => {
    const { x: xx, y: xy } = xorData(5);
    const xorModel = randomForestTrainer.train(withLabels(sliceRows(xx, 0, 600), xy.slice(0, 600), 'regression'), {}, 1);
    const xorPred = xorModel.predict(sliceRows(xx, 600, 800)).value;
    const xorError = mse(xorPred, xy.slice(600));
    // Averaged leaves blur a 0/1 target, so the MSE bar is looser than the sign of the error.
    assert.ok(xorError < 0.4 * variance(xy.slice(600)), `XOR MSE ${xorError}`);
    assert.ok(xorPred.filter((v, i) => (v > 0.5 ? 1 : 0) === xy[600 + i]).length > 0.85 * 200);
    const descOnly = { rows: 400, descriptors: train.descriptors! };
    const y = stepLabels(x, 3);
    const stepModel = randomForestTrainer.train(withLabels(descOnly, y.slice(0, 400), 'regression'), {}, 1);
    assert.ok(mse(stepModel.predict({ rows: 200, descriptors: test.descriptors! }).value, y.slice(400)) < 0.1 * variance(y.slice(400)));
    assert.throws(
      () => stepModel.predict({ rows: 200, fingerprints: test.fingerprints! }),
      (e: unknown) => e instanceof RotguardError && e.code === 'feature_mismatch',
    );
  });

  it('gives a byte-identical artifact and bit-identical predictions for the same seed', () => {
    const data = withLabels(train, stepLabels(train, 5), 'regression');
    const a = randomForestTrainer.train(data, { nEstimators: 20 }, 11);
    const b = randomForestTrainer.train(data, { nEstimators: 20 }, 11);
    assert.equal(canonicalJson(a.toJSON()), canonicalJson(b.toJSON()));
    const pa = a.predict(test);
    const pb = b.predict(test);
    assert.ok(sameBits(pa.value, pb.value) && sameBits(pa.uncertainty, pb.uncertainty));
  });

  it('gives a different forest for a different seed', () => {
    const data = withLabels(train, stepLabels(train, 5), 'regression');
    const a = randomForestTrainer.train(data, { nEstimators: 20 }, 11);
    const c = randomForestTrainer.train(data, { nEstimators: 20 }, 12);
    assert.notEqual(canonicalJson(a.toJSON()), canonicalJson(c.toJSON()));
    assert.ok(!sameBits(a.predict(test).value, c.predict(test).value));
  });

  it('grows tree t from (seed, t) alone: a longer forest starts with the same trees', () => {
    const data = withLabels(train, xorLabels(train), 'classification');
    const short = randomForestTrainer.train(data, { nEstimators: 3 }, 5).toJSON().trees as unknown[];
    const long = randomForestTrainer.train(data, { nEstimators: 6 }, 5).toJSON().trees as unknown[];
    assert.deepEqual(long.slice(0, 3), short);
  });

  it('reloads from its JSON text to the same artifact and bit-identical predictions', () => {
    const data = withLabels(train, xorLabels(train), 'classification');
    const model = randomForestTrainer.train(data, { nEstimators: 15 }, 2);
    const text = JSON.stringify(model.toJSON());
    const reloaded = loadModel(text);
    assert.equal(reloaded.kind, 'random-forest');
    assert.equal(reloaded.task, 'classification');
    assert.equal(canonicalJson(reloaded.toJSON()), canonicalJson(model.toJSON()));
    const p = model.predict(test);
    const q = reloaded.predict(test);
    assert.ok(sameBits(p.value, q.value) && sameBits(p.uncertainty, q.uncertainty));
  });

  it('reports the spread of the trees as uncertainty: zero when every label is the same', () => {
    const model = randomForestTrainer.train(withLabels(train, new Float64Array(400).fill(2.5), 'regression'), { nEstimators: 10 }, 1);
    const p = model.predict(test);
    assert.ok(p.value.every((v) => v === 2.5));
    assert.ok(p.uncertainty.every((u) => u === 0));
    for (const nodes of treeNodes(model.toJSON())) assert.deepEqual(Array.from(nodes), [-1], 'a pure root is a leaf');
  });

  it('respects maxDepth and minSamplesLeaf', () => {
    const data = withLabels(train, stepLabels(train, 5), 'regression');
    for (const nodes of treeNodes(randomForestTrainer.train(data, { nEstimators: 10, maxDepth: 1 }, 1).toJSON())) assert.ok(nodes.length <= 3);
    // ≤ 400 unique rows per tree and ≥ 100 per leaf: at most 4 leaves.
    for (const nodes of treeNodes(randomForestTrainer.train(data, { nEstimators: 10, minSamplesLeaf: 100 }, 1).toJSON())) {
      assert.ok(nodes.filter((f) => f === -1).length <= 4);
    }
  });

  it('reports progress once per tree', () => {
    const seen: string[] = [];
    randomForestTrainer.train(withLabels(train, xorLabels(train), 'classification'), { nEstimators: 4 }, 1, (done, total) => seen.push(`${done}/${total}`));
    assert.deepEqual(seen, ['1/4', '2/4', '3/4', '4/4']);
  });

  it('resolves parameters: defaults, max_features rules, refusals', () => {
    assert.deepEqual(randomForestTrainer.resolveParams({}), { nEstimators: 100, maxFeatures: 'auto', minSamplesLeaf: 1, maxDepth: null, descriptorBins: 64 });
    assert.equal(resolveMtry('auto', 2072, 'regression'), 690);
    assert.equal(resolveMtry('auto', 2072, 'classification'), 45);
    assert.equal(resolveMtry(1, 2072, 'regression'), 2072);
    assert.equal(resolveMtry(0.0001, 2072, 'regression'), 1);
    for (const bad of [{ maxFeatures: 0 }, { maxFeatures: 1.5 }, { nEstimators: 0 }, { minSamplesLeaf: 2.5 }, { descriptorBins: 300 }, { trees: 10 }]) {
      assert.throws(
        () => randomForestTrainer.resolveParams(bad as never),
        (e: unknown) => e instanceof RotguardError && e.code === 'invalid_trainer_params',
        JSON.stringify(bad),
      );
    }
  });

  it('refuses classification labels other than 0/1 and artifacts with broken trees', () => {
    const y = xorLabels(train);
    y[0] = 2;
    assert.throws(
      () => randomForestTrainer.train(withLabels(train, y, 'classification'), {}, 1),
      (e: unknown) => e instanceof RotguardError && e.code === 'invalid_training_data',
    );
    const artifact = randomForestTrainer.train(withLabels(train, xorLabels(train), 'classification'), { nEstimators: 2 }, 1).toJSON();
    const trees = artifact.trees as { feature: string; right: string; value: string }[];
    const broken = { ...artifact, trees: [{ ...trees[0]!, right: trees[0]!.feature }] };
    assert.throws(
      () => loadModel(broken),
      (e: unknown) => e instanceof RotguardError && e.code === 'invalid_model_artifact',
    );
  });
});

describe('descriptor binning', () => {
  it('gives few-valued columns one bin per value, thresholds halfway between', () => {
    const data = Float64Array.from([3, 1, 2, 2, 1, 3, 10, 1]); // one column
    const bins = binDescriptors(data, 8, 1, 64);
    assert.equal(bins.binCount[0], 4);
    assert.deepEqual(Array.from(bins.codes), [2, 0, 1, 1, 0, 2, 3, 0]);
    assert.deepEqual(Array.from(bins.thresholds.slice(0, 3)), [1.5, 2.5, 6.5]);
  });

  it('cuts many-valued columns into at most maxBins quantile bins that thresholds separate', () => {
    const rng = new Random(9);
    const rows = 1000;
    const data = Float64Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? rng.uniform() : Math.floor(rng.uniform() * 3)));
    const bins = binDescriptors(data, rows, 2, 16);
    assert.equal(bins.binCount[0], 16);
    assert.equal(bins.binCount[1], 3);
    for (let c = 0; c < 2; c++) {
      for (let r = 0; r < rows; r++) {
        const v = data[r * 2 + c]!;
        const b = bins.codes[c * rows + r]!;
        if (b > 0) assert.ok(v > bins.thresholds[c * 16 + b - 1]!, 'above the threshold below its bin');
        if (b < bins.binCount[c]! - 1) assert.ok(v <= bins.thresholds[c * 16 + b]!, 'at or below the threshold above its bin');
      }
    }
    // Quantile bins hold about equal counts.
    const counts = new Array(16).fill(0);
    for (let r = 0; r < rows; r++) counts[bins.codes[r]!]++;
    assert.ok(
      counts.every((n) => n > 40 && n < 85),
      counts.join(','),
    );
  });
});
