import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mae, mse, pearson, r2, regressionMetrics, rmse, spearman } from '../../src/stats/metrics-regression.js';
import { averageRanks } from '../../src/stats/ranks.js';
import { assertAllClose, assertClose, loadReference } from './reference.js';

const ref = loadReference();

describe('regression metrics match scikit-learn and SciPy', () => {
  for (const c of ref.regression) {
    it(`${c.name}: ${c.note}`, () => {
      assertClose(mae(c.yTrue, c.yPred), c.mae, 'mae');
      assertClose(mse(c.yTrue, c.yPred), c.mse, 'mse');
      assertClose(rmse(c.yTrue, c.yPred), c.rmse, 'rmse');
      if (c.name === 'constant-true-0.1-n3') {
        // sklearn's floating mean makes SS_tot ≈ 6e-34 here; an all-equal yTrue is constant to us.
        assert.ok(c.r2! < -1e30, 'the fixture records the sklearn artifact');
        assert.equal(r2(c.yTrue, c.yPred), 0);
      } else {
        assertClose(r2(c.yTrue, c.yPred), c.r2!, 'r2');
      }
      // pearsonr raises below two points; we answer NaN (undefined), as for constant input.
      assertClose(pearson(c.yTrue, c.yPred), c.pearson ?? Number.NaN, 'pearson');
      assertClose(spearman(c.yTrue, c.yPred), c.spearman!, 'spearman');
      assertAllClose(averageRanks(c.yTrue), c.spearmanRanks[0], 'ranks of yTrue', 0);
      assertAllClose(averageRanks(c.yPred), c.spearmanRanks[1], 'ranks of yPred', 0);
    });
  }
});

describe('regression metrics by hand', () => {
  it('MAE, RMSE and R² of a three-point example', () => {
    // errors 1, −1, 2: MAE 4/3, MSE 2, SS_tot of [1, 2, 3] is 2, so R² = 1 − 6/2 = −2.
    const y = [1, 2, 3];
    const p = [0, 3, 1];
    assert.equal(mae(y, p), 4 / 3);
    assert.equal(mse(y, p), 2);
    assert.equal(rmse(y, p), Math.SQRT2);
    assert.equal(r2(y, p), -2);
  });

  it('Spearman with a tie uses average ranks (scipy docs example)', () => {
    // y ranks: 5,6,7,8,7 → 1, 2, 3.5, 5, 3.5
    assert.deepEqual(Array.from(averageRanks([5, 6, 7, 8, 7])), [1, 2, 3.5, 5, 3.5]);
    // Both rank vectors have mean 3: deviations (−2, −1, 0, 1, 2) and (−2, −1, 0.5, 2, 0.5),
    // so Σdxdy = 4 + 1 + 0 + 2 + 1 = 8, Σdx² = 10, Σdy² = 9.5 and rho = 8 / √95.
    assertClose(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 8 / Math.sqrt(95), 'rho');
    assertClose(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 0.8207826816681233, 'scipy docs value', 1e-15);
  });

  it('a perfect prediction scores R² = 1 even for a constant target; a wrong one scores 0', () => {
    assert.equal(r2([2, 2, 2], [2, 2, 2]), 1);
    assert.equal(r2([2, 2, 2], [1, 2, 3]), 0);
  });

  it('returns NaN where a metric is undefined', () => {
    assert.ok(Number.isNaN(r2([1], [1])));
    assert.ok(Number.isNaN(pearson([1], [2])));
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
    assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])));
  });

  it('accepts Float64Array and number[] alike', () => {
    const y = Float64Array.of(1, 2, 3, 4);
    const p = [1.5, 1.5, 3.5, 3.5];
    assert.deepEqual(regressionMetrics(y, p), regressionMetrics(Array.from(y), Float64Array.from(p)));
    assert.equal(regressionMetrics(y, p).n, 4);
  });
});

describe('regression metrics refuse bad input', () => {
  it('different lengths', () => {
    assert.throws(() => mae([1, 2], [1]), { name: 'RangeError', message: 'mae: yTrue has 2 values but yPred has 1' });
  });
  it('empty input', () => {
    assert.throws(() => rmse([], []), { name: 'RangeError', message: 'rmse: yTrue is empty' });
  });
  it('NaN and infinities', () => {
    assert.throws(() => r2([1, Number.NaN], [1, 2]), { name: 'RangeError', message: 'r2: yTrue[1] is NaN; values must be finite numbers' });
    assert.throws(() => pearson([1, 2], [Infinity, 2]), { name: 'RangeError', message: /pearson: y\[0\] is Infinity/ });
  });
});
