import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/core/hash.js';
import { RotguardError } from '../../src/core/errors.js';
import { loadModel, type RidgeModel, ridgeTrainer } from '../../src/training/trainers/index.js';
import type { TrainingData } from '../../src/training/trainers/types.js';
import { sameBits } from './synthetic.js';

interface Case {
  name: string;
  alpha: number;
  rows: number;
  columns: number;
  X: number[];
  y: number[];
  queries: number[];
  sklearn: { mean: number[]; scale: number[]; coef: number[]; intercept: number; predictions: number[] };
  numpy: { residualVariance: number; degreesOfFreedom: number; predictiveSd: number[] };
}

// Written by scripts/fixtures/make_trainer_reference.py (scikit-learn StandardScaler + Ridge).
const reference = JSON.parse(readFileSync(new URL('../../../test/fixtures/training/ridge-reference.json', import.meta.url), 'utf8')) as { cases: Case[] };

function data(c: Case): TrainingData {
  return { rows: c.rows, descriptors: { data: Float64Array.from(c.X), columns: c.columns }, labels: Float64Array.from(c.y), task: 'regression' };
}

function queries(c: Case) {
  const rows = c.queries.length / c.columns;
  return { rows, descriptors: { data: Float64Array.from(c.queries), columns: c.columns } };
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    assert.ok(Math.abs(actual[i]! - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${actual[i]} vs ${e}`);
  }
}

describe('ridge regression', () => {
  for (const c of reference.cases) {
    it(`matches scikit-learn StandardScaler + Ridge: ${c.name}`, () => {
      const model = ridgeTrainer.train(data(c), { alpha: c.alpha }, 0) as RidgeModel;
      close(model.means, c.sklearn.mean, 1e-12, 'mean');
      close(model.scales, c.sklearn.scale, 1e-12, 'scale');
      close(model.coefficients, c.sklearn.coef, 1e-9, 'coef');
      close([model.intercept], [c.sklearn.intercept], 1e-10, 'intercept');
      close(model.predict(queries(c)).value, c.sklearn.predictions, 1e-9, 'predictions');
    });

    it(`gives the documented predictive SD (checked with numpy inverses): ${c.name}`, () => {
      const model = ridgeTrainer.train(data(c), { alpha: c.alpha }, 0) as RidgeModel;
      close([model.residualVariance], [c.numpy.residualVariance], 1e-9, 'residual variance');
      close(model.predict(queries(c)).uncertainty, c.numpy.predictiveSd, 1e-9, 'predictive SD');
    });
  }

  it('is more uncertain far from the training data than at its centre', () => {
    const c = reference.cases[0]!;
    const sd = ridgeTrainer.train(data(c), { alpha: c.alpha }, 0).predict(queries(c)).uncertainty;
    // Query 3 lies 10 SDs out in every column; query 4 is the training mean.
    assert.ok(sd[3]! > 2 * sd[4]!);
    for (let i = 0; i < 3; i++) assert.ok(sd[i]! > sd[4]!, 'the centre has the lowest leverage');
  });

  it('gives a constant column coefficient 0 and its value as mean', () => {
    const c = reference.cases[0]!;
    const model = ridgeTrainer.train(data(c), {}, 0) as RidgeModel;
    assert.equal(model.coefficients[3], 0);
    assert.equal(model.means[3], 3.7);
    assert.equal(model.scales[3], 1);
  });

  it('writes the same artifact every time and reloads to bit-identical predictions', () => {
    const c = reference.cases[0]!;
    const a = ridgeTrainer.train(data(c), { alpha: 2 }, 1);
    const b = ridgeTrainer.train(data(c), { alpha: 2 }, 99);
    assert.equal(canonicalJson(a.toJSON()), canonicalJson(b.toJSON()), 'closed form: the seed plays no part');
    const reloaded = loadModel(JSON.stringify(a.toJSON()));
    assert.equal(canonicalJson(reloaded.toJSON()), canonicalJson(a.toJSON()));
    const p = a.predict(queries(c));
    const q = reloaded.predict(queries(c));
    assert.ok(sameBits(p.value, q.value) && sameBits(p.uncertainty, q.uncertainty));
  });

  it('defaults alpha to 1 and refuses bad parameters, classification and missing descriptors', () => {
    assert.deepEqual(ridgeTrainer.resolveParams({}), { alpha: 1 });
    const c = reference.cases[0]!;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof RotguardError);
        return e.code;
      }
      return 'no error';
    };
    assert.equal(
      code(() => ridgeTrainer.train(data(c), { alpha: 0 }, 0)),
      'invalid_trainer_params',
    );
    assert.equal(
      code(() => ridgeTrainer.train(data(c), { alfa: 1 } as never, 0)),
      'invalid_trainer_params',
    );
    assert.equal(
      code(() => ridgeTrainer.train({ ...data(c), task: 'classification' }, {}, 0)),
      'invalid_training_data',
    );
    assert.equal(
      code(() => ridgeTrainer.train({ rows: 2, labels: new Float64Array(2), task: 'regression' }, {}, 0)),
      'feature_mismatch',
    );
    const nan = data(c);
    nan.descriptors!.data[5] = Number.NaN;
    assert.equal(
      code(() => ridgeTrainer.train(nan, {}, 0)),
      'feature_mismatch',
    );
    const model = ridgeTrainer.train(data(c), {}, 0);
    assert.equal(
      code(() => model.predict({ rows: 1, descriptors: { data: new Float64Array(5), columns: 5 } })),
      'feature_mismatch',
    );
  });
});
