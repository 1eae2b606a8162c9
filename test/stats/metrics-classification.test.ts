import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  auroc,
  averagePrecision,
  balancedAccuracy,
  classificationMetrics,
  confusionAtThreshold,
  precisionRecallCurve,
  rocCurve,
} from '../../src/stats/metrics-classification.js';
import { assertAllClose, assertClose, loadReference } from './reference.js';

const ref = loadReference();

/** AUROC by its definition: count every (positive, negative) pair, ties as one half. */
function aurocByPairs(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] !== 1 || y[j] !== 0) continue;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('classification metrics match scikit-learn', () => {
  for (const c of ref.classification) {
    it(`${c.name}: ${c.note}`, () => {
      const { yTrue: y, scores: s } = c;
      if (c.auroc === null) {
        assert.match(String(c.errors.auroc), /Only one class present/);
        assert.ok(Number.isNaN(auroc(y, s)), 'AUROC with one class is NaN');
      } else {
        assertClose(auroc(y, s), c.auroc, 'auroc');
        if (y.length <= 300) assertClose(auroc(y, s), aurocByPairs(y, s), 'auroc vs pair count');
      }
      if (y.every((v) => v === 0)) {
        // sklearn 1.2 answers -0.0 with a warning; no positives means "undefined" to us.
        assert.equal(Math.abs(c.averagePrecision!), 0);
        assert.ok(Number.isNaN(averagePrecision(y, s)));
      } else {
        assertClose(averagePrecision(y, s), c.averagePrecision!, 'averagePrecision');
      }

      const roc = rocCurve(y, s);
      assertAllClose(roc.fpr, c.roc!.fpr, 'roc fpr');
      assertAllClose(roc.tpr, c.roc!.tpr, 'roc tpr');
      // sklearn 1.2 writes max(score) + 1 as the first threshold, we write +Infinity.
      assert.equal(roc.thresholds[0], Infinity);
      assert.equal(c.roc!.thresholds[0], c.roc!.thresholds[1]! + 1);
      assertAllClose(roc.thresholds.subarray(1), c.roc!.thresholds.slice(1), 'roc thresholds', 0);

      const pr = precisionRecallCurve(y, s);
      assertAllClose(pr.precision, c.pr!.precision, 'precision');
      assertAllClose(pr.recall, c.pr!.recall, 'recall');
      assertAllClose(pr.thresholds, c.pr!.thresholds, 'pr thresholds', 0);

      for (const [t, expected] of Object.entries(c.balancedAccuracy)) {
        assertClose(balancedAccuracy(y, s, Number(t)), expected, `balanced accuracy at ${t}`);
      }
    });
  }
});

describe('classification metrics by hand', () => {
  it('AUROC of the sklearn docs example by counting pairs: 3 of 4 pairs ordered', () => {
    // positives 0.35 and 0.8; negatives 0.1 and 0.4. 0.35 > 0.1, 0.35 < 0.4, 0.8 > both.
    assert.equal(auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 3 / 4);
  });

  it('AUROC counts a tied pair as one half', () => {
    // positive 0.5 ties negative 0.5 (½) and beats 0.2 (1); positive 0.9 beats both (2): 3.5 / 4.
    assert.equal(auroc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), 0.875);
    assert.equal(auroc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3]), 0.5);
  });

  it('average precision of the docs example: 0.5·1 + 0.5·(2/3)', () => {
    // thresholds 0.8 (P 1, R .5), 0.4 (P .5, R .5), 0.35 (P 2/3, R 1), 0.1 (R 1): AP = 0.5 + 1/3.
    assertClose(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.5 + 1 / 3, 'AP', 1e-15);
  });

  it('balanced accuracy and the confusion counts at a threshold (score >= t is positive)', () => {
    const y = [1, 1, 1, 0, 0];
    const s = [0.9, 0.5, 0.2, 0.5, 0.1];
    assert.deepEqual(confusionAtThreshold(y, s, 0.5), { tp: 2, fp: 1, tn: 1, fn: 1 });
    assert.equal(balancedAccuracy(y, s, 0.5), (2 / 3 + 1 / 2) / 2);
    // One class present: the recall of that class.
    assert.equal(balancedAccuracy([0, 0, 0, 0], [0.1, 0.6, 0.2, 0.7]), 0.5);
  });

  it('drops collinear ROC points but keeps the corners', () => {
    const roc = rocCurve([1, 1, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1]);
    assert.deepEqual(Array.from(roc.fpr), [0, 0, 0, 1]);
    assert.deepEqual(Array.from(roc.tpr), [0, 1 / 3, 1, 1]);
    const full = rocCurve([1, 1, 1, 0, 0, 0], [6, 5, 4, 3, 2, 1], { dropIntermediate: false });
    assert.equal(full.fpr.length, 7);
  });

  it('a bundle for reports', () => {
    assert.deepEqual(classificationMetrics([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), {
      n: 4,
      positives: 2,
      auroc: 0.75,
      averagePrecision: averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
      balancedAccuracy: 0.75,
      threshold: 0.5,
    });
  });
});

describe('classification metrics refuse bad input', () => {
  it('labels other than 0 and 1', () => {
    assert.throws(() => auroc([0, 2], [0.1, 0.2]), { name: 'RangeError', message: 'auroc: yTrue[1] is 2; labels must be 0 or 1' });
  });
  it('NaN scores', () => {
    assert.throws(() => averagePrecision([0, 1], [0.1, Number.NaN]), { name: 'RangeError', message: /scores\[1\] is NaN/ });
  });
  it('length mismatch and empty input', () => {
    assert.throws(() => rocCurve([0, 1], [0.1]), { name: 'RangeError', message: 'rocCurve: yTrue has 2 values but scores has 1' });
    assert.throws(() => auroc([], []), { name: 'RangeError', message: 'auroc: yTrue is empty' });
  });
});
