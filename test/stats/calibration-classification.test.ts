import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brierScore, expectedCalibrationError, reliabilityTable } from '../../src/stats/calibration-classification.js';
import { assertAllClose, assertClose, loadReference } from './reference.js';

const ref = loadReference();

describe('probability calibration matches scikit-learn', () => {
  for (const c of ref.classification) {
    it(`${c.name}: ${c.note}`, () => {
      assertClose(brierScore(c.yTrue, c.scores), c.brier, 'brier');
      for (const r of c.reliability) {
        const what = `${r.strategy} ${r.bins} bins`;
        const table = reliabilityTable(c.yTrue, c.scores, { bins: r.bins, strategy: r.strategy });
        assertAllClose(table.edges, r.edges, `${what}: edges`, 0);
        assertAllClose(
          table.rows.map((b) => b.observedFrequency),
          r.observed,
          `${what}: observed (calibration_curve prob_true)`,
        );
        assertAllClose(
          table.rows.map((b) => b.meanPredicted),
          r.meanPredicted,
          `${what}: mean predicted (prob_pred)`,
        );
        assert.deepEqual(
          table.rows.map((b) => b.count),
          r.counts,
          `${what}: counts`,
        );
        assertClose(expectedCalibrationError(c.yTrue, c.scores, { bins: r.bins, strategy: r.strategy }), r.ece, `${what}: ECE`, 1e-12, 1e-16);
      }
    });
  }
});

describe('probability calibration by hand', () => {
  it('a two-bin table, ECE and Brier', () => {
    // Bin (0, 0.5] holds 0.2, 0.4 (labels 0, 1); bin (0.5, 1] holds 0.6, 0.8, 1.0 (labels 1, 1, 0).
    const y = [0, 1, 1, 1, 0];
    const p = [0.2, 0.4, 0.6, 0.8, 1.0];
    const t = reliabilityTable(y, p, { bins: 2 });
    assert.deepEqual(
      t.rows.map((r) => [r.bin, r.count, r.observedFrequency]),
      [
        [0, 2, 0.5],
        [1, 3, 2 / 3],
      ],
    );
    assertClose(t.rows[0]!.meanPredicted, 0.3, 'mean predicted, bin 0', 1e-15);
    assertClose(t.rows[1]!.meanPredicted, 0.8, 'mean predicted, bin 1', 1e-15);
    // ECE = 2/5·|0.5 − 0.3| + 3/5·|2/3 − 0.8| = 0.08 + 0.08
    assertClose(expectedCalibrationError(y, p, { bins: 2 }), 0.16, 'ECE', 1e-14);
    // Brier = (0.04 + 0.36 + 0.16 + 0.04 + 1) / 5
    assertClose(brierScore(y, p), 1.6 / 5, 'Brier', 1e-15);
  });

  it('a probability on an edge goes to the bin below; 0 goes to the first', () => {
    const t = reliabilityTable([0, 1, 1], [0, 0.5, 0.50001], { bins: 2 });
    assert.deepEqual(
      t.rows.map((r) => [r.bin, r.count]),
      [
        [0, 2],
        [1, 1],
      ],
    );
  });

  it('refuses probabilities outside [0, 1] and unknown strategies', () => {
    assert.throws(() => brierScore([0, 1], [0.5, 1.2]), { name: 'RangeError', message: 'brierScore: prob[1] is 1.2; probabilities must lie in [0, 1]' });
    assert.throws(() => reliabilityTable([0, 1], [0.5, 0.2], { strategy: 'kmeans' as never }), { name: 'RangeError', message: /strategy is kmeans/ });
    assert.throws(() => reliabilityTable([0, 1], [0.5, 0.2], { bins: 0 }), { name: 'RangeError', message: /bins is 0/ });
  });
});
